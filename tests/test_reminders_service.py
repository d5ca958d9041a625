"""Reminder commands: one-line and guided creation, errors, lists, isolation, .ics, timezones, /plan, buttons."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from bot.knowledge.base import load_articles
from bot.models import Reply, ReplyKind, Style
from bot.reminders.monitoring import MonitoringPlan, load_plan
from bot.reminders.repository import ReminderRepository
from bot.reminders.service import Reminders
from bot.reminders.texts import ReminderTexts, load_reminder_texts
from bot.storage import Database, Privacy, UserRepository
from tests.reminder_support import build, me, press

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"
ARTICLES = {a.id: (KNOWLEDGE / a.file).read_text(encoding="utf-8") for a in load_articles(KNOWLEDGE)}
NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)  # Sunday
ALICE, BOB = 101, 202


@pytest.fixture(scope="module")
def texts() -> ReminderTexts:
    return load_reminder_texts(KNOWLEDGE / "reminders.yaml")


@pytest.fixture(scope="module")
def plan() -> MonitoringPlan:
    return load_plan(KNOWLEDGE / "plan.yaml", articles=ARTICLES)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    with Database(tmp_path / "bot.sqlite3") as database:
        yield database


@pytest.fixture
def svc(db: Database, texts: ReminderTexts, plan: MonitoringPlan) -> Reminders:
    return build(db, texts=texts, default_timezone="Europe/London", plan=plan)


def check(replies: list[Reply] | None) -> list[Reply]:
    """Every reply is well-formed and every button fits Telegram's 64-byte callback data."""
    assert replies, "expected at least one reply"
    for reply in replies:
        assert reply.blocks
        for row in reply.buttons:
            for button in row:
                assert button.data.startswith("r:") and len(button.data.encode()) <= 64
    return replies


def one(replies: list[Reply] | None) -> Reply:
    replies = check(replies)
    assert len(replies) == 1, [r.plain_text for r in replies]
    return replies[0]


def data_of(reply: Reply) -> list[str]:
    return [button.data for row in reply.buttons for button in row]


# -- creating ----------------------------------------------------------------------------------------


def test_one_line_create_reads_everything_back(svc: Reminders) -> None:
    reply = one(svc.remind(me(ALICE), "2027-03-14 DEXA scan", NOW))
    assert reply.kind is ReplyKind.REMINDER
    text = reply.plain_text
    assert "DEXA scan" in text and "Sunday 14 March 2027" in text
    assert "Europe/London" in text and "default" in text and "/timezone" in text
    items = [b.text for b in reply.blocks if b.style is Style.ITEM]
    assert items == [
        "Sunday 7 March 2027 at 09:00 (7 days before)",
        "Saturday 13 March 2027 at 09:00 (the day before)",
        "Sunday 14 March 2027 at 09:00 (on the day)",
    ]
    reminder_id = svc.ctx.reminders.active(ALICE)[0].id
    assert data_of(reply) == [f"r:undo:{reminder_id}", f"r:ics:{reminder_id}"]


def test_own_timezone_is_not_called_default(svc: Reminders) -> None:
    svc.preferences.timezone(me(ALICE), "America/New_York", NOW)
    text = one(svc.remind(me(ALICE), "14 March at 8:30 blood test", NOW)).plain_text
    assert "America/New_York" in text and "default" not in text
    assert "Sunday 14 March 2027 at 06:30 (2 hours before)" in text  # 08:30 is before the 09:00 reminders


def test_kind_is_inferred_and_default_label_used(svc: Reminders) -> None:
    svc.remind(me(ALICE), "2027-03-14 vitamin D", NOW)
    svc.remind(me(ALICE), "2027-03-15", NOW)
    kinds = {r.label: r.kind for r in svc.ctx.reminders.active(ALICE)}
    assert kinds == {"vitamin D": "blood", "Appointment": "other"}


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ("2026-12-01 DEXA", "in the past"),
        ("31 February 2027 scan", "isn't a real date"),
        ("2027-02-31", "isn't a real date"),
        ("2040-01-01 scan", "more than 5 years ahead"),
        ("sometime soon please", "couldn't read"),
        ("next month", "doesn't say which day"),
        ("2027-03-14 " + "x" * 81, "80 characters"),
    ],
)
def test_errors_are_kind_and_specific(svc: Reminders, args: str, fragment: str) -> None:
    reply = one(svc.remind(me(ALICE), args, NOW))
    assert reply.kind is ReplyKind.ERROR
    assert fragment in reply.plain_text
    assert svc.ctx.reminders.count_active(ALICE) == 0


def test_unparseable_date_lists_accepted_forms(svc: Reminders) -> None:
    reply = one(svc.remind(me(ALICE), "whenever", NOW))
    examples = [b.text for b in reply.blocks if b.style is Style.CODE]
    assert examples and "2027-03-14" in examples[0] and "next Friday" in examples[0]


def test_active_reminder_limit(db: Database, texts: ReminderTexts) -> None:
    svc = build(db, texts=texts, default_timezone="UTC", max_active=2)
    for day in (14, 15):
        assert one(svc.remind(me(ALICE), f"2027-03-{day}", NOW)).kind is ReplyKind.REMINDER
    reply = one(svc.remind(me(ALICE), "2027-03-16", NOW))
    assert reply.kind is ReplyKind.ERROR and "2 active reminders" in reply.plain_text
    assert one(svc.remind(me(BOB), "2027-03-16", NOW)).kind is ReplyKind.REMINDER  # per user


def test_ambiguous_date_asks_then_learns_the_order(svc: Reminders, db: Database) -> None:
    reply = one(svc.remind(me(ALICE), "04/05/2027 blood test", NOW))
    assert data_of(reply)[:2] == ["r:date:2027-05-04", "r:date:2027-04-05"]
    assert "Tuesday 4 May 2027" in [b.label for row in reply.buttons for b in row]
    replies = check(press(svc, ALICE, "r:date:2027-05-04", NOW))
    assert "Tuesday 4 May 2027" in replies[0].plain_text
    assert "day/month" in replies[-1].plain_text
    user = UserRepository(db).get(ALICE)
    assert user is not None and user.date_order == "DMY"
    # Next time there is nothing to ask.
    assert "Wednesday 2 June 2027" in one(svc.remind(me(ALICE), "02/06/2027 lab", NOW)).plain_text
    # The old question's buttons are stale now.
    assert one(press(svc, ALICE, "r:date:2027-04-05", NOW)).kind is ReplyKind.ERROR


def test_ambiguous_pick_must_be_an_offered_date(svc: Reminders) -> None:
    svc.remind(me(ALICE), "04/05/2027", NOW)
    assert "expired" in one(press(svc, ALICE, "r:date:2027-06-01", NOW)).plain_text
    assert svc.ctx.reminders.count_active(ALICE) == 0


# -- guided flow ----------------------------------------------------------------------------------------


def test_guided_flow_dexa(svc: Reminders) -> None:
    reply = one(svc.remind(me(ALICE), "", NOW))
    assert data_of(reply) == ["r:kind:dexa", "r:kind:blood", "r:kind:other", "r:stop"]
    assert "When is your DEXA scan" in one(press(svc, ALICE, "r:kind:dexa", NOW)).plain_text
    error = one(svc.continue_flow(me(ALICE), "30 February", NOW))
    assert error.kind is ReplyKind.ERROR
    created = one(svc.continue_flow(me(ALICE), "14 March", NOW))  # the flow survived the error
    assert "DEXA scan — Sunday 14 March 2027" in created.plain_text
    assert svc.continue_flow(me(ALICE), "what is a DEXA scan", NOW) is None  # flow finished


def test_guided_flow_other_asks_for_a_label(svc: Reminders) -> None:
    svc.remind(me(ALICE), "", NOW)
    assert "What should I call it" in one(press(svc, ALICE, "r:kind:other", NOW)).plain_text
    assert one(svc.continue_flow(me(ALICE), "y" * 81, NOW)).kind is ReplyKind.ERROR
    assert "When is your Eye clinic" in one(svc.continue_flow(me(ALICE), "Eye clinic", NOW)).plain_text
    created = one(svc.continue_flow(me(ALICE), "tomorrow 2pm", NOW))
    assert "Eye clinic — Monday 11 January 2027 at 14:00" in created.plain_text
    assert svc.ctx.reminders.active(ALICE)[0].kind == "other"


def test_typing_instead_of_pressing_a_kind(svc: Reminders) -> None:
    svc.remind(me(ALICE), "", NOW)
    assert "When is your Blood test" in one(svc.continue_flow(me(ALICE), "blood test", NOW)).plain_text
    svc.remind(me(BOB), "", NOW)
    assert "When is your Bone density" in one(svc.continue_flow(me(BOB), "Bone density", NOW)).plain_text


def test_no_flow_and_questions_fall_through(svc: Reminders) -> None:
    assert svc.continue_flow(me(ALICE), "hello", NOW) is None
    svc.remind(me(ALICE), "", NOW)
    assert svc.continue_flow(me(ALICE), "does anastrozole thin bones?", NOW) is None  # answered by the caller...
    paused = svc.paused(me(ALICE), NOW)
    assert paused is not None and "r:go" in data_of(paused)  # ...which then offers to carry on
    assert "When is" in one(press(svc, ALICE, "r:go", NOW)).plain_text or svc.ctx.flows.load(ALICE, NOW)


@pytest.mark.parametrize("typed", ["cancel", "cancel please x", "nah forget it", "Cancle", "not now", "no thanks"])
def test_a_way_out_leaves_the_flow_at_any_step(svc: Reminders, typed: str) -> None:
    svc.remind(me(ALICE), "", NOW)
    assert "stopped" in one(svc.continue_flow(me(ALICE), typed, NOW) or []).plain_text
    assert svc.ctx.flows.load(ALICE, NOW) is None


@pytest.mark.parametrize("label", ["stop smoking clinic", "No 2 bus to hospital", "cancel card", "Forget-me-not cafe"])
def test_a_label_with_a_way_out_word_is_a_label(svc: Reminders, label: str) -> None:
    svc.remind(me(ALICE), "", NOW)
    press(svc, ALICE, "r:kind:other", NOW)
    [reply] = svc.continue_flow(me(ALICE), label, NOW) or []
    assert label in reply.plain_text  # "When is your <label>?"


def test_flow_expires_and_can_be_stopped(svc: Reminders) -> None:
    svc.remind(me(ALICE), "", NOW)
    assert svc.continue_flow(me(ALICE), "blood", NOW + timedelta(hours=2)) is None
    svc.remind(me(ALICE), "", NOW)
    assert "stopped" in one(press(svc, ALICE, "r:stop", NOW)).plain_text
    assert svc.continue_flow(me(ALICE), "blood", NOW) is None


def test_flow_survives_a_restart(tmp_path: Path, texts: ReminderTexts) -> None:
    path = tmp_path / "bot.sqlite3"
    with Database(path) as first:
        build(first, texts=texts).remind(me(ALICE), "", NOW)
        press(build(first, texts=texts), ALICE, "r:kind:blood", NOW)
    with Database(path) as second:
        reply = one(build(second, texts=texts).continue_flow(me(ALICE), "2027-02-01", NOW))
        assert "Blood test — Monday 1 February 2027" in reply.plain_text


# -- list, cancel, undo, isolation --------------------------------------------------------------------


def test_list_shows_next_time_and_is_capped(svc: Reminders) -> None:
    assert "no active reminders" in one(svc.management.listing(me(ALICE), '', NOW)).plain_text
    for day in range(1, 13):
        svc.remind(me(ALICE), f"2027-04-{day:02d} scan {day}", NOW)
    reply = one(svc.management.listing(me(ALICE), '', NOW))
    items = [b.text for b in reply.blocks if b.style is Style.ITEM]
    assert len(items) == 10 and "2 more" in reply.plain_text
    first_id = svc.ctx.reminders.active(ALICE)[0].id
    assert items[0] == f"#{first_id} scan 1 — Thursday 1 April 2027. Next reminder: Thursday 25 March 2027 at 09:00"
    assert reply.buttons[0][0].data == f"r:cancel:{first_id}" and reply.buttons[0][1].data == f"r:ics:{first_id}"


def test_cancel_only_own_and_not_found_reveals_nothing(svc: Reminders, db: Database) -> None:
    svc.remind(me(ALICE), "2027-03-14 DEXA scan", NOW)
    reminder_id = svc.ctx.reminders.active(ALICE)[0].id
    foreign = one(svc.management.cancel(me(BOB), (reminder_id,), NOW))
    unknown = one(svc.management.cancel(me(BOB), (99999,), NOW))
    assert foreign == unknown and foreign.kind is ReplyKind.ERROR
    assert one(press(svc, BOB, f"r:cancel:{reminder_id}", NOW)) == unknown
    assert svc.ctx.reminders.count_active(ALICE) == 1
    done = one(svc.management.cancel(me(ALICE), (reminder_id,), NOW))
    assert "Cancelled: DEXA scan" in done.plain_text and done.notice
    assert svc.ctx.reminders.pending(reminder_id) == []
    assert one(svc.management.cancel(me(ALICE), (reminder_id,), NOW)).kind is ReplyKind.ERROR  # already gone


def test_calendar_of_someone_else_is_not_found(svc: Reminders) -> None:
    svc.remind(me(ALICE), "2027-03-14 DEXA scan", NOW)
    reminder_id = svc.ctx.reminders.active(ALICE)[0].id
    reply = one(svc.management.calendar(me(BOB), reminder_id, NOW))
    assert reply.attachment is None and reply == one(svc.management.calendar(me(BOB), 424242, NOW))


# -- calendar files ---------------------------------------------------------------------------------------


def test_ics_all_day_with_one_alarm_per_offset(svc: Reminders) -> None:
    svc.remind(me(ALICE), "2027-03-14 DEXA scan", NOW)
    reminder_id = svc.ctx.reminders.active(ALICE)[0].id
    reply = one(press(svc, ALICE, f"r:ics:{reminder_id}", NOW))
    assert reply.attachment is not None and reply.attachment.mime_type == "text/calendar"
    assert reply.attachment.filename.endswith(".ics")
    raw = reply.attachment.content
    assert b"DTSTART;VALUE=DATE:20270314" in raw
    cal = Calendar.from_ical(raw)
    assert cal["VERSION"] == "2.0" and "patient-bot" in str(cal["PRODID"])
    (event,) = cal.walk("VEVENT")
    assert str(event["SUMMARY"]) == "DEXA scan" and event["UID"] and event["DTSTAMP"]
    assert event.decoded("DTSTART") == date(2027, 3, 14)
    alarms = event.walk("VALARM")
    assert len(alarms) == 3
    assert all(str(a["ACTION"]) == "DISPLAY" and "DEXA scan" in str(a["DESCRIPTION"]) for a in alarms)
    triggers = sorted(a.decoded("TRIGGER") for a in alarms)
    assert triggers == [timedelta(days=-7, hours=9), timedelta(days=-1, hours=9), timedelta(hours=9)]


def test_ics_timed_and_recurring(svc: Reminders, db: Database, texts: ReminderTexts) -> None:
    svc.preferences.timezone(me(ALICE), "America/New_York", NOW)
    svc.remind(me(ALICE), "2027-03-14 08:00 blood test", NOW)
    reminder = svc.ctx.reminders.active(ALICE)[0]
    cal = Calendar.from_ical(one(svc.management.calendar(me(ALICE), reminder.id, NOW)).attachment.content)  # type: ignore[union-attr]
    assert cal.walk("VTIMEZONE")  # the TZID is defined in the file
    (event,) = cal.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert start.hour == 8 and str(start.tzinfo) == "America/New_York"
    assert event.decoded("DURATION") == timedelta(hours=1)  # a timed event has an end (RFC 5545 3.6.1)
    assert timedelta(hours=-2) in [a.decoded("TRIGGER") for a in event.walk("VALARM")]
    recurring, _ = ReminderRepository(db).create(
        user_id=ALICE,
        chat_id=ALICE,
        kind="dexa",
        label="DEXA",
        event_date=date(2027, 1, 31),
        event_time=None,
        timezone="UTC",
        offsets=(0,),
        remind_time=time(9),
        now=NOW,
        recurrence_months=12,
    )
    raw = one(svc.management.calendar(me(ALICE), recurring.id, NOW)).attachment.content  # type: ignore[union-attr]
    assert b"RRULE:FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=28,29,30,31;BYSETPOS=-1" in raw


# -- timezones and settings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("london", "Europe/London"),
        ("New York", "America/New_York"),
        ("europe/PARIS", "Europe/Paris"),
        ("Asia/Kolkata", "Asia/Kolkata"),
        ("UTC", "Etc/UTC"),
    ],
)
def test_set_timezone(svc: Reminders, db: Database, typed: str, zone: str) -> None:
    reply = one(svc.preferences.timezone(me(ALICE), typed, NOW))
    assert reply.kind is ReplyKind.REMINDER and zone in reply.plain_text
    user = UserRepository(db).get(ALICE)
    assert user is not None and user.timezone == zone


def test_timezone_typo_suggests_buttons(svc: Reminders) -> None:
    reply = one(svc.preferences.timezone(me(ALICE), "Lodnon", NOW))  # a misspelling is offered, never set
    assert "r:tz:Europe/London" in data_of(reply) and "Lodnon" in reply.plain_text
    assert len(data_of(reply)) <= 3
    assert "Europe/London" in one(press(svc, ALICE, "r:tz:Europe/London", NOW)).plain_text
    assert one(press(svc, ALICE, "r:tz:Mars/Olympus", NOW)).kind is ReplyKind.ERROR
    shown = one(svc.preferences.timezone(me(BOB), "", NOW)).plain_text
    assert "haven't set" in shown and "Europe/London" in shown


def test_changing_timezone_reschedules_pending(svc: Reminders) -> None:
    svc.remind(me(ALICE), "2027-03-10 DEXA scan", NOW)
    reminder_id = svc.ctx.reminders.active(ALICE)[0].id
    assert [d.fire_at.hour for d in svc.ctx.reminders.pending(reminder_id)] == [9, 9, 9]  # London = UTC in winter
    reply = one(svc.preferences.timezone(me(ALICE), "New York", NOW))
    assert "1 upcoming" in reply.plain_text
    assert [d.fire_at.hour for d in svc.ctx.reminders.pending(reminder_id)] == [14, 14, 14]  # 09:00 EST
    assert svc.ctx.reminders.active(ALICE)[0].timezone == "America/New_York"


def test_settings(svc: Reminders, db: Database) -> None:
    assert "7, 1, 0 days before, at 09:00" in one(svc.remind(me(ALICE), "settings", NOW)).plain_text
    saved = one(svc.remind(me(ALICE), "settings 3,0 08:30 mdy", NOW))
    assert "3, 0 days before, at 08:30" in saved.plain_text and "month/day" in saved.plain_text
    items = [b.text for b in one(svc.remind(me(ALICE), "2027-03-14", NOW)).blocks if b.style is Style.ITEM]
    assert items == ["Thursday 11 March 2027 at 08:30 (3 days before)", "Sunday 14 March 2027 at 08:30 (on the day)"]
    for bad in ("settings 99", "settings 25:00", "settings 1,2,3,4,5,6", "settings soon"):
        assert one(svc.remind(me(ALICE), bad, NOW)).kind is ReplyKind.ERROR
    user = UserRepository(db).get(ALICE)
    assert user is not None and user.remind_offsets == (3, 0) and user.date_order == "MDY"


# -- buttons ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        "",
        "r",
        "r:",
        "x:cancel:1",
        "r:cancel:",
        "r:cancel:abc",
        "r:undo:1,,2",
        "r:ics:-1",
        "r:ics:",
        "r:date:2027-13-01",
        "r:date:",
        "r:kind:nope",
        "r:plan:zz",
        "r:unknown:1",
        "r:cancel:" + "9" * 80,
        "r:tz:",
        "r:tz:../../etc/passwd",
        "r:date:2027-05-04",
        "\x00\xff",
    ],
)
def test_bad_or_stale_buttons_never_raise(svc: Reminders, data: str) -> None:
    reply = one(press(svc, ALICE, data, NOW))
    assert reply.kind is ReplyKind.ERROR


def test_stale_reminder_buttons(svc: Reminders, db: Database) -> None:
    svc.remind(me(ALICE), "2027-03-14 DEXA scan", NOW)
    reminder_id = svc.ctx.reminders.active(ALICE)[0].id
    Privacy(db).forget_user(ALICE)
    for data in (f"r:undo:{reminder_id}", f"r:cancel:{reminder_id}", f"r:ics:{reminder_id}"):
        assert one(press(svc, ALICE, data, NOW)).kind is ReplyKind.ERROR
