"""Build the running bot from settings, and start and stop it: one ``Runtime`` for every channel.

Both channels (Telegram and console) and the CLI get their ``Assistant`` from here, so they share one
configuration, one database file and one set of rules. ``Runtime.start(sender)`` starts the work that
runs beside the conversation (reminder delivery and the retention purge); ``Runtime.stop()`` ends it
and closes the database. The channel only supplies how to send.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.assistant import Assistant, Services
from bot.config import Settings
from bot.content import Content, ContentRef, load_content
from bot.record.context import RecordContext
from bot.record.outbox import TabletOutbox
from bot.record.service import Record
from bot.reminders.context import ReminderConfig, ReminderContext
from bot.reminders.delivery import DeliveryLoop, Sender
from bot.reminders.service import Reminders
from bot.storage import Counters, Database, Privacy, UserFiles, UserRepository

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
PURGE_EVERY = timedelta(hours=6)
# Reminder notices may use up to 27 of Telegram's ~30 messages/second: 3 stay free for answers to
# people chatting while a burst of reminders goes out (the channel's limiter enforces the 30).
REMINDER_RATE = 27.0
STOP_TIMEOUT = 10.0  # seconds the delivery loop gets to finish the message in hand
POLL_SECONDS = 15.0  # the delivery loop's cycle: a reminder goes out at most this late


def utc_now() -> datetime:
    """The production clock (tests inject their own)."""
    return datetime.now(UTC)


class Runtime:
    """Everything a channel needs: the assistant and, when stateful, the database and reminders."""

    def __init__(
        self,
        settings: Settings,
        assistant: Assistant,
        database: Database | None = None,
        reminders: Reminders | None = None,
        files: UserFiles | None = None,
        clock: Clock | None = None,
    ) -> None:
        """Hold the built pieces; nothing runs until ``start``. ``clock``: the time every channel and the
        delivery loop read (the production clock by default; tests inject their own)."""
        self.settings = settings
        self.assistant = assistant
        self.database = database
        self.reminders = reminders
        self.files = files  # where the console saves the files it shows (one folder per user)
        self.clock: Clock = clock or utc_now
        self.poll_seconds = POLL_SECONDS  # how often the delivery loop looks for due rows
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

    async def start(self, sender: Sender, *, clock: Clock | None = None) -> None:
        """Start reminder delivery (recovering rows a crash left in flight) and the retention purge."""
        clock = clock or self.clock
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
            outboxes=(TabletOutbox(database, lambda: content.current.record.texts),),
        )
        self._stop.clear()

        async def background() -> None:
            purge = _purge_forever(Privacy(database), self.settings.retention_days, self._stop, clock)
            await asyncio.gather(loop.run_forever(self._stop, self.poll_seconds), purge)

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


def freeze_long_lived() -> None:
    """Exclude what is loaded once (the knowledge: ~100,000 objects) from the cyclic garbage collector.

    Left to it, every full collection walks all of them: ~80 ms of pause that lands on whichever message
    is being answered, the tail of every latency (a chart's p99 was 350 ms with it, 260 ms without:
    benchmarks/bench_record.py). Frozen objects are still freed by reference counting when unused; the
    assistant calls this again after a reload.
    """
    gc.collect()
    gc.freeze()


def build_assistant(settings: Settings) -> Assistant:
    """Return a stateless assistant (no database): for `ask`, `eval` and tests of answers."""
    assistant = Assistant(load_settings_content(settings), settings, reload_content=lambda: load_settings_content(settings))
    freeze_long_lived()
    return assistant


def build_runtime(settings: Settings) -> Runtime:
    """Return the full assistant with its database, reminders and the patient's record."""
    content = ContentRef(load_settings_content(settings))
    database = Database(settings.database)
    config = ReminderConfig(
        default_timezone=settings.default_timezone,
        default_offsets=settings.reminder_offsets_days,
        default_remind_time=settings.reminder_time,
        max_active=settings.max_active_reminders,
    )
    reminder_ctx = ReminderContext(database, lambda: content.current.reminders, config)
    reminders = Reminders(reminder_ctx)
    record_ctx = RecordContext(
        reminder_ctx,
        lambda: content.current.record,
        lambda user, day, label, now: reminders.creation.create(user, day, label=label, kind="dexa", now=now),
    )
    reminder_ctx.timezone_hooks.append(record_ctx.tablets.retimezone)
    files = UserFiles(settings.console_files.resolve())
    services = Services(
        UserRepository(database), Counters(database), Privacy(database, files), reminders, Record(record_ctx)
    )
    assistant = Assistant(content, settings, services, reload_content=lambda: load_settings_content(settings))
    freeze_long_lived()
    return Runtime(settings, assistant, database, reminders, files)
