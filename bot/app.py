"""Build the running bot from settings, and start and stop it: one ``Runtime`` for every channel.

Both channels (Telegram and console) and the CLI get their ``Assistant`` from here, so they share one
configuration, one database file and one set of rules. ``Runtime.start(sender)`` starts the work that
runs beside the conversation (reminder delivery and the retention purge); ``Runtime.stop()`` ends it
and closes the database. The channel only supplies how to send.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.assistant import Assistant, Services
from bot.config import Settings
from bot.content import Content, ContentRef, load_content
from bot.reminders.context import ReminderConfig, ReminderContext
from bot.reminders.delivery import DeliveryLoop, Sender
from bot.reminders.service import Reminders
from bot.storage import Counters, Database, Privacy, UserRepository

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
PURGE_EVERY = timedelta(hours=6)
# Reminder notices may use up to 27 of Telegram's ~30 messages/second: 3 stay free for answers to
# people chatting while a burst of reminders goes out (the channel's limiter enforces the 30).
REMINDER_RATE = 27.0
STOP_TIMEOUT = 10.0  # seconds the delivery loop gets to finish the message in hand


def utc_now() -> datetime:
    """The production clock (tests inject their own)."""
    return datetime.now(UTC)


class Runtime:
    """Everything a channel needs: the assistant and, when stateful, the database and reminders."""

    def __init__(
        self, settings: Settings, assistant: Assistant, database: Database | None = None, reminders: Reminders | None = None
    ) -> None:
        """Hold the built pieces; nothing runs until ``start``."""
        self.settings = settings
        self.assistant = assistant
        self.database = database
        self.reminders = reminders
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup with a new id: move everything that names the old one."""
        self.assistant.answers.move_chat(old_chat_id, new_chat_id)
        if self.database is not None:
            moved = Privacy(self.database).move_chat(old_chat_id, new_chat_id)
            log.info("chat migrated", extra={"event": "chat_migrated", "rows": moved})

    def database_ok(self) -> bool:
        """Return True when the database answers a trivial query."""
        return self.database is not None and self.database.ping()

    async def start(self, sender: Sender, *, clock: Clock = utc_now) -> None:
        """Start reminder delivery (recovering rows a crash left in flight) and the retention purge."""
        database = self.database
        if database is None or self.reminders is None:
            return
        content = self.assistant.content
        loop = DeliveryLoop(
            database,
            sender,
            lambda: content.current.reminders.texts,
            clock=clock,
            max_per_second=min(REMINDER_RATE, self.settings.telegram_max_per_second or REMINDER_RATE),
        )
        self._stop.clear()

        async def background() -> None:
            purge = _purge_forever(Privacy(database), self.settings.retention_days, self._stop, clock)
            await asyncio.gather(loop.run_forever(self._stop), purge)

        self._task = asyncio.create_task(background(), name="reminder-delivery")

    async def stop(self) -> None:
        """Stop background work (the message in hand is finished) and close the database."""
        self._stop.set()
        if self._task is not None:
            await asyncio.wait([self._task], timeout=STOP_TIMEOUT)
            self._task = None
        if self.database is not None:
            self.database.close()


async def _purge_forever(privacy: Privacy, retention_days: int, stop: asyncio.Event, clock: Clock) -> None:
    while not stop.is_set():
        try:
            deleted = privacy.purge_old(clock(), retention_days)
            if deleted:
                log.info("purged %d old reminder rows", deleted)
        except Exception:  # retention must never take the bot down
            log.exception("retention purge failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PURGE_EVERY.total_seconds())


def load_settings_content(settings: Settings) -> Content:
    """Load and validate the knowledge folder named in the settings."""
    return load_content(settings.knowledge_dir)


def build_assistant(settings: Settings) -> Assistant:
    """Return a stateless assistant (no database): for `ask`, `eval` and tests of answers."""
    return Assistant(load_settings_content(settings), settings, reload_content=lambda: load_settings_content(settings))


def build_runtime(settings: Settings) -> Runtime:
    """Return the full assistant with its database and reminder service."""
    content = ContentRef(load_settings_content(settings))
    database = Database(settings.database)
    config = ReminderConfig(
        default_timezone=settings.default_timezone,
        default_offsets=settings.reminder_offsets_days,
        default_remind_time=settings.reminder_time,
        max_active=settings.max_active_reminders,
    )
    reminders = Reminders(ReminderContext(database, lambda: content.current.reminders, config))
    services = Services(UserRepository(database), Counters(database), Privacy(database), reminders)
    assistant = Assistant(content, settings, services, reload_content=lambda: load_settings_content(settings))
    return Runtime(settings, assistant, database, reminders)
