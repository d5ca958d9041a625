"""Data rights, privacy-safe logs, flood control and input caps."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.config import Settings
from bot.content import Content
from bot.logs import configure_logging, user_ref
from bot.models import Incoming, ReplyKind
from bot.storage import UserRepository
from bot.text import clean_message
from tests.e2e_support import running_bot

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def _rows_naming(database: object, user_id: int) -> list[tuple[str, tuple[object, ...]]]:
    """Return every row of every table with a value equal to the user's id (as number or text)."""
    found = []
    tables = [row[0] for row in database.query("SELECT name FROM sqlite_master WHERE type = 'table'")]  # type: ignore[attr-defined]
    for table in tables:
        for row in database.query(f"SELECT * FROM {table}"):  # type: ignore[attr-defined]
            if any(value in (user_id, str(user_id)) for value in tuple(row)):
                found.append((table, tuple(row)))
    return found


async def test_forget_erases_every_row_naming_the_user(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        await bot.accept(user_id=1001)
        await bot.accept(user_id=2002)
        await bot.say("/timezone Europe/London")
        await bot.say("/remind 2027-03-14 DEXA scan")
        await bot.say("/remind 2027-05-01 Blood test")
        await bot.say("/remind")  # a guided flow left half-way: conversation state in the database
        await bot.say("/remind 2027-04-01 DEXA scan", user_id=2002)
        assert _rows_naming(bot.runtime.database, 1001)
        confirm = (await bot.say("/forget"))[-1]
        assert "cannot be undone" in confirm["plain_text"]
        done = await bot.press("fg:y", confirm)
        assert "deleted" in done[-1]["plain_text"]
        assert _rows_naming(bot.runtime.database, 1001) == []
        assert _rows_naming(bot.runtime.database, 2002)  # other users keep their data
        again = await bot.say("what is osteopenia", expect=2)  # a new first contact: disclaimer again
        assert "ok" in str(again[0].get("reply_markup"))
        assert bot.tg.rejections == []


async def test_deletemydata_alias_and_keep_button(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        await bot.accept()
        [confirm] = await bot.say("/deletemydata")
        [kept] = await bot.press("fg:n", confirm)
        assert "Nothing was deleted" in kept["plain_text"]
        assert UserRepository(bot.runtime.database).has_accepted(1001)


async def test_logs_of_a_full_conversation_hold_no_text_names_ids_or_token(tmp_path: Path) -> None:
    stream = io.StringIO()
    async with running_bot(tmp_path) as bot:
        handler = configure_logging("DEBUG", bot.tg.token, "test-key", stream)
        try:
            secrets = ["Zebulon", "zeb_secret", "quixotic osteopenia question", "Xylophone", bot.tg.token]
            bot.tg.push_message("/start", user_id=1001, first_name="Zebulon", username="zeb_secret")
            welcome = await bot.wait_messages(1001, 2)
            consent = next(m for m in welcome if "ok" in str(m.get("reply_markup")))
            await bot.press("ok", consent)
            await bot.say("quixotic osteopenia question")
            await bot.say("/remind 2027-03-14 Xylophone appointment")
            await bot.say("i can't breathe")
            await bot.say("/glossary Xylophone")
        finally:
            logging.getLogger().removeHandler(handler)
    logs = stream.getvalue()
    assert logs.count("\n") >= 5
    for line in logs.splitlines():
        json.loads(line)  # one JSON object per line
    for secret in secrets:
        assert secret not in logs
    assert "1001" not in logs and user_ref(1001) in logs


def test_token_is_redacted_even_from_library_messages() -> None:
    stream = io.StringIO()
    handler = configure_logging("INFO", "123:SECRET-TOKEN", None, stream)
    try:
        logging.getLogger("some.library").warning("GET https://api/bot123:SECRET-TOKEN/getMe failed")
    finally:
        logging.getLogger().removeHandler(handler)
    assert "SECRET-TOKEN" not in stream.getvalue() and "<redacted>" in stream.getvalue()


@pytest.fixture
def flood_assistant(content: Content) -> Iterator[Assistant]:
    yield Assistant(content, Settings(flood_max_messages=20, flood_window_seconds=60, flood_mute_seconds=120))


def test_flood_control_warns_once_then_drops_and_never_slows_others(flood_assistant: Assistant) -> None:
    replies = [flood_assistant.handle(Incoming(7, 7, "what is osteopenia"), NOW + timedelta(seconds=i)) for i in range(20)]
    assert all(r and r[0].kind is ReplyKind.ANSWER for r in replies)
    [warning] = flood_assistant.handle(Incoming(7, 7, "what is osteopenia"), NOW + timedelta(seconds=21))
    assert "slow" in warning.plain_text.lower() or "quickly" in warning.plain_text
    assert flood_assistant.handle(Incoming(7, 7, "what is osteopenia"), NOW + timedelta(seconds=22)) == []
    assert flood_assistant.handle_button(7, 7, "g:osteopenia", NOW + timedelta(seconds=23)) == []
    other = flood_assistant.handle(Incoming(8, 8, "what is osteopenia"), NOW + timedelta(seconds=23))
    assert other and other[0].kind is ReplyKind.ANSWER
    later = flood_assistant.handle(Incoming(7, 7, "what is osteopenia"), NOW + timedelta(seconds=200))
    assert later and later[0].kind is ReplyKind.ANSWER


def test_input_caps_and_control_characters(assistant: Assistant) -> None:
    text, cut = clean_message("bo\x00ne\x07 loss\u200b\x1b[31m", 2000)
    assert text == "bone loss\u200b[31m" and not cut
    text, cut = clean_message("x" * 5000, 2000)
    assert len(text) == 2000 and cut
    replies = assistant.handle(Incoming(9, 9, "what is osteopenia " * 500), NOW)
    assert "only its first 2000 characters" in replies[0].plain_text
    assert assistant.handle(Incoming(9, 9, "\x00\x01\x02"), NOW)[0].kind is ReplyKind.ERROR


def test_debug_text_switch_warns_at_start_up() -> None:
    stream = io.StringIO()
    handler = configure_logging("INFO", None, None, stream, debug_text=True)
    logging.getLogger().removeHandler(handler)
    [line] = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert line["level"] == "WARNING" and line["event"] == "debug_text_on"
