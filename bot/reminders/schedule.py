"""Pure time arithmetic for reminders: when each reminder fires (in UTC) and when a recurring event recurs.

Nothing here touches the database or the clock: every function takes ``now`` or plain dates, so the
DST and month-end rules can be tested exhaustively.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_OFFSETS: tuple[int, ...] = (7, 1, 0)
DEFAULT_REMIND_TIME = time(9, 0)
# An on-the-day reminder for an event earlier than the usual reminder time comes this long before it.
SAME_DAY_LEAD = timedelta(hours=2)


def uses_same_day_lead(offset_days: int, event_time: time | None, remind_time: time) -> bool:
    """Return True when the on-the-day reminder comes ``SAME_DAY_LEAD`` before the event instead.

    That is the rule for an event at or before the usual reminder time (a 08:00 blood test with 09:00
    reminders): a reminder at 09:00 would arrive after it.  The schedule, the calendar file's alarms
    and the "2 hours before" wording all ask this one function.
    """
    return offset_days == 0 and event_time is not None and event_time <= remind_time


def local_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """Convert a local wall-clock date and time to an aware UTC datetime.

    ``fold=0`` decides the two DST edge cases, both in the patient's favour:
    a time that does not exist (02:30 on a spring-forward night) is read with the offset in force
    before the change, so it lands *after* the gap (03:30 new time): the reminder is moved forward,
    never dropped; a time that happens twice (01:30 on a fall-back night) is its first occurrence,
    so the reminder comes at the earlier instant rather than an hour late.
    """
    local = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=tz)
    return local.astimezone(UTC)


def event_instant(event_date: date, event_time: time | None, tz: ZoneInfo) -> datetime:
    """Return the UTC instant after which a reminder is pointless.

    For a timed event that is the event itself; for an all-day event it is the end of that local day,
    so a late reminder on the morning of an all-day appointment is still worth sending.
    """
    if event_time is not None:
        return local_to_utc(event_date, event_time, tz)
    return local_to_utc(event_date + timedelta(days=1), time(0, 0), tz)


def firing_times(
    event_date: date,
    event_time: time | None,
    tz: ZoneInfo,
    offsets_days: Sequence[int] = DEFAULT_OFFSETS,
    remind_time: time = DEFAULT_REMIND_TIME,
    *,
    now: datetime,
) -> list[tuple[int, datetime]]:
    """Return ``(offset_days, fire_at_utc)`` pairs, earliest first, skipping those not after ``now``.

    Each reminder fires at ``remind_time`` local on ``event_date - offset``.  For the on-the-day
    reminder of an event at or before ``remind_time`` (a 08:00 blood test with 09:00 reminders) that
    would arrive after the event, so it fires ``SAME_DAY_LEAD`` before the event instead.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    result: dict[datetime, int] = {}
    for offset in sorted(set(offsets_days), reverse=True):
        if offset < 0:
            raise ValueError(f"negative offset {offset}")
        if event_time is not None and uses_same_day_lead(offset, event_time, remind_time):
            fire = local_to_utc(event_date, event_time, tz) - SAME_DAY_LEAD
        else:
            fire = local_to_utc(event_date - timedelta(days=offset), remind_time, tz)
        if fire > now:
            result.setdefault(fire, offset)
    return sorted(((offset, fire) for fire, offset in result.items()), key=lambda pair: pair[1])


def add_months(day: date, months: int) -> date:
    """Add calendar months, clamping to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def occurrence_after(anchor: date, months: int, after: date) -> date:
    """Return the first occurrence ``anchor + k*months`` (k >= 1) strictly after ``after``.

    Occurrences are always computed from the anchor, not chained from the previous one, so a series
    that starts on the 31st returns to the 31st after a short month instead of drifting to the 28th.
    """
    if months <= 0:
        raise ValueError("recurrence must be a positive number of months")
    elapsed = (after.year - anchor.year) * 12 + after.month - anchor.month
    k = max(1, elapsed // months)
    while k > 1 and add_months(anchor, months * (k - 1)) > after:
        k -= 1
    while add_months(anchor, months * k) <= after:
        k += 1
    return add_months(anchor, months * k)
