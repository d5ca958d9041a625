"""TelegramSender maps python-telegram-bot's errors to the delivery loop's core exceptions, in process.

A fake bot's ``send_message`` raises PTB's real exception classes; the sender must turn each into what
``bot.reminders.delivery`` acts on: RetryLater (wait that long), RecipientBlocked (stop sending to
them) or TransientSendError (back off and retry). tests/conftest.py sets PTB_TIMEDELTA=1, so
``RetryAfter.retry_after`` is a timedelta; one test covers the older integer form too.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram import TelegramSender
from bot.models import Block, Reply, ReplyKind, Style
from bot.reminders.delivery import RecipientBlocked, RetryLater, TransientSendError

CHAT = 4242
NOTICE = Reply(ReplyKind.REMINDER, (Block("Reminder", Style.TITLE), Block("DEXA scan: Sunday 14 March 2027, tomorrow.")))


class FakeBot:
    """Records sends; raises ``error`` from every ``send_message`` when one is set."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.sent: list[tuple[int, str, dict[str, Any]]] = []

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> None:
        if self.error is not None:
            raise self.error
        self.sent.append((chat_id, text, kwargs))

    async def send_document(self, chat_id: int, **kwargs: Any) -> None:  # pragma: no cover - notices have no file
        raise AssertionError("a reminder notice has no attachment")


async def send_with(error: Exception | None) -> FakeBot:
    bot = FakeBot(error)
    await TelegramSender(bot).send(CHAT, NOTICE)
    return bot


async def test_a_notice_is_sent_as_html_to_the_chat() -> None:
    bot = await send_with(None)
    [(chat_id, text, kwargs)] = bot.sent
    assert chat_id == CHAT
    assert "<b>Reminder</b>" in text and "DEXA scan: Sunday 14 March 2027, tomorrow." in text
    assert kwargs["parse_mode"] == ParseMode.HTML


@pytest.mark.parametrize(
    ("retry_after", "seconds"),
    [
        (timedelta(seconds=7), 7.0),
        (timedelta(seconds=1.5), 1.5),
        (timedelta(minutes=2), 120.0),
        (12, 12.0),  # an int from the Bot API; PTB stores it as a timedelta
        (0, 0.0),
    ],
)
async def test_retry_after_becomes_retry_later_with_its_seconds(retry_after: timedelta | int, seconds: float) -> None:
    with pytest.raises(RetryLater) as raised:
        await send_with(RetryAfter(retry_after))
    assert raised.value.seconds == seconds
    assert isinstance(raised.value.seconds, float)


async def test_retry_after_as_an_integer_without_ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without PTB_TIMEDELTA, PTB 22 hands out ``retry_after`` as an int (with a deprecation warning)."""
    monkeypatch.delenv("PTB_TIMEDELTA", raising=False)
    with pytest.warns(PTBDeprecationWarning), pytest.raises(RetryLater) as raised:
        await send_with(RetryAfter(30))
    assert raised.value.seconds == 30.0


@pytest.mark.parametrize(
    "error",
    [
        Forbidden("Forbidden: bot was blocked by the user"),
        Forbidden("Forbidden: user is deactivated"),
        BadRequest("Chat not found"),
        BadRequest("Bad Request: chat not found"),
    ],
    ids=["blocked", "deactivated", "chat-not-found", "chat-not-found-lowercase"],
)
async def test_blocked_or_gone_recipient_becomes_recipient_blocked(error: TelegramError) -> None:
    with pytest.raises(RecipientBlocked):
        await send_with(error)


@pytest.mark.parametrize(
    ("error", "name"),
    [
        (BadRequest("something else"), "BadRequest"),
        (BadRequest("Bad Request: message is too long"), "BadRequest"),
        (TimedOut(), "TimedOut"),
        (TimedOut("Pool timeout: All connections in the connection pool are occupied."), "TimedOut"),
        (NetworkError("httpx.ConnectError: connection refused"), "NetworkError"),
        (NetworkError("Bad Gateway"), "NetworkError"),
    ],
    ids=["bad-request", "too-long", "timed-out", "pool-timeout", "connect-error", "bad-gateway"],
)
async def test_other_send_failures_become_transient(error: TelegramError, name: str) -> None:
    with pytest.raises(TransientSendError) as raised:
        await send_with(error)
    assert str(raised.value) == name  # the class name only: PTB's message may quote what was sent


@pytest.mark.parametrize(
    "error", [RetryAfter(timedelta(seconds=3)), Forbidden("Forbidden"), BadRequest("Chat not found"), TimedOut()]
)
async def test_the_ptb_error_is_not_chained(error: TelegramError) -> None:
    """The core exception stands alone (``from None``): no PTB traceback rides along into the delivery logs."""
    with pytest.raises((RetryLater, RecipientBlocked, TransientSendError)) as raised:
        await send_with(error)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
