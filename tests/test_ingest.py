"""Ingestion: captions, navigation and references dropped; tables keep context; duplicates merged."""

from __future__ import annotations

import re

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.ingest import ArticleSource, fold_whitespace, ingest, ingest_article, is_caption

PAGE = """Skip to main content

Fundamentals

Bone is living tissue. It is rebuilt all the time.

A delicate skeletal leaf on green symbolizes the intricate endocrine system, highlighting hormone optimization

Measuring Bone

Key strategies include:

  • Nutritional Support ∞ Calcium and vitamin D matter.
  • Examples include ∞
    • Nested ∞ A nested item.

Monitoring Component Purpose Typical Frequency
DEXA Scan Assess bone mineral density Baseline, then every 1-2 years
Serum Calcium Evaluate calcium homeostasis Periodically
A white porous structure symbolizes foundational bone density and cellular health for vitality in wellness

Intermediate

Results Table
Trial Name Finding
ATAC Bone loss of 2.3%

References

  • Someone, A. "A paper." Journal, 2020.

Reflection

Your journey is yours.
"""


def _passages() -> list:
    return ingest_article(ArticleSource("009", "Test article", PAGE))


def test_navigation_captions_references_and_reflection_are_dropped() -> None:
    texts = [p.text for p in _passages()]
    assert not any("Skip to main content" in t for t in texts)
    assert not any("symbolizes" in t for t in texts)
    assert not any("Journal" in t or "journey" in t for t in texts)


def test_sections_headings_and_lead_in() -> None:
    by_text = {p.text: p for p in _passages()}
    first = by_text["Bone is living tissue. It is rebuilt all the time."]
    assert (first.section, first.heading) == ("Fundamentals", "Fundamentals")
    item = by_text["Nutritional Support ∞ Calcium and vitamin D matter."]
    assert (item.heading, item.kind, item.context) == ("Measuring Bone", "list", "Key strategies include:")
    assert "Examples include ∞" not in by_text  # an item the scraper emptied says nothing


def test_table_rows_keep_caption_and_header_as_context_not_text() -> None:
    rows = [p for p in _passages() if p.kind == "table_row"]
    dexa = next(p for p in rows if p.text.startswith("DEXA Scan"))
    assert dexa.text == "DEXA Scan Assess bone mineral density Baseline, then every 1-2 years"
    assert "Monitoring Component Purpose Typical Frequency" in dexa.context
    atac = next(p for p in rows if p.text.startswith("ATAC"))
    assert atac.context == "Results Table — Trial Name Finding"
    assert atac.section == "Intermediate"
    assert not any("symbolizes" in p.text for p in rows)  # a caption glued under a table is dropped


def test_duplicate_text_is_merged_citing_both_articles() -> None:
    one = ArticleSource("010", "One", "Fundamentals\n\nSame words here.\n\nOnly in one.\n")
    two = ArticleSource("011", "Two", "Fundamentals\n\nSame  words here.\n\nOnly in two.\n")
    merged = ingest([one, two])
    same = [p for p in merged if "Same" in p.text]
    assert len(same) == 1 and same[0].sources == ("010", "011")
    assert len(merged) == 3


def test_ids_are_deterministic() -> None:
    assert [p.id for p in _passages()] == [p.id for p in _passages()]


def test_real_corpus_every_passage_is_verbatim_and_no_caption(knowledge: KnowledgeBase) -> None:
    articles = {a: fold_whitespace((knowledge.root / info.file).read_text()) for a, info in knowledge.articles.items()}
    caption_words = re.compile(r"\b(symboli[sz]es|embodies|depicts)\b", re.IGNORECASE)
    for passage in knowledge.passages:
        assert passage.text in articles[passage.article], passage.id
        assert not is_caption(passage.text), passage.id
        assert not caption_words.search(passage.text), passage.id
        assert passage.section in {"Fundamentals", "Intermediate", "Academic", "Glossary"}
        assert passage.text not in {"Skip to main content", "References", "Glossary"}
        assert not re.search(r"\bJournal of\b|\bet al\.\s*“", passage.text), passage.id  # no references


def test_real_corpus_near_duplicate_articles_are_merged(knowledge: KnowledgeBase) -> None:
    merged = [p for p in knowledge.passages if {"000", "001"} <= set(p.sources)]
    assert len(merged) > 40  # 000 and 001 share their body text
    assert not any(p.article == "001" and not p.also_in for p in knowledge.passages if "ATAC trial’s bone" in p.text)


def test_real_corpus_tables_are_rows_with_context(knowledge: KnowledgeBase) -> None:
    dexa = [p for p in knowledge.passages if p.kind == "table_row" and p.text.startswith("DEXA Scan")]
    assert dexa and "Typical Frequency" in dexa[0].context
    burnett = [p for p in knowledge.passages if p.text.startswith("Burnett-Bowie et al. (2009)")]
    assert burnett and burnett[0].kind == "table_row"  # a row is not mistaken for a caption
