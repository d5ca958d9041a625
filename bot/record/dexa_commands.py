"""/dexa: record a DEXA result (one line, or step by step), list the results with their chart, delete one,
and set a reminder for the next scan at the articles' interval.

``/dexa 2026-03-14 lumbar spine -1.8 z -0.5 bmd 0.912`` records at once; ``/dexa add`` asks date, site,
T-score, Z-score and BMD in turn (the last two may be skipped); ``/dexa`` alone lists. Values outside
``knowledge/dexa.yaml``'s ranges are refused kindly, a scan date in the future too. The interval comes
from the monitoring plan (``knowledge/plan.yaml``: the DEXA item of the user's audience, women's by
default), so the date offered is the one /plan would use.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.models import Block, Incoming, Reply
from bot.record import charts, dexa_views, views
from bot.record.context import RecordContext
from bot.record.dexa import MAX_RESULTS, DexaLine, number, read_line
from bot.record.flows import RecordFlow, RecordStep
from bot.reminders.dates import DateProblem
from bot.reminders.monitoring import PlanItem
from bot.reminders.schedule import add_months
from bot.storage import User
from bot.text import one_line


class DexaCommands:
    """/dexa and its guided steps and buttons."""

    def __init__(self, ctx: RecordContext) -> None:
        """Work over the shared record context."""
        self.ctx = ctx

    def dexa(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/dexa: list; /dexa add: ask step by step; /dexa delete ID; /dexa DATE SITE T [z Z] [bmd B]: record."""
        text = one_line(args)
        head, _, rest = text.partition(" ")
        if not text:
            return self.listing(message, now)
        if head.lower() in ("add", "new"):
            return self.start(message, now)
        if head.lower() in ("delete", "remove") and rest.strip().lstrip("#").isdigit() and len(rest) < 13:
            return self.delete(message, int(rest.strip().lstrip("#")), now)
        return self._one_line(message, text, now)

    def start(self, message: Incoming, now: datetime) -> list[Reply]:
        """Begin the guided /dexa add."""
        self.ctx.flows.save(message.user_id, RecordFlow(RecordStep.DEXA_DATE), now)
        return [dexa_views.ask_date(self.ctx.texts)]

    def listing(self, message: Incoming, now: datetime) -> list[Reply]:
        """Every result, and the chart of T-score over time per site."""
        ctx = self.ctx
        user = ctx.user(message, now)
        content = ctx.content()
        results = ctx.dexa.results(user.user_id)
        png = None
        if results:
            words = dexa_views.chart_text(content.texts, content.bone)
            png = charts.dexa_png(dexa_views.series(content.bone, results), words)
        return [dexa_views.listing(content.texts, content.bone, results, png, ctx.today(user, now), content.disclaimer)]

    # -- reading values ------------------------------------------------------------------------------

    def _date(self, user: User, text: str, now: datetime) -> date | Reply:
        """Read a scan date (in the past or today) or return the reply explaining the problem."""
        ctx = self.ctx
        result, _ = ctx.reminders.split(user, text, now, prefer="past")
        if isinstance(result, DateProblem):
            if result.kind == "ambiguous":
                return views.error(ctx.texts.t("dexa_ambiguous", text=result.text[:40]))
            return ctx.reminders.problem(result)
        if result.date > ctx.today(user, now):
            return views.error(ctx.texts.t("dexa_future", date=ctx.texts.format_date(result.date)))
        return result.date

    def _value(self, field: str, raw: str | float | None) -> float | Reply:
        """Check one value against its accepted range; a Reply says what is wrong."""
        ctx = self.ctx
        value = number(raw) if isinstance(raw, str) else raw
        if value is None:
            return views.error(ctx.texts.t("dexa_bad_number", text=str(raw)[:40]))
        if not ctx.content().bone.in_range(field, value):
            return dexa_views.out_of_range(ctx.texts, ctx.content().bone, field, value)
        return value

    def _one_line(self, message: Incoming, text: str, now: datetime) -> list[Reply]:
        ctx = self.ctx
        user = ctx.user(message, now)
        line: DexaLine = read_line(text, ctx.content().bone)
        if line.site is None or line.t_score is None or not line.date_text:
            return [views.error(ctx.texts.t("dexa_missing"))]
        day = self._date(user, line.date_text, now)
        if isinstance(day, Reply):
            return [day]
        values = []
        for field, raw in (("t_score", line.t_score), ("z_score", line.z_score), ("bmd", line.bmd)):
            checked = None if raw is None else self._value(field, raw)
            if isinstance(checked, Reply):
                return [checked]
            values.append(checked)
        ctx.flows.end(user.user_id)
        return self._save(user, day, line.site, values[0] or 0.0, values[1], values[2], now)

    # -- the guided steps ----------------------------------------------------------------------------

    def continue_flow(self, message: Incoming, state: RecordFlow, text: str, now: datetime) -> list[Reply]:
        """A typed answer to the /dexa add step the user is at."""
        ctx = self.ctx
        user = ctx.user(message, now)
        bone = ctx.content().bone
        if state.step is RecordStep.DEXA_DATE:
            day = self._date(user, text, now)
            if isinstance(day, Reply):
                return [day]
            ctx.flows.save(user.user_id, state.but(step=RecordStep.DEXA_SITE, day=day), now)
            return [dexa_views.ask_site(ctx.texts, bone)]
        if state.step is RecordStep.DEXA_SITE:
            found = bone.find_site(text)
            if found is None:
                return [views.error(ctx.texts.t("dexa_bad_site")), dexa_views.ask_site(ctx.texts, bone)]
            return self.choose_site(message, found[0].code, now)
        field = {RecordStep.DEXA_T: "t_score", RecordStep.DEXA_Z: "z_score", RecordStep.DEXA_BMD: "bmd"}[state.step]
        value = self._value(field, text.lower().replace("g/cm2", "").replace("g/cm²", "").strip())
        if isinstance(value, Reply):
            return [value]
        return self._advance(user, state, value, now)

    def choose_site(self, message: Incoming, code: str, now: datetime) -> list[Reply]:
        """The site was chosen (button or typed)."""
        ctx = self.ctx
        state = ctx.flows.load(message.user_id, now)
        site = ctx.content().bone.site(code)
        if state is None or state.step is not RecordStep.DEXA_SITE or site is None:
            return [ctx.expired()]
        ctx.flows.save(message.user_id, state.but(step=RecordStep.DEXA_T, site=code), now)
        return [dexa_views.ask_t(ctx.texts, site.name)]

    def skip(self, message: Incoming, now: datetime) -> list[Reply]:
        """Skip pressed: the report does not give the Z-score (or the BMD)."""
        ctx = self.ctx
        state = ctx.flows.load(message.user_id, now)
        if state is None or state.step not in (RecordStep.DEXA_Z, RecordStep.DEXA_BMD):
            return [ctx.expired()]
        return self._advance(ctx.user(message, now), state, None, now)

    def _advance(self, user: User, state: RecordFlow, value: float | None, now: datetime) -> list[Reply]:
        ctx = self.ctx
        if state.step is RecordStep.DEXA_T:
            ctx.flows.save(user.user_id, state.but(step=RecordStep.DEXA_Z, t_score=value), now)
            return [dexa_views.ask_optional(ctx.texts, "dexa_ask_z")]
        if state.step is RecordStep.DEXA_Z:
            ctx.flows.save(user.user_id, state.but(step=RecordStep.DEXA_BMD, z_score=value), now)
            return [dexa_views.ask_optional(ctx.texts, "dexa_ask_bmd")]
        ctx.flows.end(user.user_id)
        if state.day is None or state.site is None or state.t_score is None:
            return [ctx.expired()]
        return self._save(user, state.day, state.site, state.t_score, state.z_score, value, now)

    # -- saving, deleting, the next scan -------------------------------------------------------------

    def _save(
        self, user: User, day: date, site: str, t: float, z: float | None, bmd: float | None, now: datetime
    ) -> list[Reply]:
        ctx = self.ctx
        content = ctx.content()
        if ctx.dexa.count(user.user_id) >= MAX_RESULTS:
            return [views.error(content.texts.t("dexa_too_many", max=MAX_RESULTS))]
        result, replaced = ctx.dexa.add(user.user_id, day, site, t, z, bmd, now)
        offer = self._offer(user, result.scan_date, now)
        return [dexa_views.saved(content.texts, content.bone, result, replaced=replaced, offer=offer,
                                 disclaimer=content.disclaimer)]

    def _plan_item(self, user: User) -> PlanItem | None:
        plan = self.ctx.reminders.content().plan
        if plan is None:
            return None
        items = [item for item in plan.items if item.kind == "dexa" and item.every_months]
        mine = [item for item in items if item.variant == (user.audience or "women")]
        return next(iter(mine or items), None)

    def _offer(self, user: User, scan_date: date, now: datetime) -> dexa_views.IntervalOffer | None:
        item = self._plan_item(user)
        if item is None or item.every_months is None:
            return None
        titles = self.ctx.reminders.content().article_titles
        # The quotes that state the interval ("every 1-2 years"), not the item's other quotes.
        quotes = tuple((q.text, titles.get(q.article, q.article)) for q in item.quotes if "every" in q.text.lower())
        following = add_months(scan_date, item.every_months)
        return dexa_views.IntervalOffer(quotes or tuple((q.text, titles.get(q.article, q.article)) for q in item.quotes),
                                        item.every_months, following, following <= self.ctx.today(user, now))

    def remind(self, message: Incoming, result_id: int, now: datetime) -> list[Reply]:
        """Set a DEXA reminder at the articles' interval after a result's scan (once)."""
        ctx = self.ctx
        user = ctx.user(message, now)
        result = ctx.dexa.get_owned(user.user_id, result_id)
        item = self._plan_item(user)
        if result is None or item is None or item.every_months is None:
            return [ctx.expired()]
        following = add_months(result.scan_date, item.every_months)
        if following <= ctx.today(user, now):
            return [views.error(ctx.texts.t("dexa_interval_passed", date=ctx.texts.format_date(following),
                                            months=item.every_months))]
        active = ctx.reminders.reminders.active(user.user_id)
        if any(r.kind == "dexa" and r.event_date == following for r in active):
            return [views.record(Block(ctx.texts.t("dexa_reminder_exists", date=ctx.texts.format_date(following))))]
        # The reminder feature creates it, as /remind would: its read-back, Undo and calendar buttons.
        return ctx.create_scan_reminder(user, following, item.label, now)

    def delete(self, message: Incoming, result_id: int, now: datetime) -> list[Reply]:
        """Delete (or undo) one of the user's results; anyone else's id reads as unknown."""
        ctx = self.ctx
        removed = ctx.dexa.delete(message.user_id, result_id)
        if removed is None:
            return [views.error(ctx.texts.t("dexa_not_found"))]
        text = ctx.texts.t("dexa_deleted", date=ctx.texts.format_date(removed.scan_date),
                           site=dexa_views.site_name(ctx.content().bone, removed.site))
        return [views.record(Block(text), notice=text[:190])]
