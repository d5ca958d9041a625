"""Reply builders for the tablet reminder, adherence and saved questions: every such reply is laid out here.

Wording comes from :class:`RecordTexts` (``knowledge/record.yaml``), button data from ``bot/buttons.py``;
pictures are drawn by ``charts.py`` and attached as photos with a caption and a text version (the
console prints it). Nothing here touches the database. DEXA replies are in ``dexa_views.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.buttons import CallbackData, DeleteNote, StopFlow, TabletDose, TabletMedicine, TabletPause, TabletTime
from bot.models import Attachment, AttachmentKind, Block, Button, Reply, ReplyKind, Style
from bot.record import charts
from bot.record.adherence import Window
from bot.record.notes import Note
from bot.record.tablets import DoseStatus, TabletDelivery, TabletSchedule
from bot.record.texts import RecordTexts

SUGGESTED_TIMES = (time(8, 0), time(9, 0), time(20, 0))
PAUSE_CHOICES = (1, 3, 7, 14)
NOTES_SHOWN = 10  # saved questions listed (each has a delete button)


def button(label: str, data: CallbackData) -> Button:
    """Build a button; its data is packed by the codec (ValueError past Telegram's 64 bytes)."""
    return Button(label, data.pack())


def record(*blocks: Block, buttons: Sequence[Sequence[Button]] = (), edit: bool = False, notice: str | None = None,
           attachment: Attachment | None = None) -> Reply:
    """A RECORD reply."""
    return Reply(ReplyKind.RECORD, tuple(blocks), tuple(tuple(row) for row in buttons), attachment=attachment,
                 edit=edit, notice=notice)


def error(*lines: str, buttons: Sequence[Sequence[Button]] = ()) -> Reply:
    """An ERROR reply: a kind sentence about bad input."""
    return Reply(ReplyKind.ERROR, tuple(Block(line) for line in lines), tuple(tuple(row) for row in buttons))


def stop_button(texts: RecordTexts) -> Button:
    """The button that leaves a guided conversation (shared with the reminders' flows)."""
    return button(texts.t("btn_stop"), StopFlow())


def status_word(texts: RecordTexts, status: DoseStatus | None) -> str:
    """Return "taken", "skipped", "missed" or "nothing recorded"."""
    return texts.t(f"status_{status.value}" if status else "status_none")


# --- setting up the daily reminder -----------------------------------------------------------------


def ask_medicine(texts: RecordTexts) -> Reply:
    """Guided /tablet, step 1: which medicine (the default as a button, or typed)."""
    default = texts.t("medicine_default")
    row = (button(texts.t("medicine_button", medicine=default), TabletMedicine()),)
    return record(Block(texts.t("tablet_ask_medicine")), buttons=(row, (stop_button(texts),)))


def ask_time(texts: RecordTexts, medicine: str) -> Reply:
    """Guided /tablet, step 2: what time of day (suggested times as buttons, or typed)."""
    row = tuple(button(texts.format_time(at), TabletTime(at.strftime("%H%M"))) for at in SUGGESTED_TIMES)
    return record(Block(texts.t("tablet_ask_time", medicine=medicine)), buttons=(row, (stop_button(texts),)))


def next_line(texts: RecordTexts, schedule: TabletSchedule, fire: datetime | None) -> str:
    """Return "Next reminder: Monday 23 November 2026 at 08:00." in the schedule's timezone."""
    if fire is None:
        return texts.t("tablet_no_next")
    local = fire.astimezone(schedule.tz)
    return texts.t("tablet_next", date=texts.format_date(local.date()), time=texts.format_time(local.time()))


def schedule_set(texts: RecordTexts, schedule: TabletSchedule, fire: datetime | None, *, tz_default: bool) -> Reply:
    """Read a new daily reminder back: medicine, time, timezone, the next reminder, the other commands."""
    blocks = [
        Block(texts.t("tablet_set_title"), Style.TITLE),
        Block(texts.t("tablet_line", medicine=schedule.medicine, time=texts.format_time(schedule.remind_at),
                      tz=schedule.timezone)),
        Block(next_line(texts, schedule, fire)),
    ]
    if tz_default:
        blocks.append(Block(texts.t("tablet_tz_default", tz=schedule.timezone)))
    blocks.append(Block(texts.t("tablet_commands")))
    return record(*blocks)


def schedule_status(texts: RecordTexts, schedule: TabletSchedule | None, fire: datetime | None, today: date) -> Reply:
    """/tablet with a reminder already set: what it is, whether paused (and until when), the next one."""
    if schedule is None:
        return record(Block(texts.t("tablet_none")))
    if not schedule.active:
        return record(Block(texts.t("tablet_stopped_status")))
    blocks = [
        Block(texts.t("tablet_status_title"), Style.TITLE),
        Block(texts.t("tablet_line", medicine=schedule.medicine, time=texts.format_time(schedule.remind_at),
                      tz=schedule.timezone)),
    ]
    if schedule.paused_until is not None and schedule.paused_until > today:
        blocks.append(Block(texts.t("tablet_paused", date=texts.format_date(schedule.paused_until))))
    blocks += [Block(next_line(texts, schedule, fire)), Block(texts.t("tablet_commands"))]
    return record(*blocks)


def ask_pause(texts: RecordTexts) -> Reply:
    """/tablet_pause without a number: how many days, as buttons."""
    row = tuple(
        button(texts.t("btn_day") if days == 1 else texts.t("btn_days", days=days), TabletPause(days))
        for days in PAUSE_CHOICES
    )
    return record(Block(texts.t("tablet_pause_ask")), buttons=(row,))


def paused(texts: RecordTexts, schedule: TabletSchedule, fire: datetime | None) -> Reply:
    """Confirm a pause, saying when reminders resume."""
    day = schedule.paused_until or (fire.astimezone(schedule.tz).date() if fire else None)
    return record(Block(texts.t("tablet_paused_done", date=texts.format_date(day) if day else "-",
                                time=texts.format_time(schedule.remind_at))))


# --- the reminder and its buttons -------------------------------------------------------------------


def dose_buttons(texts: RecordTexts, day: date, *, snooze: bool) -> tuple[tuple[Button, ...], ...]:
    """Return the row Taken / Snooze 1 h / Skip today (Snooze only while it can still come that day)."""
    row = [button(texts.t("btn_taken"), TabletDose("taken", day))]
    if snooze:
        row.append(button(texts.t("btn_snooze"), TabletDose("snooze", day)))
    row.append(button(texts.t("btn_skip"), TabletDose("skip", day)))
    return (tuple(row),)


def tablet_notice(texts: RecordTexts, delivery: TabletDelivery, *, late: bool) -> Reply:
    """The daily reminder itself (or its snoozed repeat), with Taken / Snooze 1 h / Skip today."""
    if delivery.kind == "snooze":
        line = texts.t("notice_snoozed", medicine=delivery.medicine)
    else:
        line = texts.t("notice_line", medicine=delivery.medicine, time=texts.format_time(delivery.remind_at))
    blocks = [Block(texts.t("notice_title"), Style.TITLE), Block(line)]
    if late:
        blocks.append(Block(texts.t("notice_late")))
    return Reply(ReplyKind.REMINDER, tuple(blocks), dose_buttons(texts, delivery.day, snooze=True))


def dose_recorded(texts: RecordTexts, medicine: str, day: date, status: DoseStatus, missed_dose: str) -> Reply:
    """Replace the pressed reminder by what was recorded (its other answer stays, to correct a slip)."""
    word = status_word(texts, status)
    blocks = [Block(texts.t("dose_recorded", medicine=medicine, date=texts.format_date(day), status=word))]
    if status is DoseStatus.SKIPPED:
        blocks.append(Block(missed_dose))
    return record(*blocks, buttons=dose_buttons(texts, day, snooze=False), edit=True,
                  notice=texts.t("dose_notice", status=word))


def snoozed(texts: RecordTexts, day: date, fire: datetime, tz: ZoneInfo) -> Reply:
    """Confirm a snooze: when the reminder comes again (the answer buttons stay)."""
    text = texts.t("snoozed", time=texts.format_time(fire.astimezone(tz).time()))
    return record(Block(text), buttons=dose_buttons(texts, day, snooze=False), edit=True, notice=text[:190])


# --- /tablets -------------------------------------------------------------------------------------


def _window_line(texts: RecordTexts, window: Window) -> str:
    if window.percent is None:
        return texts.t("tablets_window_none", days=window.days)
    return texts.t("tablets_window", days=window.days, percent=window.percent, taken=window.taken,
                   recorded=window.recorded, skipped=window.skipped, missed=window.missed)


def calendar_text(texts: RecordTexts, days: int) -> charts.CalendarText:
    """Return the words drawn on the tablet calendar."""
    legend: dict[DoseStatus | None, str] = {status: status_word(texts, status) for status in DoseStatus}
    legend[None] = status_word(texts, None)
    return charts.CalendarText(texts.t("chart_calendar_title", days=days), texts.weekdays, texts.months, legend)


def calendar_alt(texts: RecordTexts, days: Sequence[tuple[date, DoseStatus | None]]) -> str:
    """Return the calendar as text, a line per week ("16 Nov: T T S M . T T"), for the console."""
    marks = {None: texts.t("mark_none")} | {s: texts.t(f"mark_{s.value}") for s in DoseStatus}
    first = days[0][0] - timedelta(days=days[0][0].weekday())
    by_day = dict(days)
    lines = [texts.t("tablets_alt_intro")]
    monday = first
    while monday <= days[-1][0]:
        week = [monday + timedelta(days=i) for i in range(7)]
        cells = [marks[by_day[d]] if d in by_day else " " for d in week]
        lines.append(texts.t("tablets_alt_line", week=texts.short_date(monday), marks=" ".join(cells)))
        monday += timedelta(days=7)
    lines.append(texts.t("tablets_alt_legend"))
    return "\n".join(lines)


def adherence(
    texts: RecordTexts,
    windows: Sequence[Window],
    days: Sequence[tuple[date, DoseStatus | None]],
    today: date,
    png: bytes | None,
    *,
    can_record_today: bool,
) -> Reply:
    """/tablets: the last 7 / 30 / 90 days as percentages, today's answer, and the calendar picture."""
    blocks = [Block(texts.t("tablets_title"), Style.TITLE), *(Block(_window_line(texts, w), Style.ITEM) for w in windows)]
    today_status = dict(days).get(today)
    blocks.append(Block(texts.t("tablets_today", status=status_word(texts, today_status))))
    blocks.append(Block(texts.t("tablets_how")))
    attachment = None
    if png is not None:
        attachment = Attachment(f"tablets-{today.isoformat()}.png", png, "image/png", AttachmentKind.PHOTO,
                                caption=texts.t("tablets_caption", days=len(days)), alt_text=calendar_alt(texts, days))
    rows = dose_buttons(texts, today, snooze=False) if can_record_today and today_status is None else ()
    return record(*blocks, buttons=rows, attachment=attachment)


# --- questions for the care team ------------------------------------------------------------------


def note_saved(texts: RecordTexts, note: Note) -> Reply:
    """Confirm a saved question."""
    return record(Block(texts.t("note_saved", text=note.text)), notice=texts.t("note_saved", text=note.text)[:190])


def notes_list(texts: RecordTexts, notes: Sequence[Note], tz: ZoneInfo) -> Reply:
    """/note alone: the saved questions (the latest ten with delete buttons), or how to save one."""
    if not notes:
        return record(Block(texts.t("notes_empty")))
    blocks = [Block(texts.t("notes_title", count=len(notes)), Style.TITLE)]
    shown = notes[-NOTES_SHOWN:]
    for note in notes:
        day = texts.short_date(note.created_at.astimezone(tz).date())
        blocks.append(Block(texts.t("notes_item", id=note.id, date=day, text=note.text), Style.ITEM))
    blocks.append(Block(texts.t("note_usage")))
    rows = [(button(texts.t("btn_delete_note", id=note.id), DeleteNote(note.id)),) for note in shown]
    return record(*blocks, buttons=rows)
