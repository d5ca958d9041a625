"""Sending within Telegram's limits without one chat ever slowing another down.

Telegram's limits (Bot API FAQ, "My bot is hitting limits"): about 30 messages per second bot-wide,
**one message per second in a single chat**, and **20 messages per minute in a group**. Past them it
answers 429 ``retry_after``.

* Bot-wide: python-telegram-bot's ``AIORateLimiter`` (a leaky bucket from ``aiolimiter``), as before.
  Its reaction to a 429, pausing *every* request, is right for the bot-wide limit.
* Per chat: :class:`ChatPacer`. A chat's next message waits until one ``interval`` after Telegram
  *answered* the previous one, and a group's until fewer than ``group_max`` were answered in the last
  ``group_period``. Only requests to that chat wait; each chat has its own lock, so a user flooding
  the bot queues behind their own messages and nobody else's.

Why not a library for the per-chat part: ``AIORateLimiter`` has no per-chat limit for private chats,
and its answer to the per-chat 429s that follow is to pause the whole bot (what made everyone's replies
slow during one user's flood). ``aiolimiter``'s bucket measures from when a request *starts*, so two
messages one second apart can reach Telegram closer than that when the first one waited longer on the
way; and it lets a group burst 20 again after 3 s, where Telegram says 20 per minute. ``limits``'
moving window fits the group rule but sweeps every key from a timer thread every 10 ms and reads the
wall clock. What is left, "one request in flight per chat, one interval after the last answer; a log of
the last 20 answer times per group", is a lock, a float and a deque per chat, on the monotonic clock.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from telegram.ext import AIORateLimiter, BaseRateLimiter

JSONDict = dict[str, Any]  # what PTB's BaseRateLimiter passes around

# Bot API methods that put a new message into a chat (what Telegram's per-chat limits count).
PACED_METHODS = frozenset(
    {
        "sendMessage", "sendDocument", "sendPhoto", "sendAudio", "sendVideo", "sendVoice", "sendAnimation",
        "sendSticker", "sendLocation", "sendContact", "sendPoll", "sendMediaGroup", "copyMessage", "forwardMessage",
    }
)
IDLE_FORGET = 120.0  # seconds: state of chats quiet for this long is dropped (it no longer constrains anything)


@dataclass
class _Chat:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    ready_at: float = 0.0  # monotonic time from which the next message may go
    answered: deque[float] = field(default_factory=deque)  # groups: answer times within the period
    last_used: float = 0.0


class ChatPacer:
    """Per-chat spacing (``interval`` seconds) and, for groups, at most ``group_max`` per ``group_period``."""

    def __init__(
        self,
        interval: float = 1.0,
        group_max: int = 20,
        group_period: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Configure the limits; ``interval`` 0 turns per-chat spacing off (groups keep their window)."""
        self.interval = interval
        self.group_max = group_max
        self.group_period = group_period
        self.clock = clock
        self._chats: dict[int | str, _Chat] = {}
        self._swept = clock()

    @staticmethod
    def is_group(chat_id: int | str) -> bool:
        """Return True for a group, supergroup or channel (negative ids and @usernames)."""
        return isinstance(chat_id, str) or chat_id < 0

    def waiting(self) -> int:
        """Return how many chats have a message waiting for their slot (for /healthz and tests)."""
        return sum(1 for chat in self._chats.values() if chat.lock.locked())

    @asynccontextmanager
    async def slot(self, chat_id: int | str) -> AsyncIterator[None]:
        """Wait for this chat's turn, hold it while the request runs, and time the next one from its end."""
        self._sweep()
        chat = self._chats.setdefault(chat_id, _Chat())
        async with chat.lock:
            group = self.is_group(chat_id)
            while True:
                now = self.clock()
                while chat.answered and chat.answered[0] <= now - self.group_period:
                    chat.answered.popleft()
                wait = chat.ready_at - now
                if group and len(chat.answered) >= self.group_max:
                    wait = max(wait, chat.answered[0] + self.group_period - now)
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            try:
                yield
            finally:
                done = self.clock()
                chat.ready_at = done + self.interval
                chat.last_used = done
                if group:
                    chat.answered.append(done)

    def _sweep(self) -> None:
        now = self.clock()
        if now - self._swept < IDLE_FORGET:
            return
        self._swept = now
        for key, chat in list(self._chats.items()):
            if not chat.lock.locked() and now - chat.last_used > max(IDLE_FORGET, self.group_period):
                del self._chats[key]


class PacedRateLimiter(BaseRateLimiter[int]):
    """PTB's rate limiter seam: per-chat pacing (``ChatPacer``) in front of the bot-wide ``AIORateLimiter``."""

    def __init__(self, pacer: ChatPacer, overall: AIORateLimiter | None) -> None:
        """Pace chats with ``pacer``; ``overall`` (or nothing) enforces the bot-wide rate."""
        self.pacer = pacer
        self.overall = overall

    async def initialize(self) -> None:
        """Initialise the bot-wide limiter."""
        if self.overall is not None:
            await self.overall.initialize()

    async def shutdown(self) -> None:
        """Shut the bot-wide limiter down."""
        if self.overall is not None:
            await self.overall.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Run one Bot API request: in its chat's slot when it sends a message, then through the bot-wide limit."""
        overall = self.overall
        run = (
            partial(overall.process_request, callback, args, kwargs, endpoint, data, rate_limit_args)
            if overall is not None
            else partial(callback, *args, **kwargs)
        )
        chat_id = data.get("chat_id")
        if endpoint in PACED_METHODS and isinstance(chat_id, int | str):
            async with self.pacer.slot(chat_id):
                return await run()
        return await run()
