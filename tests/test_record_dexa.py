"""DEXA results: reading a one-line /dexa, the guided steps, range checks, the articles' categories (quoted
from the articles, never invented), the chart, the next-scan reminder, deleting, and other users' ids."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.content import Content
from bot.errors import KnowledgeError
from bot.models import Incoming, ReplyKind, Style
from bot.record.bone import load_bone
from bot.record.dexa import DexaRepository, number, read_line
from bot.reminders.monitoring import normalise_space
from bot.storage import Database
from tests.record_support import build, button_data

USER, OTHER = 601, 602
NOW = datetime(2026, 11, 22, 10, tzinfo=UTC)
KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    with Database(tmp_path / "bot.sqlite3") as database:
        yield database


def test_one_line_results_are_read_in_the_forms_reports_use(content: Content) -> None:
    bone = content.record.bone
    line = read_line("2026-03-14 lumbar spine -1.8 z -0.5 bmd 0.912 g/cm2", bone)
    assert (line.date_text, line.site, line.t_score, line.z_score, line.bmd) == ("2026-03-14", "lumbar_spine", -1.8, -0.5, 0.912)
    line = read_line("hip T-score −2,6 on 14 March 2026", bone)
    assert (line.site, line.t_score, line.date_text) == ("total_hip", -2.6, "on 14 March 2026")
    line = read_line("14/03/2026 femoral neck t=-1.1 Z-score: +0.2", bone)
    assert (line.site, line.t_score, line.z_score, line.date_text) == ("femoral_neck", -1.1, 0.2, "14/03/2026")
    assert read_line("14 march 2026 wrist 0.3", bone).site == "forearm"
    assert number("1.2.3") is None and number("−0,4") == -0.4


@pytest.mark.parametrize(
    ("t_score", "term"),
    [(-2.5, "osteoporosis (weakened bones)"), (-3.9, "osteoporosis (weakened bones)"), (-2.4, "osteopenia (low bone mass)"),
     (-1.0, "osteopenia (low bone mass)"), (-0.9, None), (1.5, None)],
)
def test_categories_are_the_articles_ranges_and_none_above_them(content: Content, t_score: float, term: str | None) -> None:
    category = content.record.bone.category(t_score)
    assert (category.term if category else None) == term


def test_the_category_sentence_is_verbatim_in_the_articles_and_cited(content: Content) -> None:
    bone = content.record.bone
    assert normalise_space(bone.quote) in normalise_space(content.knowledge.texts["000"])
    for category in bone.categories:
        assert category.term in bone.quote  # never a word of ours
    assert bone.citation.title == content.knowledge.title("000") and bone.citation.heading


def test_a_category_that_is_not_in_the_quote_is_refused_at_start_up(tmp_path: Path, content: Content) -> None:
    path = tmp_path / "dexa.yaml"
    path.write_text((KNOWLEDGE / "dexa.yaml").read_text().replace('term: "osteopenia (low bone mass)"', 'term: "normal"'))
    titles = {a: article.title for a, article in content.knowledge.articles.items()}
    with pytest.raises(KnowledgeError, match=r"dexa\.yaml: categories\[1\]\.term: 'normal' is not part of the quote"):
        load_bone(path, content.knowledge.passages, titles)


def test_a_result_is_read_back_with_the_articles_category_and_a_next_scan_offer(db: Database, content: Content) -> None:
    setup = build(db, content, NOW)
    [saved] = setup.say("dexa", USER, "2026-03-14 lumbar spine -1.8 z -0.5 bmd 0.912")
    text = saved.plain_text
    assert "Saturday 14 March 2026 — Lumbar spine: T-score -1.8." in text and "Z-score -0.5" in text and "BMD 0.912 g/cm²" in text
    assert "The articles call a T-score of -1.8 osteopenia (low bone mass)" in text
    quotes = [b for b in saved.blocks if b.style is Style.QUOTE]
    assert quotes[0].text == content.record.bone.quote and quotes[0].emphasis == "osteopenia (low bone mass)"
    assert any(b.style is Style.SOURCE and "How anastrozole affects bone density" in b.text for b in saved.blocks)
    assert "every 1-2 years" in text  # the plan's quote of the interval
    assert "Sunday 14 March 2027, 12 months after this scan" in text
    assert saved.blocks[-1].style is Style.FOOTER
    [reminder] = setup.press(button_data(saved, "Remind me: 14 Mar 2027"), USER)
    assert reminder.kind is ReplyKind.REMINDER and "Sunday 14 March 2027" in reminder.plain_text
    [again] = setup.press(button_data(saved, "Remind me: 14 Mar 2027"), USER)
    assert "already have" in again.plain_text
    assert len(setup.reminders.ctx.reminders.active(USER)) == 1


def test_above_the_articles_ranges_no_category_is_named(db: Database, content: Content) -> None:
    setup = build(db, content, NOW)
    [saved] = setup.say("dexa", USER, "2025-01-10 total hip 0.4")
    assert "name a category only for T-scores of -1.0 and lower, so they name none for 0.4" in saved.plain_text
    assert "normal" not in saved.plain_text.lower()
    assert "already past" in saved.plain_text  # 12 months after January 2025


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ("2026-03-14 lumbar spine -6.1", "A T-score of -6.1 is outside what a scan report shows (-6.0 to 4.0)"),
        ("2026-03-14 lumbar spine 4.5", "A T-score of 4.5 is outside"),
        ("2026-03-14 lumbar spine -1.8 bmd 912", "A BMD (g/cm²) of 912.000 is outside"),
        ("2026-03-14 lumbar spine -1.8 z 7", "A Z-score of 7.0 is outside"),
        ("2031-03-14 lumbar spine -1.8", "in the future"),
        ("lumbar spine -1.8", "I need the date, the site and the T-score"),
        ("2026-03-14 -1.8", "I need the date, the site and the T-score"),
        ("2026-03-14 knee -1.8", "I need the date, the site and the T-score"),
        ("2026-02-30 hip -1.8", "isn't a real date"),
        ("<b>x</b> hip -1", "couldn't read"),
    ],
)
def test_bad_values_are_refused_kindly_and_nothing_is_saved(db: Database, content: Content, args: str, problem: str) -> None:
    setup = build(db, content, NOW)
    [reply] = setup.say("dexa", USER, args)
    assert reply.kind is ReplyKind.ERROR and problem in reply.plain_text, reply.plain_text
    assert DexaRepository(db).results(USER) == []


def test_the_limits_of_the_range_are_accepted(db: Database, content: Content) -> None:
    setup = build(db, content, NOW)
    assert setup.say("dexa", USER, "2026-03-14 lumbar spine -6.0")[0].kind is ReplyKind.RECORD
    assert setup.say("dexa", USER, "2026-03-14 total hip +4.0")[0].kind is ReplyKind.RECORD


def test_the_guided_steps_with_skips_and_a_typed_site(db: Database, content: Content) -> None:
    setup = build(db, content, NOW)
    record = setup.record

    def say(text: str) -> list[str]:
        replies = record.continue_flow(Incoming(USER, USER, text), text, setup.clock()) or []
        return [r.plain_text for r in replies]

    [ask] = setup.say("dexa", USER, "add")
    assert "When was the scan" in ask.plain_text
    assert "in the future" in say("tomorrow")[0]
    assert "Which site" in say("14 March 2026")[0]
    assert "choose the site" in say("my knee")[0]
    assert "T-score for the Femoral neck" in say("femoral neck")[0]
    assert "outside" in say("-7")[0]
    [z_ask] = say("-2.6")
    assert "Z-score" in z_ask
    [bmd_ask] = setup.press("dx:skip", USER)
    assert "BMD" in bmd_ask.plain_text
    [saved] = say("0.701 g/cm2")
    assert "Femoral neck: T-score -2.6" in saved and "osteoporosis (weakened bones)" in saved
    [result] = DexaRepository(db).results(USER)
    assert (result.site, result.t_score, result.z_score, result.bmd) == ("femoral_neck", -2.6, None, 0.701)
    assert setup.press("dx:skip", USER)[0].kind is ReplyKind.ERROR  # the flow is over: a stale button


def test_listing_chart_replacing_deleting_and_other_users(db: Database, content: Content) -> None:
    setup = build(db, content, NOW)
    assert "No DEXA results" in setup.say("dexa", USER)[0].plain_text
    setup.say("dexa", USER, "2024-03-10 lumbar spine -1.2")
    setup.say("dexa", USER, "2026-03-14 lumbar spine -1.8")
    [replaced] = setup.say("dexa", USER, "2026-03-14 lumbar spine -1.9")
    assert "replaces the result you saved earlier" in replaced.plain_text
    setup.say("dexa", USER, "2026-03-14 total hip -1.1")
    [listing] = setup.say("dexa", USER)
    assert "Your DEXA results (3)" in listing.plain_text and "-1.9" in listing.plain_text
    assert listing.attachment is not None and listing.attachment.kind == "photo"
    assert listing.attachment.content.startswith(b"\x89PNG") and "Total hip" in listing.attachment.alt_text
    first = DexaRepository(db).results(USER)[0]
    assert setup.press(f"dx:del:{first.id}", OTHER)[0].kind is ReplyKind.ERROR  # not theirs: unknown
    assert setup.say("dexa", OTHER, f"delete {first.id}")[0].kind is ReplyKind.ERROR
    assert "Deleted the result of Sunday 10 March 2024" in setup.press(f"dx:del:{first.id}", USER)[0].plain_text
    assert setup.press(f"dx:remind:{first.id}", USER)[0].kind is ReplyKind.ERROR  # gone
    assert len(DexaRepository(db).results(USER)) == 2
