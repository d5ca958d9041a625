"""Reminders in everyday words, through the whole Assistant: plain requests, guided steps, timezones.

Dialog tables in the style of tests/test_dialogs.py (the helpers are reused from there).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import Runtime, build_runtime
from bot.config import Settings
from tests.test_dialogs import CONSENT, KNOWLEDGE, sees, verify_dialog

MONDAY = datetime(2026, 11, 30, 10, 15, tzinfo=ZoneInfo("Europe/London"))
ANN = 301


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Runtime]:
    settings = replace(Settings(knowledge_dir=KNOWLEDGE), database=tmp_path / "bot.sqlite3",
                       default_timezone="Europe/London")
    runtime = build_runtime(settings)
    verify_dialog(runtime, ANN, CONSENT, MONDAY)
    yield runtime
    if runtime.database is not None:
        runtime.database.close()


def test_a_plain_message_asking_for_a_reminder_is_offered_one(bot: Runtime) -> None:
    verify_dialog(bot, ANN, [
        ("can u remind me about my scan on 14 march", sees("Shall I set a reminder", "my scan", "14 March 2027",
                                                            kinds="reminder", buttons=["r:offer:y", "r:offer:n"])),
        (("tap", "Set it"), sees("Reminder #1 set", "my scan", "14 March 2027")),
        ("pls remind me bloods tmrw 8am", sees("Shall I set", "bloods", "1 December 2026 at 08:00")),
        ("yes", sees("Reminder #2 set")),
        ("I have a DEXA scan on 3 Feb", sees("Shall I set", "DEXA scan", "3 February 2027")),
        ("no thanks", sees("no reminder set", kinds="reminder")),
    ], MONDAY)
    assert len(bot.reminders.ctx.reminders.active(ANN)) == 2  # type: ignore[union-attr]


def test_messages_about_dates_that_are_not_requests_are_answered(bot: Runtime) -> None:
    verify_dialog(bot, ANN, [
        ("can you remind me what a t-score is", sees(kinds="answer", absent=["Shall I set"])),
        ("my last scan was on 14 march 2025", sees(absent=["Shall I set"])),
        ("when should i have my next dexa?", sees(absent=["Shall I set"])),
        ("remind me to stop my anastrozole on friday", sees("talk to your prescriber", absent=["Shall I set"])),
    ], MONDAY)


def test_the_guided_flow_never_traps(bot: Runtime) -> None:
    verify_dialog(bot, ANN, [
        ("/remind", sees("What would you like me to remind you about?", buttons=["r:kind"])),
        ("hi", sees("Carry on?", kinds="small_talk reminder", absent=["When is your hi"])),  # talk, not a name
        ("hi there how does this work?", sees("Carry on?", buttons=["r:go", "r:stop"])),
        (("tap", "Carry on"), sees("What would you like me to remind you about?")),
        ("whats a t score", sees("T-score", "Carry on?")),
        ("cancel please", sees("stopped", kinds="reminder")),
        ("/remind", sees("What would you like me to remind you about?")),
        (("press", "r:kind:other"), sees("What should I call it?")),
        ("stop smoking clinic", sees("When is your stop smoking clinic?")),
        ("my chest really hurts right now and my left arm is numb", sees(kinds="urgent")),
        ("nah forget it", sees("stopped")),
        ("14 March", sees(absent=["Reminder #"])),  # the flow is gone: no reminder from a stray date
    ], MONDAY)


def test_an_unfinished_flow_expires(bot: Runtime) -> None:
    verify_dialog(bot, ANN, [("/remind", sees("What would you like me to remind you about?"))], MONDAY)
    later = MONDAY.replace(hour=MONDAY.hour + 3)
    verify_dialog(bot, ANN, [("blood", sees(absent=["When is"]))], later)


@pytest.mark.parametrize(
    ("typed", "expect"),
    [
        ("EST", sees("Which timezone", "daylight saving", buttons=["r:tz:America/New_York"])),  # asked, with DST
        ("bst", sees("Which timezone", buttons=["r:tz:Europe/London"])),
        ("uk", sees("Timezone set to Europe/London", "United Kingdom")),
        ("manchester", sees(buttons=["r:tz:Europe/London"])),  # England first, never Africa/Maseru
        ("birmingham", sees("Which timezone", buttons=["r:tz:Europe/London", "r:tz:America/Chicago"])),
        ("sydney australia", sees("Timezone set to Australia/Sydney")),
        ("Edinburgh, Scotland", sees("Timezone set to Europe/London")),
        ("mumbai", sees("Timezone set to Asia/Kolkata")),
        ("bombay", sees("Timezone set to Asia/Kolkata")),  # an older name, from GeoNames
        ("florida", sees(buttons=["r:tz:America/New_York"])),
        ("Europe/Lisbon", sees("Timezone set to Europe/Lisbon")),
        ("UTC", sees("Timezone set to Etc/UTC")),
        ("edinbrugh", sees("Which timezone", buttons=["r:tz:Europe/London"])),  # a misspelling is offered
        ("xqzzv", sees("I don't know the timezone")),
    ],
)
def test_timezones_by_place_region_country_and_abbreviation(bot: Runtime, typed: str, expect: object) -> None:
    verify_dialog(bot, ANN, [(f"/timezone {typed}", expect)], MONDAY)  # type: ignore[list-item]
