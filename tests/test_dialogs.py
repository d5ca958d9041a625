"""Dialog tables: what a user types or presses, and what they see back, through the whole Assistant.

In the style of zulip_bots' ``verify_dialog``: each test is a table of ``(input, expectation)`` rows run
in order against a real runtime (knowledge/, a temporary SQLite database, reminders), one user at a
fixed ``now``. An input is a text message, ``("press", data)`` (raw callback data, as a client could
send it) or ``("tap", label)`` (the button with that label in the previous row's replies, as a user
would press it). An expectation (:func:`sees`) checks only what the user sees: the kinds of the
replies, substrings of their plain text, and prefixes of their buttons' data.

Every command of knowledge/messages.yaml has at least one dialog here (checked at the end).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import pytest

from bot.app import Runtime, build_runtime
from bot.assistant import Assistant
from bot.config import Settings
from bot.models import Incoming, Reply
from bot.texts import Texts

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("Europe/London"))  # a Sunday
ALICE, BOB, ADMIN = 101, 202, 900

Input = str | tuple[Literal["press", "tap"], str]


@dataclass(frozen=True)
class Sees:
    """What one input should show the user."""

    kinds: tuple[str, ...] | None = None  # the reply kinds, in order (None: not checked)
    text: tuple[str, ...] = ()  # each a substring of the replies' plain text ("re:..." a regular expression)
    absent: tuple[str, ...] = ()  # each NOT a substring of it
    buttons: tuple[str, ...] = ()  # each the prefix of some button's data
    no_buttons: bool = False
    file: str | None = None  # an attached file's name ends with this


def sees(
    *text: str,
    kinds: str | None = None,
    absent: Sequence[str] = (),
    buttons: Sequence[str] = (),
    no_buttons: bool = False,
    file: str | None = None,
) -> Sees:
    """Build an expectation; ``kinds`` is space-separated ("info info"), "" for no reply at all."""
    return Sees(None if kinds is None else tuple(kinds.split()), text, tuple(absent), tuple(buttons), no_buttons, file)


NOTHING = sees(kinds="")
# The DEXA interval, as each passage that answers "how often do I need a DEXA scan?" words it.
DEXA_INTERVAL = "re:every (1-2|one to two|two) years"


def _describe(replies: Sequence[Reply]) -> str:
    lines = []
    for reply in replies:
        lines.append(f"  [{reply.kind.value}]" + (f" file={reply.attachment.filename}" if reply.attachment else ""))
        lines.extend("    " + line for line in reply.plain_text.splitlines())
        for row in reply.buttons:
            lines.append("    buttons: " + " | ".join(f"{b.label!r}={b.data}" for b in row))
    return "\n".join(lines) or "  (no reply)"


def _check(expect: Sees, replies: Sequence[Reply]) -> list[str]:
    problems = []
    kinds = tuple(reply.kind.value for reply in replies)
    if expect.kinds is not None and kinds != expect.kinds:
        problems.append(f"kinds {kinds} != expected {expect.kinds}")
    text = "\n\n".join(reply.plain_text for reply in replies)
    problems += [
        f"missing text {wanted!r}"
        for wanted in expect.text
        if (re.search(wanted[3:], text) is None if wanted.startswith("re:") else wanted not in text)
    ]
    problems += [f"unexpected text {unwanted!r}" for unwanted in expect.absent if unwanted in text]
    data = [button.data for reply in replies for row in reply.buttons for button in row]
    problems += [f"no button data starting with {prefix!r}" for prefix in expect.buttons
                 if not any(d.startswith(prefix) for d in data)]
    if expect.no_buttons and data:
        problems.append(f"unexpected buttons {data}")
    if expect.file is not None and not any(
        reply.attachment is not None and reply.attachment.filename.endswith(expect.file) for reply in replies
    ):
        problems.append(f"no attached file ending with {expect.file!r}")
    return problems


def _button_by_label(previous: Sequence[Reply], label: str) -> str:
    found = [button.data for reply in previous for row in reply.buttons for button in row if button.label == label]
    if len(found) != 1:
        labels = [button.label for reply in previous for row in reply.buttons for button in row]
        raise AssertionError(f"expected one button labelled {label!r} in the previous replies, found {len(found)}: {labels}")
    return found[0]


def verify_dialog(
    bot: Runtime | Assistant, user_id: int, dialog: Sequence[tuple[Input, Sees]], now: datetime = NOW
) -> list[list[Reply]]:
    """Play ``dialog`` as ``user_id`` in a private chat; fail at the first row whose replies differ.

    Returns the replies of every row, for the rare test that needs something the user saw later.
    """
    assistant = bot.assistant if isinstance(bot, Runtime) else bot
    transcript: list[list[Reply]] = []
    previous: list[Reply] = []
    for number, (said, expect) in enumerate(dialog, 1):
        if isinstance(said, str):
            action = f"says {said!r}"
            replies = assistant.handle(Incoming(user_id, user_id, said), now)
        else:
            how, value = said
            data = value if how == "press" else _button_by_label(previous, value)
            action = f"presses {data!r}" + (f" ({value!r})" if how == "tap" else "")
            replies = assistant.handle_button(user_id, user_id, data, now)
        problems = _check(expect, replies)
        if problems:
            raise AssertionError(
                f"row {number}: user {user_id} {action}\n" + "\n".join(f"- {p}" for p in problems)
                + "\nthey saw:\n" + _describe(replies)
            )
        transcript.append(replies)
        previous = replies
    return transcript


CONSENT = [
    ("/start", sees("Hello! I answer questions", "Before we start", "not medical advice", kinds="info info",
                    buttons=["ok"])),
    (("press", "ok"), sees("Thank you. You can now ask your question.", kinds="info")),
]


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    """A full runtime over the real knowledge and a fresh database; ADMIN is an operator."""
    built = build_runtime(
        Settings(knowledge_dir=KNOWLEDGE, database=tmp_path / "bot.sqlite3", default_timezone="Europe/London",
                 admin_ids=(ADMIN,), operator_name="Riverside Clinic", operator_contact="01632 960 000")
    )
    yield built
    assert built.database is not None
    built.database.close()


@pytest.fixture
def bot(runtime: Runtime) -> Runtime:
    """The runtime with ALICE's disclaimer accepted through the dialog."""
    verify_dialog(runtime, ALICE, CONSENT)
    return runtime


# --- first contact -----------------------------------------------------------------------------------


def test_consent_is_needed_before_a_question(runtime: Runtime) -> None:
    verify_dialog(runtime, ALICE, [
        ("how often do I need a DEXA scan?", sees("Before we start", 'press "I understand"', kinds="info info",
                                                  buttons=["ok"], absent=["From: "])),
        ("/reminders", sees('press "I understand"', kinds="info info", buttons=["ok"])),
        (("press", "r:list"), sees('press "I understand"', kinds="info info")),
        *CONSENT,
        ("how often do I need a DEXA scan?", sees(DEXA_INTERVAL, "From: ", kinds="answer", buttons=["m:", "g:"])),
        ("/start", sees("Hello! I answer questions", "Disclaimer", kinds="info info", no_buttons=True)),
    ])


def test_urgent_message_is_answered_before_consent(runtime: Runtime) -> None:
    verify_dialog(runtime, ALICE, [
        ("severe chest pain spreading to my jaw right now", sees("emergency", "call 112", kinds="urgent",
                                                                  absent=["Before we start"])),
        ("how often do I need a DEXA scan?", sees("Before we start", kinds="info info")),
    ])


def test_start_help_disclaimer_and_privacy(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/help", sees("What I can do", "/glossary osteopenia", "/remind 2027-03-14 DEXA scan", "/reminders",
                       "/cancel 12", "/calendar 12", "/plan", "/timezone Europe/London", "/privacy", "/forget",
                       "/disclaimer", kinds="info", absent=["/stats", "/reload"])),
        ("/disclaimer", sees("Disclaimer", "not medical advice", "call 112", kinds="info", no_buttons=True)),
        ("/privacy", sees("Your privacy", "This bot is run by Riverside Clinic. Contact: 01632 960 000.",
                          "after 30 days", "/forget", kinds="info")),
    ])


def test_help_for_an_operator_lists_the_operator_commands(runtime: Runtime) -> None:
    verify_dialog(runtime, ADMIN, [
        *CONSENT,
        ("/help", sees("/stats — Usage counts", "/reload — Re-read", kinds="info")),
    ])


def test_help_disclaimer_privacy_and_forget_work_before_consent(runtime: Runtime) -> None:
    verify_dialog(runtime, ALICE, [
        ("/help", sees("What I can do", kinds="info")),
        ("/disclaimer", sees("Disclaimer", kinds="info")),
        ("/privacy", sees("Your privacy", kinds="info")),
        ("/forget", sees("This deletes everything", kinds="info", buttons=["fg:y", "fg:n"])),
        (("tap", "Keep my data"), sees("Nothing was deleted.", kinds="info")),
    ])


# --- questions and the knowledge buttons -------------------------------------------------------------


def test_a_question_with_more_and_define_buttons(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("how often do I need a DEXA scan?", sees(DEXA_INTERVAL, "From: ", "not medical advice", kinds="answer",
                                                  buttons=["m:", "g:dexa-scan"])),
        # Two close answers under different headings: the other one is offered ("did you mean"), one tap away.
        (("tap", "› How Is Aromatase Inhibitor-Induced Bone Loss Managed?"), sees("More from the articles", "From: ", kinds="answer")),
        (("press", "g:dexa-scan"), sees("DEXA scan", "Also called:", "Dual-Energy X-ray Absorptiometry",
                                        kinds="glossary")),
        ("what is the price of a train ticket to Leeds", sees("I'm sorry, the articles I have don't cover that.",
                                                              kinds="no_match")),
    ])


# --- /glossary ---------------------------------------------------------------------------------------


def test_glossary_term_alias_and_typo(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/glossary osteopenia", sees("Osteopenia", "Also called: osteopaenia", "bone mineral density",
                                      "From the glossary of:", kinds="glossary")),
        ("/define bone density", sees("Bone density", "5 more definition(s)", kinds="glossary",
                                      buttons=["ga:bone-density"])),
        (("tap", "Other definitions"), sees("Bone density", "From the glossary of:", kinds="glossary")),
        ("/glossary osteoporsis", sees("Osteoporosis", "systemic skeletal disease", kinds="glossary")),
        ("/glossary osteopina", sees('I couldn\'t find "osteopina" in the glossary.', "Did you mean one of these?",
                                     kinds="glossary", buttons=["g:osteopenia"])),
        (("tap", "Osteopenia"), sees("Osteopenia", "Also called: osteopaenia", kinds="glossary")),
        ("/glossary zzzzqqq", sees('I couldn\'t find "zzzzqqq"', "browse the glossary with /glossary",
                                   kinds="glossary", no_buttons=True)),
    ])


def test_glossary_without_a_term_browses_a_to_z(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/glossary", sees("Glossary: choose a letter", kinds="glossary", buttons=["gl:A:1", "gl:O:1"])),
        (("tap", "O"), sees("Glossary: O", "Page 1 of 1", kinds="glossary", buttons=["g:osteopenia", "gl"])),
        (("tap", "Osteopenia"), sees("Osteopenia", kinds="glossary")),
        (("press", "gl"), sees("Glossary: choose a letter", kinds="glossary")),
    ])


# --- /remind -----------------------------------------------------------------------------------------


def test_remind_in_one_line_then_calendar_file_and_undo(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/remind 2027-03-14 DEXA scan", sees(
            "Reminder #1 set", "DEXA scan — Sunday 14 March 2027", "Times are in Europe/London, the default",
            "Sunday 7 March 2027 at 09:00 (7 days before)", "Saturday 13 March 2027 at 09:00 (the day before)",
            "Sunday 14 March 2027 at 09:00 (on the day)", kinds="reminder", buttons=["r:undo:1", "r:ics:1"])),
        (("tap", "Calendar file"), sees("Calendar file for DEXA scan", kinds="reminder", file=".ics")),
        ("/reminders", sees("Your reminders (1)", "#1 DEXA scan — Sunday 14 March 2027",
                            "Next reminder: Sunday 7 March 2027 at 09:00", kinds="reminder",
                            buttons=["r:cancel:1", "r:ics:1"])),
        (("press", "r:undo:1"), sees("Cancelled: DEXA scan — Sunday 14 March 2027.", kinds="reminder")),
        ("/reminders", sees("You have no active reminders.", kinds="reminder", no_buttons=True)),
    ])


def test_remind_guided_through_kind_label_and_date(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/remind", sees("What would you like me to remind you about?", kinds="reminder",
                         buttons=["r:kind:dexa", "r:kind:blood", "r:kind:other", "r:stop"])),
        (("tap", "Other"), sees("What should I call it? (up to 80 characters)", kinds="reminder")),
        ("Eye clinic", sees("When is your Eye clinic?", "For example: 2027-03-14", kinds="reminder",
                            buttons=["r:stop"])),
        ("next Friday", sees("Reminder #1 set", "Eye clinic — Friday 27 November 2026", kinds="reminder")),
        ("/remind", sees("What would you like me to remind you about?", kinds="reminder")),
        (("press", "r:kind:blood"), sees("When is your Blood test?", kinds="reminder")),
        ("in 3 weeks", sees("Reminder #2 set", "Blood test — Sunday 13 December 2026", kinds="reminder")),
        ("/remind", sees("What would you like me to remind you about?", kinds="reminder")),
        ("DEXA scan", sees("When is your DEXA scan?", kinds="reminder")),  # typed instead of pressed
        ("yesterday", sees("is in the past", kinds="error")),
        ("14 March 2027", sees("Reminder #3 set", "DEXA scan — Sunday 14 March 2027", kinds="reminder")),
    ])


def test_remind_ambiguous_date_chosen_by_button(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/remind 04/05/2027 Dentist", sees("Which date do you mean by “04/05/2027”?", kinds="reminder",
                                            buttons=["r:date:2027-05-04", "r:date:2027-04-05", "r:stop"])),
        (("tap", "Monday 5 April 2027"), sees(
            "Reminder #1 set", "Dentist — Monday 5 April 2027",
            "From now on I'll read dates like 04/05 as month/day.", kinds="reminder reminder")),
        ("/remind 06/07/2027 Dentist", sees("Reminder #2 set", "Dentist — Monday 7 June 2027", kinds="reminder")),
        (("press", "r:date:2027-05-04"), sees("That button has expired.", kinds="error")),  # that question is over
    ])


def test_remind_guided_ambiguous_date(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/remind", sees("What would you like me to remind you about?", kinds="reminder")),
        (("tap", "DEXA scan"), sees("When is your DEXA scan?", kinds="reminder")),
        ("04/05/2027", sees("Which date do you mean", kinds="reminder", buttons=["r:date:"])),
        (("tap", "Tuesday 4 May 2027"), sees("Reminder #1 set", "DEXA scan — Tuesday 4 May 2027",
                                            "as day/month", kinds="reminder reminder")),
    ])


def test_remind_settings(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/remind settings", sees("Reminders come 7, 1, 0 days before, at 09:00", "unclear, so I ask",
                                  "To change: /remind settings", kinds="reminder")),
        ("/remind settings 3,1 08:30 DMY", sees("Saved. New reminders will come 3, 1 days before, at 08:30.",
                                                "day/month", kinds="reminder")),
        ("/remind 04/05/2027 Dentist", sees("Dentist — Tuesday 4 May 2027", "Saturday 1 May 2027 at 08:30",
                                            "Monday 3 May 2027 at 08:30", absent=["on the day"], kinds="reminder")),
        ("/remind settings 99", sees("I couldn't understand “99”.", kinds="error")),
    ])


def test_remind_with_a_date_that_is_not_one(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/remind 31/02/2027 DEXA", sees("isn't a real date", kinds="error")),
        ("/remind tomorrow 25:61", sees("time of day that doesn't exist", kinds="error")),
        ("/reminders", sees("You have no active reminders.", kinds="reminder")),
    ])


# --- /reminders, /cancel, /calendar ------------------------------------------------------------------


def test_cancel_with_and_without_an_id_and_someone_elses_id(runtime: Runtime) -> None:
    verify_dialog(runtime, BOB, [
        *CONSENT,
        ("/remind 2027-05-01 Blood test bob-only", sees("Reminder #1 set", kinds="reminder")),
    ])
    verify_dialog(runtime, ALICE, [
        *CONSENT,
        ("/remind 2027-03-14 DEXA scan", sees("Reminder #2 set", kinds="reminder")),
        ("/cancel", sees("Please add the reminder number, e.g. /cancel 12.", "#2 DEXA scan — Sunday 14 March 2027",
                         kinds="reminder", buttons=["r:cancel:2"], absent=["bob-only"])),
        ("/cancel 1", sees("I couldn't find that reminder.", kinds="error", absent=["bob-only"])),  # Bob's
        (("press", "r:cancel:1"), sees("I couldn't find that reminder.", kinds="error")),
        ("/cancel #2", sees("Cancelled: DEXA scan — Sunday 14 March 2027.", kinds="reminder")),
        ("/cancel 2", sees("I couldn't find that reminder.", kinds="error")),
    ])
    verify_dialog(runtime, BOB, [
        ("/reminders", sees("Your reminders (1)", "#1 Blood test bob-only — Saturday 1 May 2027", kinds="reminder")),
    ])


def test_cancel_button_from_the_list(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/remind 2027-03-14 DEXA scan", sees("Reminder #1 set", kinds="reminder")),
        ("/reminders", sees("Your reminders (1)", kinds="reminder", buttons=["r:cancel:1"])),
        (("tap", "Cancel #1"), sees("Cancelled: DEXA scan", kinds="reminder")),
        (("press", "r:list"), sees("You have no active reminders. Add one with /remind.", kinds="reminder")),
    ])


def test_calendar_with_and_without_an_id_and_someone_elses_id(runtime: Runtime) -> None:
    verify_dialog(runtime, BOB, [*CONSENT, ("/remind 2027-05-01 Blood test", sees("Reminder #1 set"))])
    verify_dialog(runtime, ALICE, [
        *CONSENT,
        ("/calendar", sees("Please add the reminder number, e.g. /calendar 12.", "You have no active reminders.",
                           kinds="reminder")),
        ("/remind 2027-03-14 DEXA scan", sees("Reminder #2 set", kinds="reminder")),
        ("/calendar 2", sees("Calendar file for DEXA scan", kinds="reminder", file="reminder-2.ics")),
        ("/calendar 1", sees("I couldn't find that reminder.", kinds="error")),  # Bob's
        (("press", "r:ics:1"), sees("I couldn't find that reminder.", kinds="error")),
        ("/calendar 99", sees("I couldn't find that reminder.", kinds="error")),
    ])


# --- /plan -------------------------------------------------------------------------------------------


def test_plan_with_variant_and_date(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/plan men 2026-01-01", sees(
            "Plan reminders set", "DEXA scan (follow-up): Friday 1 January 2027, then every 12 months",
            "Blood tests (estradiol, testosterone): Friday 1 January 2027, then every 12 months",
            "Blood tests (vitamin D, calcium): Friday 1 January 2027",
            "This is not medical advice.", kinds="reminder", buttons=["r:undo:1,2,3", "r:list"])),
        ("/plan women 2026-05-01", sees("DEXA scan (follow-up): Saturday 1 May 2027",
                                        "This replaces 3 earlier plan reminder(s).", kinds="reminder")),
        (("tap", "My reminders"), sees("Your reminders (1)", "every 12 months", kinds="reminder")),
    ])


def test_plan_men_starting_now_tests_every_3_months_at_first(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/plan men 2026-11-01", sees(  # treatment started this month: the first year every 3 months
            "Blood tests (estradiol, testosterone): Monday 1 February 2027",
            "Blood tests (estradiol, testosterone): Saturday 1 May 2027",
            "Blood tests (estradiol, testosterone): Sunday 1 August 2027",
            "Blood tests (estradiol, testosterone): Monday 1 November 2027, then every 12 months",
            kinds="reminder")),
    ])


def test_plan_with_no_scan_yet_starts_with_the_baseline(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/plan women", sees("No scan yet?", kinds="reminder")),
        ("none yet", sees("DEXA scan (follow-up): Sunday 6 December 2026, to book the baseline scan",
                          "then every 12 months", kinds="reminder")),
    ])


def test_plan_guided(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/plan", sees("Monitoring schedule described in the articles", "Women taking anastrozole",
                       "Men taking anastrozole", "Which schedule applies to you?", kinds="reminder",
                       buttons=["r:plan:w", "r:plan:m"])),
        (("tap", "Women on anastrozole"), sees("Women taking anastrozole", "Send the date of your last DEXA scan",
                                               absent=["Men taking"], kinds="reminder")),
        ("2026-05-01", sees("Plan reminders set", "DEXA scan (follow-up): Saturday 1 May 2027", kinds="reminder")),
        ("/plan", sees("Which schedule applies to you?", kinds="reminder")),
        ("men", sees("Men taking anastrozole", "Send the date of your last DEXA scan", kinds="reminder")),
        ("04/05/2026", sees("Which date do you mean", kinds="reminder", buttons=["r:date:"])),
        (("tap", "Monday 4 May 2026"), sees("Plan reminders set", "Tuesday 4 May 2027", "as day/month",
                                           "This replaces 1 earlier plan reminder(s).", kinds="reminder reminder")),
    ])


def test_plan_with_only_a_date_asks_for_the_variant(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/plan 2026-05-01", sees("Which schedule applies to you?", kinds="reminder", buttons=["r:plan:w", "r:plan:m"])),
        (("tap", "Men on TRT"), sees("Plan reminders set", "Blood tests (estradiol", "Saturday 1 May 2027",
                                     kinds="reminder")),
    ])


# --- /timezone ---------------------------------------------------------------------------------------


def test_timezone_show_set_by_city_and_unknown(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/timezone", sees("You haven't set a timezone, so I use Europe/London (it's 10:00 there now).",
                           "/timezone America/New_York", kinds="reminder")),
        ("/timezone new york", sees("Timezone set to America/New_York. It's 05:00 there now.", kinds="reminder")),
        ("/timezone", sees("Your timezone is America/New_York", kinds="reminder")),
        ("/timezone xyzzyq", sees("I don't know the timezone “xyzzyq”.", "To change it, send /timezone",
                                  kinds="error", no_buttons=True)),
        ("/timezone", sees("Your timezone is America/New_York", kinds="reminder")),  # unchanged
    ])


def test_timezone_suggestion_button_moves_reminders(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/remind 2027-03-14 DEXA scan", sees("Reminder #1 set", kinds="reminder")),
        ("/timezone Europe/Pariss", sees("I don't know the timezone “Europe/Pariss”.", "Did you mean one of these?",
                                         kinds="error", buttons=["r:tz:Europe/Paris"])),
        (("tap", "Europe/Paris"), sees("Timezone set to Europe/Paris. It's 11:00 there now.",
                                       "I've moved 1 upcoming reminder(s) to the new timezone.", kinds="reminder")),
        ("/remind 2027-05-01 Blood test", sees("Times are in Europe/Paris.", kinds="reminder")),
    ])


# --- /forget -----------------------------------------------------------------------------------------


def test_forget_keep_then_confirm(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/remind 2027-03-14 DEXA scan", sees("Reminder #1 set", kinds="reminder")),
        ("/forget", sees("This deletes everything this bot stores about you", "It cannot be undone.", kinds="info",
                         buttons=["fg:y", "fg:n"])),
        (("tap", "Keep my data"), sees("Nothing was deleted.", kinds="info")),
        ("/reminders", sees("Your reminders (1)", kinds="reminder")),
        ("/deletemydata", sees("This deletes everything", kinds="info", buttons=["fg:y"])),
        (("tap", "Yes, delete my data"), sees("Done: everything this bot stored about you has been deleted.",
                                              kinds="info")),
        ("/reminders", sees("Before we start", kinds="info info")),  # the consent went too
        *CONSENT,
        ("/reminders", sees("You have no active reminders.", kinds="reminder")),
    ])


# --- operators and unknown commands ------------------------------------------------------------------


def test_stats_and_reload_as_admin(runtime: Runtime) -> None:
    verify_dialog(runtime, ALICE, [*CONSENT, ("how often do I need a DEXA scan?", sees(kinds="answer"))])
    verify_dialog(runtime, ADMIN, [
        *CONSENT,
        ("/stats", sees("Usage statistics", "Messages answered: 1 · 1 · 1", "answered from the articles: 1 (100%)",
                        "Now: 2 users, 0 active reminders.", kinds="info")),
        ("/reload", sees("Knowledge reloaded:", "passages", "glossary terms", kinds="info")),
        ("/glossary osteopenia", sees("Osteopenia", kinds="glossary")),  # still answering after the reload
    ])


def test_stats_and_reload_as_non_admin_are_unknown_commands(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/stats", sees("I don't know the command /stats. Type /help", kinds="info", absent=["Usage statistics"])),
        ("/reload", sees("I don't know the command /reload.", kinds="info", absent=["Knowledge reloaded"])),
    ])


def test_unknown_command(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/frobnicate", sees("I don't know the command /frobnicate. Type /help to see what I can do.", kinds="info")),
        ("/HELP", sees("What I can do", kinds="info")),  # command names are not case-sensitive
    ])


# --- flows and buttons -------------------------------------------------------------------------------


def test_a_question_during_a_guided_remind_is_answered_and_the_flow_offered_again(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/remind", sees("What would you like me to remind you about?", kinds="reminder")),
        ("how often do I need a DEXA scan?", sees(DEXA_INTERVAL, "From: ", "Carry on?", kinds="answer reminder",
                                                   buttons=["r:go", "r:stop"])),
        ("Eye clinic", sees("When is your Eye clinic?", kinds="reminder")),
        ("not now", sees("OK, stopped. Nothing was saved.", kinds="reminder")),
        ("/reminders", sees("You have no active reminders.", kinds="reminder")),
    ])


def test_stop_button_leaves_the_guided_flow(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/remind", sees("What would you like me to remind you about?", kinds="reminder")),
        (("tap", "DEXA scan"), sees("When is your DEXA scan?", kinds="reminder", buttons=["r:stop"])),
        (("tap", "Stop"), sees("OK, stopped. Nothing was saved.", kinds="reminder")),
        ("14 March 2027", sees(absent=["Reminder #"], kinds="no_match")),
        ("/reminders", sees("You have no active reminders.", kinds="reminder")),
    ])


def test_expired_and_garbage_buttons(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        (("press", "garbage"), sees("That button has expired. Please ask your question again.", kinds="error")),
        (("press", ""), sees("That button has expired.", kinds="error")),
        (("press", "r:cancel:x"), sees("That button has expired.", kinds="error")),
        (("press", "x" * 65), sees("That button has expired.", kinds="error")),
        (("press", "g:no-such-entry"), sees("That button has expired.", kinds="error")),
        (("press", "r:kind:nope"), sees("That button has expired. Send /remind to start again.", kinds="error")),
        (("press", "r:date:2027-05-04"), sees("That button has expired.", kinds="error")),  # no date was asked
        (("press", "r:tz:Not/AZone"), sees("That button has expired.", kinds="error")),
        (("press", "r:plan:z"), sees("That button has expired.", kinds="error")),
        (("press", "r:cancel:999"), sees("I couldn't find that reminder.", kinds="error")),
        ("/remind", sees("What would you like me to remind you about?", kinds="reminder")),  # still answering
    ])


def test_flood_is_warned_once_then_muted(runtime: Runtime) -> None:
    """Past 20 messages a minute the user is told once, then muted (every row here is at the same ``now``)."""
    verify_dialog(runtime, ALICE, [
        *[("/help", sees("What I can do", kinds="info")) for _ in range(20)],
        ("/help", sees("You're sending messages very quickly", kinds="error")),
        ("/help", NOTHING),
        (("press", "ok"), NOTHING),
    ])


def test_flood_by_button_presses_is_warned_before_muting(runtime: Runtime) -> None:
    transcript = verify_dialog(runtime, ALICE, [
        *CONSENT,
        *[(("press", "gl"), sees("Glossary: choose a letter")) for _ in range(18)],
        (("press", "gl"), sees()),  # the 21st in the minute: over the limit
        (("press", "gl"), NOTHING),  # muted
    ])
    crossing = transcript[-2]
    assert any("very quickly" in f"{reply.plain_text} {reply.notice or ''}" for reply in crossing), crossing


# --- the patient's record --------------------------------------------------------------------------


def test_tablet_reminder_guided_then_changed_paused_resumed_and_stopped(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/tablet", sees("Which medicine", kinds="record", buttons=["tb:med", "r:stop"])),
        (("tap", "anastrozole"), sees("What time", kinds="record", buttons=["tb:at:0800", "tb:at:2000", "r:stop"])),
        ("quarter past eight", sees("couldn't read", kinds="error")),
        ("8:15am", sees("Daily tablet reminder set", "anastrozole, every day at 08:15 (Europe/London)",
                        "Next reminder: Monday 23 November 2026 at 08:15", kinds="record")),
        ("/tablet", sees("Your daily tablet reminder", "08:15", "/tablet_pause 7", kinds="record")),
        ("/tablet_time 20:00", sees("now comes every day at 20:00", "Sunday 22 November 2026 at 20:00", kinds="record")),
        ("/tablet_time", sees("Please add the new time", kinds="error")),
        ("/tablet_pause", sees("how many days", kinds="record", buttons=["tb:pause:1", "tb:pause:7"])),
        (("tap", "3 days"), sees("resume on Wednesday 25 November 2026 at 20:00", kinds="record")),
        ("/tablet_pause soon", sees("from 1 to 90", kinds="error")),
        ("/tablet_resume", sees("Pause ended", "Sunday 22 November 2026 at 20:00", kinds="record")),
        ("/tablet_resume", sees("isn't paused", kinds="record")),
        ("/tablet_stop", sees("Stopped", "/forget", kinds="record")),
        ("/tablet_stop", sees("no daily tablet reminder", kinds="record")),
        ("/tablet 7am letrozole", sees("Letrozole".lower(), "07:00", kinds="record")),
        ("/tablet 31:99", sees("couldn't read", kinds="error")),
    ])


def test_a_plain_request_for_a_daily_tablet_reminder_is_offered_one(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("can you remind me to take my anastrozole every morning", sees("every day at the same time", "/tablet 08:00",
                                                                        kinds="record", buttons=["tb:start"])),
        (("tap", "Set a daily tablet reminder"), sees("Which medicine", kinds="record", buttons=["tb:med"])),
        ("remind me to stop my tablets", sees("talk to your prescriber", absent=["every day at the same time"])),
    ])


def test_tablets_before_and_after_recording_today(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/tablets", sees("Nothing is recorded yet", kinds="record", no_buttons=True)),
        ("/tablet 08:00", sees("Daily tablet reminder set", kinds="record")),
        ("/tablets", sees("Last 7 days: nothing recorded.", "Today: nothing recorded.", kinds="record",
                          buttons=["tb:taken:2026-11-22", "tb:skip:2026-11-22"])),
        (("tap", "Taken"), sees("Sunday 22 November 2026: recorded as taken", kinds="record")),
        ("/tablets", sees("Last 7 days: 100% taken (1 of 1 recorded days", "Today: taken.", kinds="record",
                          no_buttons=True, file="2026-11-22.png")),
    ])


def test_dexa_one_line_guided_list_and_undo(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/dexa", sees("No DEXA results recorded yet", "/dexa add", kinds="record", buttons=["dx:add"])),
        ("/dexa 2026-03-14 lumbar spine -2.7", sees("Lumbar spine: T-score -2.7", "osteoporosis (weakened bones)",
                                                    "From: How anastrozole affects bone density", DEXA_INTERVAL,
                                                    kinds="record", buttons=["dx:del:", "dx:remind:"])),
        (("tap", "Undo"), sees("Deleted the result of Saturday 14 March 2026", kinds="record")),
        ("/dexa 2026-03-14 lumbar spine -9", sees("outside what a scan report shows", kinds="error")),
        (("press", "dx:add"), sees("When was the scan", kinds="record")),
        ("yesterday", sees("Which site", kinds="record", buttons=["dx:site:lumbar_spine", "dx:site:forearm"])),
        (("tap", "Total hip"), sees("T-score for the Total hip", kinds="record")),
        ("-0.7", sees("Z-score", kinds="record", buttons=["dx:skip"])),
        (("tap", "Skip"), sees("BMD", kinds="record")),
        (("tap", "Skip"), sees("Total hip: T-score -0.7", "name none for -0.7", kinds="record")),
        ("/dexa", sees("Your DEXA results (1)", "Total hip: T-score -0.7", kinds="record", file=".png")),
    ])


def test_notes_and_saving_a_question_the_articles_do_not_cover(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/note", sees("No saved questions yet", kinds="record")),
        ("/note Should I have a vitamin D test?", sees("Saved for your care team", kinds="record")),
        ("can i get a tattoo while im on arimidex", sees("don't cover that", kinds="no_match", buttons=["nq:"])),
        (("tap", "Save it for your care team"), sees("Saved for your care team: “can i get a tattoo", kinds="record")),
        (("press", "nq:0badc0de"), sees("no longer have that question", kinds="error")),  # kept once, then gone
        ("/note", sees("Questions for your care team (2)", "vitamin D test", "tattoo", kinds="record",
                       buttons=["nt:del:"])),
        (("tap", "Delete #1"), sees("Deleted question #1", kinds="record")),
        ("/note " + "x" * 501, sees("500 characters", kinds="error")),
    ])


def test_summary_and_export_send_files(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/export", sees("nothing in your record yet", kinds="record")),
        ("/note Ask about calcium", sees("Saved", kinds="record")),
        ("/summary", sees("Your summary for your next appointment", "PDF", kinds="record record",
                          file=".pdf")),
        ("/export", sees("CSV files in a zip", kinds="record", file=".zip")),
    ])


def test_record_commands_answer_only_in_a_private_chat(bot: Runtime) -> None:
    group = Incoming(ALICE, -100123, "/tablets", is_group=True, addressed_to_bot=True)
    [reply] = bot.assistant.handle(group, NOW)
    assert "private chat" in reply.plain_text and reply.attachment is None
    [pressed] = bot.assistant.handle_button(ALICE, -100123, "tb:taken:2026-11-22", NOW)
    assert "private chat" in pressed.plain_text


def test_record_commands_without_a_database_say_so(assistant: Assistant) -> None:
    verify_dialog(assistant, ALICE, [
        ("/tablets", sees("not available right now", kinds="info")),
        ("/summary", sees("not available right now", kinds="info")),
    ])


# --- coverage of the command table -------------------------------------------------------------------


def test_every_command_has_a_dialog() -> None:
    """Each command and alias of knowledge/messages.yaml is typed in at least one dialog above."""
    source = Path(__file__).read_text(encoding="utf-8")
    typed = set(re.findall(r'\("/([a-z_]+)\b', source))
    names = {name for command in Texts.load(KNOWLEDGE / "messages.yaml").commands for name in (command.name, *command.aliases)}
    assert names <= typed, f"commands without a dialog: {sorted(names - typed)}"


def test_audience_command_changes_whose_passages_come_first(bot: Runtime) -> None:
    verify_dialog(bot, ALICE, [
        ("/audience", sees("Who should I put first for you?", kinds="info", buttons=["au:w", "au:m"])),
        (("tap", "Men on anastrozole with TRT"), sees("men on anastrozole with trt first", kinds="info")),
    ])
