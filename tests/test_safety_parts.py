"""The parts of triage on their own: phrase matching, ConText modifiers, catalogue loading, classifier, languages."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from bot.content import Content
from bot.errors import KnowledgeError
from bot.safety.catalogue import Catalogue
from bot.safety.context import ContextRules, Modifier
from bot.safety.language import LanguageLexicon
from bot.safety.phrases import Corrector, Tokens, clauses, phrase, words
from bot.textmodel import TextModel, char_wb_ngrams, word_ngrams

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"


def test_words_fold_apostrophes_and_case() -> None:
    assert words("I CAN'T breathe, can’t, cannot") == ["i", "cant", "breathe", "cant", "cant"]
    assert phrase("anaphyla*") == ("anaphyla*",)


def test_phrases_match_with_one_word_between_and_record_the_words_used() -> None:
    tokens = Tokens("my chest really hurts")
    [span] = list(tokens.find(phrase("chest hurts")))
    assert (span.start, span.end, span.used) == (1, 3, frozenset({1, 3}))
    assert list(Tokens("my chest is really very sore").find(phrase("chest sore"))) == []


def test_misspellings_are_read_as_catalogue_words_but_real_words_are_not() -> None:
    corrector = Corrector({"breathe", "swollen", "unconscious"}, english={"heat", "breath"})
    assert corrector.correct("brethe") == ("breathe",)
    assert corrector.correct("unconcious") == ("unconscious",)
    assert corrector.correct("breath") == ()  # an English word is never "corrected"


def test_clauses_split_at_sentences_and_joined_clauses() -> None:
    assert len(clauses("I fell. My hip hurts! Can I walk?")) == 3
    assert len(clauses("my legs are fine, and my back is sore")) == 2


@pytest.fixture(scope="module")
def context() -> ContextRules:
    return ContextRules.load(KNOWLEDGE / "context.yaml")


@pytest.mark.parametrize(
    ("text", "finding", "expected"),
    [
        ("no chest pain at all", "chest pain", {Modifier.NEGATED}),
        ("my face isnt drooping", "face drooping", {Modifier.NEGATED}),
        ("not sure why but my chest pain is back", "chest pain", set()),  # "not sure": a pseudo-trigger
        ("what if i get chest pain", "chest pain", {Modifier.HYPOTHETICAL}),
        ("i had chest pain two years ago", "chest pain", {Modifier.HISTORICAL}),
        ("my husband has chest pain", "chest pain", {Modifier.OTHER}),
        ("chest pain right now", "chest pain", {Modifier.PRESENT}),
        ("i am not worried but chest pain started", "chest pain", set()),  # "but" ends the negation's scope
        ("not breathing", "not breathing", set()),  # a trigger inside the finding is part of it
    ],
)
def test_context_modifiers(context: ContextRules, text: str, finding: str, expected: set[Modifier]) -> None:
    tokens = Tokens(text)
    [span] = list(tokens.find(phrase(finding)))
    assessment = context.assess(context.triggers_in(tokens), context.segments(tokens), span)
    assert set(assessment.modifiers) == expected


def test_affirmed_means_not_negated_not_hypothetical_and_past_only_if_also_now(context: ContextRules) -> None:
    def affirmed(text: str) -> bool:
        tokens = Tokens(text)
        [span] = list(tokens.find(phrase("cant walk")))
        return context.assess(context.triggers_in(tokens), context.segments(tokens), span).affirmed

    assert affirmed("i fell and cant walk")
    assert not affirmed("years ago i fell and cant walk")
    assert affirmed("fell last week and still right now i cant walk")
    assert not affirmed("what if i fell and cant walk")


def _catalogue(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "flags.yaml"
    path.write_text(
        "sources:\n  s: {title: A source, url: https://example.org}\n"
        "lexicon:\n  chest: [chest]\n  pain: [pain, hurts]\n"
        "findings:\n  chest_pain: {all: ['@chest', '@pain']}\n" + body
    )
    return path


def test_catalogue_loader_names_the_file_and_entry(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match=r"flags\.yaml: concepts\.heart: every concept must list its sources"):
        Catalogue.load(_catalogue(tmp_path, "concepts:\n  - {id: heart, urgent: [[chest_pain]]}\n"), "urgent")
    with pytest.raises(KnowledgeError, match="unknown finding 'arm_pain'"):
        Catalogue.load(_catalogue(tmp_path, "concepts:\n  - {id: heart, sources: [s], urgent: [[arm_pain]]}\n"), "urgent")
    with pytest.raises(KnowledgeError, match="unknown source 'nhs'"):
        Catalogue.load(_catalogue(tmp_path, "concepts:\n  - {id: heart, sources: [nhs], urgent: [[chest_pain]]}\n"), "urgent")
    path = _catalogue(tmp_path, "concepts:\n  - {id: heart, sources: [s], urgent: [[chest_pain]]}\n")
    path.write_text(path.read_text().replace("'@pain'", "'@ache'"))
    with pytest.raises(KnowledgeError, match="unknown lexicon group @ache"):
        Catalogue.load(path, "urgent")


def test_a_catalogue_rule_needs_its_signs_affirmed(tmp_path: Path, context: ContextRules) -> None:
    catalogue = Catalogue.load(_catalogue(tmp_path, "concepts:\n  - {id: heart, sources: [s], urgent: [[chest_pain]]}\n"), "urgent")
    assert catalogue.match("my chest really hurts", context).hit is not None
    cleared = catalogue.match("does anastrozole cause chest pain", context)
    assert cleared.hit is None and [c.id for c in cleared.cautions] == ["heart"]
    assert catalogue.match("no chest pain", context).cautions == ()


def test_classifier_matches_scikit_learn_reference_predictions() -> None:
    model = TextModel.load(KNOWLEDGE / "models" / "safety.npz")
    for reference in model.meta["reference"]:  # type: ignore[union-attr]
        got = model.probabilities(reference["text"])
        assert np.allclose([got[c] for c in model.classes], reference["probabilities"], atol=1e-6)


def test_classifier_was_trained_on_the_training_data_in_the_repository() -> None:
    model = TextModel.load(KNOWLEDGE / "models" / "safety.npz")
    digest = hashlib.sha256()
    for name in model.meta["trained_from"]:  # type: ignore[union-attr]
        path = ROOT / name
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    assert digest.hexdigest() == model.meta["data_sha256"], "training data changed: run training/train_safety.py"
    files = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "training" / "safety").glob("*.yaml"))
    assert set(files) <= set(model.meta["trained_from"])  # type: ignore[arg-type]


def test_ngrams_are_scikit_learns() -> None:
    assert word_ngrams("cant breathe now", 1, 2) == ["cant", "breathe", "now", "cant breathe", "breathe now"]
    assert char_wb_ngrams("ab", 2, 3) == [" a", "ab", "b ", " ab", "ab "]


def test_a_missing_model_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="training/README.md"):
        TextModel.load(tmp_path / "safety.npz")


def test_other_languages(content: Content) -> None:
    guard = content.triage.language
    assert guard.check("my chest rly hurts rn cant breathe lol") is None  # phone English stays English
    assert guard.check("ok") is None
    spanish = guard.check("Tengo un dolor muy fuerte en el pecho y no puedo respirar")
    assert spanish is not None and spanish.language == "es" and spanish.concept is not None
    german = guard.check("Ich habe keine Schmerzen in der Brust, ich möchte nur etwas über Kalzium wissen")
    assert german is not None and german.language == "de" and "{number}" in german.reply


def test_language_lexicon_needs_the_number(tmp_path: Path) -> None:
    path = tmp_path / "langs.yaml"
    path.write_text("es:\n  reply: Solo inglés.\n  concepts: {}\n")
    with pytest.raises(KnowledgeError, match=r"langs\.yaml: es\.reply"):
        LanguageLexicon.load(path)
