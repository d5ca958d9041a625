"""Incoming updates made durable: stored before Telegram forgets them, handled once, replayed after a crash.

``DurableUpdateQueue`` is PTB's update queue (``ApplicationBuilder.update_queue``). Both ways updates
arrive put them into it: the polling loop before it moves the ``getUpdates`` offset past them, the
webhook handler before it answers Telegram's POST with 200. So writing the update to the
:class:`~bot.storage.Inbox` in ``put`` is exactly "stored before Telegram's offset moves", in either
mode, without touching PTB's internals. An update already stored (a redelivery, or one replayed from the
inbox at start) is not queued twice. When the database cannot be written the update is queued anyway
(answered from memory: an emergency reply must never wait for storage) and is not durable.

``UpdateWork`` is what each handler runs: if the stored update was already applied (a replay after a
crash), only its unsent replies go out; otherwise the assistant handles it with ``record`` joining the
handling transaction (``Inbox.applied``: effects and replies committed together) and the replies go to
the :class:`~bot.channels.telegram_outbox.Outbox`. ``replay`` (at start, before the first fetch)
hands every unfinished update back, oldest first; one that failed ``MAX_ATTEMPTS`` starts is given up
(logged), so a message that crashes the process cannot crash it forever.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram import Update

from bot.channels.telegram_outbox import Action, Outbox, dump_actions, encode_actions, load_actions
from bot.models import Reply
from bot.storage import Inbox, InboxStatus, StorageGuard, is_storage_failure

log = logging.getLogger("bot.telegram")
MAX_ATTEMPTS = 3
Compute = Callable[[Callable[[list[Reply]], None]], list[Reply]]


class DurableUpdateQueue(asyncio.Queue[object]):
    """PTB's update queue, writing each update to the inbox before it is queued (see the module docstring)."""

    def __init__(self, inbox: Inbox, guard: StorageGuard, clock: Callable[[], datetime]) -> None:
        """Store updates in ``inbox`` while ``guard`` lets writes happen."""
        super().__init__()
        self.inbox = inbox
        self.guard = guard
        self.clock = clock
        self.volatile: set[int] = set()  # queued while the database could not be written: not durable

    async def put(self, item: object) -> None:
        """Store an update, then queue it; a redelivered one is dropped (it is queued or done already)."""
        if isinstance(item, Update) and not self._store(item):
            return
        await super().put(item)

    def _store(self, update: Update) -> bool:
        stored: list[bool] = []
        if self.guard.attempt(lambda: stored.append(self.inbox.receive(update.update_id, update.to_dict(), self.clock()))):
            return stored[0]
        self.volatile.add(update.update_id)
        return True

    def replay(self, update: Update) -> None:
        """Queue an update read back from the inbox (no second write)."""
        super().put_nowait(update)

    def drain(self) -> int:
        """At stop: take the stored updates nobody has started on out of the queue (they stay pending in
        the inbox for the next start); updates that are only in memory stay queued to be answered now."""
        kept: list[object] = []
        dropped = 0
        while not self.empty():
            item = self.get_nowait()
            self.task_done()
            if isinstance(item, Update) and item.update_id not in self.volatile:
                dropped += 1
            else:
                kept.append(item)
        for item in kept:
            super().put_nowait(item)
        return dropped


class UpdateWork:
    """Handle an update exactly once and send its replies through the outbox (see the module docstring)."""

    def __init__(self, inbox: Inbox, guard: StorageGuard, outbox: Outbox, clock: Callable[[], datetime]) -> None:
        """Record in ``inbox`` (through ``guard``) and send through ``outbox``."""
        self.inbox = inbox
        self.guard = guard
        self.outbox = outbox
        self.clock = clock

    def _entry_status(self, update_id: int) -> tuple[InboxStatus | None, list[Action], int]:
        if not self.guard.writable:
            return None, [], 0
        try:
            entry = self.inbox.get(update_id)
        except Exception as error:
            if not is_storage_failure(error):
                raise
            self.guard.failed(error)
            return None, [], 0
        if entry is None:
            return None, [], 0
        return entry.status, load_actions(entry.actions), entry.sent

    def handle(self, update: Update, chat_id: int, compute: Compute, pressed: int | None = None) -> None:
        """Apply the update (unless it was already) and queue its replies for ``chat_id``."""
        status, actions, sent = self._entry_status(update.update_id)
        if status is InboxStatus.DONE:
            return
        if status is InboxStatus.APPLIED:  # a replay of an update handled before a crash: send what is left
            self.outbox.submit(update.update_id, actions, sent)
            return
        recorded: list[list[Action]] = []

        username = getattr(self.outbox.bot, "username", None)

        def record(replies: list[Reply]) -> None:
            encoded = encode_actions(replies, chat_id, pressed, username)
            self.inbox.applied(update.update_id, dump_actions(encoded), self.clock())
            recorded.append(encoded)

        replies = compute(record)
        self.outbox.submit(
            update.update_id, recorded[0] if recorded else encode_actions(replies, chat_id, pressed, username)
        )

    def finish(self, update_id: int) -> None:
        """Mark an update done that no handler answers (or whose handler failed and apologised)."""
        self.guard.attempt(lambda: self.inbox.done(update_id, self.clock()))

    def replay(self, queue: DurableUpdateQueue, bot: Any) -> int:
        """At start: hand every unfinished update back, oldest first; return how many."""
        if not self.guard.writable:
            return 0
        count = 0
        try:
            entries = self.inbox.unfinished()
            for entry in entries:
                attempts = self.inbox.attempt(entry.update_id, self.clock())
                if attempts > MAX_ATTEMPTS:
                    log.error("update %d given up after %d attempts", entry.update_id, attempts - 1,
                              extra={"event": "update_given_up"})
                    self.inbox.done(entry.update_id, self.clock())
                    continue
                if entry.status is InboxStatus.APPLIED:
                    self.outbox.submit(entry.update_id, load_actions(entry.actions), entry.sent)
                elif entry.payload:
                    update = Update.de_json(json.loads(entry.payload), bot)
                    queue.replay(update)
                else:
                    self.inbox.done(entry.update_id, self.clock())
                    continue
                count += 1
        except Exception as error:
            if not is_storage_failure(error):
                raise
            self.guard.failed(error)
        if count:
            log.warning("replaying %d updates left unfinished by the previous run", count,
                        extra={"event": "replay", "count": count})
        return count
