"""/plan: show the monitoring schedule the articles describe and turn it into recurring reminders.

Owns the /plan conversation (choose women-on-anastrozole or men-on-TRT, give a reference date: last
DEXA scan or treatment start). Every health statement it shows is a verbatim quote from
``knowledge/plan.yaml`` (checked against the articles); the intervals are the ones those quotes state.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.models import Incoming, Reply
from bot.reminders import views
from bot.reminders.context import ReminderContext
from bot.reminders.dates import DateProblem, ParsedWhen
from bot.reminders.flows import FlowState, Step
from bot.reminders.model import Reminder
from bot.reminders.monitoring import MonitoringPlan, PlanItem, PlanVariant
from bot.reminders.vocabulary import normalise
from bot.storage import User
from bot.storage.users import AUDIENCES
from bot.text import one_line

# How soon the first reminder comes when there has been no scan yet: time to book the baseline check the
# articles describe (a reminder to book, not a medical interval).
BASELINE_DAYS = timedelta(days=14)
# Stored in the flow's reference date while the schedule is asked, meaning "no scan yet".
NO_SCAN_YET = date(1, 1, 1)


class PlanCommand:
    """/plan and its guided steps."""

    def __init__(self, ctx: ReminderContext) -> None:
        """Work over the shared reminder context."""
        self.ctx = ctx

    @property
    def plan(self) -> MonitoringPlan | None:
        """Return the current monitoring plan (None when the knowledge has none)."""
        return self.ctx.content().plan

    def command(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/plan [women|men] [reference date]: show the schedule, ask what is missing, or set reminders."""
        ctx, plan = self.ctx, self.plan
        if plan is None:
            return [views.error(ctx.texts, ctx.texts.t("plan_unavailable"))]
        user = ctx.user(message, now)
        words = one_line(args).split()
        if not words:
            ctx.flows.save(user.user_id, FlowState(Step.PLAN_VARIANT), now)
            return [self._overview(plan, None, ask_variant=True)]
        variant = plan.variant(words[0])
        if variant is not None:
            words = words[1:]
        if not words:
            assert variant is not None
            ctx.flows.save(user.user_id, FlowState(Step.PLAN_DATE, variant=variant.key), now)
            return [self._overview(plan, variant, ask_variant=False)]
        if _none_yet(" ".join(words), ctx.content().grammar.v.no_date_yet):
            return self._reference(user, variant.key if variant else None, None, now)
        return self._with_date(user, variant, ctx.parse(user, " ".join(words), now, prefer="past"), now)

    def _overview(self, plan: MonitoringPlan, only: PlanVariant | None, *, ask_variant: bool) -> Reply:
        content = self.ctx.content()
        return views.plan_overview(content.texts, plan, content.article_titles, only, ask_variant=ask_variant)

    def continue_flow(self, message: Incoming, state: FlowState, text: str, now: datetime) -> list[Reply]:
        """A message typed during the /plan flow: a variant word or a date."""
        ctx, plan = self.ctx, self.plan
        if plan is None:
            ctx.flows.end(message.user_id)
            return [views.error(ctx.texts, ctx.texts.t("plan_unavailable"))]
        variant = plan.variant(text)
        if variant is not None:
            return self.choose_variant(message, variant.code, now)
        if state.step is Step.PLAN_VARIANT and state.ref is not None:
            return [views.ask_variant(ctx.texts, plan)]
        current = next((v for v in plan.variants if v.key == state.variant), None)
        user = ctx.user(message, now)
        if _none_yet(text, ctx.content().grammar.v.no_date_yet):
            return self._reference(user, current.key if current else None, None, now)
        return self._with_date(user, current, ctx.parse(user, text, now, prefer="past"), now)

    def choose_variant(self, message: Incoming, code: str, now: datetime) -> list[Reply]:
        """The user chose a schedule (button or typed word)."""
        ctx, plan = self.ctx, self.plan
        variant = None if plan is None else next((v for v in plan.variants if v.code == code), None)
        if plan is None or variant is None:
            return [ctx.expired()]
        user = ctx.user(message, now)
        if variant.key in AUDIENCES:  # choosing a schedule says who the user's answers are for
            ctx.users.set_audience(user.user_id, variant.key, now)
        state = ctx.flows.load(user.user_id, now)
        if state is not None and state.step is Step.PLAN_VARIANT and state.ref is not None:
            return self._create(user, plan, variant, state.ref, now)
        ctx.flows.save(user.user_id, FlowState(Step.PLAN_DATE, variant=variant.key), now)
        return [self._overview(plan, variant, ask_variant=False)]

    def pick_date(self, message: Incoming, state: FlowState, day: date, now: datetime) -> list[Reply]:
        """The user chose one reading of an ambiguous reference date."""
        return self._reference(self.ctx.user(message, now), state.variant, day, now)

    def _with_date(
        self, user: User, variant: PlanVariant | None, result: ParsedWhen | DateProblem, now: datetime
    ) -> list[Reply]:
        ctx = self.ctx
        key = variant.key if variant else None
        if isinstance(result, DateProblem):
            if result.kind == "ambiguous":
                candidates = tuple(zip(result.candidates, result.orders, strict=True))
                ctx.flows.save(user.user_id, FlowState(Step.PLAN_PICK_DATE, variant=key, candidates=candidates), now)
                return [views.ambiguous_reply(ctx.texts, result)]
            # Keep (or start) the flow so the user can simply type the date again.
            ctx.flows.save(user.user_id, FlowState(Step.PLAN_DATE if key else Step.PLAN_VARIANT, variant=key), now)
            return [ctx.problem(result)]
        return self._reference(user, key, result.date, now)

    def _reference(self, user: User, variant_key: str | None, reference: date | None, now: datetime) -> list[Reply]:
        """A reference date is known (None: no scan yet): create the reminders, or first ask which
        schedule applies."""
        ctx, plan = self.ctx, self.plan
        if plan is None:
            return [views.error(ctx.texts, ctx.texts.t("plan_unavailable"))]
        variant = next((v for v in plan.variants if v.key == variant_key), None)
        if variant is None:
            ctx.flows.save(user.user_id, FlowState(Step.PLAN_VARIANT, ref=reference or NO_SCAN_YET), now)
            return [views.ask_variant(ctx.texts, plan)]
        return self._create(user, plan, variant, reference, now)

    def _create(
        self, user: User, plan: MonitoringPlan, variant: PlanVariant, reference: date | None, now: datetime
    ) -> list[Reply]:
        """Create the plan's reminders, replacing earlier plan reminders: per item with an interval, the
        closer checks of its first months (one-off reminders) and then its recurring one. ``reference``
        None (no scan yet): counted from today, and a baseline item's first reminder is
        ``BASELINE_DAYS`` ahead, to book that first check."""
        ctx = self.ctx
        items = [item for item in plan.items_for(variant.key) if item.every_months]
        if not items:
            ctx.flows.end(user.user_id)
            return [views.info(ctx.texts, ctx.texts.t("plan_nothing"))]
        tz_name, tz_default = ctx.timezone(user)
        offsets, remind_time = ctx.options(user)
        today = now.astimezone(ZoneInfo(tz_name)).date()
        if reference == NO_SCAN_YET:
            reference = None
        schedule: list[tuple[PlanItem, date, int | None, date]] = []  # item, first date, interval, anchor
        for item in items:
            assert item.every_months is not None
            if reference is None and item.baseline:
                booking = today + BASELINE_DAYS
                schedule.append((item, booking, item.every_months, booking))
                continue
            start = reference or today
            schedule.extend((item, when, None, when) for when in item.initial_dates(start, today))
            regular = item.next_date(start, today)
            assert regular is not None
            schedule.append((item, regular, item.every_months, start))
        plan_ids = {item.id for item in plan.items}
        replaced = [r for r in ctx.reminders.active(user.user_id) if r.plan_item in plan_ids]
        if ctx.reminders.count_active(user.user_id) - len(replaced) + len(schedule) > ctx.config.max_active:
            return [views.error(ctx.texts, ctx.texts.t("err_too_many", max=ctx.config.max_active))]
        created: list[tuple[PlanItem, Reminder]] = []
        with ctx.db.transaction():  # replace and create together, or not at all
            for old in replaced:
                ctx.reminders.cancel(old.id, now)
            for item, first, every, anchor in schedule:
                reminder, _ = ctx.reminders.create(
                    user_id=user.user_id,
                    chat_id=user.chat_id,
                    kind=item.kind,
                    label=item.label,
                    event_date=first,
                    event_time=None,
                    timezone=tz_name,
                    offsets=offsets,
                    remind_time=remind_time,
                    now=now,
                    recurrence_months=every,
                    anchor_date=anchor,
                    plan_item=item.id,
                )
                created.append((item, reminder))
            ctx.flows.end(user.user_id)
        return [views.plan_created(ctx.texts, created, replaced=len(replaced), timezone=tz_name, tz_default=tz_default,
                                   baseline=reference is None)]


def _none_yet(text: str, phrases: frozenset[str]) -> bool:
    """ "none", "no scan yet", "never had one": there is no earlier check to count from."""
    return normalise(text) in phrases
