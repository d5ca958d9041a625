"""/plan: show the monitoring schedule the articles describe and turn it into recurring reminders.

This module owns the /plan conversation (choose women-on-anastrozole or men-on-TRT, give a reference
date: last DEXA scan or treatment start) as a mixin of ``ReminderService``.  Every health statement it
shows is a verbatim quote from ``knowledge/plan.yaml`` (checked against the articles); the intervals
are the ones those quotes state.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.models import Block, Button, Reply, ReplyKind, Style
from bot.reminders import views
from bot.reminders.core import ServiceBase
from bot.reminders.dates import DateProblem, ParsedWhen, clean_text
from bot.reminders.plan import PlanVariant
from bot.storage import User


class PlanCommands(ServiceBase):
    """The /plan half of ``ReminderService``."""

    def plan(self, user_id: int, chat_id: int, args: str, now: datetime) -> list[Reply]:
        """/plan [women|men] [reference date]: show the schedule, ask what is missing, or set reminders."""
        if self.monitoring_plan is None:
            return [views.error(self.texts, self.texts.t("plan_unavailable"))]
        user = self._user(user_id, chat_id, now)
        words = clean_text(args).split()
        if not words:
            self._save_flow(user_id, {"step": "plan_variant"}, now)
            return [self._plan_overview(None, ask_variant=True)]
        variant = self.monitoring_plan.variant(words[0])
        if variant is not None:
            words = words[1:]
        if not words:
            assert variant is not None
            self._save_flow(user_id, {"step": "plan_date", "variant": variant.key}, now)
            return [self._plan_overview(variant, ask_variant=False)]
        return self._plan_with_date(user, variant, self._parse(user, " ".join(words), now, prefer="past"), now)

    def _plan_overview(self, only: PlanVariant | None, *, ask_variant: bool) -> Reply:
        """The schedule (one variant or all), each item with its quotes and source, then the question."""
        assert self.monitoring_plan is not None
        t = self.texts.t
        blocks = [Block(t("plan_title"), Style.TITLE), Block(t("plan_intro"))]
        for variant in self.monitoring_plan.variants:
            if only is not None and variant.key != only.key:
                continue
            blocks.append(Block(t("plan_variant", title=variant.title), Style.TITLE))
            for item in self.monitoring_plan.items_for(variant.key):
                key = "plan_item_every" if item.every_months else "plan_item_once"
                blocks.append(Block(t(key, title=item.title, months=item.every_months), Style.ITEM))
                blocks.extend(Block(quote.text, Style.QUOTE) for quote in item.quotes)
                articles = "; ".join(
                    dict.fromkeys(self.article_titles.get(quote.article, quote.article) for quote in item.quotes)
                )
                blocks.append(Block(t("plan_source", article=articles), Style.SOURCE))
                if item.note:
                    blocks.append(Block(item.note))
        blocks.append(Block(t("plan_ask_date")))
        rows: tuple[tuple[Button, ...], ...] = ()
        if ask_variant:
            blocks.append(Block(t("plan_ask_variant")))
            rows = tuple((views.button(v.button, f"r:plan:{v.code}"),) for v in self.monitoring_plan.variants)
        blocks.append(Block(t("plan_footer"), Style.FOOTER))
        return Reply(ReplyKind.REMINDER, tuple(blocks), rows)

    def _ask_variant(self) -> Reply:
        assert self.monitoring_plan is not None
        rows = [(views.button(v.button, f"r:plan:{v.code}"),) for v in self.monitoring_plan.variants]
        return views.info(self.texts, self.texts.t("plan_ask_variant"), buttons=rows)

    def _plan_with_date(
        self, user: User, variant: PlanVariant | None, result: ParsedWhen | DateProblem, now: datetime
    ) -> list[Reply]:
        key = variant.key if variant else None
        if isinstance(result, DateProblem):
            if result.kind == "ambiguous":
                self._save_flow(
                    user.user_id,
                    {
                        "step": "plan_pick_date",
                        "variant": key,
                        "candidates": [[d.isoformat(), o] for d, o in zip(result.candidates, result.orders, strict=True)],
                    },
                    now,
                )
                return [views.ambiguous_reply(self.texts, result)]
            # Keep (or start) the flow so the user can simply type the date again.
            self._save_flow(user.user_id, {"step": "plan_date" if key else "plan_variant", "variant": key}, now)
            return [self._problem(result)]
        return self._plan_reference(user, key, result.date, now)

    def _plan_reference(self, user: User, variant_key: str | None, reference: date, now: datetime) -> list[Reply]:
        """A reference date is known: create the reminders, or first ask which schedule applies."""
        assert self.monitoring_plan is not None
        variant = next((v for v in self.monitoring_plan.variants if v.key == variant_key), None)
        if variant is None:
            self._save_flow(user.user_id, {"step": "plan_variant", "ref": reference.isoformat()}, now)
            return [self._ask_variant()]
        return self._plan_create(user, variant, reference, now)

    def _plan_text(self, user: User, state: dict[str, Any], text: str, now: datetime) -> list[Reply]:
        """A message typed during the /plan flow: a variant word or a date."""
        assert self.monitoring_plan is not None
        variant = self.monitoring_plan.variant(text)
        if variant is not None:
            return self._plan_button(user, variant.code, now)
        if state.get("step") == "plan_variant" and state.get("ref"):
            return [self._ask_variant()]
        current = next((v for v in self.monitoring_plan.variants if v.key == state.get("variant")), None)
        return self._plan_with_date(user, current, self._parse(user, text, now, prefer="past"), now)

    def _plan_button(self, user: User, code: str, now: datetime) -> list[Reply]:
        """ "r:plan:<code>": the user chose a schedule."""
        assert self.monitoring_plan is not None
        variant = next((v for v in self.monitoring_plan.variants if v.code == code), None)
        if variant is None:
            return [self._expired()]
        state = self._load_flow(user.user_id, now) or {}
        if state.get("step") == "plan_variant" and state.get("ref"):
            return self._plan_create(user, variant, date.fromisoformat(state["ref"]), now)
        self._save_flow(user.user_id, {"step": "plan_date", "variant": variant.key}, now)
        return [self._plan_overview(variant, ask_variant=False)]

    def _plan_create(self, user: User, variant: PlanVariant, reference: date, now: datetime) -> list[Reply]:
        """Create one recurring reminder per item with an interval, replacing earlier plan reminders."""
        assert self.monitoring_plan is not None
        items = [item for item in self.monitoring_plan.items_for(variant.key) if item.every_months]
        if not items:
            self.db.clear_flow(user.user_id)
            return [views.info(self.texts, self.texts.t("plan_nothing"))]
        plan_ids = {item.id for item in self.monitoring_plan.items}
        replaced = [r for r in self.store.active(user.user_id) if r.plan_item in plan_ids]
        if self.store.count_active(user.user_id) - len(replaced) + len(items) > self.max_active:
            return [views.error(self.texts, self.texts.t("err_too_many", max=self.max_active))]
        tz_name, tz_default = self._tz(user)
        offsets, remind_time = self._options(user)
        today = now.astimezone(ZoneInfo(tz_name)).date()
        t = self.texts.t
        blocks = [Block(t("plan_created_title"), Style.TITLE)]
        created: list[int] = []
        with self.db.transaction():  # replace and create together, or not at all
            for old in replaced:
                self.store.cancel(old.id, now)
            for item in items:
                first = item.next_date(reference, today)
                assert first is not None and item.every_months is not None
                reminder, _ = self.store.create(
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
                    recurrence_months=item.every_months,
                    anchor_date=reference,
                    plan_item=item.id,
                )
                created.append(reminder.id)
                blocks.append(
                    Block(
                        t(
                            "plan_created_item",
                            label=item.label,
                            date=self.texts.format_date(reminder.event_date),
                            months=item.every_months,
                        ),
                        Style.ITEM,
                    )
                )
            self.db.clear_flow(user.user_id)
        if replaced:
            blocks.append(Block(t("plan_replaced", count=len(replaced))))
        blocks.append(Block(views.tz_line(self.texts, tz_name, tz_default)))
        blocks.append(Block(t("plan_footer"), Style.FOOTER))
        row = [views.button(t("btn_list"), "r:list")]
        undo = "r:undo:" + ",".join(map(str, created))
        if views.fits(undo):
            row.insert(0, views.button(t("btn_undo_all"), undo))
        return [Reply(ReplyKind.REMINDER, tuple(blocks), (tuple(row),))]
