"""Reply builders for reminders: turn rows and problems into :class:`bot.models.Reply` data.

This module owns how reminder messages are laid out (blocks, styles, buttons) and the compact button
data formats.  Wording comes from :class:`ReminderTexts`; nothing here touches the database.

Button data (always ASCII, <= 64 bytes; parsed by ``ReminderService.handle_button``)::

    r:kind:<dexa|blood|other>   guided /remind: what the reminder is for
    r:date:<YYYY-MM-DD>         pick one reading of an ambiguous date
    r:undo:<id>[,<id>...]       undo just-created reminder(s)
    r:cancel:<id>               cancel a reminder (list, due notice)
    r:ics:<id>                  send the .ics calendar file
    r:tz:<IANA name>            choose a suggested timezone
    r:plan:<variant code>       /plan: choose the schedule variant
    r:stop                      abandon the guided flow
    r:list                      show /reminders
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.models import Block, Button, Reply, ReplyKind, Style
from bot.reminders.dates import DateProblem
from bot.reminders.schedule import SAME_DAY_LEAD
from bot.reminders.store import Delivery, Reminder
from bot.reminders.texts import ReminderTexts

MAX_BUTTON_DATA = 64  # Telegram's callback_data limit, in bytes


def button(label: str, data: str) -> Button:
    """Build a button, refusing data Telegram would reject."""
    if len(data.encode("utf-8")) > MAX_BUTTON_DATA:
        raise ValueError(f"button data longer than {MAX_BUTTON_DATA} bytes: {data!r}")
    return Button(label, data)


def fits(data: str) -> bool:
    """Return True if ``data`` can be used as button data."""
    return len(data.encode("utf-8")) <= MAX_BUTTON_DATA


def info(
    texts: ReminderTexts,
    *lines: str,
    buttons: Sequence[Sequence[Button]] = (),
    title: str | None = None,
    notice: str | None = None,
) -> Reply:
    """A REMINDER reply of plain text lines with an optional title and buttons."""
    blocks = ((Block(title, Style.TITLE),) if title else ()) + tuple(Block(line) for line in lines)
    return Reply(ReplyKind.REMINDER, blocks, tuple(tuple(row) for row in buttons), notice=notice)


def error(texts: ReminderTexts, *lines: str, examples: bool = False, buttons: Sequence[Sequence[Button]] = ()) -> Reply:
    """An ERROR reply: a kind sentence, optionally followed by accepted date forms."""
    blocks = [Block(line) for line in lines]
    if examples:
        blocks.append(Block(texts.t("examples_intro", examples=texts.example_list()), Style.CODE))
    return Reply(ReplyKind.ERROR, tuple(blocks), tuple(tuple(row) for row in buttons))


def problem_reply(texts: ReminderTexts, problem: DateProblem, *, max_years_ahead: int, max_years_ago: int) -> Reply:
    """Explain a date problem (not 'ambiguous', which asks with buttons)."""
    when = texts.format_date(problem.date) if problem.date else problem.text
    match problem.kind:
        case "empty":
            return error(texts, texts.t("err_empty"), examples=True)
        case "impossible":
            return error(texts, texts.t("err_impossible", text=problem.text))
        case "bad_time":
            return error(texts, texts.t("err_bad_time", text=problem.text))
        case "past":
            return error(texts, texts.t("err_past", date=when))
        case "too_far":
            return error(texts, texts.t("err_too_far", date=when, years=max_years_ahead))
        case "too_old":
            return error(texts, texts.t("err_too_old", date=when, years=max_years_ago))
        case "no_day":
            return error(texts, texts.t("err_no_day", text=problem.text), examples=True)
        case _:
            return error(texts, texts.t("err_unparseable", text=problem.text), examples=True)


def ambiguous_reply(texts: ReminderTexts, problem: DateProblem) -> Reply:
    """Ask which reading of "04/05/2027" the user meant, one button per candidate date."""
    row = [button(texts.format_date(day), f"r:date:{day.isoformat()}") for day in problem.candidates]
    return Reply(
        ReplyKind.REMINDER,
        (Block(texts.t("ambiguous", text=problem.text)),),
        (tuple(row), (button(texts.t("btn_stop"), "r:stop"),)),
    )


def event_line(texts: ReminderTexts, label: str, day: date, at: time | None) -> str:
    """Return "DEXA scan — Sunday 14 March 2027 [at 08:30]"."""
    if at is None:
        return texts.t("event_line", label=label, date=texts.format_date(day))
    return texts.t("event_line_time", label=label, date=texts.format_date(day), time=texts.format_time(at))


def when_before(texts: ReminderTexts, delivery: Delivery) -> str:
    """Describe a firing time relative to its event: "7 days before", "on the day", "2 hours before"."""
    if delivery.offset_days == 0:
        if delivery.event_time is not None and delivery.event_at - delivery.fire_at == SAME_DAY_LEAD:
            return texts.t("when_hours_before", hours=int(SAME_DAY_LEAD.total_seconds() // 3600))
        return texts.t("when_on_day")
    if delivery.offset_days == 1:
        return texts.t("when_day_before")
    return texts.t("when_days_before", days=delivery.offset_days)


def tz_line(texts: ReminderTexts, timezone: str, is_default: bool) -> str:
    """Say which timezone is used, and how to change it if it is only the default."""
    return texts.t("tz_line_default" if is_default else "tz_line", tz=timezone)


def confirmation(texts: ReminderTexts, reminder: Reminder, deliveries: Sequence[Delivery], *, tz_default: bool) -> Reply:
    """Read a new reminder back: label, full date, timezone, every firing time; Undo / Calendar buttons."""
    tz = ZoneInfo(reminder.timezone)
    blocks = [
        Block(texts.t("created_title", id=reminder.id), Style.TITLE),
        Block(event_line(texts, reminder.label, reminder.event_date, reminder.event_time)),
    ]
    if reminder.recurrence_months:
        blocks.append(Block(texts.t("recurs", months=reminder.recurrence_months)))
    blocks.append(Block(tz_line(texts, reminder.timezone, tz_default)))
    if deliveries:
        blocks.append(Block(texts.t("fires_intro")))
        for delivery in deliveries:
            local = delivery.fire_at.astimezone(tz)
            blocks.append(
                Block(
                    texts.t(
                        "fire_item",
                        date=texts.format_date(local.date()),
                        time=texts.format_time(local.time()),
                        when=when_before(texts, delivery),
                    ),
                    Style.ITEM,
                )
            )
    else:
        blocks.append(Block(texts.t("no_fires")))
    buttons = (button(texts.t("btn_undo"), f"r:undo:{reminder.id}"), button(texts.t("btn_calendar"), f"r:ics:{reminder.id}"))
    return Reply(ReplyKind.REMINDER, tuple(blocks), (buttons,))


def relative_day(texts: ReminderTexts, day: date, today: date) -> str:
    """Return "today", "tomorrow" or "in N days"."""
    days = (day - today).days
    if days <= 0:
        return texts.t("rel_today")
    if days == 1:
        return texts.t("rel_tomorrow")
    return texts.t("rel_days", days=days)


def notice(texts: ReminderTexts, delivery: Delivery, now: datetime, *, late: bool) -> Reply:
    """The due reminder itself: label, date with weekday, today/tomorrow/in N days; sorry if late."""
    today = now.astimezone(ZoneInfo(delivery.timezone)).date()
    relative = relative_day(texts, delivery.event_date, today)
    day = texts.format_date(delivery.event_date)
    if delivery.event_time is None:
        line = texts.t("notice_line", label=delivery.label, date=day, relative=relative)
    else:
        line = texts.t(
            "notice_line_time",
            label=delivery.label,
            date=day,
            time=texts.format_time(delivery.event_time),
            relative=relative,
        )
    blocks = [Block(texts.t("notice_title"), Style.TITLE), Block(line, emphasis=relative)]
    if late:
        blocks.append(Block(texts.t("notice_late")))
    stop = button(texts.t("btn_stop_reminder"), f"r:cancel:{delivery.reminder_id}")
    return Reply(ReplyKind.REMINDER, tuple(blocks), ((stop,),))
