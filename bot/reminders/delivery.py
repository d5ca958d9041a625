"""The delivery loop: reads due reminders from the database and sends them, exactly when it can.

The database is the single source of truth (python-telegram-bot's JobQueue is memory-only), so this
loop survives restarts and can run in any process.  This module owns the send protocol, the error
policy, pacing, and the core exceptions a channel adapter raises (:class:`RetryLater`,
:class:`TransientSendError`, :class:`RecipientBlocked`).

Protocol for each due row: **claim, send, mark**.

1. *Claim*: one UPDATE moves a small batch from 'pending' to 'sending' (atomic, so two processes never
   claim the same row).
2. *Send* one row through the :class:`Sender`.
3. *Mark* that row 'sent' immediately, before sending the next.

Duplicate window (the documented trade-off): if the process dies between 2 and 3, the row stays
'sending' and :meth:`DeliveryLoop.recover` re-queues it at start-up, so it is sent again.  We prefer a
rare duplicate to a lost reminder.  The window is at most ONE message per crashed process (rows are
sent one at a time and marked at once; the rest of a claimed batch was never sent, so re-queuing it
duplicates nothing).  ``recover`` re-queues every 'sending' row, so call it (``run_forever`` does)
only when no other delivery loop is running on the same file; each cycle also re-queues rows stuck in
'sending' longer than ``lease`` (a loop that died while another keeps running).

Error policy (never stops the loop, never affects other users):

* :class:`RetryLater` (Telegram 429): wait ``seconds`` through the injected ``sleep`` (the limit is
  bot-wide, so pausing everything is right) and retry the row, up to ``max_retry_later`` times.
* :class:`TransientSendError` (network, timeouts, 5xx) and unexpected exceptions: the row goes back to
  'pending' with ``next_attempt_at`` = now + exponential backoff (capped); after ``max_attempts`` it is
  'failed'.  Other rows keep flowing meanwhile.
* :class:`RecipientBlocked` (403): the user's reminders are cancelled and their deliveries too.

Lateness: a row whose ``fire_at`` is more than ``grace`` ago is still sent, with a "sorry, this is
late" line, if its event is still ahead; if the event has passed it is marked 'missed'; if a later
reminder of the same occurrence is also due, only that later one is sent.  When the last delivery of
a recurring reminder's occurrence ends (sent or missed), the next occurrence is scheduled.

Several tables of messages: the loop sends from every :class:`Outbox` it is given, with one pacing and
one error policy: the scan reminders' ``deliveries`` (:class:`ScanOutbox`, always first) and, e.g., the
daily tablet reminders' ``tablet_deliveries`` (``bot/record/outbox.py``). Each outbox owns its SQL and
what its messages say; the protocol above holds for all of them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.models import Reply
from bot.reminders import views
from bot.reminders.model import Delivery
from bot.reminders.queue import DeliveryQueue
from bot.reminders.texts import ReminderTexts
from bot.storage import Database, StorageGuard, is_storage_failure

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


class RetryLater(Exception):
    """The channel is rate-limited: try again after ``seconds``."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = float(seconds)


class TransientSendError(Exception):
    """A temporary failure (network, timeout, server error): try again later."""


class RecipientBlocked(Exception):
    """The user blocked the bot or the chat is gone: stop sending to them."""


class Sender(Protocol):
    """What the loop needs from a channel: send one reply to a chat, raising the exceptions above."""

    async def send(self, chat_id: int, reply: Reply) -> None:
        """Send ``reply``; raise RetryLater / TransientSendError / RecipientBlocked on failure."""


class OutboxItem(Protocol):
    """What the loop reads of a claimed row."""

    @property
    def id(self) -> int: ...

    @property
    def user_id(self) -> int: ...

    @property
    def chat_id(self) -> int: ...

    @property
    def fire_at(self) -> datetime: ...

    @property
    def attempts(self) -> int: ...


class Outbox(Protocol):
    """One table of messages to send, in the claim / send / mark protocol of the module docstring."""

    def recover(self, now: datetime, older_than: timedelta = timedelta(0)) -> int:
        """Re-queue rows left 'sending' (claimed at least ``older_than`` ago); return how many."""

    def sweep(self, now: datetime, grace: timedelta) -> int:
        """Mark rows that became pointless; return how many."""

    def claim(self, now: datetime, limit: int) -> Sequence[OutboxItem]:
        """Move up to ``limit`` due rows to 'sending' and return them, earliest first."""

    def compose(self, item: OutboxItem, now: datetime, *, late: bool) -> Reply | None:
        """Return the message of a claimed row, or None when it is pointless now (it is marked missed)."""

    def mark_sent(self, item_id: int, now: datetime) -> None:
        """Record a row as sent."""

    def mark_failed(self, item_id: int, attempts: int, now: datetime) -> None:
        """Give up on a row."""

    def mark_missed(self, item_id: int, now: datetime) -> None:
        """Record a claimed row as missed."""

    def release(self, item_id: int, now: datetime, *, retry_at: datetime, attempts: int | None = None) -> None:
        """Put a claimed row back to 'pending' until ``retry_at``."""

    def block_user(self, user_id: int, now: datetime) -> int:
        """The user blocked the bot: cancel what is queued for them; return rows cancelled."""


class ScanOutbox(DeliveryQueue):
    """The scan and blood-test reminders' ``deliveries`` as an :class:`Outbox`."""

    def __init__(self, db: Database, texts: Callable[[], ReminderTexts]) -> None:
        """Queue over ``db``; notices are worded by the current reminder texts."""
        super().__init__(db)
        self.texts = texts

    def compose(self, item: OutboxItem, now: datetime, *, late: bool) -> Reply | None:
        """Return the reminder notice, or None once its event has passed."""
        assert isinstance(item, Delivery)
        if item.event_at <= now:
            return None  # became pointless while waiting in a retry
        return views.notice(self.texts(), item, now, late=late)


@dataclass
class DeliveryReport:
    """What one :meth:`DeliveryLoop.run_once` did."""

    sent: int = 0
    failed: int = 0
    missed: int = 0
    retried: int = 0
    blocked: int = 0
    late: int = 0
    recovered: int = 0


class DeliveryLoop:
    """Send due deliveries from the database; see the module docstring for guarantees."""

    def __init__(
        self,
        db: Database,
        sender: Sender,
        texts: Callable[[], ReminderTexts],
        *,
        clock: Clock,
        max_per_second: float = 25.0,
        batch_size: int = 20,
        sleep: Sleep = asyncio.sleep,
        grace: timedelta = timedelta(hours=1),
        lease: timedelta = timedelta(minutes=10),
        max_attempts: int = 10,
        backoff_base: float = 30.0,
        backoff_cap: float = 1800.0,
        max_retry_later: int = 5,
        storage: StorageGuard | None = None,
        outboxes: tuple[Outbox, ...] = (),
    ) -> None:
        """Send from the scan reminders' queue and from ``outboxes``, at most ``max_per_second`` in all;
        ``storage`` (when given) pauses delivery while the database cannot be written, so no reminder is
        claimed that could not be marked sent."""
        if max_per_second <= 0 or batch_size <= 0 or max_attempts <= 0:
            raise ValueError("max_per_second, batch_size and max_attempts must be positive")
        self.store = ScanOutbox(db, texts)
        self.outboxes: tuple[Outbox, ...] = (self.store, *outboxes)
        self.sender = sender
        self.texts = texts
        self.clock = clock
        self.interval = 1.0 / max_per_second
        self.batch_size = batch_size
        self.sleep = sleep
        self.grace = grace
        self.lease = lease
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_retry_later = max_retry_later
        self._next_slot: datetime | None = None
        self._stopping = False
        self.storage = storage
        self._recovered = False

    def recover(self, now: datetime) -> int:
        """At start-up: re-queue rows a crashed run left 'sending' (they will be sent again)."""
        count = sum(outbox.recover(now) for outbox in self.outboxes)
        if count:
            log.warning("re-queued %d deliveries left in flight by a previous run", count)
        return count

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th transient failure (exponential, capped)."""
        return float(min(self.backoff_cap, self.backoff_base * 2 ** max(0, attempts - 1)))

    async def _pace(self) -> None:
        """Keep the bot-wide rate under ``max_per_second`` (pacing on the injected clock and sleep)."""
        now = self.clock()
        if self._next_slot is not None and now < self._next_slot:
            # Capped at one interval so a wall clock stepped backwards can never stall the loop.
            await self.sleep(min((self._next_slot - now).total_seconds(), self.interval))
            self._next_slot += timedelta(seconds=self.interval)
        else:
            self._next_slot = now + timedelta(seconds=self.interval)

    async def run_once(self, now: datetime | None = None) -> DeliveryReport:
        """Send everything due at ``now`` (default: the clock) and return what happened."""
        now = now or self.clock()
        report = DeliveryReport()
        for outbox in self.outboxes:
            report.recovered += outbox.recover(now, older_than=self.lease)
            report.missed += outbox.sweep(now, self.grace)
        blocked: set[int] = set()
        open_boxes = list(self.outboxes)
        while open_boxes and not self._stopping:
            # A batch from each outbox in turn, so a burst in one table never starves another.
            for outbox in list(open_boxes):
                batch = outbox.claim(now, self.batch_size)
                if not batch:
                    open_boxes.remove(outbox)
                    continue
                for index, item in enumerate(batch):
                    if self._stopping:  # shutting down: hand the unsent rest of the batch back
                        for rest in batch[index:]:
                            outbox.release(rest.id, self.clock(), retry_at=now)
                        break
                    if item.user_id in blocked:
                        continue  # already cancelled by block_user
                    await self._deliver(outbox, item, now, report, blocked)
                if self._stopping:
                    break
        return report

    async def _deliver(
        self, outbox: Outbox, item: OutboxItem, now: datetime, report: DeliveryReport, blocked: set[int]
    ) -> None:
        late = now - item.fire_at > self.grace
        reply = outbox.compose(item, now, late=late)
        if reply is None:
            outbox.mark_missed(item.id, now)
            report.missed += 1
            return
        waits = 0
        while True:
            await self._pace()
            try:
                await self.sender.send(item.chat_id, reply)
            except RetryLater as exc:
                report.retried += 1
                waits += 1
                if waits > self.max_retry_later:
                    retry_at = self.clock() + timedelta(seconds=max(exc.seconds, 0.0))
                    outbox.release(item.id, self.clock(), retry_at=self._after(now, retry_at))
                    return
                await self.sleep(max(exc.seconds, 0.0))
                self._next_slot = None  # the pause reset the pacing window
                continue
            except RecipientBlocked:
                cancelled = sum(box.block_user(item.user_id, self.clock()) for box in self.outboxes)
                blocked.add(item.user_id)
                report.blocked += 1
                log.info("recipient blocked the bot; cancelled %d deliveries", cancelled)
                return
            except asyncio.CancelledError:
                raise  # the row stays 'sending' and is re-queued by recover(): at-least-once
            except Exception as exc:
                if not isinstance(exc, TransientSendError):
                    log.exception("unexpected error sending delivery %d; treating it as transient", item.id)
                self._transient(outbox, item, now, report)
                return
            outbox.mark_sent(item.id, self.clock())
            report.sent += 1
            report.late += int(late)
            return

    @staticmethod
    def _after(now: datetime, retry_at: datetime) -> datetime:
        # Strictly after this cycle's "now", so the same cycle can never claim the row again.
        return max(retry_at, now + timedelta(seconds=1))

    def _transient(self, outbox: Outbox, item: OutboxItem, now: datetime, report: DeliveryReport) -> None:
        attempts = item.attempts + 1
        if attempts >= self.max_attempts:
            outbox.mark_failed(item.id, attempts, self.clock())
            report.failed += 1
            return
        retry_at = self.clock() + timedelta(seconds=self.backoff(attempts))
        outbox.release(item.id, self.clock(), retry_at=self._after(now, retry_at), attempts=attempts)
        report.retried += 1

    async def run_forever(self, stop: asyncio.Event, poll_seconds: float = 15.0, *, recover: bool = True) -> None:
        """Recover, then run a cycle every ``poll_seconds`` until ``stop`` is set (errors are logged).

        While the storage guard says the database cannot be written, cycles (and the start-up recovery)
        wait: a reminder is only sent when it can be marked sent.
        """
        self._recovered = not recover
        self._stopping = False
        stopper = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                if self.storage is None or self.storage.writable:
                    try:
                        if not self._recovered:
                            self.recover(self.clock())
                            self._recovered = True
                        await self._run_until(stop)
                    except Exception as error:  # a bad cycle (e.g. database locked too long) must not end the loop
                        if self.storage is not None and is_storage_failure(error):
                            self.storage.failed(error)
                        else:
                            log.exception("delivery cycle failed")
                if stop.is_set():
                    break
                napper = asyncio.ensure_future(self.sleep(poll_seconds))
                await asyncio.wait({napper, stopper}, return_when=asyncio.FIRST_COMPLETED)
                if not napper.done():
                    napper.cancel()
        finally:
            if not stopper.done():
                stopper.cancel()

    async def _run_until(self, stop: asyncio.Event) -> DeliveryReport:
        # A watcher flips _stopping so a long cycle (thousands due) ends after the current message.
        async def watch() -> None:
            await stop.wait()
            self._stopping = True

        watcher = asyncio.ensure_future(watch())
        try:
            return await self.run_once(self.clock())
        finally:
            watcher.cancel()
