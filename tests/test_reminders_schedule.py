"""Firing times in the patient's timezone across DST changes, and month-end-safe recurrence."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.reminders.schedule import (
    add_months,
    event_instant,
    firing_times,
    local_to_utc,
    occurrence_after,
)

LONDON = ZoneInfo("Europe/London")  # 2027: BST from 28 March, GMT again from 31 October
NEW_YORK = ZoneInfo("America/New_York")  # 2027: EDT from 14 March, EST again from 7 November
EARLY = datetime(2027, 1, 1, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_default_offsets_at_nine_local() -> None:
    times = firing_times(date(2027, 3, 14), None, LONDON, now=EARLY)
    assert times == [(7, utc(2027, 3, 7, 9)), (1, utc(2027, 3, 13, 9)), (0, utc(2027, 3, 14, 9))]


def test_london_spring_forward_changes_the_utc_hour() -> None:
    times = dict(firing_times(date(2027, 4, 1), None, LONDON, now=EARLY))
    assert times[7] == utc(2027, 3, 25, 9)  # GMT: 09:00 local is 09:00 UTC
    assert times[1] == utc(2027, 3, 31, 8)  # BST: 09:00 local is 08:00 UTC
    assert times[0] == utc(2027, 4, 1, 8)
    assert all(t.astimezone(LONDON).time() == time(9, 0) for t in times.values())


def test_london_fall_back() -> None:
    times = dict(firing_times(date(2027, 11, 1), None, LONDON, now=EARLY))
    assert times[7] == utc(2027, 10, 25, 8)  # still BST
    assert times[1] == utc(2027, 10, 31, 9)  # GMT again


def test_new_york_spring_forward_and_fall_back() -> None:
    spring = dict(firing_times(date(2027, 3, 15), None, NEW_YORK, now=EARLY))
    assert spring[7] == utc(2027, 3, 8, 14)  # EST
    assert spring[1] == utc(2027, 3, 14, 13)  # EDT, the day the clocks change
    fall = dict(firing_times(date(2027, 11, 8), None, NEW_YORK, now=EARLY))
    assert fall[7] == utc(2027, 11, 1, 13)  # EDT
    assert fall[1] == utc(2027, 11, 7, 14)  # EST


def test_nonexistent_local_time_moves_forward() -> None:
    # 02:30 does not exist on 14 March 2027 in New York: it becomes 03:30 EDT, not 01:30.
    moment = local_to_utc(date(2027, 3, 14), time(2, 30), NEW_YORK)
    assert moment == utc(2027, 3, 14, 7, 30)
    assert moment.astimezone(NEW_YORK).time() == time(3, 30)
    london = local_to_utc(date(2027, 3, 28), time(1, 30), LONDON)
    assert london.astimezone(LONDON).time() == time(2, 30)


def test_ambiguous_local_time_uses_the_first_occurrence() -> None:
    # 01:30 happens twice on 7 November 2027 in New York; the reminder takes the earlier (EDT) one.
    moment = local_to_utc(date(2027, 11, 7), time(1, 30), NEW_YORK)
    assert moment == utc(2027, 11, 7, 5, 30)


def test_firing_at_a_nonexistent_remind_time() -> None:
    times = dict(firing_times(date(2027, 3, 15), None, NEW_YORK, (1,), time(2, 30), now=EARLY))
    assert times[1].astimezone(NEW_YORK).time() == time(3, 30)


@pytest.mark.parametrize(
    ("event_time", "expected_local"),
    [
        (time(8, 0), time(6, 0)),  # before the usual 09:00: two hours before the event
        (time(9, 0), time(7, 0)),  # at 09:00 itself: a 09:00 reminder would be too late
        (time(10, 30), time(9, 0)),  # after 09:00: the usual time
    ],
)
def test_same_day_reminder_for_early_appointments(event_time: time, expected_local: time) -> None:
    times = dict(firing_times(date(2027, 5, 4), event_time, LONDON, now=EARLY))
    assert times[0].astimezone(LONDON).time() == expected_local
    assert times[1].astimezone(LONDON).time() == time(9, 0)


def test_past_firing_times_are_skipped_but_the_day_itself_kept() -> None:
    times = firing_times(date(2027, 3, 14), None, LONDON, now=utc(2027, 3, 13, 10))
    assert times == [(0, utc(2027, 3, 14, 9))]
    assert firing_times(date(2027, 3, 14), None, LONDON, now=utc(2027, 3, 14, 9)) == []


def test_custom_offsets_and_time_sorted_and_deduplicated() -> None:
    times = firing_times(date(2027, 3, 14), None, LONDON, (0, 3, 3, 14), time(8, 30), now=EARLY)
    assert [offset for offset, _ in times] == [14, 3, 0]
    assert all(t.astimezone(LONDON).time() == time(8, 30) for _, t in times)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        firing_times(date(2027, 3, 14), None, LONDON, now=datetime(2027, 1, 1))


def test_event_instant() -> None:
    assert event_instant(date(2027, 3, 14), None, LONDON) == utc(2027, 3, 15)  # end of the local day
    assert event_instant(date(2027, 7, 1), time(10, 0), LONDON) == utc(2027, 7, 1, 9)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2027, 12, 15), 1, date(2028, 1, 15)),
        (date(2027, 5, 31), 24, date(2029, 5, 31)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
    ],
)
def test_first_occurrence_clamps_month_end(start: date, months: int, expected: date) -> None:
    assert occurrence_after(start, months, start) == expected


def test_add_months_backwards() -> None:
    assert add_months(date(2027, 3, 31), -1) == date(2027, 2, 28)


def test_occurrences_are_anchored_and_do_not_drift() -> None:
    anchor = date(2027, 1, 31)
    assert occurrence_after(anchor, 1, date(2027, 2, 28)) == date(2027, 3, 31)  # not 28 March
    assert occurrence_after(anchor, 1, date(2027, 1, 31)) == date(2027, 2, 28)
    assert occurrence_after(anchor, 12, date(2030, 6, 1)) == date(2031, 1, 31)
    assert occurrence_after(anchor, 1, date(2026, 1, 1)) == date(2027, 2, 28)  # k >= 1


def test_bad_recurrence() -> None:
    with pytest.raises(ValueError):
        occurrence_after(date(2027, 1, 1), 0, date(2027, 1, 1))


@settings(deadline=None)
@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=1, max_value=36),
    st.integers(min_value=0, max_value=4000),
)
def test_occurrence_after_is_the_first_later_one(anchor: date, months: int, days_later: int) -> None:
    after = anchor + timedelta(days=days_later)
    found = occurrence_after(anchor, months, after)
    assert found > after
    k = next(k for k in range(1, 400) if add_months(anchor, months * k) == found)
    assert k == 1 or add_months(anchor, months * (k - 1)) <= after
    assert found.day == min(anchor.day, (add_months(found.replace(day=1), 1) - timedelta(days=1)).day)


@settings(deadline=None)
@given(
    st.dates(min_value=date(2025, 1, 1), max_value=date(2032, 12, 31)),
    st.sampled_from(["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]),
)
def test_reminders_always_land_on_the_local_day_and_time(day: date, zone: str) -> None:
    tz = ZoneInfo(zone)
    for offset, fire in firing_times(day, None, tz, now=datetime(2024, 1, 1, tzinfo=UTC)):
        local = fire.astimezone(tz)
        assert local.date() == day - timedelta(days=offset)
        assert local.time() == time(9, 0)
