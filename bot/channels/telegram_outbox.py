"""The replies of handled updates, sent chat by chat, in order, and recorded as sent.

A handler computes its replies and records them with the update (``Inbox.applied``, in the update's own
transaction) as *actions*: plain JSON of exactly what to send (rendered HTML, buttons, an edit, a file).
Then it hands them to the :class:`Outbox` and returns at once, so a chat waiting for its per-chat slot
(one message per second) never holds one of PTB's update-processing slots, and nobody else waits.

The outbox keeps one queue and one worker task per chat: a chat's replies go out in the order their
updates were handled. After each action the update's ``sent`` count is recorded, and after the last one
the update is ``done`` (its payload and replies erased). A crash in between re-sends only the actions
not yet recorded: at most one message per crash is sent twice (Telegram answered, the record had not
been written), the same window as reminder delivery's.

Errors never stop a worker: a 429 that outlasted the limiter's own retries is waited out for that chat
only; a blocked bot (403) drops that chat's remaining actions; a bad request (an edit of a message too
old to edit) falls back to a new message, or is skipped; a network error is retried a few times.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.channels.telegram_html import MAX_CAPTION, render_reply
from bot.models import Attachment, AttachmentKind, Block, Reply, ReplyKind
from bot.storage import Inbox, StorageGuard

log = logging.getLogger("bot.telegram")
Action = dict[str, Any]
NETWORK_RETRIES = 4
RETRY_BASE = 1.0  # seconds before the first retry of a network error; doubled each time


def keyboard(rows: tuple[tuple[Any, ...], ...], username: str | None = None) -> InlineKeyboardMarkup | None:
    """Return the inline keyboard for rendered button rows, or None without buttons.

    A button with ``private_start`` becomes a deep link to the private chat with the bot
    (``https://t.me/<bot>?start=<payload>``, Telegram's documented deep-link form); without the bot's
    username it cannot be built and is left out.
    """

    def button(b: Any) -> InlineKeyboardButton | None:
        start = getattr(b, "private_start", None)
        if start is None:
            return InlineKeyboardButton(b.label, callback_data=b.data)
        return InlineKeyboardButton(b.label, url=f"https://t.me/{username}?start={start}") if username else None

    built = [[k for k in map(button, row) if k is not None] for row in rows]
    built = [row for row in built if row]
    return InlineKeyboardMarkup(built) if built else None


def encode_actions(
    replies: list[Reply], chat_id: int, pressed: int | None = None, username: str | None = None
) -> list[Action]:
    """Render replies into actions: ``send`` (html, markup), ``edit`` (of the pressed message), ``document``.

    A reply marked ``edit`` replaces the pressed message when it renders as one message (as before).
    ``markup`` is the inline keyboard as Telegram's JSON (``keyboard``; deep links need the bot's username).
    """
    actions: list[Action] = []
    for reply in replies:
        attachment = reply.attachment
        if attachment is not None and not reply.edit:
            captions = render_reply(reply, limit=MAX_CAPTION)
            if len(captions) == 1:  # the reply's text fits as the file's caption: one message
                only = captions[0]
                markup = keyboard(only.buttons, username)
                actions.append(_file_action(attachment, chat_id, only.html, markup))
                continue
        messages = render_reply(reply)
        for index, message in enumerate(messages):
            markup = keyboard(message.buttons, username)
            edit = reply.edit and pressed is not None and len(messages) == 1 and index == 0
            action: Action = {"op": "edit" if edit else "send", "chat": chat_id, "html": message.html,
                              "markup": markup.to_dict() if markup is not None else None}
            if edit:
                action["message"] = pressed
            actions.append(action)
        if attachment is not None:  # the text went first; the file follows with its own short caption
            actions.append(_file_action(attachment, chat_id, caption_html(attachment.caption), None))
    return actions


def _file_action(attachment: Attachment, chat_id: int, caption: str | None, markup: Any) -> Action:
    """A photo (``AttachmentKind.PHOTO``: a chart) or a document (.ics, PDF, zip), with its caption."""
    return {
        "op": "photo" if attachment.kind is AttachmentKind.PHOTO else "document",
        "chat": chat_id, "name": attachment.filename,
        "data": base64.b64encode(attachment.content).decode("ascii"),
        "caption": caption, "markup": markup.to_dict() if markup is not None else None,
    }


def caption_html(text: str) -> str | None:
    """Return a file's own caption as escaped HTML within Telegram's 1,024 characters, or None."""
    if not text.strip():
        return None
    return render_reply(Reply(ReplyKind.INFO, (Block(text),)), limit=MAX_CAPTION)[0].html


def dump_actions(actions: list[Action]) -> str:
    """Return actions as the JSON text stored with the update."""
    return json.dumps(actions, ensure_ascii=False, separators=(",", ":"))


def load_actions(text: str | None) -> list[Action]:
    """Read actions stored by :func:`dump_actions` (nothing for an empty record)."""
    if not text:
        return []
    data = json.loads(text)
    return [a for a in data if isinstance(a, dict)] if isinstance(data, list) else []


def _markup(action: Action) -> InlineKeyboardMarkup | None:
    data = action.get("markup")
    return InlineKeyboardMarkup.de_json(data, None) if isinstance(data, dict) else None


@dataclass
class Job:
    """The actions of one update, and how many went out already."""

    update_id: int | None
    actions: list[Action]
    sent: int = 0


@dataclass
class _ChatQueue:
    jobs: deque[Job] = field(default_factory=deque)
    worker: asyncio.Task[None] | None = None


class Outbox:
    """Per-chat ordered sending of recorded actions (see the module docstring)."""

    def __init__(
        self, bot: Any, inbox: Inbox | None, guard: StorageGuard | None, clock: Callable[[], datetime],
        *, moved: Callable[[int, int], None] | None = None,
    ) -> None:
        """Send through a PTB bot; record progress in ``inbox`` when the guard lets writes happen;
        ``moved(old, new)`` is told when a group turned out to be a supergroup with a new id."""
        self.bot = bot
        self.moved = moved
        self.inbox = inbox
        self.guard = guard
        self.clock = clock
        self._chats: dict[int, _ChatQueue] = {}
        self._closing = False

    @property
    def busy_chats(self) -> int:
        """Return how many chats have replies queued or going out."""
        return len(self._chats)

    def submit(self, update_id: int | None, actions: list[Action], sent: int = 0) -> None:
        """Queue an update's actions (from ``sent`` on) for its chat; an update with none is done at once."""
        if sent >= len(actions) or self._closing:
            if sent >= len(actions):
                self._record_done(update_id)
            return
        chat_id = int(actions[sent]["chat"])
        queue = self._chats.setdefault(chat_id, _ChatQueue())
        queue.jobs.append(Job(update_id, actions, sent))
        if queue.worker is None:
            queue.worker = asyncio.create_task(self._work(chat_id, queue), name=f"outbox-{chat_id}")

    async def close(self, grace: float) -> int:
        """Stop after the action in hand (waiting at most ``grace`` s); return the jobs left for the next start."""
        self._closing = True
        workers = [q.worker for q in self._chats.values() if q.worker is not None]
        if workers:
            _, pending = await asyncio.wait(workers, timeout=grace)
            for task in pending:  # stuck in a long retry: what it did not record is re-sent at the next start
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        left = sum(len(q.jobs) for q in self._chats.values())
        self._chats.clear()
        return left

    async def _work(self, chat_id: int, queue: _ChatQueue) -> None:
        try:
            while queue.jobs and not self._closing:
                job = queue.jobs[0]
                while job.sent < len(job.actions) and not self._closing:
                    if not await self._perform(job.actions[job.sent]):
                        # The chat blocked the bot: nothing more can reach it.
                        job.sent = len(job.actions)
                        break
                    job.sent += 1
                    if job.sent < len(job.actions):
                        self._record(partial(self._progress, job))
                if job.sent >= len(job.actions):
                    self._record_done(job.update_id)
                    queue.jobs.popleft()
                else:
                    return  # closing: the rest stays recorded for the next start
        finally:
            queue.worker = None
            if not queue.jobs and self._chats.get(chat_id) is queue:
                del self._chats[chat_id]

    def _progress(self, job: Job) -> None:
        if self.inbox is not None and job.update_id is not None:
            self.inbox.progress(job.update_id, job.sent, self.clock())

    def _record(self, write: Callable[[], None]) -> None:
        if self.guard is None:
            write()
        else:
            self.guard.attempt(write)

    def _record_done(self, update_id: int | None) -> None:
        inbox = self.inbox
        if inbox is not None and update_id is not None:
            self._record(lambda: inbox.done(update_id, self.clock()))

    async def _perform(self, action: Action) -> bool:
        """Send one action, retrying what can be retried; return False when the chat blocked the bot."""
        failures = 0
        while True:
            try:
                await self._call(action)
                return True
            except ChatMigrated as migrated:  # the group became a supergroup: send to its new id
                if self.moved is not None:
                    self.moved(int(action["chat"]), migrated.new_chat_id)
                action = {**action, "op": "send", "chat": migrated.new_chat_id}
            except RetryAfter as error:  # outlasted the limiter's retries: wait for this chat only
                retry = error.retry_after
                await asyncio.sleep(retry.total_seconds() if hasattr(retry, "total_seconds") else float(retry))
            except Forbidden:
                log.info("chat blocked the bot; its replies are dropped", extra={"event": "send_blocked"})
                return False
            except BadRequest as error:
                if action["op"] == "edit":  # "message is not modified" or too old to edit: send anew
                    log.info("edit failed, sending instead", extra={"event": "edit_failed", "error": type(error).__name__})
                    action = {**action, "op": "send"}
                    continue
                log.warning("reply refused by Telegram, skipped",
                            extra={"event": "send_refused", "error": type(error).__name__})
                return True
            except (TimedOut, NetworkError) as error:
                failures += 1
                if failures > NETWORK_RETRIES:
                    log.error("reply not sent after %d network errors", failures,
                              extra={"event": "send_failed", "error": type(error).__name__})
                    return True
                await asyncio.sleep(RETRY_BASE * 2 ** (failures - 1))
            except TelegramError as error:
                log.error("reply failed", extra={"event": "send_failed", "error": type(error).__name__})
                return True

    async def _call(self, action: Action) -> None:
        chat_id = int(action["chat"])
        if action["op"] in ("document", "photo"):
            content = base64.b64decode(action["data"])
            extra = {"caption": action.get("caption"), "parse_mode": ParseMode.HTML, "reply_markup": _markup(action)}
            if action["op"] == "photo":
                await self.bot.send_photo(chat_id, photo=content, filename=action["name"], **extra)
            else:
                await self.bot.send_document(chat_id, document=content, filename=action["name"], **extra)
        elif action["op"] == "edit":
            await self.bot.edit_message_text(
                action["html"], chat_id=chat_id, message_id=int(action["message"]), parse_mode=ParseMode.HTML,
                reply_markup=_markup(action),
            )
        else:
            await self.bot.send_message(
                chat_id, action["html"], parse_mode=ParseMode.HTML, reply_markup=_markup(action)
            )
