"""Glue between the reminders package and the rest of the bot (``bot/app.py``, the channels).

This module owns building the reminder service from :class:`bot.config.Settings` (texts and plan
loaded and validated from ``knowledge/``), the command methods the Assistant calls
(``command_remind(message, args, now)`` ...), and starting the delivery loop plus a periodic
retention purge as one asyncio task.  It imports no channel: senders are passed in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.models import Block, Incoming, Reply
from bot.reminders.delivery import DeliveryLoop, Sender
from bot.reminders.plan import load_plan
from bot.reminders.service import ReminderService
from bot.reminders.texts import load_reminder_texts
from bot.storage import Database

log = logging.getLogger(__name__)

PURGE_EVERY = timedelta(hours=6)
REMINDER_RATE = 27.0  # messages per second, bot-wide


def utc_now() -> datetime:
    """The production clock (tests inject their own)."""
    return datetime.now(UTC)


class ReminderCommands:
    """The Assistant-facing reminder API: one method per command, plus flows and buttons."""

    def __init__(self, service: ReminderService, *, retention_days: int = 30, max_per_second: float = 25.0) -> None:
        self.service = service
        self.db = service.db
        self.texts = service.texts
        self.retention_days = retention_days
        self.max_per_second = max_per_second

    def command_remind(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/remind [date label] | /remind settings ..."""
        return self.service.remind(message.user_id, message.chat_id, args, now)

    def command_reminders(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/reminders"""
        return self.service.list_reminders(message.user_id, now)

    def _by_id(
        self, message: Incoming, args: str, now: datetime, command: str, action: Callable[[int, int, datetime], list[Reply]]
    ) -> list[Reply]:
        token = args.strip().lstrip("#")
        if not (token.isascii() and token.isdigit()) or len(token) > 12:
            usage = self.service.texts.t("cmd_id_usage", command=command)
            listing = self.service.list_reminders(message.user_id, now)
            first = listing[0]
            return [Reply(first.kind, (Block(usage), *first.blocks), first.buttons), *listing[1:]]
        return action(message.user_id, int(token), now)

    def command_cancel(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/cancel 12 (the number shown by /reminders); without a number, the list to pick from."""
        return self._by_id(message, args, now, "cancel", self.service.cancel)

    def command_calendar(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/calendar 12: the .ics file of that reminder."""
        return self._by_id(message, args, now, "calendar", self.service.calendar)

    def command_plan(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/plan [women|men] [date]"""
        return self.service.plan(message.user_id, message.chat_id, args, now)

    def command_timezone(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/timezone [name or city]"""
        return self.service.set_timezone(message.user_id, message.chat_id, args, now)

    def continue_flow(self, user_id: int, chat_id: int, text: str, now: datetime) -> list[Reply] | None:
        """A plain message during a guided /remind or /plan; None when there is none."""
        return self.service.continue_flow(user_id, chat_id, text, now)

    def handle_button(self, user_id: int, chat_id: int, data: str, now: datetime) -> list[Reply]:
        """An "r:..." button press."""
        return self.service.handle_button(user_id, chat_id, data, now)


def build_reminders(
    database: Database, settings: Any, article_titles: Mapping[str, str] | None = None
) -> ReminderCommands:
    """Build the reminder commands from settings; raises KnowledgeError/ConfigError on bad content.

    ``article_titles`` (article id -> title, from the loaded knowledge) lets /plan cite by title.
    """
    knowledge = settings.knowledge_dir
    texts = load_reminder_texts(knowledge / "reminders.yaml")
    plan = load_plan(knowledge / "plan.yaml", articles_dir=knowledge / "articles")
    service = ReminderService(
        database,
        texts=texts,
        default_timezone=settings.default_timezone,
        default_offsets=settings.reminder_offsets_days,
        default_remind_time=settings.reminder_time,
        max_active=settings.max_active_reminders,
        plan=plan,
        article_titles=article_titles,
    )
    # Reminder notices may use up to 27 of Telegram's ~30 messages/second: 3 stay free for answers to
    # people chatting while a burst of reminders goes out (the channel's limiter enforces the 30).
    rate = float(getattr(settings, "telegram_max_per_second", REMINDER_RATE) or REMINDER_RATE)
    return ReminderCommands(service, retention_days=settings.retention_days, max_per_second=min(REMINDER_RATE, rate))


async def _purge_forever(db: Database, retention_days: int, stop: asyncio.Event, clock: Callable[[], datetime]) -> None:
    while not stop.is_set():
        try:
            deleted = db.purge_old(clock(), retention_days)
            if deleted:
                log.info("purged %d old reminder rows", deleted)
        except Exception:  # retention must never take the bot down
            log.exception("retention purge failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PURGE_EVERY.total_seconds())


def start_delivery(
    runtime: Any, sender: Sender, stop: asyncio.Event, *, clock: Callable[[], datetime] = utc_now
) -> asyncio.Task[None]:
    """Start the delivery loop (recovering rows a crash left in flight) and the retention purge."""
    commands: ReminderCommands = runtime.reminders
    loop = DeliveryLoop(commands.db, sender, commands.texts, clock=clock, max_per_second=commands.max_per_second)

    async def run() -> None:
        await asyncio.gather(loop.run_forever(stop), _purge_forever(commands.db, commands.retention_days, stop, clock))

    return asyncio.create_task(run(), name="reminder-delivery")
