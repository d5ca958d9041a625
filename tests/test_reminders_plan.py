"""/plan and reminder content: verbatim quotes, plan reminders, the YAML texts loader, no telegram import."""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.errors import KnowledgeError
from bot.knowledge.base import load_articles
from bot.models import Reply, ReplyKind, Style
from bot.reminders.monitoring import MonitoringPlan, load_plan, normalise_space
from bot.reminders.service import Reminders
from bot.reminders.texts import MESSAGES, ReminderTexts, load_reminder_texts
from bot.storage import Database
from tests.reminder_support import build, me, press

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"
ARTICLES = {a.id: (KNOWLEDGE / a.file).read_text(encoding="utf-8") for a in load_articles(KNOWLEDGE)}
NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)  # Sunday
ALICE = 101


@pytest.fixture(scope="module")
def texts() -> ReminderTexts:
    return load_reminder_texts(KNOWLEDGE / "reminders.yaml")


@pytest.fixture(scope="module")
def plan() -> MonitoringPlan:
    return load_plan(KNOWLEDGE / "plan.yaml", articles=ARTICLES)


@pytest.fixture
def svc(tmp_path: Path, texts: ReminderTexts, plan: MonitoringPlan) -> Iterator[Reminders]:
    with Database(tmp_path / "bot.sqlite3") as db:
        yield build(db, texts=texts, default_timezone="Europe/London", plan=plan)


def one(replies: list[Reply] | None) -> Reply:
    assert replies and len(replies) == 1
    for row in replies[0].buttons:
        assert all(len(button.data.encode()) <= 64 for button in row)
    return replies[0]


def data_of(reply: Reply) -> list[str]:
    return [button.data for row in reply.buttons for button in row]


# -- /plan ------------------------------------------------------------------------------------------------


def test_plan_quotes_are_verbatim_in_their_articles(plan: MonitoringPlan) -> None:
    articles = {key: normalise_space(text) for key, text in ARTICLES.items()}
    quotes = [(item.id, q) for item in plan.items for q in item.quotes]
    assert len(quotes) >= 8
    for item_id, quote in quotes:
        assert quote.text in articles[quote.article], (item_id, quote.text)
    assert {item.variant for item in plan.items} == {"women", "men"}
    assert all(item.every_months in (None, 12) for item in plan.items)


def test_plan_with_a_misquote_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "plan.yaml"
    bad.write_text(
        (KNOWLEDGE / "plan.yaml").read_text(encoding="utf-8").replace(
            "then every 1-2 years or individualized", "then every 5 years"
        ),
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError, match="w-dexa"):
        load_plan(bad, articles=ARTICLES)


def test_plan_shows_the_schedule_with_quotes(svc: Reminders, plan: MonitoringPlan) -> None:
    reply = one(svc.planning.command(me(ALICE), "", NOW))
    quotes = [b.text for b in reply.blocks if b.style is Style.QUOTE]
    assert quotes == [q.text for item in plan.items for q in item.quotes]
    assert any(b.style is Style.SOURCE and "002" in b.text for b in reply.blocks)  # no titles given: the id
    assert data_of(reply) == ["r:plan:w", "r:plan:m"]
    assert len(reply.plain_text) < 4096  # one Telegram message


def test_plan_cites_articles_by_title(tmp_path: Path, texts: ReminderTexts, plan: MonitoringPlan) -> None:
    titles = {"002": "Monitoring bone density", "004": "Men on TRT"}
    with Database(tmp_path / "bot.sqlite3") as db:
        service = build(db, texts=texts, plan=plan, article_titles=titles)
        reply = one(service.planning.command(me(ALICE), "", NOW))
    sources = [b.text for b in reply.blocks if b.style is Style.SOURCE]
    assert "From: Monitoring bone density" in sources and "From: Men on TRT" in sources
    assert len(reply.plain_text) < 4096  # one Telegram message


def test_plan_creates_recurring_reminders_and_replaces(svc: Reminders) -> None:
    reply = one(svc.planning.command(me(ALICE), "women 2026-05-01", NOW))
    assert "Saturday 1 May 2027, then every 12 months" in reply.plain_text
    (reminder,) = svc.ctx.reminders.active(ALICE)
    assert (reminder.recurrence_months, reminder.anchor_date, reminder.plan_item) == (12, date(2026, 5, 1), "w-dexa")
    again = one(svc.planning.command(me(ALICE), "women 2026-06-01", NOW))
    assert "replaces 1" in again.plain_text
    assert [r.event_date for r in svc.ctx.reminders.active(ALICE)] == [date(2027, 6, 1)]
    undo = next(d for d in data_of(again) if d.startswith("r:undo:"))
    press(svc, ALICE, undo, NOW)
    assert svc.ctx.reminders.active(ALICE) == []


def test_plan_button_flow_and_roll_forward(svc: Reminders) -> None:
    assert data_of(one(svc.planning.command(me(ALICE), "2024-02-29", NOW))) == ["r:plan:w", "r:plan:m"]
    reply = one(press(svc, ALICE, "r:plan:m", NOW))
    assert "then every 12 months" in reply.plain_text
    active = svc.ctx.reminders.active(ALICE)
    assert len(active) == 2
    # 29 Feb 2024 + 12-month steps: the next one ahead of 10 Jan 2027 is 28 Feb 2027 (clamped).
    assert {r.event_date for r in active} == {date(2027, 2, 28)}
    assert {r.kind for r in active} == {"dexa", "blood"}


def test_plan_date_first_via_flow(svc: Reminders) -> None:
    press(svc, ALICE, "r:plan:w", NOW)
    assert one(svc.continue_flow(me(ALICE), "2015-01-01", NOW)).kind is ReplyKind.ERROR  # too old
    reply = one(svc.continue_flow(me(ALICE), "1 March", NOW))  # last March: reference dates look back
    assert "Monday 1 March 2027" in reply.plain_text


# -- texts and imports ------------------------------------------------------------------------------------


def test_every_message_key_used_in_code_exists() -> None:
    used: set[str] = set()
    for path in Path("bot/reminders").glob("*.py"):
        used |= set(re.findall(r'\bt\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert used and used <= set(MESSAGES), used - set(MESSAGES)


def test_texts_loader_names_file_and_key(tmp_path: Path) -> None:
    original = (KNOWLEDGE / "reminders.yaml").read_text(encoding="utf-8")
    missing = tmp_path / "reminders.yaml"
    missing.write_text(original.replace('  not_found: "', '  not_fnd: "'), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"reminders\.yaml: messages\.not_found: missing"):
        load_reminder_texts(missing)
    missing.write_text(original.replace('{label} — {date}."', '{label} — {dat}."'), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"messages\.cancelled: unknown placeholder"):
        load_reminder_texts(missing)
    missing.write_text(original.replace("weekdays: [Monday, ", "weekdays: ["), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="weekdays"):
        load_reminder_texts(missing)


def test_core_never_imports_telegram(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in sys.modules if n == "bot" or n.startswith("bot.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "telegram", None)  # any "import telegram" now fails
    for module in ("bot.storage", "bot.reminders", "bot.reminders.service", "bot.reminders.delivery"):
        importlib.import_module(module)
