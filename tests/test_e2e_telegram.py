"""End to end: the real python-telegram-bot Application over real HTTP against the fake Bot API server.

Every test ends by checking that the fake server rejected nothing the bot sent (HTML, lengths, callback
data, unknown methods), so the whole suite doubles as a "zero rejected messages" check.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e_support import ADMIN, RunningBot, button_data, running_bot


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[RunningBot]:
    async with running_bot(tmp_path) as running:
        yield running
        assert running.tg.rejections == []


async def test_start_sets_commands_and_asks_for_consent(bot: RunningBot) -> None:
    welcome, consent = await bot.say("/start", expect=2)
    assert "anastrozole" in welcome["plain_text"].lower()
    assert "not medical advice" in consent["plain_text"] and button_data(consent) == ["ok"]
    commands = bot.tg.calls_to("setMyCommands")
    assert commands and "glossary" in str(commands[0].params) and "stats" not in str(commands[0].params)
    [thanks] = await bot.press("ok", consent)
    assert "thank you" in thanks["plain_text"].lower()


async def test_question_before_consent_shows_disclaimer_again(bot: RunningBot) -> None:
    replies = await bot.say("how often do i need a dexa", expect=2)
    assert "ok" in button_data(replies[0]) and "I understand" in replies[1]["plain_text"]


async def test_urgent_is_answered_first_even_before_consent(bot: RunningBot) -> None:
    [reply] = await bot.say("severe chest pain spreading to my jaw right now")
    assert "emergency" in reply["plain_text"].lower() and "112" in reply["plain_text"]


async def test_help_lists_commands(bot: RunningBot) -> None:
    [reply] = await bot.say("/help")
    for command in ("/glossary", "/remind", "/privacy", "/forget"):
        assert command in reply["plain_text"]
    assert "/stats" not in reply["plain_text"]


async def test_question_answer_with_citation_more_and_define_buttons(bot: RunningBot) -> None:
    await bot.accept()
    [answer] = await bot.say("how often do i need a dexa on arimidex??")
    assert re.search(r"every (1-2|one to two|two) years", answer["plain_text"])
    assert "From: " in answer["plain_text"] and "not medical advice" in answer["plain_text"]
    assert answer["parse_mode"] == "HTML" and "<blockquote>" in answer["text"]
    data = button_data(answer)
    more = next(d for d in data if d.startswith("m:"))
    [extra] = await bot.press(more, answer)
    assert "From: " in extra["plain_text"]
    define = next(d for d in data if d.startswith("g:"))
    [definition] = await bot.press(define, answer)
    assert "glossary" in definition["plain_text"].lower()


async def test_no_match_is_honest(bot: RunningBot) -> None:
    await bot.accept()
    [reply] = await bot.say("what's a good pizza dough recipe")
    assert "don't cover" in reply["plain_text"] and "<blockquote>" not in reply["text"]


async def test_medication_question_gets_the_prescriber_guard(bot: RunningBot) -> None:
    await bot.accept()
    replies = await bot.say("my e2 is high on trt, can i raise my adex dose myself", expect=2)
    assert "prescriber" in replies[0]["plain_text"]
    assert "From: " in replies[1]["plain_text"]


async def test_glossary_term_typo_and_browser_with_paging(bot: RunningBot) -> None:
    await bot.accept()
    [term] = await bot.say("/glossary bmd")
    assert "Bone" in term["plain_text"]
    [typo] = await bot.say("/define osteopinia")
    assert "osteopenia" in typo["plain_text"].lower()
    [index] = await bot.say("/glossary")
    letters = button_data(index)
    assert "gl:B:1" in letters
    assert await bot.press("gl:B:1", index, expect=0) == []  # edits the pressed message in place
    page = bot.messages(index["chat_id"])[-1]
    assert page["message_id"] == index["message_id"]
    assert page["edits"] and "Glossary: B" in page["plain_text"]
    if "gl:B:2" in button_data(page):
        await bot.press("gl:B:2", page, expect=0)
        assert "Page 2" in bot.messages(page["chat_id"])[-1]["plain_text"]
    entry = next(d for d in button_data(bot.messages(page["chat_id"])[-1]) if d.startswith("g:"))
    [definition] = await bot.press(entry, bot.messages(page["chat_id"])[-1])
    assert "From the glossary" in definition["plain_text"]


async def test_unknown_glossary_term_offers_suggestions(bot: RunningBot) -> None:
    await bot.accept()
    [reply] = await bot.say("/glossary osteo")
    assert "couldn't find" in reply["plain_text"] or "Osteo" in reply["plain_text"]


async def test_old_or_forged_buttons_get_a_graceful_answer(bot: RunningBot) -> None:
    await bot.accept()
    [answer] = await bot.say("what is osteopenia")
    for data in ("m:999-999", "g:no-such-entry", "gl:Q:9", "zz:whatever", "r:cancel:999999"):
        before = len(bot.tg.calls_to("answerCallbackQuery"))
        await bot.press(data, answer, expect=0, force=True)
        assert len(bot.tg.calls_to("answerCallbackQuery")) == before + 1
    assert any("expired" in m["plain_text"] or "not found" in m["plain_text"].lower() for m in bot.messages(1001))


async def test_very_long_answer_is_split_under_the_limit(bot: RunningBot) -> None:
    await bot.accept()
    [answer] = await bot.say("what is bone remodeling")
    ids = ",".join(f"00{a}-0{n:02d}" for a in (2, 3) for n in (6, 7, 8, 9))  # eight passages, 64 bytes max
    data = f"m:{ids}"[:64].rstrip(",")
    before = len(bot.messages(1001))
    await bot.press(data, answer, expect=1, force=True)
    await bot.wait_messages(1001, before + 1)
    new = bot.messages(1001)[before:]
    assert all(len(m["plain_text"]) <= 4096 for m in new)


async def test_non_text_messages_get_a_kind_note(bot: RunningBot) -> None:
    for push in (bot.tg.push_sticker, bot.tg.push_photo, bot.tg.push_voice, bot.tg.push_document):
        before = len(bot.messages(1001))
        push()
        [note] = (await bot.wait_messages(1001, before + 1))[before:]
        assert "text messages" in note["plain_text"]


async def test_edited_message_is_answered_like_a_new_one(bot: RunningBot) -> None:
    await bot.accept()
    [first] = await bot.say("what is osteopenia")
    question = bot.tg.push_message("what is a t-score", user_id=1001)
    before = len(bot.messages(1001))
    await bot.wait_messages(1001, before + 1)
    before = len(bot.messages(1001))
    bot.tg.push_edited_message(question["message"]["message_id"], "what is a z-score", user_id=1001)
    [edited] = (await bot.wait_messages(1001, before + 1))[before:]
    assert "Z-score" in edited["plain_text"] or "z-score" in edited["plain_text"].lower()


async def test_group_chat_answers_only_commands_mentions_and_replies(bot: RunningBot) -> None:
    group = -500
    await bot.accept(user_id=1001)
    bot.tg.push_message("just chatting about dexa scans", user_id=1001, chat_id=group, chat_type="group")
    [reply] = await bot.say("@test_bot what is osteopenia", user_id=1001, chat_id=group, chat_type="group")
    assert "osteopenia" in reply["plain_text"].lower()
    [helped] = await bot.say("/help@test_bot", user_id=1001, chat_id=group, chat_type="group")
    assert "/glossary" in helped["plain_text"]
    bot.tg.push_message("/help@other_bot", user_id=1001, chat_id=group, chat_type="group")
    [answer] = await bot.say("what is a z-score", user_id=1001, chat_id=group, chat_type="group",
                             reply_to_message_id=reply["message_id"])
    assert "score" in answer["plain_text"].lower()
    texts = [m["plain_text"] for m in bot.messages(group)]
    assert len(texts) == 3  # the chatter and the other bot's command got nothing


async def test_unknown_and_admin_commands(bot: RunningBot) -> None:
    await bot.accept()
    [reply] = await bot.say("/frobnicate now")
    assert "/frobnicate" in reply["plain_text"] and "/help" in reply["plain_text"]
    [stats] = await bot.say("/stats")
    assert "don't know the command" in stats["plain_text"]
    await bot.accept(user_id=ADMIN)
    [admin_stats] = await bot.say("/stats", user_id=ADMIN)
    assert "Messages answered: 0 · 0 · 0" in admin_stats["plain_text"] and "Now: 2 users" in admin_stats["plain_text"]
    [reloaded] = await bot.say("/reload", user_id=ADMIN)
    assert "reloaded" in reloaded["plain_text"].lower()


async def test_a_crash_in_a_handler_is_logged_and_apologised_for(bot: RunningBot, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object) -> None:
        raise RuntimeError("secret message text must not be logged")

    monkeypatch.setattr(bot.runtime.assistant, "handle", explode)
    [reply] = await bot.say("anything at all")
    assert "something went wrong" in reply["plain_text"].lower()
