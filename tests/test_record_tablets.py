"""The daily tablet reminder: local time across daylight-saving changes (an injected clock), the day's
record (taken, skipped, missed, snoozed), no duplicates across crashes and restarts, pause, stop,
time and timezone changes, and the adherence arithmetic."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.content import Content
from bot.models import Incoming, ReplyKind
from bot.record.adherence import calendar, window, windows
from bot.record.outbox import TabletOutbox
from bot.record.tablet_commands import parse_clock, split_clock
from bot.record.tablets import DoseStatus, TabletRepository
from bot.storage import Database, to_db_time
from tests.record_support import Setup, build, button_data

USER = 501


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    with Database(tmp_path / "bot.sqlite3") as database:
        yield database


def local(zone: str, day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """An aware instant given as local wall time (first occurrence when ambiguous)."""
    return datetime.combine(day, time(hour, minute, second), tzinfo=ZoneInfo(zone))


def start(db: Database, content: Content, zone: str, now: datetime, at: str = "08:00") -> Setup:
    setup = build(db, content, now, default_timezone=zone)
    [reply] = setup.say("tablet", USER, at)
    assert reply.kind is ReplyKind.RECORD, reply.plain_text
    return setup


# --- daylight saving time ------------------------------------------------------------------------

# (zone, the day clocks go forward, the day they go back): Europe, North America, the southern hemisphere.
DST = [
    ("Europe/London", date(2027, 3, 28), date(2027, 10, 31)),
    ("America/New_York", date(2027, 3, 14), date(2027, 11, 7)),
    ("Australia/Sydney", date(2027, 10, 3), date(2027, 4, 4)),
]


@pytest.mark.parametrize(("zone", "forward", "back"), DST, ids=[z for z, _, _ in DST])
async def test_a_daily_0800_reminder_stays_at_0800_local_across_both_changes(
    db: Database, content: Content, zone: str, forward: date, back: date
) -> None:
    for change in (forward, back):
        first = change - timedelta(days=2)
        setup = start(db, content, zone, local(zone, first - timedelta(days=1), 12))
        sent_at: list[datetime] = []
        for offset in range(5):  # two days before the change, the day itself, two days after
            day = first + timedelta(days=offset)
            assert await setup.run(local(zone, day, 7, 59, 30)) == 0, f"early on {day}"
            assert await setup.run(local(zone, day, 8, 0, 0)) == 1, f"not at 08:00 on {day}"
            assert await setup.run(local(zone, day, 8, 30)) == 0, f"twice on {day}"
            sent_at.append(setup.sender.sent[-1][2])
        assert [moment.astimezone(ZoneInfo(zone)).strftime("%H:%M") for moment in sent_at] == ["08:00"] * 5
        offsets = {moment.astimezone(ZoneInfo(zone)).utcoffset() for moment in sent_at}
        assert len(offsets) == 2, "the UTC time moved with the clocks, the local time did not"
        setup.say("tablet_stop", USER)


async def test_a_time_in_the_spring_gap_comes_after_it_and_a_repeated_time_comes_once(
    db: Database, content: Content
) -> None:
    zone = "Europe/London"
    setup = start(db, content, zone, local(zone, date(2027, 3, 26), 12), at="01:30")
    await setup.run(local(zone, date(2027, 3, 27), 1, 30))  # the day before: an ordinary 01:30
    assert len(setup.sender.sent) == 1
    # 28 March 2027: 01:00 GMT jumps to 02:00 BST, so 01:30 does not exist; it comes at 02:30 BST instead.
    assert await setup.run(datetime(2027, 3, 28, 1, 29, tzinfo=UTC)) == 0
    assert await setup.run(datetime(2027, 3, 28, 1, 30, tzinfo=UTC)) == 1
    assert setup.sender.sent[-1][2].astimezone(ZoneInfo(zone)).strftime("%H:%M") == "02:30"
    # 31 October 2027: 01:30 happens twice (BST, then GMT): one reminder, at the first.
    setup.say("tablet", USER, "01:30")
    before = len(setup.sender.sent)
    for minute in range(0, 181, 10):
        await setup.run(datetime(2027, 10, 31, 0, 0, tzinfo=UTC) + timedelta(minutes=minute))
    assert len(setup.sender.sent) == before + 1
    assert setup.sender.sent[-1][2] == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 01:30 BST


# --- the record of each day ----------------------------------------------------------------------


async def test_taken_skipped_missed_and_snoozed_days_are_recorded(db: Database, content: Content) -> None:
    zone = "Europe/London"
    setup = start(db, content, zone, local(zone, date(2026, 11, 1), 12))
    days = [date(2026, 11, 2) + timedelta(days=i) for i in range(4)]
    # Day 1: Taken.
    await setup.run(local(zone, days[0], 8))
    notice = setup.sender.sent[-1][1]
    assert notice.kind is ReplyKind.REMINDER and "anastrozole" in notice.plain_text
    assert [b.label for row in notice.buttons for b in row] == ["Taken", "Snooze 1 h", "Skip today"]
    [done] = setup.press(button_data(notice, "Taken"), USER)
    assert done.edit and "recorded as taken" in done.plain_text and done.notice == "Recorded: taken"
    # Day 2: Skip today (the fixed missed-dose text comes with it).
    await setup.run(local(zone, days[1], 8))
    [skipped] = setup.press(button_data(setup.sender.sent[-1][1], "Skip today"), USER)
    assert "recorded as skipped" in skipped.plain_text and content.safety.missed_dose in skipped.plain_text
    # Day 3: no answer by the end of the day.
    await setup.run(local(zone, days[2], 8))
    # Day 4: Snooze 1 h, the reminder comes once more, then Taken; the day-3 sweep has recorded "missed".
    await setup.run(local(zone, days[3], 8))
    [snoozed] = setup.press(button_data(setup.sender.sent[-1][1], "Snooze 1 h"), USER)
    assert "09:00" in snoozed.plain_text and snoozed.edit
    assert await setup.run(local(zone, days[3], 8, 59)) == 0
    assert await setup.run(local(zone, days[3], 9, 0)) == 1
    again = setup.sender.sent[-1][1]
    assert "again" in again.plain_text
    setup.press(button_data(again, "Taken"), USER)
    doses = TabletRepository(db).doses(USER)
    assert doses == {days[0]: DoseStatus.TAKEN, days[1]: DoseStatus.SKIPPED, days[2]: DoseStatus.MISSED,
                     days[3]: DoseStatus.TAKEN}
    # /tablets: 2 of 4 recorded days taken = 50 %, with the calendar as a photo and its text version.
    [view] = setup.say("tablets", USER)
    assert "Last 7 days: 50% taken (2 of 4 recorded days; 1 skipped, 1 missed)" in view.plain_text
    assert view.attachment is not None and view.attachment.content.startswith(b"\x89PNG")
    assert "T S M T" in view.attachment.alt_text.replace("  ", " ")


async def test_a_correction_replaces_the_answer_and_old_or_future_days_are_refused(db: Database, content: Content) -> None:
    setup = start(db, content, "UTC", datetime(2026, 11, 1, 12, tzinfo=UTC))
    await setup.run(datetime(2026, 11, 2, 8, tzinfo=UTC))
    notice = setup.sender.sent[-1][1]
    setup.press(button_data(notice, "Skip today"), USER)
    setup.press(button_data(notice, "Taken"), USER)  # the other answer is still there: a slip corrected
    assert TabletRepository(db).doses(USER) == {date(2026, 11, 2): DoseStatus.TAKEN}
    setup.clock.now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    [old] = setup.press(button_data(notice, "Taken"), USER)
    assert old.kind is ReplyKind.ERROR and "7 days" in old.plain_text
    [forged] = setup.press("tb:taken:2027-01-01", USER)
    assert forged.kind is ReplyKind.ERROR
    [late] = setup.press("tb:snooze:2026-11-19", USER)  # snoozing a day that is over
    assert "too late" in late.plain_text


async def test_no_reminder_is_lost_or_sent_twice_across_a_crash_and_restarts(db: Database, content: Content) -> None:
    setup = start(db, content, "UTC", datetime(2026, 11, 1, 12, tzinfo=UTC))
    outbox = TabletOutbox(db, lambda: content.record.texts)
    due = datetime(2026, 11, 2, 8, tzinfo=UTC)
    [claimed] = outbox.claim(due, 10)  # a process claims the row and dies before sending
    assert setup.loop.recover(due) == 1  # the next start re-queues it
    assert await setup.run(due) == 1
    for _ in range(3):  # restarts and more cycles send nothing more for that day
        setup.loop.recover(due)
        assert await setup.run(due + timedelta(minutes=5)) == 0
    rows = db.query("SELECT day, status FROM tablet_deliveries WHERE kind = 'daily' ORDER BY fire_at")
    assert [tuple(row) for row in rows] == [("2026-11-02", "sent"), ("2026-11-03", "pending")]
    with pytest.raises(sqlite3.IntegrityError), db.transaction() as conn:  # one daily reminder per day, by schema
        conn.execute(
            "INSERT INTO tablet_deliveries (schedule_id, user_id, chat_id, day, day_end_at, fire_at, kind, status, "
            "created_at, updated_at) SELECT schedule_id, user_id, chat_id, day, day_end_at, fire_at, 'daily', "
            "'pending', created_at, updated_at FROM tablet_deliveries WHERE day = '2026-11-03'"
        )
    assert claimed.id == 1


async def test_a_day_the_bot_was_down_is_not_counted_missed_and_no_burst_follows(db: Database, content: Content) -> None:
    setup = start(db, content, "UTC", datetime(2026, 11, 1, 12, tzinfo=UTC))
    # Down from before the 2nd's reminder until the 5th at noon: three reminders could not be sent.
    assert await setup.run(datetime(2026, 11, 5, 12, tzinfo=UTC)) == 1  # only today's, late, is still worth it
    assert "late" in setup.sender.sent[-1][1].plain_text
    assert TabletRepository(db).doses(USER) == {}  # no reminder reached the patient on the 2nd-4th
    assert TabletRepository(db).next_fire(USER) == datetime(2026, 11, 6, 8, tzinfo=UTC)


# --- pause, stop, time and timezone ------------------------------------------------------------------


async def test_pause_says_when_it_resumes_and_sends_nothing_until_then(db: Database, content: Content) -> None:
    setup = start(db, content, "UTC", datetime(2026, 11, 1, 12, tzinfo=UTC))
    [paused] = setup.say("tablet_pause", USER, "3")
    assert "resume on Wednesday 4 November 2026 at 08:00" in paused.plain_text
    [status] = setup.say("tablet", USER)
    assert "Paused: reminders resume on Wednesday 4 November 2026" in status.plain_text
    for day in (2, 3):
        assert await setup.run(datetime(2026, 11, day, 8, tzinfo=UTC)) == 0
    assert await setup.run(datetime(2026, 11, 4, 8, tzinfo=UTC)) == 1
    [ask] = setup.say("tablet_pause", USER)
    setup.press(button_data(ask, "7 days"), USER)
    [resumed] = setup.say("tablet_resume", USER)
    assert "Thursday 5 November 2026 at 08:00" in resumed.plain_text
    [bad] = setup.say("tablet_pause", USER, "400")
    assert bad.kind is ReplyKind.ERROR


async def test_time_change_stop_and_timezone_change(db: Database, content: Content) -> None:
    setup = start(db, content, "UTC", datetime(2026, 11, 1, 6, tzinfo=UTC))
    [moved] = setup.say("tablet_time", USER, "9:30pm")
    assert "21:30" in moved.plain_text and "Sunday 1 November 2026 at 21:30" in moved.plain_text
    assert setup.say("tablet_time", USER, "25:00")[0].kind is ReplyKind.ERROR
    [tz] = setup.say("timezone", USER, "America/New_York")  # the reminder follows: 21:30 New York time
    assert "moved 1" in tz.plain_text
    assert TabletRepository(db).next_fire(USER) == datetime(2026, 11, 2, 2, 30, tzinfo=UTC)
    [stopped] = setup.say("tablet_stop", USER)
    assert "Stopped" in stopped.plain_text
    assert await setup.run(datetime(2026, 11, 3, 12, tzinfo=UTC)) == 0
    assert setup.say("tablet_stop", USER)[0].plain_text.startswith("You have no daily tablet reminder")


async def test_the_guided_flow_asks_the_medicine_then_the_time(db: Database, content: Content) -> None:
    setup = build(db, content, datetime(2026, 11, 1, 6, tzinfo=UTC))
    [ask] = setup.say("tablet", USER)
    assert "Which medicine" in ask.plain_text
    [when] = setup.record.continue_flow(Incoming(USER, USER, "Letrozole"), "Letrozole", setup.clock()) or []
    assert "your Letrozole" in when.plain_text
    [done] = setup.press(button_data(when, "09:00"), USER)
    assert "Letrozole, every day at 09:00 (UTC)" in done.plain_text
    assert setup.press(button_data(when, "09:00"), USER)[0].kind is ReplyKind.ERROR  # the flow is over


def test_times_of_day_are_read_in_the_usual_forms() -> None:
    assert [parse_clock(t) for t in ("08:00", "8", "8.30", "20h15", "8am", "8:30 pm", "12am", "12pm")] == [
        time(8), time(8), time(8, 30), time(20, 15), time(8), time(20, 30), time(0), time(12)]
    assert [parse_clock(t) for t in ("25:00", "13pm", "8:61", "noonish", "")] == [None] * 5
    assert split_clock("08:00 letrozole") == (time(8), "letrozole", True)
    assert split_clock("letrozole") == (None, "letrozole", False)


def test_adherence_counts_recorded_days_only() -> None:
    today = date(2026, 11, 30)
    doses = {today - timedelta(days=i): DoseStatus.TAKEN for i in range(6)} | {today - timedelta(days=6): DoseStatus.MISSED}
    doses[today - timedelta(days=40)] = DoseStatus.SKIPPED
    seven, thirty, ninety = windows(doses, today)
    assert (seven.percent, seven.recorded, thirty.percent, ninety.percent, ninety.skipped) == (86, 7, 86, 75, 1)
    assert window({}, today, 7).percent is None
    days = calendar(doses, today, 90)
    assert len(days) == 90 and days[-1] == (today, DoseStatus.TAKEN) and days[0][1] is None


def test_deliveries_cannot_leak_between_users(db: Database, content: Content) -> None:
    setup = start(db, content, "UTC", datetime(2026, 11, 1, 12, tzinfo=UTC))
    row = db.query_one("SELECT fire_at FROM tablet_deliveries")
    assert row is not None and row[0] == to_db_time(datetime(2026, 11, 2, 8, tzinfo=UTC))
    # Another user pressing this user's button records their own day, never this user's.
    setup.clock.now = datetime(2026, 11, 2, 9, tzinfo=UTC)
    setup.press("tb:taken:2026-11-02", USER + 1)
    assert TabletRepository(db).doses(USER) == {}
