"""RFC 5545 calendar files for reminders, built with ``icalendar``.

This module owns the .ics shape: one VEVENT per reminder (all-day ``DTSTART;VALUE=DATE`` or a timed
start with TZID plus its VTIMEZONE), an RRULE for recurring series, and one VALARM per reminder offset
whose TRIGGER, relative to the start, lands on the same local time as the bot's own message.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from bot.reminders.model import Reminder
from bot.reminders.schedule import SAME_DAY_LEAD, uses_same_day_lead
from bot.reminders.texts import ReminderTexts

PRODID = "-//patient-bot//reminders//EN"
# A timed event needs an end (RFC 5545 3.6.1: without DTEND or DURATION it lasts zero time, and some
# calendars then show nothing). The bot is not told how long an appointment is; one hour shows as a
# normal block in every calendar and covers a DEXA scan or a blood test with the wait.
TIMED_EVENT_LENGTH = timedelta(hours=1)
UID_DOMAIN = "patient-bot.invalid"


def _trigger(reminder: Reminder, offset: int) -> timedelta:
    """Offset from the event start to the bot's firing time for ``offset`` days before (local wall time)."""
    if uses_same_day_lead(offset, reminder.event_time, reminder.remind_time):
        return -SAME_DAY_LEAD
    start = datetime.combine(reminder.event_date, reminder.event_time or datetime.min.time())
    fire = datetime.combine(reminder.event_date - timedelta(days=offset), reminder.remind_time)
    return fire - start


def _rrule(reminder: Reminder) -> dict[str, object]:
    months = reminder.recurrence_months
    rule: dict[str, object] = {"freq": "monthly", "interval": months}
    anchor_day = reminder.anchor_date.day
    if anchor_day > 28:
        # RFC 5545 skips months without that day; the bot clamps to the month's end instead
        # (31 Jan -> 28 Feb).  "the last existing of days 28..N" expresses the same clamping.
        rule["bymonthday"] = list(range(28, anchor_day + 1))
        rule["bysetpos"] = -1
    return rule


def calendar_file(reminder: Reminder, texts: ReminderTexts, now: datetime) -> bytes:
    """Return the .ics bytes for one reminder."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    event = Event()
    event.add("uid", f"reminder-{reminder.id}-{reminder.anchor_date:%Y%m%d}@{UID_DOMAIN}")
    event.add("dtstamp", now)
    event.add("summary", reminder.label)
    if reminder.event_time is None:
        event.add("dtstart", reminder.event_date)
        event.add("dtend", reminder.event_date + timedelta(days=1))
    else:
        event.add("dtstart", datetime.combine(reminder.event_date, reminder.event_time, tzinfo=reminder.tz))
        event.add("duration", TIMED_EVENT_LENGTH)
    if reminder.recurrence_months:
        event.add("rrule", _rrule(reminder))
    for offset in sorted(set(reminder.offsets), reverse=True):
        lead = uses_same_day_lead(offset, reminder.event_time, reminder.remind_time)
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", texts.t("ics_alarm", label=reminder.label, when=texts.when(offset, lead=lead)))
        alarm.add("trigger", _trigger(reminder, offset))
        event.add_component(alarm)
    cal.add_component(event)
    if reminder.event_time is not None:
        # Timed starts carry a TZID; RFC 5545 wants the matching VTIMEZONE in the file.
        cal.add_missing_timezones(
            first_date=date(reminder.event_date.year - 1, 1, 1), last_date=date(reminder.event_date.year + 11, 1, 1)
        )
    return bytes(cal.to_ical())
