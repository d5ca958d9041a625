"""Reply builders for reminders: every reminder reply is laid out here, from rows, plans and problems.

This module owns how reminder messages look (blocks, styles, buttons); wording comes from
:class:`ReminderTexts`, button data from ``bot/buttons.py``. Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.buttons import (
    CalendarFile,
    CallbackData,
    CancelReminder,
    ListReminders,
    OfferReminder,
    PickDate,
    PlanVariantChoice,
    ReminderKindChoice,
    StopFlow,
    TimezoneChoice,
    UndoReminders,
)
from bot.models import Attachment, Block, Button, Reply, ReplyKind, Style
from bot.reminders.dates import DateProblem
from bot.reminders.model import KINDS, Delivery, Reminder
from bot.reminders.monitoring import MonitoringPlan, PlanItem, PlanVariant
from bot.reminders.schedule import uses_same_day_lead
from bot.reminders.texts import ReminderTexts


def button(label: str, data: CallbackData) -> Button:
    """Build a button; its data is packed by the codec (ValueError past Telegram's 64 bytes)."""
    return Button(label, data.pack())


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
    """Ask which reading of "04/05/2027" the user meant, one button per candidate date (with the time,
    when one was given); a single reading is asked as "do you mean this?"."""

    def label(day: date) -> str:
        if problem.time is None:
            return texts.format_date(day)
        return texts.t("date_at_time", date=texts.format_date(day), time=texts.format_time(problem.time))

    rows = tuple((button(label(day), PickDate(day)),) for day in problem.candidates)
    question = "ambiguous" if len(problem.candidates) > 1 else "ambiguous_one"
    return Reply(ReplyKind.REMINDER, (Block(texts.t(question, text=problem.text)),), (*rows, (stop_button(texts),)))


def offer(texts: ReminderTexts, label: str, day: date, at: time | None) -> Reply:
    """Offer the reminder a plain message asked for: "Set it" / "No thanks"."""
    rows = ((button(texts.t("btn_offer_yes"), OfferReminder(True)), button(texts.t("btn_offer_no"), OfferReminder(False))),)
    return info(texts, texts.t("offer_question"), event_line(texts, label, day, at), buttons=rows)


def stop_button(texts: ReminderTexts) -> Button:
    """Return the button that leaves a guided flow."""
    return button(texts.t("btn_stop"), StopFlow())


def event_line(texts: ReminderTexts, label: str, day: date, at: time | None) -> str:
    """Return "DEXA scan — Sunday 14 March 2027 [at 08:30]"."""
    if at is None:
        return texts.t("event_line", label=label, date=texts.format_date(day))
    return texts.t("event_line_time", label=label, date=texts.format_date(day), time=texts.format_time(at))


def when_before(texts: ReminderTexts, delivery: Delivery) -> str:
    """Describe a firing time relative to its event: "7 days before", "on the day", "2 hours before"."""
    lead = uses_same_day_lead(delivery.offset_days, delivery.event_time, delivery.remind_time)
    return texts.when(delivery.offset_days, lead=lead)


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
    buttons = (
        button(texts.t("btn_undo"), UndoReminders((reminder.id,))),
        button(texts.t("btn_calendar"), CalendarFile(reminder.id)),
    )
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
    stop = button(texts.t("btn_stop_reminder"), CancelReminder(delivery.reminder_id))
    return Reply(ReplyKind.REMINDER, tuple(blocks), ((stop,),))


# --- the guided /remind ---------------------------------------------------------------------------


def ask_kind(texts: ReminderTexts) -> Reply:
    """Ask what the reminder is for, one button per kind, and a Stop button."""
    row = [button(texts.kind_buttons[kind], ReminderKindChoice(kind)) for kind in KINDS]
    return info(texts, texts.t("flow_ask_kind"), buttons=(row, (stop_button(texts),)))


def ask_date(texts: ReminderTexts, label: str) -> Reply:
    """Ask for the date of a reminder, with the accepted forms."""
    return info(
        texts,
        texts.t("flow_ask_date", label=label),
        texts.t("examples_intro", examples=texts.example_list()),
        buttons=((stop_button(texts),),),
    )


# --- /reminders, cancel, calendar -----------------------------------------------------------------


def reminder_list(
    texts: ReminderTexts, reminders: Sequence[Reminder], next_times: Mapping[int, datetime], *, cap: int
) -> Reply:
    """List active reminders (at most ``cap``) with their next reminder time and Cancel / Calendar buttons."""
    if not reminders:
        return info(texts, texts.t("list_empty"))
    blocks = [Block(texts.t("list_title", count=len(reminders)), Style.TITLE)]
    rows = []
    for reminder in reminders[:cap]:
        fire = next_times.get(reminder.id)
        if fire is None:
            nxt = texts.t("list_no_next")
        else:
            local = fire.astimezone(reminder.tz)
            nxt = texts.t("list_next", date=texts.format_date(local.date()), time=texts.format_time(local.time()))
        day = texts.format_date(reminder.event_date)
        if reminder.event_time:
            day = f"{day} {texts.format_time(reminder.event_time)}"
        key = "list_item_recurring" if reminder.recurrence_months else "list_item"
        line = texts.t(key, id=reminder.id, label=reminder.label, date=day, next=nxt, months=reminder.recurrence_months)
        blocks.append(Block(line, Style.ITEM))
        rows.append(
            (
                button(texts.t("btn_cancel_n", id=reminder.id), CancelReminder(reminder.id)),
                button(texts.t("btn_calendar_n", id=reminder.id), CalendarFile(reminder.id)),
            )
        )
    if len(reminders) > cap:
        blocks.append(Block(texts.t("list_more", count=len(reminders) - cap)))
    return Reply(ReplyKind.REMINDER, tuple(blocks), tuple(rows))


def with_usage(usage: str, listing: Reply) -> Reply:
    """Return a reminder list led by a usage line ("/cancel needs a number: ...")."""
    return Reply(listing.kind, (Block(usage), *listing.blocks), listing.buttons)


def cancelled(texts: ReminderTexts, reminders: Sequence[Reminder]) -> Reply:
    """Confirm cancelled reminders, or say none of the ids was the user's."""
    if not reminders:
        return error(texts, texts.t("not_found"))
    lines = [texts.t("cancelled", label=r.label, date=texts.format_date(r.event_date)) for r in reminders]
    return info(texts, *lines, notice=texts.t("cancelled_notice"))


def calendar(texts: ReminderTexts, reminder: Reminder, content: bytes) -> Reply:
    """Send a reminder's .ics file."""
    attachment = Attachment(f"reminder-{reminder.id}.ics", content, "text/calendar")
    return Reply(ReplyKind.REMINDER, (Block(texts.t("ics_caption", label=reminder.label)),), attachment=attachment)


# --- /plan ------------------------------------------------------------------------------------------


def plan_overview(
    texts: ReminderTexts, plan: MonitoringPlan, titles: Mapping[str, str], only: PlanVariant | None, *, ask_variant: bool
) -> Reply:
    """The schedule (one variant or all), each item with its quotes and source, then the question."""
    t = texts.t
    blocks = [Block(t("plan_title"), Style.TITLE), Block(t("plan_intro"))]
    for variant in plan.variants:
        if only is not None and variant.key != only.key:
            continue
        blocks.append(Block(t("plan_variant", title=variant.title), Style.TITLE))
        for item in plan.items_for(variant.key):
            key = "plan_item_every" if item.every_months else "plan_item_once"
            blocks.append(Block(t(key, title=item.title, months=item.every_months), Style.ITEM))
            blocks.extend(Block(quote.text, Style.QUOTE) for quote in item.quotes)
            articles = "; ".join(dict.fromkeys(titles.get(quote.article, quote.article) for quote in item.quotes))
            blocks.append(Block(t("plan_source", article=articles), Style.SOURCE))
            if item.note:
                blocks.append(Block(item.note))
    blocks.append(Block(t("plan_ask_date")))
    rows: tuple[tuple[Button, ...], ...] = ()
    if ask_variant:
        blocks.append(Block(t("plan_ask_variant")))
        rows = variant_buttons(plan)
    blocks.append(Block(t("plan_footer"), Style.FOOTER))
    return Reply(ReplyKind.REMINDER, tuple(blocks), rows)


def variant_buttons(plan: MonitoringPlan) -> tuple[tuple[Button, ...], ...]:
    """One button per schedule variant."""
    return tuple((button(v.button, PlanVariantChoice(v.code)),) for v in plan.variants)


def ask_variant(texts: ReminderTexts, plan: MonitoringPlan) -> Reply:
    """Ask whose schedule applies."""
    return info(texts, texts.t("plan_ask_variant"), buttons=variant_buttons(plan))


def plan_created(
    texts: ReminderTexts,
    created: Sequence[tuple[PlanItem, Reminder]],
    *,
    replaced: int,
    timezone: str,
    tz_default: bool,
) -> Reply:
    """Confirm the reminders /plan created, with Undo-all and List buttons."""
    t = texts.t
    blocks = [Block(t("plan_created_title"), Style.TITLE)]
    for item, reminder in created:
        line = t(
            "plan_created_item", label=item.label, date=texts.format_date(reminder.event_date), months=item.every_months
        )
        blocks.append(Block(line, Style.ITEM))
    if replaced:
        blocks.append(Block(t("plan_replaced", count=replaced)))
    blocks.append(Block(tz_line(texts, timezone, tz_default)))
    blocks.append(Block(t("plan_footer"), Style.FOOTER))
    row = [button(t("btn_list"), ListReminders())]
    undo = UndoReminders(tuple(reminder.id for _, reminder in created))
    if undo.fits():
        row.insert(0, button(t("btn_undo_all"), undo))
    return Reply(ReplyKind.REMINDER, tuple(blocks), (tuple(row),))


# --- /timezone --------------------------------------------------------------------------------------


def timezone_confirm(texts: ReminderTexts, text: str, zones: Sequence[str], now: datetime) -> Reply:
    """Ask which zone a place or abbreviation means, each button with the local time there now."""
    rows = []
    for name in zones:
        choice = TimezoneChoice(name)
        if choice.fits():
            local = texts.format_time(now.astimezone(ZoneInfo(name)).time())
            rows.append((button(texts.t("tz_choice", tz=name, local_time=local), choice),))
    return info(texts, texts.t("tz_confirm", text=text[:60]), buttons=rows)


def timezone_suggestions(texts: ReminderTexts, text: str, suggestions: Sequence[str]) -> Reply:
    """Say a timezone name was not found, offering close matches as buttons."""
    choices = [TimezoneChoice(name) for name in suggestions]
    rows = [(button(choice.name, choice),) for choice in choices if choice.fits()]
    lines = [texts.t("tz_unknown", text=text[:60]), texts.t("tz_suggest") if rows else texts.t("tz_usage")]
    return error(texts, *lines, buttons=rows)
