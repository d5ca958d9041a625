"""Creating a reminder: the one-line ``/remind DATE LABEL`` and the guided flow (kind, label, date).

Owns the /remind conversation's steps and the choice between readings of an ambiguous date. Every
method takes the message (or the sender), the text or button payload and the caller's ``now``, and
returns replies; invalid input gets a kind reply, never an exception. Layout is ``views.py``.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.models import Incoming, Reply
from bot.reminders import views
from bot.reminders.context import ReminderContext
from bot.reminders.dates import MAX_LABEL, DateProblem, ParsedWhen, clean_label, infer_kind
from bot.reminders.flows import FlowState, Step
from bot.reminders.model import KINDS, Reminder
from bot.storage import User
from bot.text import one_line

FLOW_STEPS = frozenset({Step.KIND, Step.LABEL, Step.DATE, Step.PICK_DATE})


class ReminderCreation:
    """/remind and its guided steps."""

    def __init__(self, ctx: ReminderContext) -> None:
        """Work over the shared reminder context."""
        self.ctx = ctx

    def command(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/remind: with a date (and label) create at once; alone, start the guided flow."""
        ctx = self.ctx
        user = ctx.user(message, now)
        text = one_line(args)
        if not text:
            ctx.flows.save(user.user_id, FlowState(Step.KIND), now)
            return [views.ask_kind(ctx.texts)]
        ctx.flows.end(user.user_id)  # a one-line /remind replaces an unfinished guided one
        edit = self._edited(message, user)
        result, label_text = ctx.split(user, text, now)
        label = clean_label(label_text)
        if label is None:
            return [views.error(ctx.texts, ctx.texts.t("err_label_long", max=MAX_LABEL)), *edit.kept()]
        kind = infer_kind(label, dict(ctx.texts.kind_keywords))
        replies = self._with_date(user, result, label=label or ctx.texts.kind_labels[kind], kind=kind, now=now, edit=edit)
        return replies if edit.done else [*replies, *edit.kept()]

    def _edited(self, message: Incoming, user: User) -> _Edit:
        """For an edited /remind: the reminders its first version set (the edit corrects them)."""
        if not message.edited or message.message_id is None:
            return _Edit(self.ctx, message.message_id, ())
        return _Edit(self.ctx, message.message_id, tuple(self.ctx.reminders.from_message(user.user_id, message.message_id)))

    def choose_kind(self, message: Incoming, kind: str, now: datetime) -> list[Reply]:
        """The user chose (pressed or typed) what the reminder is for."""
        ctx = self.ctx
        if kind not in KINDS:
            return [ctx.expired()]
        user = ctx.user(message, now)
        if kind == "other":
            ctx.flows.save(user.user_id, FlowState(Step.LABEL, kind=kind), now)
            return [views.info(ctx.texts, ctx.texts.t("flow_ask_label", max=MAX_LABEL))]
        label = ctx.texts.kind_labels[kind]
        ctx.flows.save(user.user_id, FlowState(Step.DATE, kind=kind, label=label), now)
        return [views.ask_date(ctx.texts, label)]

    def continue_flow(self, message: Incoming, state: FlowState, text: str, now: datetime) -> list[Reply]:
        """Take a typed answer to the step the user is at."""
        ctx = self.ctx
        step = state.step
        if step is Step.KIND:
            for kind in KINDS:
                if text.lower() in {kind, ctx.texts.kind_buttons[kind].lower()}:
                    return self.choose_kind(message, kind, now)
            step, state = Step.LABEL, FlowState(Step.LABEL)  # they typed a name instead of pressing a button
        if step is Step.LABEL:
            label = clean_label(text)
            if label is None:
                return [views.error(ctx.texts, ctx.texts.t("err_label_long", max=MAX_LABEL))]
            if not label:
                return [views.error(ctx.texts, ctx.texts.t("err_label_empty"))]
            kind = state.kind or infer_kind(label, dict(ctx.texts.kind_keywords))
            ctx.flows.save(message.user_id, FlowState(Step.DATE, kind=kind, label=label), now)
            return [views.ask_date(ctx.texts, label)]
        user = ctx.user(message, now)
        return self._with_date(user, ctx.parse(user, text, now), label=str(state.label), kind=str(state.kind), now=now)

    def pick_date(self, message: Incoming, state: FlowState, day: date, now: datetime) -> list[Reply]:
        """The user chose one reading of an ambiguous date: create the reminder on it."""
        ctx = self.ctx
        user = ctx.user(message, now)
        if day < now.astimezone(ZoneInfo(ctx.timezone(user)[0])).date():  # the question was asked days ago
            return [ctx.problem(DateProblem("past", day.isoformat(), date=day))]
        return self._create(user, day, state.time, label=str(state.label), kind=str(state.kind), now=now)

    def create(self, user: User, day: date, *, label: str, kind: str, now: datetime) -> list[Reply]:
        """Create an all-day reminder on ``day`` for ``user`` (another feature's offer, e.g. /dexa's next scan)."""
        return self._create(user, day, None, label=label, kind=kind, now=now)

    def _with_date(
        self, user: User, result: ParsedWhen | DateProblem, *, label: str, kind: str, now: datetime,
        edit: _Edit | None = None,
    ) -> list[Reply]:
        ctx = self.ctx
        if isinstance(result, DateProblem):
            if result.kind == "ambiguous":
                candidates = tuple(zip(result.candidates, result.orders, strict=True))
                state = FlowState(Step.PICK_DATE, kind=kind, label=label, time=result.time, candidates=candidates)
                ctx.flows.save(user.user_id, state, now)
                return [views.ambiguous_reply(ctx.texts, result)]
            return [ctx.problem(result)]
        return self._create(user, result.date, result.time, label=label, kind=kind, now=now, edit=edit)

    def _create(
        self, user: User, day: date, at: time | None, *, label: str, kind: str, now: datetime, edit: _Edit | None = None
    ) -> list[Reply]:
        ctx = self.ctx
        replaced = edit.reminders if edit is not None else ()
        if ctx.reminders.count_active(user.user_id) - len(replaced) >= ctx.config.max_active:
            return [views.error(ctx.texts, ctx.texts.t("err_too_many", max=ctx.config.max_active))]
        tz_name, tz_default = ctx.timezone(user)
        offsets, remind_time = ctx.options(user)
        reminder, deliveries = ctx.reminders.create(
            user_id=user.user_id,
            chat_id=user.chat_id,
            kind=kind,
            label=label,
            event_date=day,
            event_time=at,
            timezone=tz_name,
            offsets=offsets,
            remind_time=remind_time,
            now=now,
            source_message=edit.message_id if edit is not None else None,
            replaces=tuple(r.id for r in replaced),
        )
        ctx.flows.end(user.user_id)
        confirmation = views.confirmation(ctx.texts, reminder, deliveries, tz_default=tz_default)
        if not replaced or edit is None:
            return [confirmation]
        edit.done = True
        return [views.info(ctx.texts, ctx.texts.t("edit_replaced", labels=", ".join(r.label for r in replaced))),
                confirmation]


class _Edit:
    """An edited /remind: the reminders it corrects, and whether the correction was made."""

    def __init__(self, ctx: ReminderContext, message_id: int | None, reminders: tuple[Reminder, ...]) -> None:
        self.ctx, self.message_id, self.reminders = ctx, message_id, reminders
        self.done = not reminders  # nothing to replace: nothing to report either

    def kept(self) -> list[Reply]:
        """When the correction could not be used: say the first version's reminder is still set."""
        if self.done:
            return []
        return [views.info(self.ctx.texts, self.ctx.texts.t("edit_kept", labels=", ".join(r.label for r in self.reminders)))]
