"""Tests for glossary extraction (scripts/extract_glossary.py), the curated file and bot/knowledge/glossary.py."""

from __future__ import annotations

import importlib.util
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import KnowledgeError
from bot.knowledge.glossary import MAX_QUERY_CHARS, Glossary

NOW_FOR_ECHO = datetime(2026, 11, 30, 12, tzinfo=UTC)

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "knowledge" / "articles"
CURATED = ROOT / "knowledge" / "glossary.yaml"
SMALL = Path(__file__).resolve().parent / "data" / "glossary_small.yaml"
# Raw glossary terms deliberately left out of the curated file (wellness-marketing filler).
DROPPED = {
    "advanced therapeutic strategies",
    "biological systems",
    "health",
    "hormonal optimization",
    "hormonal optimization protocols",
    "integrity",
    "older men",
    "personal health",
    "personalized wellness",
    "personalized wellness protocols",
    "recovery",
    "vitality",
    "well-being",
    "wellness protocol",
}


def _load_extractor() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "extract_glossary", ROOT / "scripts" / "extract_glossary.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


eg = _load_extractor()


def fold(text: str) -> str:
    """Normalise whitespace only, as quotes may differ from the article in nothing else."""
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def extracted() -> dict[str, Any]:
    return {g.article: g for g in eg.extract_dir(ARTICLES)}


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary.load(CURATED)


@pytest.fixture(scope="module")
def small() -> Glossary:
    return Glossary.load(SMALL)


# --- extraction ---------------------------------------------------------------------------------


def test_all_five_articles_yield_entries(extracted: dict[str, Any]) -> None:
    assert sorted(extracted) == ["000", "001", "002", "003", "004"]
    for glossary in extracted.values():
        assert len(glossary.entries) >= 15
        assert all(e.definition and not e.definition.startswith("Meaning") for e in glossary.entries)


def test_captions_are_skipped(extracted: dict[str, Any]) -> None:
    captions = [s for s in extracted["001"].skipped if s.reason == "caption"]
    assert len(captions) >= 20
    assert any(s.text.startswith("A poppy pod with a skeletal leaf") for s in captions)
    for glossary in extracted.values():
        for entry in glossary.entries:
            assert len(entry.term.split()) <= eg.MAX_TERM_WORDS
            assert "symboliz" not in entry.definition


def test_entries_without_meaning_are_skipped(extracted: dict[str, Any]) -> None:
    terms_001 = {e.term for e in extracted["001"].entries}
    assert "breaking down bone tissue" not in terms_001
    assert "postmenopausal women with" not in terms_001
    skipped = {s.text for s in extracted["001"].skipped if s.reason == "no definition"}
    assert {"breaking down bone tissue", "postmenopausal women with"} <= skipped
    definitions = {e.definition for g in extracted.values() for e in g.entries}
    assert not any(d.startswith("Hormonal optimization can support") for d in definitions)


def test_extract_text_on_a_synthetic_page() -> None:
    page = "\n".join(
        [
            "Body text mentioning Glossary in passing.",
            "Glossary",
            "",
            "A leaf on green symbolizes balance. This represents the endocrine system and cellular health",
            "",
            "osteopenia",
            "",
            "Meaning ∞ Osteopenia is low bone density.",
            "A caption straight after the definition, describing a picture of a porous structure",
            "",
            "lost term",
            "",
            "Some unrelated sentence the scraper kept instead.",
            "",
            "empty term",
            "",
            "Meaning ∞ ",
        ]
    )
    result = eg.extract_text(page, "007")
    assert [(e.term, e.definition, e.article) for e in result.entries] == [
        ("osteopenia", "Osteopenia is low bone density.", "007")
    ]
    reasons = {s.text: s.reason for s in result.skipped}
    assert reasons["lost term"] == "no definition"
    assert reasons["empty term"] == "no definition"
    assert list(reasons.values()).count("caption") == 3


def test_group_key_folds_case_hyphens_and_plurals() -> None:
    assert eg.group_key("Osteoblasts") == eg.group_key("osteoblast")
    assert eg.group_key("well-being") == "well being"
    assert eg.group_key("advanced therapeutic strategies") == "advanced therapeutic strategy"
    assert eg.group_key("osteoporosis") == "osteoporosis"


def test_cli_writes_grouped_yaml(tmp_path: Path) -> None:
    out = tmp_path / "raw.yaml"
    assert eg.main(["--articles", str(ARTICLES), "--out", str(out)]) == 0
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    groups = {g["key"]: g for g in data["groups"]}
    assert groups["osteoblast"]["forms"] == ["osteoblast", "osteoblasts"]
    sources = {s for d in groups["osteoblast"]["definitions"] for s in d["sources"]}
    assert sources == {"000", "001", "002", "003", "004"}
    assert data["articles"]["001"]["captions"] >= 20
    lost = {"term": "breaking down bone tissue", "source": "001", "reason": "no definition"}
    assert lost in data["skipped"]
    # Deterministic: a second run gives the same bytes.
    again = tmp_path / "again.yaml"
    eg.main(["--articles", str(ARTICLES), "--out", str(again)])
    assert again.read_bytes() == out.read_bytes()


def test_cli_prints_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "042_x.txt").write_text("Glossary\n\ncalcium\n\nMeaning ∞ A mineral.\n", encoding="utf-8")
    assert eg.main(["--articles", str(tmp_path)]) == 0
    data = yaml.safe_load(capsys.readouterr().out)
    assert data["groups"] == [
        {
            "key": "calcium",
            "forms": ["calcium"],
            "definitions": [{"text": "A mineral.", "sources": ["042"], "terms": ["calcium"]}],
        }
    ]


# --- the curated file ---------------------------------------------------------------------------


def test_curated_glossary_loads_sorted_with_unique_ids(glossary: Glossary) -> None:
    assert len(glossary.entries) >= 60
    terms = [e.term.casefold() for e in glossary.entries]
    assert terms == sorted(terms)
    assert len({e.id for e in glossary.entries}) == len(glossary.entries)


def test_every_text_is_verbatim_from_its_source(extracted: dict[str, Any]) -> None:
    raw = yaml.safe_load(CURATED.read_text(encoding="utf-8"))
    articles = {p.name[:3]: p.read_text(encoding="utf-8") for p in ARTICLES.glob("*.txt")}
    for item in raw["entries"]:
        for definition in [item["definition"], *item.get("alternatives", [])]:
            text, source = fold(definition["text"]), definition["source"]
            assert source in articles, (item["id"], source)
            if item.get("from_body"):
                body = articles[source].split("\nGlossary\n")[0]
                assert text in fold(body), (item["id"], text)
            else:
                glossary_texts = {fold(e.definition) for e in extracted[source].entries}
                assert text in glossary_texts, (item["id"], source, text)


def test_every_kept_raw_term_is_a_term_or_alias(extracted: dict[str, Any], glossary: Glossary) -> None:
    for raw_glossary in extracted.values():
        for raw_entry in raw_glossary.entries:
            result = glossary.lookup(raw_entry.term)
            if raw_entry.term.casefold() in DROPPED:
                assert result.entry is None or raw_entry.term.casefold() not in _forms(result.entry)
                continue
            assert result.entry is not None, raw_entry.term
            assert raw_entry.term.casefold() in _forms(result.entry), raw_entry.term


def _forms(entry: Any) -> set[str]:
    return {f.casefold() for f in (entry.term, *entry.aliases)}


def test_dropped_junk_is_not_in_the_glossary(glossary: Glossary) -> None:
    for term in ("health", "vitality", "well-being", "hormonal optimization"):
        assert glossary.lookup(term).entry is None
    assert glossary.get("health") is None


def test_from_body_entries_exist(glossary: Glossary) -> None:
    t_score = glossary.get("t-score")
    assert t_score is not None and "healthy young adult" in t_score.definition.text
    assert glossary.lookup("Z score").entry == glossary.get("z-score")


# --- loader errors ------------------------------------------------------------------------------


def _small_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
    return data


def _write(tmp_path: Path, data: Any, name: str = "broken.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _set(index: int, key: str, value: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        data["entries"][index][key] = value

    return change


def _delete(index: int, key: str) -> Any:
    def change(data: dict[str, Any]) -> None:
        del data["entries"][index][key]

    return change


@pytest.mark.parametrize(
    ("change", "entry", "problem"),
    [
        (_delete(1, "id"), "#1", "'id'"),
        (_set(1, "id", "Bone_Density"), "Bone_Density", "slug"),
        (_set(1, "id", "x" * 41), "x" * 41, "40"),
        (_set(1, "id", "osteopenia"), "osteopenia", "duplicate id"),
        (_set(1, "term", "  "), "bone-density", "'term'"),
        (_set(1, "definition", {"text": "", "source": "002"}), "bone-density", "definition.text"),
        (_set(1, "definition", {"text": "ok", "source": "2"}), "bone-density", "article id"),
        (_set(1, "definition", {"text": "ok", "source": 2}), "bone-density", "article id"),
        (_set(1, "definition", "just text"), "bone-density", "mapping"),
        (_delete(1, "definition"), "bone-density", "definition"),
        (_set(1, "alternatives", {"text": "x", "source": "001"}), "bone-density", "'alternatives'"),
        (_set(1, "alternatives", [{"text": "x", "source": "abc"}]), "bone-density", "article id"),
        (_set(1, "aliases", "BMD"), "bone-density", "'aliases'"),
        (_set(1, "aliases", ["BMD", ""]), "bone-density", "'aliases'"),
        (_set(1, "aliases", ["BMD", "bmd"]), "bone-density", "repeats"),
        (_set(1, "aliases", ["osteopaenia"]), "bone-density", "osteopenia"),
        (_set(1, "aliases", ["Osteopaenias"]), "bone-density", "once folded"),
        (_set(1, "from_body", "yes"), "bone-density", "'from_body'"),
        (_set(1, "definiton", {"text": "typo", "source": "002"}), "bone-density", "unknown field"),
    ],
)
def test_loader_errors_name_file_and_entry(tmp_path: Path, change: Any, entry: str, problem: str) -> None:
    data = _small_data()
    change(data)
    path = _write(tmp_path, data)
    with pytest.raises(KnowledgeError) as info:
        Glossary.load(path)
    assert info.value.file == "broken.yaml"
    assert info.value.entry == entry
    assert problem in info.value.problem
    assert str(info.value).startswith(f"broken.yaml: {entry}: ")


def test_loader_rejects_entry_that_is_not_a_mapping(tmp_path: Path) -> None:
    data = _small_data()
    data["entries"][2] = "just a string"
    with pytest.raises(KnowledgeError, match=r"broken\.yaml: #2: entry must be a mapping"):
        Glossary.load(_write(tmp_path, data))


@pytest.mark.parametrize(
    "content", ["[1, 2]", "entries: []", "entries: {a: 1}", "entries: [", "", "\xff\xfe"]
)
def test_loader_rejects_bad_documents(tmp_path: Path, content: str) -> None:
    path = tmp_path / "doc.yaml"
    path.write_bytes(content.encode("latin-1"))
    with pytest.raises(KnowledgeError) as info:
        Glossary.load(path)
    assert info.value.file == "doc.yaml"


def test_loader_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match=r"^missing\.yaml: -: file not found"):
        Glossary.load(tmp_path / "missing.yaml")


# --- the small fixture: model fields, get, A-Z ---------------------------------------------------


def test_small_fixture_fields(small: Glossary) -> None:
    assert [e.id for e in small.entries] == [
        "aromatase-inhibitors",
        "bone-density",
        "hormones",
        "osteopenia",
        "t-score",
    ]
    entry = small.get("bone-density")
    assert entry is not None
    assert entry.aliases == ("bone mineral density", "BMD")
    assert entry.definition.source == "002"
    assert entry.sources == ("002", "000", "001")
    assert small.get("nope") is None


def test_letters_and_by_letter(small: Glossary, glossary: Glossary) -> None:
    assert small.letters() == ["A", "B", "H", "O", "T"]
    assert [e.id for e in small.by_letter("b")] == ["bone-density"]
    assert small.by_letter("B") == small.by_letter("b")
    assert small.by_letter("z") == [] and small.by_letter("") == []
    letters = glossary.letters()
    assert letters == sorted(set(letters))
    assert sum(len(glossary.by_letter(letter)) for letter in letters) == len(glossary.entries)
    assert all(glossary.by_letter(letter) for letter in letters)


# --- lookup -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "entry_id"),
    [
        # case, punctuation, whitespace
        ("Osteopenia", "osteopenia"),
        ("  OSTEOPENIA?! ", "osteopenia"),
        ("<b>osteopenia</b>", "osteopenia"),
        ("what is osteopenia?", "osteopenia"),
        ("BMD meaning", "bone-density"),
        # singular / plural
        ("osteoblast", "osteoblasts"),
        ("Osteoblasts", "osteoblasts"),
        ("osteoclast", "osteoclasts"),
        ("bisphosphonate", "bisphosphonates"),
        ("BTMs", "bone-turnover-markers"),
        ("bone turnover marker", "bone-turnover-markers"),
        # aliases, abbreviations, brand names
        ("DEXA", "dexa-scan"),
        ("DXA", "dexa-scan"),
        ("BMD", "bone-density"),
        ("bone mineral density", "bone-density"),
        ("AIs", "aromatase-inhibitors"),
        ("TRT", "testosterone-replacement-therapy"),
        ("PTH", "parathyroid-hormone"),
        ("E2", "estradiol"),
        ("estradiol levels", "estradiol"),
        ("OPG", "osteoprotegerin"),
        ("SERM", "raloxifene"),
        ("hypogonadism", "low-testosterone"),
        ("Arimidex", "anastrozole"),
        ("Femara", "letrozole"),
        ("Aromasin", "exemestane"),
        ("Prolia", "denosumab"),
        ("Xgeva", "denosumab"),
        ("Fosamax", "bisphosphonates"),
        ("Zometa", "bisphosphonates"),
        ("Evista", "raloxifene"),
        # hyphens and spaces, British spelling
        ("T score", "t-score"),
        ("tscore", "t-score"),
        ("n terminal telopeptide", "n-terminal-telopeptide"),
        ("post-menopausal", "postmenopausal"),
        ("oestrogen", "estrogen"),
        ("osteopaenia", "osteopenia"),
        ("bone remodelling", "bone-remodeling"),
        # typos
        ("osteopinia", "osteopenia"),
        ("letrozol", "letrozole"),
        ("alkaline phosphotase", "alkaline-phosphatase"),
        ("osteoporsis", "osteoporosis"),
        ("anastrazole", "anastrozole"),
        ("denosumub", "denosumab"),
        ("biphosphonates", "bisphosphonates"),
        ("estogen", "estrogen"),
        # part of a term, or a term inside a short phrase
        ("testosterone replacement", "testosterone-replacement-therapy"),
        ("mineral density", "bone-density"),
        ("bone density test", "bone-density"),
    ],
)
def test_lookup_finds_the_entry(glossary: Glossary, query: str, entry_id: str) -> None:
    result = glossary.lookup(query)
    assert result.entry is not None, query
    assert result.entry.id == entry_id
    assert result.suggestions == ()


@pytest.mark.parametrize(
    "query",
    [
        "diabetes",
        "ibuprofen",
        "pizza",
        "blood pressure",
        "tamoxifen",
        "vitamin k",
        "growth hormone",
        "menopause",
        "bone",
    ],
)
def test_lookup_unknown_returns_no_entry(glossary: Glossary, query: str) -> None:
    assert glossary.lookup(query).entry is None


def test_unknown_gets_sensible_suggestions(glossary: Glossary) -> None:
    ambiguous = glossary.lookup("osteoxlast")  # one typo away from both osteoblast and osteoclast
    assert ambiguous.entry is None
    assert {"osteoblasts", "osteoclasts"} <= {e.id for e in ambiguous.suggestions}
    assert "t-score" in {e.id for e in glossary.lookup("score").suggestions}
    assert glossary.lookup("bone").suggestions
    assert len(glossary.lookup("bone").suggestions) <= 3
    assert glossary.lookup("pizza").suggestions == ()
    assert glossary.lookup("diabetes").suggestions == ()


@pytest.mark.parametrize(
    "query",
    ["", "   ", "x" * 100_000, "osteopenia " * 20, "\x00\xff", "<b>", "🦴", "?!", "a" * MAX_QUERY_CHARS],
)
def test_lookup_is_robust(glossary: Glossary, query: str) -> None:
    result = glossary.lookup(query)
    assert result.entry is None
    assert len(result.query) <= MAX_QUERY_CHARS


@settings(deadline=None)
@given(st.text(max_size=150))
def test_lookup_and_find_in_text_never_raise(glossary: Glossary, text: str) -> None:
    result = glossary.lookup(text)
    assert result.entry is None or glossary.get(result.entry.id) is result.entry
    assert len(result.suggestions) <= 3
    assert len(glossary.find_in_text(text)) <= 3


def test_lookup_of_non_string_does_not_raise(glossary: Glossary) -> None:
    assert glossary.lookup(None).entry is None  # type: ignore[arg-type]


def test_lookup_echoes_the_query(glossary: Glossary) -> None:
    assert glossary.lookup("  Osteopenia ").query == "Osteopenia"


def test_lookup_is_fast(glossary: Glossary) -> None:
    queries = ["osteopinia", "DEXA", "testosterone replacement", "diabetes", "blood pressure", "bone", "zzz"]
    start = time.perf_counter()
    for _ in range(50):
        for query in queries:
            glossary.lookup(query)
    per_lookup = (time.perf_counter() - start) / (50 * len(queries))
    assert per_lookup < 0.005  # about 0.2 ms here; the bound only catches a pathological slowdown


# --- find_in_text -------------------------------------------------------------------------------


def test_find_in_text_in_order_of_appearance(glossary: Glossary) -> None:
    text = "Anastrozole lowers estrogen, so osteoclasts outpace osteoblasts and bone density falls."
    assert [e.id for e in glossary.find_in_text(text, limit=5)] == [
        "anastrozole",
        "estrogen",
        "osteoclasts",
        "osteoblasts",
        "bone-density",
    ]
    assert [e.id for e in glossary.find_in_text(text)] == ["anastrozole", "estrogen", "osteoclasts"]


def test_find_in_text_prefers_the_longest_match_and_skips_duplicates(glossary: Glossary) -> None:
    text = "Lumbar spine BMD fell; the lumbar spine and the Lumbar-Spine BMD were scanned by DEXA scans."
    assert [e.id for e in glossary.find_in_text(text, limit=5)] == [
        "lumbar-spine-bmd",
        "lumbar-spine",
        "dexa-scan",
    ]
    found = glossary.find_in_text("An osteoclast; many osteoclasts. Bone mineral density, BMD.", limit=5)
    assert [e.id for e in found] == ["osteoclasts", "bone-density"]


def test_find_in_text_whole_words_and_generic_terms(glossary: Glossary) -> None:
    assert glossary.find_in_text("Bone health and hormones matter for overall health.") == []
    found = glossary.find_in_text("The calciumrich diet said nothing of osteopenias")
    assert found == [glossary.get("osteopenia")]
    # Abbreviations only count in capitals: "ai" inside prose is not an aromatase inhibitor.
    assert glossary.find_in_text("Thai food, ai, er, pth") == []
    found = glossary.find_in_text("Patients on an AI need a DXA.")
    assert [e.id for e in found] == ["aromatase-inhibitors", "dexa-scan"]


def test_find_in_text_edge_cases(glossary: Glossary, small: Glossary) -> None:
    assert glossary.find_in_text("") == []
    assert glossary.find_in_text("osteopenia", limit=0) == []
    assert glossary.find_in_text("x" * 100_000 + " osteopenia") == [glossary.get("osteopenia")]
    assert [e.id for e in small.find_in_text("Arimidex is an AI; hormones and BMD.")] == [
        "aromatase-inhibitors",
        "bone-density",
    ]



@pytest.mark.parametrize(
    ("typed", "term"),
    [
        ("<osteo&penia>", "Osteopenia"),  # angle brackets around the term are punctuation
        ("<b>bmd</b>", "Bone density"),  # pasted HTML tags are dropped
    ],
)
def test_markup_around_a_term_is_read(glossary: Glossary, typed: str, term: str) -> None:
    result = glossary.lookup(typed)
    assert result.entry is not None and result.entry.term == term


def test_a_term_not_found_is_echoed_as_typed_and_escaped() -> None:
    from bot.app import build_assistant
    from bot.channels.telegram_html import render_reply
    from bot.config import Settings
    from bot.models import Incoming

    assistant = build_assistant(Settings(knowledge_dir=Path(__file__).resolve().parents[1] / "knowledge"))
    [reply] = assistant.handle(Incoming(5, 5, "/glossary <osteo&zzzq>"), NOW_FOR_ECHO)
    assert '"osteo&zzzq"' in reply.plain_text  # never '""'
    assert "osteo&amp;zzzq" in render_reply(reply)[0].html
