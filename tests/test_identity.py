"""End to end: who is speaking, and where personal data may appear (issue: identities, groups, edits).

The real bot against the fake Bot API: anonymous group admins (Telegram sends them all as one user,
GroupAnonymousBot, with the group in ``sender_chat``), channels, other bots, people in groups, a group
upgraded to a supergroup, an edited /remind, and the database file after /forget.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.buttons import CancelReminder, Forget
from tests.e2e_support import RunningBot, button_data, running_bot

ANONYMOUS_ADMIN = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}
GROUP_A, GROUP_B = -1001111111111, -1002222222222


def _group(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}


def _rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def _link(message: dict[str, Any]) -> str | None:
    markup = message.get("reply_markup") or {}
    return next((b.get("url") for row in markup.get("inline_keyboard", []) for b in row if b.get("url")), None)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[RunningBot]:
    async with running_bot(tmp_path) as running:
        yield running


async def _say_as(bot: RunningBot, text: str, chat_id: int, sender: dict[str, Any] | None,
                  sender_chat: dict[str, Any] | None, expect: int = 1) -> list[dict[str, Any]]:
    before = len(bot.messages(chat_id))
    bot.tg.push_as(text, chat_id=chat_id, sender=sender, sender_chat=sender_chat)
    await bot.wait_messages(chat_id, before + expect)
    return bot.messages(chat_id)[before:]


async def test_anonymous_admins_of_two_groups_share_nothing(bot: RunningBot, tmp_path: Path) -> None:
    # Group A's anonymous admin tries to set and list reminders: refused kindly, nothing stored.
    [refused] = await _say_as(bot, "/remind 2027-05-10 DEXA scan", GROUP_A, ANONYMOUS_ADMIN, _group(GROUP_A))
    assert "private chat" in refused["plain_text"] and "anonymous" in refused["plain_text"]
    [listing] = await _say_as(bot, "/reminders", GROUP_B, ANONYMOUS_ADMIN, _group(GROUP_B))
    assert "private chat" in listing["plain_text"]
    [forget] = await _say_as(bot, "/forget", GROUP_B, ANONYMOUS_ADMIN, _group(GROUP_B))
    assert "private chat" in forget["plain_text"] and not button_data(forget)
    db = tmp_path / "bot.sqlite3"
    assert _rows(db, "SELECT COUNT(*) FROM reminders") == [(0,)]
    assert _rows(db, "SELECT COUNT(*) FROM users") == [(0,)]
    # Questions and the glossary still work for them, with no consent step (nothing to tie it to).
    [answer] = await _say_as(bot, "/glossary osteopenia", GROUP_A, ANONYMOUS_ADMIN, _group(GROUP_A))
    assert "bone mineral density" in answer["plain_text"] and "not medical advice" in answer["plain_text"]
    [urgent] = await _say_as(bot, "@test_bot i fell and my hip hurts so much i cant stand up", GROUP_B,
                             ANONYMOUS_ADMIN, _group(GROUP_B))
    assert "emergency" in urgent["plain_text"].lower()


async def test_channel_posts_and_other_bots_get_general_answers_only(bot: RunningBot, tmp_path: Path) -> None:
    channel = {"id": -1003333333333, "type": "channel", "title": "News"}
    [refused] = await _say_as(bot, "/timezone Europe/London", GROUP_A, CHANNEL_BOT, channel)
    assert "private chat" in refused["plain_text"]
    other_bot = {"id": 5555, "is_bot": True, "first_name": "Helper", "username": "helper_bot"}
    [bot_refused] = await _say_as(bot, "/plan", GROUP_A, other_bot, None)
    assert "private chat" in bot_refused["plain_text"]
    [answer] = await _say_as(bot, "/help", GROUP_A, other_bot, None)
    assert "/glossary" in answer["plain_text"]
    assert _rows(tmp_path / "bot.sqlite3", "SELECT COUNT(*) FROM users") == [(0,)]


async def test_personal_commands_in_a_group_open_the_private_chat(bot: RunningBot) -> None:
    await bot.accept(user_id=1001)
    [made] = await bot.say("/remind 2027-05-10 oncology clinic at st marys", user_id=1001)
    assert "oncology clinic" in made["plain_text"]
    group = -600
    for command in ("/reminders", "/remind 2027-06-01 DEXA", "/cancel 1", "/calendar 1", "/plan", "/timezone paris",
                    "/forget", "/audience"):
        [reply] = await bot.say(command, user_id=1001, chat_id=group, chat_type="group")
        assert "private chat" in reply["plain_text"], command
        name = command.split()[0][1:]
        assert _link(reply) == f"https://t.me/test_bot?start={name}", command
        assert "oncology" not in reply["plain_text"]
    # A stale personal button pressed in a group does nothing there either.
    [sent] = await bot.say("/glossary bmd", user_id=1001, chat_id=group, chat_type="group")
    pressed = await bot.press(CancelReminder(1).pack(), sent, user_id=1001, force=True)
    assert "private chat" in pressed[-1]["plain_text"]
    [listing] = await bot.say("/reminders", user_id=1001)
    assert "oncology clinic" in listing["plain_text"]  # still there: the group press cancelled nothing
    assert not any("oncology" in m["plain_text"] for m in bot.messages(group))
    # The deep link lands in the private chat and carries on.
    replies = await bot.say("/start remind", user_id=1001, expect=3)
    assert "/remind 2027-03-14 DEXA scan" in replies[-1]["plain_text"]


async def test_group_answers_follow_a_group_upgraded_to_a_supergroup(bot: RunningBot) -> None:
    await bot.accept(user_id=1001)
    old, new = -700, -1007000000000
    [first] = await bot.say("@test_bot what is osteopenia", user_id=1001, chat_id=old, chat_type="group")
    assert "osteopenia" in first["plain_text"].lower()
    bot.tg.migrate_group(old, new)
    # A message still arriving in the old group (sent before the upgrade) is answered in the new one.
    before = len(bot.messages(new))
    bot.tg.push_message("@test_bot what is a t-score", user_id=1001, chat_id=old, chat_type="group")
    [moved] = (await bot.wait_messages(new, before + 1))[before:]
    assert "score" in moved["plain_text"].lower()
    assert any(f.description.endswith("supergroup chat") for f in bot.tg.injected)


async def test_chat_migration_moves_stored_chat_ids(bot: RunningBot, tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    with sqlite3.connect(db) as conn:  # a row naming the old group, as an older version could leave
        conn.execute("INSERT INTO users (user_id, chat_id, created_at, updated_at) VALUES (7, -800, 'x', 'x')")
    bot.tg.migrate_group(-800, -1008000000000)
    for _ in range(200):
        if _rows(db, "SELECT chat_id FROM users WHERE user_id = 7") == [(-1008000000000,)]:
            break
        await asyncio.sleep(0.01)
    assert _rows(db, "SELECT chat_id FROM users WHERE user_id = 7") == [(-1008000000000,)]


async def test_editing_a_remind_replaces_its_reminder(bot: RunningBot, tmp_path: Path) -> None:
    await bot.accept()
    pushed = bot.tg.push_message("/remind 2027-05-10 DEXA scan", user_id=1001)
    before = len(bot.messages(1001))
    await bot.wait_messages(1001, before + 1)
    message_id = pushed["message"]["message_id"]
    before = len(bot.messages(1001))
    bot.tg.push_edited_message(message_id, "/remind 2027-05-11 DEXA scan", user_id=1001)
    replaced, confirmed = (await bot.wait_messages(1001, before + 2))[before:]
    assert "replaced" in replaced["plain_text"] and "DEXA scan" in replaced["plain_text"]
    assert "11" in confirmed["plain_text"]
    db = tmp_path / "bot.sqlite3"
    assert _rows(db, "SELECT event_date FROM reminders WHERE status = 'active'") == [("2027-05-11",)]
    # An edit that cannot be read keeps the reminder and says so.
    before = len(bot.messages(1001))
    bot.tg.push_edited_message(message_id, "/remind 2027-02-31 DEXA scan", user_id=1001)
    replies = (await bot.wait_messages(1001, before + 2))[before:]
    assert "still on" in replies[-1]["plain_text"]
    assert _rows(db, "SELECT event_date FROM reminders WHERE status = 'active'") == [("2027-05-11",)]


async def test_forget_leaves_no_erased_text_in_the_database_file_or_wal(bot: RunningBot, tmp_path: Path) -> None:
    await bot.accept()
    secret = "Zebrafinch clinic appointment"
    await bot.say(f"/remind 2027-05-10 {secret}")
    await bot.say("/timezone Europe/Lisbon")
    [confirm] = await bot.say("/forget")
    await bot.press(Forget(True).pack(), confirm)
    db = tmp_path / "bot.sqlite3"
    assert _rows(db, "SELECT COUNT(*) FROM reminders") == [(0,)]
    for path in (db, db.with_name(db.name + "-wal")):
        if path.exists():
            content = path.read_bytes()
            assert b"Zebrafinch" not in content, path.name
            assert b"Europe/Lisbon" not in content, path.name
