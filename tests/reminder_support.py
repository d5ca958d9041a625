"""Build the reminder feature over a database for unit tests, and talk to it like the Assistant does."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time
from functools import lru_cache
from pathlib import Path

from bot import buttons
from bot.knowledge.base import load_english_frequency
from bot.models import Incoming, Reply
from bot.reminders.context import ReminderConfig, ReminderContent, ReminderContext
from bot.reminders.monitoring import MonitoringPlan
from bot.reminders.service import Reminders
from bot.reminders.texts import ReminderTexts
from bot.reminders.vocabulary import load_date_vocabulary
from bot.reminders.when import Grammar
from bot.routing import Router
from bot.storage import Database

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"


def build(
    db: Database,
    *,
    texts: ReminderTexts,
    plan: MonitoringPlan | None = None,
    article_titles: Mapping[str, str] | None = None,
    default_timezone: str = "UTC",
    max_active: int = 50,
    default_offsets: tuple[int, ...] = (7, 1, 0),
    default_remind_time: time = time(9, 0),
) -> Reminders:
    """Return the reminder facade over ``db`` with the given content and limits."""
    content = ReminderContent(texts, grammar(), plan, dict(article_titles or {}))
    config = ReminderConfig(default_timezone, default_offsets, default_remind_time, max_active)
    return Reminders(ReminderContext(db, lambda: content, config))


@lru_cache(maxsize=1)
def grammar() -> Grammar:
    """The date grammar over the repository's ``knowledge/dates.yaml`` (and its English word list)."""
    english = frozenset(load_english_frequency(KNOWLEDGE))
    return Grammar(load_date_vocabulary(KNOWLEDGE / "dates.yaml", english))


def me(user_id: int, chat_id: int | None = None) -> Incoming:
    """Return a private-chat message from ``user_id`` (its text is not read by reminder handlers)."""
    return Incoming(user_id, user_id if chat_id is None else chat_id, "")


def press(svc: Reminders, user_id: int, data: str, now: datetime) -> list[Reply]:
    """Press a button as the Assistant would: decode, route, or the "expired" reply."""
    payload = buttons.unpack(data)
    route = Router([svc]).button(payload) if payload is not None else None
    if payload is None or route is None:
        return [svc.ctx.expired()]
    return route(me(user_id), payload, now)
