"""The analyzer: one pipeline for passages and queries."""

from __future__ import annotations

import pytest

from bot.knowledge.analyzer import Analyzer, fold, surface_words
from bot.knowledge.base import KnowledgeBase


def test_fold_unicode_quotes_dashes_and_greek() -> None:
    assert fold("Anastrozole’s “TNF-α” — ERβ") == "anastrozole's \"tnf-alpha\" - erbeta"
    assert fold("ＤＥＸＡ") == "dexa"  # full-width letters (NFKC)
    assert fold("Weight-Bearing ExercisePhysical activity") == "weight-bearing exercise physical activity"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,410 women", ["1410", "women"]),
        ("a 4.1% loss", ["a", "4.1", "loss"]),
        ("T-score of -2.5", ["t-score", "of", "-2.5", "2.5"]),
        ("every 1-2 years", ["every", "1", "2", "years"]),
        ("+2.6% after", ["2.6", "after"]),
        ("after two years", ["after", "2", "years"]),
        ("IL-1 and IGF-1", ["il-1", "and", "igf-1"]),
    ],
)
def test_surface_words_numbers_and_hyphens(text: str, expected: list[str]) -> None:
    assert surface_words(text) == expected


def test_stop_words_stemming_and_hyphen_parts() -> None:
    analyzer = Analyzer(["the", "of", "is", "what"], {})
    assert analyzer.analyze("What is the T-score of fractures?") == ["t", "score", "fractur", "tscore"]


def test_synonyms_single_word_replace_and_phrases_add() -> None:
    analyzer = Analyzer([], {"anastrozole": ["arimidex", "adex"], "dexa": ["dxa", "bone scan"]})
    assert analyzer.analyze("Arimidex") == analyzer.analyze("anastrozole")
    assert analyzer.analyze("adex") == ["anastrozol"]
    assert analyzer.analyze("DXA") == ["dexa"]
    assert analyzer.analyze("bone scan") == ["bone", "scan", "dexa"]  # keeps the patient's own words


def test_query_terms_weigh_expansions_as_one_word_and_cap_repeats() -> None:
    analyzer = Analyzer(["my"], {"testosterone replacement therapy": ["trt"], "dexa": ["bone scan"]})
    weights = analyzer.query_terms(["trt", "bone", "scan", "bone", "my", "bones"])
    share = 1 / 3**0.5  # "trt" stands for one typed word spread over three article words
    assert weights == pytest.approx(
        {"testosteron": share, "replac": share, "therapi": share, "bone": 1.0, "scan": 1.0, "dexa": 1.0}
    )
    assert analyzer.query_terms([]) == {}


def test_multiword_canonical_and_hyphenated_variant() -> None:
    analyzer = Analyzer([], {"bone mineral density": ["bmd"], "dexa": ["dual energy x ray absorptiometry"]})
    assert analyzer.analyze("BMD") == analyzer.analyze("bone mineral density")
    assert "dexa" in analyzer.analyze("Dual-energy X-ray Absorptiometry")


def test_project_synonyms_meet_across_brand_abbreviation_and_patient_words(knowledge: KnowledgeBase) -> None:
    analyze = knowledge.searcher.analyzer.analyze
    assert analyze("femara") == analyze("letrozole")
    assert analyze("prolia") == analyze("denosumab")
    assert analyze("fosamax") == analyze("alendronate")
    assert analyze("reclast") == analyze("zoledronic acid")
    assert analyze("vit d") == analyze("vitamin d")
    assert analyze("E2") == analyze("estradiol")
    assert analyze("TRT") == analyze("testosterone replacement therapy")
    # The lay vocabulary (knowledge/lay_terms.yaml) joins the same map.
    assert "osteoclast" in analyze("why do the bone eating cells live longer")
    assert "smoke" in analyze("do cigarettes matter")
    assert {"loss", "annual"} <= set(analyze("how much bone do women lose per year"))
    assert {"loss", "annual"} <= set(analyze("how much bone do women loose annually"))
    assert set(analyze("AI")) == set(analyze("aromatase inhibitor"))
    assert "dexa" in analyze("bone density scan")
    assert analyze("oestrogen") == analyze("estrogen")


def test_all_stop_words_and_empty_give_no_terms(knowledge: KnowledgeBase) -> None:
    analyze = knowledge.searcher.analyzer.analyze
    assert analyze("") == []
    assert analyze("what is it? how do i?") == []
    assert analyze("!!! ??? ...") == []


def test_huge_input_is_bounded(knowledge: KnowledgeBase) -> None:
    assert len(knowledge.searcher.analyzer.analyze("bone " * 100_000)) <= 20_000
