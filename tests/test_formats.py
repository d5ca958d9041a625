"""Articles a clinic writes: Markdown and plain text become passages (headings, paragraphs, lists, tables)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import load_content
from bot.errors import KnowledgeError
from bot.knowledge.formats import ingest_articles, ingest_markdown, ingest_plain
from bot.knowledge.ingest import ArticleSource
from tests.clinic_support import CLINIC, add_article, knowledge_copy, replace_in

TITLE = "Booking your DEXA scan at Riverside Clinic"


def _markdown() -> dict[str, object]:
    passages = ingest_markdown("100", TITLE, (CLINIC / "dexa_booking.md").read_text())
    return {p.text: p for p in passages}


def test_markdown_headings_become_section_and_heading() -> None:
    by_text = _markdown()
    first = by_text["Riverside Clinic runs its own DEXA scanner in the imaging suite on the ground floor. See our website for a map."]
    assert (first.section, first.heading, first.kind) == (TITLE, TITLE, "paragraph")  # before any ##: the title
    call = next(p for text, p in by_text.items() if text.startswith("Call the imaging desk"))
    assert (call.section, call.heading) == ("How to book", "How to book")
    assert call.id == "100-002" and call.title == TITLE and call.article == "100"


def test_markdown_markup_images_and_links_are_not_quoted() -> None:
    texts = " ".join(_markdown())
    assert "**" not in texts and "https://" not in texts and "(" not in texts
    assert "photo of the scanner room" not in texts  # an image's alt text is a caption, not knowledge


def test_markdown_lists_keep_their_lead_in_and_parent_as_context() -> None:
    by_text = _markdown()
    assert "Before your scan:" not in by_text  # a short lead-in is context, not a passage
    wear = by_text["Wear loose clothes without metal zips, buttons or underwiring."]
    assert wear.kind == "list" and wear.context == f"{TITLE} — Before your scan:"
    nested = by_text["Include any bisphosphonate or denosumab injections."]
    assert nested.kind == "list" and nested.context.endswith("Before your scan: Bring your list of medicines.")


def test_markdown_table_rows_keep_their_header() -> None:
    rows = [p for p in _markdown().values() if p.kind == "table_row"]
    assert [p.cells for p in rows] == [("Monday to Thursday", "8:30 to 16:00"), ("Friday", "8:30 to 13:00"),
                                       ("Weekends", "closed")]
    assert all(p.columns == ("Day", "Hours") and p.context.endswith("Day | Hours") for p in rows)
    assert rows[1].text == "Friday | 8:30 to 13:00" and rows[1].heading == "Opening hours of the imaging desk"


def test_plain_text_headings_paragraphs_lists_and_tables() -> None:
    passages = ingest_plain("101", "Parking", (CLINIC / "parking.txt").read_text())
    by_text = {p.text: p for p in passages}
    first = by_text["Visitor parking is in car park B, next to the main entrance. The first hour is free for patients attending a scan."]
    assert (first.section, first.heading) == ("PARKING AT RIVERSIDE CLINIC", "PARKING AT RIVERSIDE CLINIC")  # wrapped lines joined
    badge = by_text["There are twelve blue badge spaces beside the imaging suite entrance."]
    assert (badge.section, badge.heading) == ("PARKING AT RIVERSIDE CLINIC", "Blue badge spaces")
    bus = by_text["Bus 14 stops outside the main entrance."]
    assert bus.kind == "list" and bus.context == "Parking — Getting here by bus:"
    table = ingest_plain("102", "Hours", "Opening hours\n\nDay\tHours\nMonday\t9 to 5\n  - nested?\n")
    assert not table or all(p.kind != "table_row" for p in table)  # ragged tabs: not a table
    rows = ingest_plain("102", "Hours", "Day\tHours\nMonday\t9 to 5\nFriday\t9 to 1\n")
    assert [(p.kind, p.cells, p.columns) for p in rows] == [
        ("table_row", ("Monday", "9 to 5"), ("Day", "Hours")), ("table_row", ("Friday", "9 to 1"), ("Day", "Hours"))]


def test_a_clinic_passage_that_repeats_a_source_passage_cites_it_instead() -> None:
    scraped = ArticleSource("000", "Source", "Fundamentals\n\nBone is living tissue.\n\nOnly here.\n")
    leaflet = ArticleSource("100", "Leaflet", "# Leaflet\n\nBone is  living tissue.\n\nOur own words.\n", "markdown")
    passages = ingest_articles([scraped, leaflet])
    assert [p.id for p in passages] == ["000-001", "000-002", "100-002"]
    assert passages[0].sources == ("000", "100")


def test_clinic_articles_load_with_metadata_and_scraped_passages_do_not_move(tmp_path: Path, content: object) -> None:
    knowledge = knowledge_copy(tmp_path)
    add_article(knowledge, "dexa_booking.md")
    add_article(knowledge, "parking.txt")
    loaded = load_content(knowledge).knowledge
    article = loaded.articles["100"]
    assert (article.format, str(article.reviewed), article.source_url) == ("markdown", "2026-01-15", "https://example.org/dexa")
    assert loaded.articles["101"].format == "plain"
    original = content.knowledge.passages  # type: ignore[attr-defined]
    assert loaded.passages[: len(original)] == original  # the source articles' ids and texts are untouched
    assert {p.article for p in loaded.passages[len(original):]} == {"100", "101"}


@pytest.mark.parametrize(
    ("entry", "message"),
    [('    format: scraped\n', "gave no passages as scraped .*declare format: markdown"),
     ('    format: docx\n', "'format' must be one of scraped, markdown, plain"),
     ('    reviewed: last spring\n', "'reviewed' must be a date"),
     ('    colour: blue\n', "unknown field"),
     ('    language: English\n', "'language' must be a language tag")],
)
def test_bad_article_entries_are_refused_naming_the_entry(tmp_path: Path, entry: str, message: str) -> None:
    knowledge = knowledge_copy(tmp_path)
    add_article(knowledge, "dexa_booking.md")
    replace_in(knowledge / "articles.yaml", '    reviewed: 2026-01-15\n', entry)
    with pytest.raises(KnowledgeError, match=f"articles.yaml: 100: .*{message}"):
        load_content(knowledge)


def test_a_missing_knowledge_folder_names_the_path_and_the_setting(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match=r"not found at .*nowhere.*knowledge_dir.*PATIENT_BOT_KNOWLEDGE"):
        load_content(tmp_path / "nowhere")
    knowledge = knowledge_copy(tmp_path)
    (knowledge / "safety.yaml").unlink()
    with pytest.raises(KnowledgeError, match=r"safety.yaml: -: file not found at .*safety.yaml .*PATIENT_BOT_KNOWLEDGE"):
        load_content(knowledge)
