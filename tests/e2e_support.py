"""Run the real bot (python-telegram-bot Application) against the fake Bot API server, for tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.app import Runtime, build_runtime
from bot.channels.telegram import build_application
from bot.config import Settings
from tests.fake_telegram import FakeTelegramServer

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"
ADMIN = 42


@dataclass
class RunningBot:
    """A started bot and its fake server, with helpers to talk to it like a user."""

    tg: FakeTelegramServer
    app: Any
    runtime: Runtime

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Return what the bot sent to a chat, oldest first (deleted ones included)."""
        return self.tg.sent_messages(chat_id)

    async def wait_messages(self, chat_id: int, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until the bot has sent at least ``count`` messages to a chat; return them."""
        deadline = time.monotonic() + timeout
        while len(self.messages(chat_id)) < count:
            if time.monotonic() > deadline:
                texts = [m.get("plain_text") for m in self.messages(chat_id)]
                raise TimeoutError(f"expected {count} messages in chat {chat_id}, got {texts}")
            await asyncio.sleep(0.01)
        return self.messages(chat_id)

    async def say(self, text: str, user_id: int = 1001, expect: int = 1, **kwargs: Any) -> list[dict[str, Any]]:
        """Send a message as a user; return the ``expect`` new messages the bot sent in reply."""
        chat_id = kwargs.get("chat_id") or user_id
        before = len(self.messages(chat_id))
        self.tg.push_message(text, user_id=user_id, **kwargs)
        await self.wait_messages(chat_id, before + expect)
        await asyncio.sleep(0.05)  # let any further (unexpected) message arrive so tests can see it
        return self.messages(chat_id)[before:]

    async def press(self, data: str, message: dict[str, Any], user_id: int = 1001, expect: int = 1,
                    force: bool = False) -> list[dict[str, Any]]:
        """Press a button of a sent message; return new messages (edits show up as updated records)."""
        chat_id = message["chat_id"]
        before = len(self.messages(chat_id))
        answered = len(self.tg.calls_to("answerCallbackQuery"))
        self.tg.push_callback(data, user_id=user_id, message_id=message["message_id"], chat_id=chat_id, force=force)
        await self.tg.wait_for_calls("answerCallbackQuery", answered + 1)
        if expect:
            await self.wait_messages(chat_id, before + expect)
        await asyncio.sleep(0.05)
        return self.messages(chat_id)[before:]

    async def accept(self, user_id: int = 1001) -> None:
        """Go through first contact: /start, then press "I understand"."""
        replies = await self.say("/start", user_id=user_id, expect=2)
        consent = next(m for m in replies if _has_button(m, "ok"))
        await self.press("ok", consent, user_id=user_id)


def _has_button(message: dict[str, Any], data: str) -> bool:
    return data in button_data(message)


def button_data(message: dict[str, Any]) -> list[str]:
    """Return the callback data of every inline button on a sent message."""
    markup = message.get("reply_markup") or {}
    return [b.get("callback_data") for row in markup.get("inline_keyboard", []) for b in row]


@asynccontextmanager
async def running_bot(
    tmp_path: Path, *, clock: Callable[[], datetime] | None = None, poll_seconds: float | None = None, **overrides: Any
) -> AsyncIterator[RunningBot]:
    """Start the fake server and the real bot polling it; stop both cleanly afterwards.

    ``clock``: the time the whole bot reads (messages, buttons, the delivery loop); ``poll_seconds``: how
    often its delivery loop looks for due rows (15 s in production).
    """
    async with FakeTelegramServer() as tg:
        settings = Settings(
            telegram_token=tg.token,
            telegram_api_base_url=f"{tg.url}/bot",
            knowledge_dir=KNOWLEDGE,
            database=tmp_path / "bot.sqlite3",
            console_files_dir=tmp_path / "files",
            health_port=0,
            admin_ids=(ADMIN,),
            # The fake server enforces no per-chat limit unless a test asks for one (tests/test_pacing.py),
            # so conversations here are not slowed to Telegram's one message per second per chat.
            telegram_chat_seconds=0.0,
        )
        settings = replace(settings, **overrides)
        runtime = build_runtime(settings, clock=clock) if clock is not None else build_runtime(settings)
        if poll_seconds is not None:
            runtime.poll_seconds = poll_seconds
        assert runtime.acquire_lease() is None  # as `patient-bot run` does, before any call to Telegram
        app = build_application(settings, runtime)
        async with app:
            await app.post_init(app)  # run_polling would call it; we drive the parts ourselves
            await app.start()
            await app.updater.start_polling(poll_interval=0.0, timeout=1)
            try:
                yield RunningBot(tg, app, runtime)
            finally:
                await app.updater.stop()
                await app.stop()
                await app.post_stop(app)
        await app.post_shutdown(app)
        # Every end-to-end run must be clean: nothing the bot sent was refused as Telegram would refuse it.
        assert tg.rejections == [], [(r.method, r.description) for r in tg.rejections]
