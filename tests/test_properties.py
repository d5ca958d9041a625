"""Property-based tests: arbitrary input never breaks the assistant or the Telegram renderer.

What is checked, for every generated case (100 per property locally, 2,000 in CI: the Hypothesis
profiles of tests/conftest.py):

* ``Assistant.handle`` (typed messages: arbitrary Unicode, markup, huge inputs, odd commands) and
  ``Assistant.handle_button`` (arbitrary callback data) never raise, never log a swallowed error, and
  return replies whose every rendered Telegram message is valid HTML (the strict tdlib-like parser of the
  fake server), 1..4096 UTF-16 units after parsing and trimming, with valid buttons (non-empty label,
  1..64 bytes of callback data).
* ``render_reply`` on arbitrary ``Reply`` objects: same limits, no visible character lost (only
  whitespace may change at split points), no valid button dropped; ``render_plain`` never raises.
* Callback data and ids from the client are never trusted: user B can never cancel, list, undo or
  export user A's reminder, whatever command or button data B sends.

One stateful runtime (SQLite database + reminder service) is built per module and shared by all
examples: building it costs ~1 s, answering costs ~1 ms.  Every example uses the same fixed ``now``.
"""

from __future__ import annotations

import itertools
import logging
import re
import string
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.app import Runtime, build_runtime
from bot.channels.console import render_plain
from bot.channels.telegram_html import MAX_TEXT, Message, render_reply
from bot.config import Settings
from bot.models import Attachment, Block, Button, Incoming, Reply, ReplyKind, Style
from bot.storage import UserRepository
from tests.fake_telegram.html_check import parse_html, trim, utf16_len

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)

# Example counts come from the active Hypothesis profile (tests/conftest.py: "dev" 100, "ci" 2,000).
# Fast, CPU-only properties.  deadline=None: a /remind with an odd date runs dateparser up to 11 times
# (~20 ms) and a 50k-character block takes a few ms to split; neither is a performance test.
PROPERTY = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
# Properties where every example writes several rows to SQLite (create a user and a reminder, then
# attack it): the same number of examples, ~30 s for 2,000 on 2 cores.
DATABASE_PROPERTY = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Users.  Flood control (20 messages a minute per user, then muted) would mute every pooled user after
# 20 examples, since all examples share the same ``now``; the runtime is therefore built with
# ``flood_max_messages=10**9`` so the properties reach the command, consent and question paths instead
# of the "muted" early return (the flood guard has its own unit tests).  Users still come from a pool of
# 200 pre-accepted ids, so state builds up realistically across examples (guided /remind and /plan flows
# left open by one example are continued by the next message of that user, reminders accumulate up to
# the per-user cap), plus fresh never-accepted ids for the consent path.
ACCEPTED = tuple(range(1_000, 1_200))
NEVER_ACCEPTED_MIN = 10**9  # ids >= this are never pre-accepted (and start empty: drawn from a huge range)
_fresh_ids = itertools.count(5 * 10**12)  # throwaway users for destructive or ownership properties


def fresh_user() -> int:
    """Return a user id no other example uses."""
    return next(_fresh_ids)


class _ErrorRecorder(logging.Handler):
    """Collect ERROR records from the bot's loggers: a swallowed exception is still a bug."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """One stateful runtime for the whole module, with the pooled users' disclaimer accepted."""
    folder = tmp_path_factory.mktemp("properties")
    built = build_runtime(Settings(knowledge_dir=KNOWLEDGE, database=folder / "bot.sqlite3", flood_max_messages=10**9))
    for user_id in ACCEPTED:
        UserRepository(built.database).upsert(user_id, user_id, NOW)
        UserRepository(built.database).accept_disclaimer(user_id, NOW)
    yield built
    built.database.close()


@pytest.fixture(scope="module")
def errors() -> Iterator[_ErrorRecorder]:
    """Record errors logged by any ``bot.*`` logger while the module runs."""
    recorder = _ErrorRecorder()
    logger = logging.getLogger("bot")
    logger.addHandler(recorder)
    yield recorder
    logger.removeHandler(recorder)


# --- strategies -----------------------------------------------------------------------------------

WORDS = (
    "dexa", "DEXA scan", "bone", "bone density", "anastrozole", "Arimidex", "osteoporosis", "osteopenia",
    "calcium", "vitamin D", "blood test", "what is", "how often", "?", "chest pain", "kill myself",
    "I want to die", "skip my dose", "double dose", "stop taking anastrozole", "overdose", "fracture",
    "hot flushes", "joint pain", "T-score", "Z-score", "bisphosphonates", "zoledronic acid", "menopause",
)
MARKUP = (
    "<b>", "</b>", "<i>", "</i>", "<u>", "<s>", '<a href="x">', "<a href='javascript:alert(1)'>", "</a>",
    "<code>", "</code>", "<pre>", '<code class="language-py">', "<blockquote expandable>", "</blockquote>",
    "<tg-spoiler>", '<span class="tg-spoiler">', '<tg-emoji emoji-id="5368324170671202286">', "<br/>",
    "<script>", "</script>", "<img src=x onerror=alert(1)>", "<!-- -->", "<![CDATA[", "]]>", "<?xml?>",
    "&", "&amp;", "&lt;", "&gt;", "&quot;", "&#0;", "&#xD800;", "&#x110000;", "&#128512;", "&nbsp;", "&;",
    "<", ">", "</", "<>", '"', "'", "`", "```", "*", "_", "~", "||", "[link](http://x)", "\\", "%s", "{0}",
    "{label}", "\u202e", "\u200b", "\u2066", "\ufeff", "\u2028", "\x00", "\x1b[31m", "\r\n", "\t", "\x7f",
    "\u0301", "😀", "👩\u200d⚕️", "🇬🇧", "𝔘𝔫𝔦", "\U0010fffd", "\U000e0001", "ﷺ", "Ⅻ", "٣", "１２",
)
COMMANDS = (
    "start", "help", "glossary", "define", "remind", "reminders", "cancel", "calendar", "plan", "timezone",
    "privacy", "forget", "deletemydata", "disclaimer", "stats", "reload",
)
DATE_ARGS = (
    "31/02/2027", "29/02/2027", "29 February 2028", "31 April 2027", "April 31", "in 99999 years",
    "in 99999999999999999999 days", "in -5 days", "in 0 days", "tomorrow 25:61", "tomorrow 24:00",
    "2027-03-14 DEXA scan", "2027-03-14", "2027-13-01", "9999-99-99", "0000-00-00", "0/0/0", "04/05/2027",
    "04/05", "13/13/13", "1 Jan 10000", "next Friday 9am", "next month", "next year", "yesterday", "today",
    "now", "today 23:59", "today 00:00", "at 99", "at 9", "12.30", "noon", "midnight", "2027-03-14T25:00",
    "March", "14th of March", "March 14th, 2027", "Sunday", "in 3 weeks", "in 1000000 hours",
    "settings", "settings 7,1,0 08:30 DMY", "settings 99,1", "settings 1,2,3,4,5,6", "settings 25:00",
    "settings ask", "settings mdy 9h30", "DEXA scan", "blood test 2027-05-01", "x" * 81,
)
TIMEZONES = ("Europe/London", "europe/london", "London", "new york", "Not/AZone", "UTC", "Etc/GMT+14", "Pacific/Kiritimati",
             "posix/Europe/London", "../../etc/passwd", "Europe/Lond", "")
GLOSSARY_IDS = ("dexa-scan", "bone-density", "bone-loss", "anastrozole", "aromatase-inhibitors", "osteopenia")
PASSAGE_IDS = ("000-001", "002-010", "001-001", "999-999", "000-000")

any_text = st.text()  # full Unicode without surrogates (Cs), control characters and NUL included
ascii_name = st.text(alphabet=string.ascii_letters + string.digits + "_", min_size=1, max_size=70)


@st.composite
def markup_text(draw: st.DrawFn, max_parts: int = 25) -> str:
    """Words a patient might type mixed with HTML/Markdown fragments and odd characters."""
    parts = draw(
        st.lists(
            st.one_of(st.sampled_from(MARKUP), st.sampled_from(WORDS), st.text(max_size=8)),
            max_size=max_parts,
        )
    )
    separator = draw(st.sampled_from(("", " ", "\n", " . ")))
    return separator.join(parts)


@st.composite
def huge_text(draw: st.DrawFn) -> str:
    """Up to 50k characters, built by repetition so generation stays fast.

    Sizes cluster around the limits that matter (2000 characters read by the bot, 4096 UTF-16 units per
    Telegram message and its multiples) rather than being uniform up to 50k, which keeps the cost down.
    """
    unit = draw(st.one_of(markup_text(max_parts=6), st.text(min_size=1, max_size=20), st.sampled_from(WORDS + MARKUP)))
    assume(unit)
    size = draw(st.sampled_from((1_999, 2_000, 2_001, 4_080, 4_088, 4_096, 4_097, 8_192, 8_300, 20_000, 50_000)))
    size += draw(st.integers(-20, 20))
    return (unit * (size // len(unit) + 1))[: max(size, 1)]


@st.composite
def odd_command(draw: st.DrawFn) -> str:
    """Slash commands: known and unknown names, @bot suffixes, odd separators and arguments."""
    special = (
        "/", "//", "/ glossary", "/start@otherbot", "/@", "/glossary@", "/glossary@ bone", "/cancel -1",
        "/cancel #1", "/cancel 99999999999999999999", "/cancel ３", "/cancel 1e3", "/calendar", "/calendar 0",
        "/remind", "/plan", "/plan women", "/plan men 2026-01-01", "/plan 2026-01-01", "/timezone", "/reminders",
        "/forget", "/deletemydata", "/stats", "/reload", "/START", "/Help", "/remind\n2027-03-14 DEXA",
        "/" + "a" * 65, "/glossary " + "bone " * 100, "/remind@patient_bot 2027-03-14 x",
    )
    name = draw(
        st.one_of(
            st.sampled_from(COMMANDS),
            st.sampled_from(COMMANDS).map(str.upper),
            ascii_name,
            st.text(max_size=10),
        )
    )
    suffix = draw(st.sampled_from(("", "", "", "@otherbot", "@", "@patient_bot")) | ascii_name.map("@".__add__))
    separator = draw(st.sampled_from((" ", " ", "  ", "\n", "\t", "", "\u00a0", "\u3000")))
    args = draw(
        st.one_of(
            st.just(""),
            st.sampled_from(DATE_ARGS),
            st.tuples(st.sampled_from(DATE_ARGS), st.sampled_from(WORDS)).map(" ".join),
            st.sampled_from(TIMEZONES),
            st.integers(-(10**20), 10**20).map(str),
            st.sampled_from(WORDS),
            markup_text(max_parts=8),
            any_text,
            huge_text(),
        )
    )
    built = f"/{name}{suffix}{separator}{args}"
    return draw(st.one_of(st.just(built), st.sampled_from(special)))


message_text = st.one_of(
    any_text,
    markup_text(),
    odd_command(),
    odd_command(),
    huge_text(),
    st.sampled_from(WORDS + DATE_ARGS),
)

user_ids = st.one_of(
    st.sampled_from(ACCEPTED),
    st.sampled_from(ACCEPTED),
    st.sampled_from(ACCEPTED),
    st.integers(NEVER_ACCEPTED_MIN, 2 * 10**12),  # never accepted (almost always a brand-new user)
)


def _cut_utf8(text: str, limit: int = 200) -> str:
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


@st.composite
def structured_callback(draw: st.DrawFn) -> str:
    """Callback data shaped like the bot's own formats, with wrong, foreign or hostile values."""
    number = st.one_of(st.integers(-5, 2_000), st.integers(-(10**30), 10**30)).map(str)
    junk = st.one_of(st.text(max_size=20), number, st.sampled_from(("", ":", ",", " 1", "1 ", "０", "٣", "1_0", "+1")))
    ids = st.lists(st.one_of(number, junk), min_size=1, max_size=12).map(",".join)
    iso_day = st.dates().map(lambda d: d.isoformat())
    return draw(
        st.one_of(
            st.sampled_from(("ok", "fg:n", "fg:y", "fg", "m", "m:", "g", "g:", "ga:", "gl", "gl:", "gl:X:99", "gl:A:0",
                             "gl:A:-1", "gl:B:9999", "gl:b:1", "gl:AB:1", "gl:A:1:2", "r", "r:", "r:stop", "r:list",
                             "r:date:9999-99-99", "r:tz:Not/AZone", "r:tz:", "r:undo:1,2,3", "r:kind:", "r:plan:",
                             "r:plan:w", "r:plan:m", "r:kind:dexa", "r:kind:other", "x:y:z", ":", "::", "r::", "R:list")),
            st.lists(st.one_of(st.sampled_from(PASSAGE_IDS), st.from_regex(r"\d{3}-\d{3}", fullmatch=True), junk),
                     max_size=8).map(lambda xs: "m:" + ",".join(xs)),
            st.tuples(st.sampled_from(("g:", "ga:")), st.one_of(st.sampled_from(GLOSSARY_IDS), junk)).map("".join),
            st.tuples(st.text(max_size=2), st.one_of(number, junk)).map(lambda t: f"gl:{t[0]}:{t[1]}"),
            st.tuples(st.sampled_from(("cancel", "ics", "undo")), st.one_of(ids, junk)).map(lambda t: f"r:{t[0]}:{t[1]}"),
            st.one_of(st.sampled_from(TIMEZONES), junk).map("r:tz:".__add__),
            st.one_of(iso_day, junk).map("r:date:".__add__),
            st.tuples(st.sampled_from(("kind", "plan", "stop", "list", "")), junk).map(lambda t: f"r:{t[0]}:{t[1]}"),
        )
    ).encode("utf-8")[:200].decode("utf-8", "ignore")



def _hits_overflow_bug(data: str) -> bool:
    """True for reminder ids outside SQLite's 64-bit INTEGER, parsed as ReminderService._dispatch does.

    Such ids hit a known bug (see test_huge_reminder_id_in_callback_data_reads_like_an_unknown_id, a strict
    xfail); they are kept out of the green property so it stays a regression guard for everything else.
    """
    prefix, action, arg = [*data.split(":", 2), "", ""][:3]
    if prefix != "r" or action not in {"cancel", "undo", "ics"}:
        return False
    try:
        ids = [int(arg)] if action == "ics" else [int(part) for part in arg.split(",")][:10]
    except ValueError:
        return False
    return any(not -(2**63) <= number < 2**63 for number in ids)


callback_data = st.one_of(
    structured_callback(),
    structured_callback(),
    st.text(max_size=200).map(_cut_utf8),
    st.binary(max_size=200).map(lambda b: b.decode("utf-8", "replace")).map(_cut_utf8),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")).map(_cut_utf8),
).filter(lambda data: not _hits_overflow_bug(data))


@st.composite
def block_text(draw: st.DrawFn) -> str:
    """Any block text; one block in ten is huge (huge blocks dominate the cost of the render properties)."""
    if draw(st.integers(0, 9)) == 0:
        return draw(huge_text())
    return draw(st.one_of(any_text, markup_text(), st.sampled_from(WORDS + MARKUP), st.just(""), st.just(" \n ")))



@st.composite
def blocks(draw: st.DrawFn) -> Block:
    """A block with any text and style; emphasis sometimes a real substring, sometimes not."""
    text = draw(block_text())
    style = draw(st.sampled_from(Style))
    choice = draw(st.sampled_from(("none", "substring", "substring", "other", "empty", "whole")))
    emphasis: str | None = None
    if choice == "substring" and text:
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start, min(len(text), start + 5_000)))
        emphasis = text[start:end]
    elif choice == "other":
        emphasis = draw(st.one_of(any_text, st.sampled_from(MARKUP)))
    elif choice == "empty":
        emphasis = ""
    elif choice == "whole":
        emphasis = text
    return Block(text, style, emphasis)


button_data = st.one_of(st.text(max_size=70), st.text(alphabet=string.printable, max_size=70), st.sampled_from(("", "ok", "x" * 64, "x" * 65, "é" * 32, "é" * 33)))
button_label = st.one_of(st.text(max_size=40), st.sampled_from(("", " ", "\n", "OK", "<b>bold</b>", "&amp;")))
buttons = st.lists(st.lists(st.builds(Button, button_label, button_data), max_size=4).map(tuple), max_size=5).map(tuple)
attachments = st.one_of(
    st.none(), st.builds(Attachment, st.text(max_size=30), st.binary(max_size=100), st.sampled_from(("text/calendar", "")))
)
replies = st.builds(
    Reply,
    kind=st.sampled_from(ReplyKind),
    blocks=st.lists(blocks(), max_size=6).map(tuple),
    buttons=buttons,
    attachment=attachments,
    edit=st.booleans(),
    notice=st.one_of(st.none(), st.text(max_size=20)),
)


# --- checks ---------------------------------------------------------------------------------------


def _no_space(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace())


def _valid_button(button: Button) -> bool:
    if button.private_start is not None:  # a deep link: Telegram allows 1-64 of A-Z a-z 0-9 _ -
        return bool(button.label.strip()) and re.fullmatch(r"[A-Za-z0-9_-]{1,64}", button.private_start) is not None
    return bool(button.label.strip()) and 1 <= len(button.data.encode("utf-8")) <= 64


def check_messages(messages: list[Message]) -> None:
    """Every message is valid Telegram HTML, 1..4096 visible UTF-16 units, buttons only on the last one."""
    assert messages, "a reply must render as at least one message"
    for index, message in enumerate(messages):
        visible, entities = parse_html(message.html)  # raises EntityParseError on anything Telegram refuses
        assert visible == message.plain, "Message.plain must be exactly what Telegram shows"
        trimmed, _ = trim(visible, entities)
        assert 1 <= utf16_len(trimmed) <= MAX_TEXT, (utf16_len(trimmed), message.html[:200])
        assert utf16_len(visible) <= MAX_TEXT
        if index < len(messages) - 1:
            assert not message.buttons, "buttons belong on the last message"
        for row in message.buttons:
            assert row, "an empty keyboard row"
            for button in row:
                assert button.label.strip(), f"empty button label: {button!r}"
                assert _valid_button(button), f"bad callback data or deep link: {button!r}"


def check_bot_replies(result: object, errors: _ErrorRecorder) -> list[Reply]:
    """The assistant's answer is a list of replies that all render within Telegram's limits."""
    assert not errors.records, [record.getMessage() for record in errors.records]
    assert isinstance(result, list)
    for reply in result:
        assert isinstance(reply, Reply)
        assert reply.blocks and any(block.text.strip() for block in reply.blocks), f"reply with no text: {reply!r}"
        # The assistant builds its own buttons: they must be valid before the renderer filters anything.
        for row in reply.buttons:
            for button in row:
                assert _valid_button(button), f"the assistant built an invalid button: {button!r}"
        if reply.notice is not None:
            assert 1 <= utf16_len(reply.notice) <= 200  # answerCallbackQuery text limit
        if reply.attachment is not None:
            assert reply.attachment.filename and reply.attachment.content
        check_messages(render_reply(reply))
        assert isinstance(render_plain(reply), str)
    return result


# --- properties -----------------------------------------------------------------------------------


def test_strategy_ids_are_real(runtime: Runtime) -> None:
    """The 'real' ids mixed into callback data exist, so the structured strategies reach real handlers."""
    knowledge = runtime.assistant.knowledge
    for entry_id in GLOSSARY_IDS:
        assert knowledge.glossary.get(entry_id) is not None, entry_id
    passages = {passage.id for passage in knowledge.passages} if not isinstance(knowledge.passages, dict) else set(knowledge.passages)
    assert {"000-001", "002-010"} <= passages


@PROPERTY
@given(user_id=user_ids, texts=st.lists(message_text, min_size=1, max_size=2), group=st.booleans())
def test_handle_never_raises_and_renders_valid_html(
    runtime: Runtime, errors: _ErrorRecorder, user_id: int, texts: list[str], group: bool
) -> None:
    """(a) Arbitrary typed messages (one or two in a row, so guided flows see odd answers)."""
    errors.records.clear()
    assistant = runtime.assistant
    for text in texts:
        check_bot_replies(assistant.handle(Incoming(user_id, user_id, text), NOW), errors)
    if group:  # in a group, addressed or not; the chat id differs from the user id
        message = Incoming(user_id, -user_id, texts[0], is_group=True, addressed_to_bot=texts[0].startswith("/"))
        check_bot_replies(assistant.handle(message, NOW), errors)
        check_bot_replies(assistant.non_text(message), errors)
    if not texts[0].startswith("/"):
        check_bot_replies(assistant.ask(texts[0]), errors)


@PROPERTY
@given(user_id=user_ids, data=callback_data)
def test_handle_button_never_raises_and_renders_valid_html(
    runtime: Runtime, errors: _ErrorRecorder, user_id: int, data: str
) -> None:
    """(b) Arbitrary callback data; "fg:y" (delete my data) goes to a throwaway user and is checked."""
    errors.records.clear()
    database = runtime.database
    if data == "fg:y":
        user_id = fresh_user()
        UserRepository(database).upsert(user_id, user_id, NOW)
        UserRepository(database).accept_disclaimer(user_id, NOW)
        check_bot_replies(runtime.assistant.handle(Incoming(user_id, user_id, "/remind 2027-03-14 DEXA scan"), NOW), errors)
    result = check_bot_replies(runtime.assistant.handle_button(user_id, user_id, data, NOW), errors)
    if data == "fg:y":
        assert not UserRepository(database).has_accepted(user_id)
        assert not database.query("SELECT id FROM reminders WHERE user_id = ?", (user_id,))
        assert all(UserRepository(database).has_accepted(uid) for uid in (ACCEPTED[0], ACCEPTED[-1])), "someone else was forgotten"
    else:
        assert all(reply.attachment is None or reply.attachment.filename.endswith(".ics") for reply in result)


@PROPERTY
@given(reply=replies)
def test_render_reply_valid_within_limits_and_lossless(reply: Reply) -> None:
    """(c) Arbitrary replies render as valid HTML within limits, losing no visible character."""
    messages = render_reply(reply)
    check_messages(messages)
    shown = _no_space("".join(message.plain for message in messages))
    expected = _no_space("".join(block.text for block in reply.blocks))
    if not expected:  # nothing to show: one placeholder message (Telegram refuses an empty one)
        assert [message.plain for message in messages] == ["…"]
    else:  # items get a "• " per piece when split; apart from those bullets nothing is added or lost
        assert shown.replace("•", "") == expected.replace("•", "")
    kept = [button for row in messages[-1].buttons for button in row]
    assert kept == [button for row in reply.buttons for button in row if _valid_button(button)]


@PROPERTY
@given(reply=replies, first=st.integers(-5, 10**6))
def test_render_plain_never_raises(reply: Reply, first: int) -> None:
    """(e) The console renderer accepts any reply."""
    text = render_plain(reply, first_number=first)
    assert isinstance(text, str)
    for row in reply.buttons:
        for button in row:
            assert button.label in text


@DATABASE_PROPERTY
@given(
    attempts=st.lists(
        st.tuples(
            st.sampled_from(("/cancel {id}", "/cancel #{id}", "/cancel 0{id}", "/cancel  {id} ", "/calendar {id}",
                             "/calendar #{id}", "/CANCEL@patient_bot {id}", "/reminders", "/cancel", "/calendar",
                             "r:cancel:{id}", "r:ics:{id}", "r:undo:{id}", "r:undo:{id},{id}", "r:undo:0,{id}",
                             "r:cancel:0{id}", "r:ics:+{id}", "r:ics: {id}", "r:cancel:{id}:{id}", "r:list")),
            st.sampled_from(("accepted", "fresh", "never")),
        ),
        min_size=1,
        max_size=6,
    ),
    extra_reminders=st.integers(0, 2),
)
def test_reminders_are_scoped_to_their_owner(
    runtime: Runtime, errors: _ErrorRecorder, attempts: list[tuple[str, str]], extra_reminders: int
) -> None:
    """(d) User B can never cancel, list, undo or export user A's reminder by id or callback data."""
    errors.records.clear()
    assistant, database = runtime.assistant, runtime.database
    owner = fresh_user()
    marker = f"zq{owner}"  # a label only A's reminder has, to spot leaks in B's replies
    UserRepository(database).upsert(owner, owner, NOW)
    UserRepository(database).accept_disclaimer(owner, NOW)
    for _ in range(extra_reminders):
        check_bot_replies(assistant.handle(Incoming(owner, owner, "/remind 2027-05-01 blood test"), NOW), errors)
    check_bot_replies(assistant.handle(Incoming(owner, owner, f"/remind 2027-03-14 DEXA scan {marker}"), NOW), errors)
    reminder_ids = [row["id"] for row in database.query("SELECT id FROM reminders WHERE user_id = ?", (owner,))]
    assert len(reminder_ids) == extra_reminders + 1
    target = reminder_ids[-1]

    for template, who in attempts:
        if who == "accepted":
            other = ACCEPTED[target % len(ACCEPTED)]
        else:
            other = fresh_user()
            UserRepository(database).upsert(other, other, NOW)
            if who == "fresh":
                UserRepository(database).accept_disclaimer(other, NOW)
        attempt = template.format(id=target)
        if attempt.startswith("/"):
            result = assistant.handle(Incoming(other, other, attempt), NOW)
        else:
            result = assistant.handle_button(other, other, attempt, NOW)
        for reply in check_bot_replies(result, errors):
            assert reply.attachment is None, f"user {other} got {reply.attachment.filename} via {attempt!r}"
            assert marker not in reply.plain_text, f"A's reminder leaked to B via {attempt!r}"
            for row in reply.buttons:
                for button in row:
                    assert not button.data.endswith(f":{target}"), f"B got a button for A's reminder via {attempt!r}"

    statuses = {row["id"]: row["status"] for row in database.query("SELECT id, status FROM reminders WHERE user_id = ?", (owner,))}
    assert statuses == dict.fromkeys(reminder_ids, "active")
    # ... and the owner still sees, exports and can cancel it: the checks above are not vacuous.
    listing = check_bot_replies(assistant.handle(Incoming(owner, owner, "/reminders"), NOW), errors)
    assert marker in listing[0].plain_text
    exported = check_bot_replies(assistant.handle_button(owner, owner, f"r:ics:{target}", NOW), errors)
    assert exported[0].attachment is not None
    check_bot_replies(assistant.handle_button(owner, owner, f"r:cancel:{target}", NOW), errors)
    assert database.query_one("SELECT status FROM reminders WHERE id = ?", (target,))["status"] == "cancelled"


# --- regressions: bugs the properties above once found --------------------------------------------


# Built from expressions, not literals: Hypothesis feeds string and number literals found in this file
# into its text and integer strategies, and these must not reach the green properties above.
_BIG = 2**63


@pytest.mark.parametrize(
    ("data", "same_as"),
    [
        (f"r:cancel:{_BIG}", f"r:cancel:{_BIG - 1}"),
        (f"r:ics:{_BIG}", f"r:ics:{_BIG - 1}"),
        (f"r:undo:{_BIG - 1},{_BIG}", f"r:undo:{_BIG - 1}"),
        (f"r:cancel:{-_BIG - 1}", f"r:cancel:{-_BIG}"),
    ],
)
def test_huge_reminder_id_in_callback_data_reads_like_an_unknown_id(
    runtime: Runtime, errors: _ErrorRecorder, data: str, same_as: str
) -> None:
    """Hostile callback data with an id beyond 2**63 must read exactly like any other unknown id, with no error."""
    user = fresh_user()
    UserRepository(runtime.database).upsert(user, user, NOW)
    UserRepository(runtime.database).accept_disclaimer(user, NOW)
    expected = runtime.assistant.handle_button(user, user, same_as, NOW)  # an unknown (in-range) id
    errors.records.clear()
    result = runtime.assistant.handle_button(user, user, data, NOW)
    assert not errors.records, [record.getMessage() for record in errors.records]
    assert result == expected


@pytest.mark.parametrize("when", ["tomorrow 25:61", "tomorrow 9:75", "tomorrow 23:60"])
def test_impossible_time_of_day_is_not_replaced_by_the_current_time(runtime: Runtime, when: str) -> None:
    """'/remind tomorrow 25:61' must not create a reminder at the moment's clock time (15:37 here)."""
    now = datetime(2026, 11, 22, 15, 37, tzinfo=UTC)
    user = fresh_user()
    UserRepository(runtime.database).upsert(user, user, now)
    UserRepository(runtime.database).accept_disclaimer(user, now)
    replies = runtime.assistant.handle(Incoming(user, user, f"/remind {when}"), now)
    times = [row["event_time"] for row in runtime.database.query("SELECT event_time FROM reminders WHERE user_id = ?", (user,))]
    assert times == [], f"/remind {when} created a reminder at {times}, a time the user never typed"
    assert "time of day that doesn't exist" in replies[0].plain_text
