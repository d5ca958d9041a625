"""Build the running bot from settings, and start and stop it: one ``Runtime`` for every channel.

Both channels (Telegram and console) and the CLI get their ``Assistant`` from here, so they share one
configuration, one database file and one set of rules. ``Runtime.start(sender)`` starts the work that
runs beside the conversation (reminder delivery, the retention purge and the storage monitor);
``Runtime.stop()`` ends it, gives the instance lease up and closes the database. The channel only
supplies how to send.

The storage monitor runs every ``health_check_seconds``: it checks that the database file is still the
one opened, writes the probe row (``StorageGuard.check``: this is how a degraded bot recovers by itself),
and renews the instance lease (or takes it, if the database could not be written at start). A lease
that another instance holds now sets ``lease_lost``: the channel must stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.assistant import Assistant, Services
from bot.config import Settings
from bot.content import Content, ContentRef, load_content
from bot.record.context import RecordContext
from bot.record.outbox import TabletOutbox
from bot.record.service import Record
from bot.reminders.context import ReminderConfig, ReminderContext
from bot.reminders.delivery import DeliveryLoop, Sender
from bot.reminders.service import Reminders
from bot.storage import (
    Counters,
    Database,
    Inbox,
    Lease,
    LeaseHolder,
    Privacy,
    StorageGuard,
    UserFiles,
    UserRepository,
    is_storage_failure,
)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
PURGE_EVERY = timedelta(hours=6)
# Reminder notices may use up to 27 of Telegram's ~30 messages/second: 3 stay free for answers to
# people chatting while a burst of reminders goes out (the channel's limiter enforces the 30).
REMINDER_RATE = 27.0
STOP_TIMEOUT = 3.0  # seconds the delivery loop gets to finish the message in hand (a stop must fit in 10 s)
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
        *,
        guard: StorageGuard | None = None,
        clock: Clock = utc_now,
    ) -> None:
        """Hold the built pieces; nothing runs until ``start``. ``clock``: the time every channel and the
        delivery loop read (the production clock by default; tests inject their own)."""
        self.settings = settings
        self.assistant = assistant
        self.database = database
        self.reminders = reminders
        self.clock = clock
        self.guard = guard if guard is not None or database is None else StorageGuard(database, clock)
        self.inbox = Inbox(database) if database is not None else None
        self.lease = Lease(database, timedelta(seconds=settings.lease_seconds)) if database is not None else None
        self.lease_lost = asyncio.Event()
        self.wants_lease = True  # False for a console chat beside a running bot: never take its lease
        self.files = files  # where the console saves the files it shows (one folder per user)
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
        """Return True when the database can be written (as last probed) and its file is still ours."""
        return self.database is not None and self.guard is not None and self.guard.writable and self.guard.file_ok()

    def acquire_lease(self) -> LeaseHolder | None:
        """Take the instance lease; return the other holder when it has it.

        A database that cannot be written cannot hold a lease either: then the bot runs without one
        (degraded, so it still answers) and the monitor takes it once writing works.
        """
        if self.lease is None or self.guard is None:
            return None
        holder: LeaseHolder | None = None

        def take() -> None:
            nonlocal holder
            assert self.lease is not None
            holder = self.lease.acquire(self.clock())

        if self.guard.writable:
            self.guard.attempt(take)
        return holder

    def health(self) -> dict[str, Any]:
        """Return what /healthz reports about the core: knowledge, database, lease, unfinished updates."""
        report: dict[str, Any] = {"knowledge": bool(self.assistant.knowledge.passages)}
        if self.database is None or self.guard is None:
            return report
        report["database"] = self.database_ok()
        if self.guard.problem:
            report["database_problem"] = self.guard.problem
        if self.guard.last_probe is not None:
            report["database_probed_seconds_ago"] = round((self.clock() - self.guard.last_probe).total_seconds(), 1)
        report["lease"] = bool(self.lease and self.lease.held)
        if self.inbox is not None and self.guard.writable:
            with contextlib.suppress(Exception):
                report["updates_unfinished"] = self.inbox.open_count()
        return report

    async def start(self, sender: Sender, *, clock: Clock | None = None, deliver: bool = True) -> None:
        """Start reminder delivery (recovering rows a crash left in flight), the purge and the monitor.

        ``deliver=False`` (a console chat while another instance holds the lease): only the monitor.
        """
        database = self.database
        if database is None or self.reminders is None:
            return
        self.wants_lease = deliver
        clock = clock or self.clock
        content = self.assistant.content
        loop = DeliveryLoop(
            database,
            sender,
            lambda: content.current.reminders.texts,
            clock=clock,
            max_per_second=min(REMINDER_RATE, self.settings.telegram_max_per_second or REMINDER_RATE),
            storage=self.guard,
            outboxes=(TabletOutbox(database, lambda: content.current.record.texts),),
        )
        self._stop.clear()

        async def background() -> None:
            if not deliver:
                await self._monitor()
                return
            purge = _purge_forever(Privacy(database), self.settings.retention_days, self._stop, clock, self.guard)
            await asyncio.gather(loop.run_forever(self._stop, self.poll_seconds), purge, self._monitor())

        self._task = asyncio.create_task(background(), name="runtime-background")

    async def _monitor(self) -> None:
        """Every ``health_check_seconds``: file, write probe (recovery), lease renewal."""
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.settings.health_check_seconds)
            if self._stop.is_set():
                return
            try:
                self.check_now()
            except Exception:  # the monitor must outlive any surprise
                log.exception("storage monitor failed")

    def check_now(self) -> None:
        """Run one monitor round: file and write probe, then renew the lease (or take it, if not held yet)."""
        if self.guard is None or self.lease is None or not self.guard.check() or not self.wants_lease:
            return
        now = self.clock()
        try:
            if self.lease.held:
                kept, holder = self.lease.renew(now), None
            else:
                holder = self.lease.acquire(now)
                kept = holder is None
        except Exception as error:
            if not is_storage_failure(error):
                raise
            self.guard.failed(error)
            return
        if not kept and not self.lease_lost.is_set():
            held_by = f" ({holder.describe()})" if holder is not None else ""
            log.error("another instance holds the database lease%s; stopping this one", held_by,
                      extra={"event": "lease_lost"})
            self.lease_lost.set()

    async def stop(self) -> None:
        """Stop background work (the message in hand is finished), give the lease up, close the database."""
        self._stop.set()
        if self._task is not None:
            done, _ = await asyncio.wait([self._task], timeout=STOP_TIMEOUT)
            if not done:  # a send stuck in retries: its row stays 'sending' and is re-queued at the next start
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._task
            self._task = None
        if self.lease is not None and not self.lease_lost.is_set():
            self.lease.release()
        if self.database is not None:
            self.database.close()


async def _purge_forever(
    privacy: Privacy, retention_days: int, stop: asyncio.Event, clock: Clock, guard: StorageGuard | None
) -> None:
    while not stop.is_set():
        if guard is None or guard.writable:
            try:
                deleted = privacy.purge_old(clock(), retention_days)
                if deleted:
                    log.info("purged %d old rows", deleted)
            except Exception as error:  # retention must never take the bot down
                if guard is not None and is_storage_failure(error):
                    guard.failed(error)
                else:
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


def open_database(settings: Settings) -> Database:
    """Open (creating and migrating) the database file named in the settings."""
    return Database(settings.database)


def build_runtime(settings: Settings, database: Database | None = None, *, clock: Clock = utc_now) -> Runtime:
    """Return the full assistant with its database, reminders and the patient's record (``database`` if
    already open)."""
    content = ContentRef(load_settings_content(settings))
    database = database or open_database(settings)
    guard = StorageGuard(database, clock)
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
        users=UserRepository(database),
        counters=Counters(database),
        privacy=Privacy(database, files),
        reminders=reminders,
        storage=guard,
        record=Record(record_ctx),
    )
    assistant = Assistant(content, settings, services, reload_content=lambda: load_settings_content(settings))
    freeze_long_lived()
    return Runtime(settings, assistant, database, reminders, files, guard=guard, clock=clock)
