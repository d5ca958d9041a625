"""The daily tablet reminder's commands, buttons and guided flow, and /tablets (adherence).

``/tablet 08:00 [medicine]`` sets it (``/tablet`` alone asks: which medicine, what time; with one set,
it says what is set); ``/tablet_time 09:00`` moves it; ``/tablet_pause 7`` pauses it for some days and
says when it resumes (``/tablet_resume`` ends a pause early); ``/tablet_stop`` stops it. The reminder's
buttons record the day as taken or skipped, or snooze it for an hour. Every method takes the caller's
``now`` and returns replies; bad input gets a kind reply, never an exception.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from bot.models import Block, Incoming, Reply
from bot.record import charts, views
from bot.record.adherence import WINDOWS, calendar, windows
from bot.record.context import RecordContext
from bot.record.flows import RecordFlow, RecordStep
from bot.record.tablets import CHANGE_WINDOW_DAYS, DoseStatus, local_day
from bot.storage import User
from bot.text import one_line

MAX_MEDICINE = 40
MAX_PAUSE_DAYS = 90
_CLOCK = re.compile(r"(?<!\S)(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?(?!\S)", re.IGNORECASE)


def parse_clock(text: str) -> time | None:
    """Read a time of day: "08:00", "8:30", "8.30", "20h15", "8am", "8:30 pm", "8" (24-hour hours)."""
    match = _CLOCK.fullmatch(text.strip())
    return _clock(match) if match else None


def _clock(match: re.Match[str]) -> time | None:
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = (match.group(3) or "").lower().replace(".", "")
    if suffix:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def split_clock(text: str) -> tuple[time | None, str, bool]:
    """Split "08:00 anastrozole" into the time, the rest, and whether something looked like a time."""
    match = _CLOCK.search(text)
    if match is None:
        return None, text, False
    rest = (text[: match.start()] + " " + text[match.end() :]).strip()
    return _clock(match), " ".join(rest.split()), True


class TabletCommands:
    """/tablet and its guided steps, /tablet_time, /tablet_pause, /tablet_resume, /tablet_stop, /tablets."""

    def __init__(self, ctx: RecordContext) -> None:
        """Work over the shared record context."""
        self.ctx = ctx

    # -- setting it up ------------------------------------------------------------------------------

    def tablet(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/tablet [TIME] [MEDICINE]: set the daily reminder; alone, say what is set or ask step by step."""
        ctx, texts = self.ctx, self.ctx.texts
        user = ctx.user(message, now)
        text = one_line(args)
        schedule = ctx.tablets.get(user.user_id)
        if not text:
            if schedule is not None and schedule.active:
                fire = ctx.tablets.next_fire(user.user_id)
                return [views.schedule_status(texts, schedule, fire, local_day(now, schedule.tz))]
            ctx.flows.save(user.user_id, RecordFlow(RecordStep.TABLET_MEDICINE), now)
            return [views.ask_medicine(texts)]
        at, rest, looked = split_clock(text)
        if not looked:  # "/tablet letrozole": the medicine, so ask for the time
            return self.choose_medicine(message, text, now)
        if at is None:
            return [views.error(texts.t("tablet_bad_time", text=text[:40]))]
        medicine = rest or (schedule.medicine if schedule is not None else texts.t("medicine_default"))
        if len(medicine) > MAX_MEDICINE:
            return [views.error(texts.t("tablet_medicine_long", max=MAX_MEDICINE))]
        ctx.flows.end(user.user_id)  # a one-line /tablet replaces an unfinished guided one
        return self._set(user, medicine, at, now)

    def choose_medicine(self, message: Incoming, medicine: str | None, now: datetime) -> list[Reply]:
        """Guided step 1 answered (the button: the default name; or a typed name)."""
        ctx, texts = self.ctx, self.ctx.texts
        name = one_line(medicine or texts.t("medicine_default"))
        if not name:
            return [views.ask_medicine(texts)]
        if len(name) > MAX_MEDICINE:
            return [views.error(texts.t("tablet_medicine_long", max=MAX_MEDICINE))]
        ctx.flows.save(message.user_id, RecordFlow(RecordStep.TABLET_TIME, medicine=name), now)
        return [views.ask_time(texts, name)]

    def choose_time(self, message: Incoming, hhmm: str, now: datetime) -> list[Reply]:
        """Guided step 2 answered with a suggested-time button ("0800")."""
        state = self.ctx.flows.load(message.user_id, now)
        at = parse_clock(f"{hhmm[:2]}:{hhmm[2:]}") if re.fullmatch(r"\d{4}", hhmm) else None
        if state is None or state.step is not RecordStep.TABLET_TIME or at is None:
            return [self.ctx.expired()]
        return self._set(self.ctx.user(message, now), str(state.medicine), at, now)

    def continue_flow(self, message: Incoming, state: RecordFlow, text: str, now: datetime) -> list[Reply]:
        """A typed answer to the /tablet step the user is at."""
        if state.step is RecordStep.TABLET_MEDICINE:
            return self.choose_medicine(message, text, now)
        at = parse_clock(text)
        if at is None:
            return [views.error(self.ctx.texts.t("tablet_bad_time", text=text[:40]))]
        return self._set(self.ctx.user(message, now), str(state.medicine), at, now)

    def _set(self, user: User, medicine: str, at: time, now: datetime) -> list[Reply]:
        ctx = self.ctx
        tz_name, tz_default = ctx.timezone(user)
        schedule, fire = ctx.tablets.set(
            user_id=user.user_id, chat_id=user.chat_id, medicine=medicine, at=at, timezone=tz_name, now=now
        )
        ctx.flows.end(user.user_id)
        return [views.schedule_set(ctx.texts, schedule, fire, tz_default=tz_default)]

    # -- changing it --------------------------------------------------------------------------------

    def change_time(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/tablet_time HH:MM."""
        texts = self.ctx.texts
        at = parse_clock(one_line(args)) if one_line(args) else None
        if at is None:
            return [views.error(texts.t("tablet_time_usage"))]
        changed = self.ctx.tablets.change_time(message.user_id, at, now)
        if changed is None:
            return [views.record(Block(texts.t("tablet_none")))]
        schedule, fire = changed
        return [views.record(
            Block(texts.t("tablet_time_changed", medicine=schedule.medicine, time=texts.format_time(at))),
            Block(views.next_line(texts, schedule, fire)),
        )]

    def pause(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/tablet_pause DAYS: no reminders for that many days (today included); says when they resume."""
        texts = self.ctx.texts
        token = one_line(args).lower().removesuffix("days").removesuffix("day").strip()
        if not token:
            if self.ctx.tablets.get(message.user_id) is None:
                return [views.record(Block(texts.t("tablet_none")))]
            return [views.ask_pause(texts)]
        if not (token.isascii() and token.isdigit()) or not 1 <= int(token) <= MAX_PAUSE_DAYS:
            return [views.error(texts.t("tablet_pause_bad", max=MAX_PAUSE_DAYS))]
        return self.pause_days(message, int(token), now)

    def pause_days(self, message: Incoming, days: int, now: datetime) -> list[Reply]:
        """Pause for ``days`` days (a /tablet_pause number or a button)."""
        texts, tablets = self.ctx.texts, self.ctx.tablets
        schedule = tablets.get(message.user_id)
        if schedule is None or not schedule.active:
            return [views.record(Block(texts.t("tablet_none")))]
        if not 1 <= days <= MAX_PAUSE_DAYS:
            return [self.ctx.expired()]
        changed = tablets.pause(message.user_id, local_day(now, schedule.tz) + timedelta(days=days), now)
        if changed is None:
            return [views.record(Block(texts.t("tablet_none")))]
        return [views.paused(texts, *changed)]

    def resume(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/tablet_resume: end a pause now."""
        texts, tablets = self.ctx.texts, self.ctx.tablets
        schedule = tablets.get(message.user_id)
        if schedule is None or not schedule.active:
            return [views.record(Block(texts.t("tablet_none")))]
        if not schedule.paused_on(local_day(now, schedule.tz)):
            return [views.record(Block(texts.t("tablet_not_paused")))]
        changed = tablets.resume(message.user_id, now)
        if changed is None:
            return [views.record(Block(texts.t("tablet_none")))]
        return [views.record(Block(texts.t("tablet_resumed")), Block(views.next_line(texts, *changed)))]

    def stop(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/tablet_stop: no more daily reminders (what was recorded stays)."""
        texts = self.ctx.texts
        schedule = self.ctx.tablets.get(message.user_id)
        if schedule is None or not self.ctx.tablets.stop(message.user_id, now):
            return [views.record(Block(texts.t("tablet_none")))]
        return [views.record(Block(texts.t("tablet_stopped", medicine=schedule.medicine)))]

    # -- the reminder's buttons ------------------------------------------------------------------

    def dose(self, message: Incoming, action: str, day: date, now: datetime) -> list[Reply]:
        """Taken / Snooze 1 h / Skip today, pressed on the reminder of ``day`` (a local date)."""
        ctx, texts = self.ctx, self.ctx.texts
        if action not in ("taken", "snooze", "skip"):
            return [ctx.expired()]
        user = ctx.user(message, now)
        schedule = ctx.tablets.get(user.user_id)
        tz = schedule.tz if schedule is not None else None
        today = local_day(now, tz) if tz is not None else ctx.today(user, now)
        if day > today + timedelta(days=1):
            return [ctx.expired()]  # a day that cannot have had a reminder yet (a forged button)
        if (today - day).days > CHANGE_WINDOW_DAYS:
            return [views.error(texts.t("dose_too_old", days=CHANGE_WINDOW_DAYS))]
        if action == "snooze":
            fire = ctx.tablets.snooze(user.user_id, day, now) if schedule is not None and day == today else None
            if fire is None or tz is None:
                return [views.record(Block(texts.t("snooze_too_late")),
                                     buttons=views.dose_buttons(texts, day, snooze=False))]
            return [views.snoozed(texts, day, fire, tz)]
        status = DoseStatus.TAKEN if action == "taken" else DoseStatus.SKIPPED
        medicine = ctx.tablets.record(user.user_id, day, status, now) or texts.t("medicine_default")
        return [views.dose_recorded(texts, medicine, day, status, ctx.content().missed_dose)]

    # -- /tablets ------------------------------------------------------------------------------------

    def adherence(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/tablets: the last 7 / 30 / 90 days as percentages and the calendar picture."""
        ctx, texts = self.ctx, self.ctx.texts
        user = ctx.user(message, now)
        schedule = ctx.tablets.get(user.user_id)
        today = local_day(now, schedule.tz) if schedule is not None else ctx.today(user, now)
        span = WINDOWS[-1]
        doses = ctx.tablets.doses(user.user_id, today - timedelta(days=span - 1))
        if not doses and (schedule is None or not schedule.active):
            return [views.record(Block(texts.t("tablets_empty")))]
        days = calendar(doses, today, span)
        png = charts.calendar_png(days, views.calendar_text(texts, span)) if doses else None
        return [views.adherence(texts, windows(doses, today), days, today, png,
                                can_record_today=schedule is not None and schedule.active)]
