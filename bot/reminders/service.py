"""The reminder feature behind one thin facade: its commands, its buttons and its guided flows.

``Reminders`` composes the units that each own one meaning (``creation``: /remind; ``planning``:
/plan; ``preferences``: settings and /timezone; ``management``: list, cancel, calendar) over one shared
:class:`ReminderContext`. It offers their handlers to the bot's router (``commands()``/``buttons()``)
and sends a typed answer during a guided flow to the unit whose step it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime

from bot import buttons
from bot.models import Incoming, Reply
from bot.reminders import views
from bot.reminders.context import ReminderContext
from bot.reminders.creation import ReminderCreation
from bot.reminders.dates import MAX_LABEL, DateProblem
from bot.reminders.flows import FlowState, Step
from bot.reminders.leaving import is_way_out
from bot.reminders.management import ReminderManagement
from bot.reminders.offers import ReminderOffers
from bot.reminders.planning import PlanCommand
from bot.reminders.preferences import Preferences
from bot.routing import AnyButtonRoute, ButtonRoute, CommandRoute
from bot.text import one_line

# A typed "yes" to an offer ("Shall I set a reminder for this?").
_YES = re.compile(r"^\s*(?:yes|yeah|yep|yup|ya|yes please|please do|ok|okay|sure|go on|do it|set it|y)\b[\s.!x]*$", re.I)

def _asks(text: str) -> bool:
    """Without the Assistant's judgement: a message of three words or more ending in "?" is a question."""
    return text.rstrip().endswith("?") and len(text.split()) >= 3


# The commands this feature answers (the fallback group answers them when reminders are off).
REMINDER_COMMANDS = ("remind", "reminders", "cancel", "calendar", "plan", "timezone")


class Reminders:
    """Reminder commands and buttons over a :class:`ReminderContext`."""

    def __init__(self, ctx: ReminderContext) -> None:
        """Build the units over one shared context."""
        self.ctx = ctx
        self.creation = ReminderCreation(ctx)
        self.planning = PlanCommand(ctx)
        self.preferences = Preferences(ctx)
        self.management = ReminderManagement(ctx)
        self.offers = ReminderOffers(ctx, self.creation)

    # -- what the router offers ---------------------------------------------------------------------

    def commands(self) -> Mapping[str, CommandRoute]:
        """Return the reminder commands by name."""
        return {
            "remind": CommandRoute(self.remind),
            "reminders": CommandRoute(self.management.listing),
            "cancel": CommandRoute(self.management.cancel_command),
            "calendar": CommandRoute(self.management.calendar_command),
            "plan": CommandRoute(self.planning.command),
            "timezone": CommandRoute(self.preferences.timezone),
        }

    def buttons(self) -> Iterable[AnyButtonRoute]:
        """Return the reminder buttons' routes."""
        m = self.management
        # Every reminder button acts on the presser's own reminders or settings: private chat only.
        c, p = self.creation, self.preferences
        return (
            ButtonRoute(buttons.ReminderKindChoice, lambda msg, d, now: c.choose_kind(msg, d.kind, now), personal=True),
            ButtonRoute(buttons.PickDate, lambda msg, d, now: self.pick_date(msg, d.day, now), personal=True),
            ButtonRoute(buttons.UndoReminders, lambda msg, d, now: m.cancel(msg, d.ids, now), personal=True),
            ButtonRoute(buttons.CancelReminder, lambda msg, d, now: m.cancel(msg, (d.id,), now), personal=True),
            ButtonRoute(buttons.CalendarFile, lambda msg, d, now: m.calendar(msg, d.id, now), personal=True),
            ButtonRoute(buttons.TimezoneChoice, lambda msg, d, now: p.choose_timezone(msg, d.name, now), personal=True),
            ButtonRoute(
                buttons.PlanVariantChoice, lambda msg, d, now: self.planning.choose_variant(msg, d.code, now), personal=True
            ),
            ButtonRoute(buttons.StopFlow, lambda msg, d, now: self.stop_flow(msg), personal=True),
            ButtonRoute(buttons.ListReminders, lambda msg, d, now: m.listing(msg, "", now), personal=True),
            ButtonRoute(buttons.OfferReminder, lambda msg, d, now: self.offers.answer(msg, d.accept, now), personal=True),
            ButtonRoute(buttons.ContinueFlow, lambda msg, d, now: self.resume(msg, now), personal=True),
        )

    # -- routing inside the feature -----------------------------------------------------------------

    def remind(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/remind: ``/remind settings ...`` changes defaults; anything else creates a reminder."""
        head, _, rest = one_line(args).partition(" ")
        if head.lower() == "settings":
            return self.preferences.settings(message, rest, now)
        return self.creation.command(message, args, now)

    def continue_flow(
        self, message: Incoming, text: str, now: datetime, asks: Callable[[str], bool] | None = None
    ) -> list[Reply] | None:
        """Feed a plain message to the user's guided flow; None when it is not an answer to the step.

        A way out ("cancel", "not now", the Stop button) ends the flow. A question (``asks``: the
        Assistant's judgement, which can search the articles) returns None with the flow kept, so it is
        answered and :meth:`paused` offers to carry on. A pending offer takes a typed yes or no; any
        other message lets it lapse.
        """
        state = self.ctx.flows.load(message.user_id, now)
        if state is None:
            return None
        text = one_line(text)
        if not text:
            return None
        vocabulary = self.ctx.content().grammar.v
        if state.step is Step.OFFER:
            if _YES.match(text):
                return self.offers.answer(message, True, now)
            if is_way_out(text, vocabulary):
                return self.offers.answer(message, False, now)
            self.ctx.flows.end(message.user_id)
            return None
        if is_way_out(text, vocabulary):
            return self.stop_flow(message)
        if state.step in (Step.DATE, Step.PICK_DATE, Step.PLAN_DATE, Step.PLAN_PICK_DATE):
            has_date = self.ctx.split(self.ctx.user(message, now), text, now)[0]
            if not (isinstance(has_date, DateProblem) and has_date.kind in ("unparseable", "empty")):
                return self._dispatch(message, state, text, now)  # a date, even a problem one, answers
        if (asks or _asks)(text):
            return None
        return self._dispatch(message, state, text, now)

    def _dispatch(self, message: Incoming, state: FlowState, text: str, now: datetime) -> list[Reply]:
        if state.step.is_plan:
            return self.planning.continue_flow(message, state, text, now)
        return self.creation.continue_flow(message, state, text, now)

    def paused(self, message: Incoming, now: datetime) -> Reply | None:
        """After a question answered mid-flow: "We were setting up a reminder. Carry on?" (or None)."""
        state = self.ctx.flows.load(message.user_id, now)
        if state is None or state.step is Step.OFFER:
            return None
        texts = self.ctx.texts
        label = state.label or (texts.kind_labels.get(state.kind or "", "") if state.kind else "")
        rows = ((views.button(texts.t("btn_continue"), buttons.ContinueFlow()), views.stop_button(texts)),)
        line = texts.t("flow_paused", label=label) if label else texts.t("flow_paused_new")
        return views.info(texts, line, buttons=rows)

    def resume(self, message: Incoming, now: datetime) -> list[Reply]:
        """ "Carry on": ask the step's question again."""
        ctx = self.ctx
        state = ctx.flows.load(message.user_id, now)
        if state is None:
            return [ctx.expired()]
        if state.step.is_plan:
            ctx.flows.end(message.user_id)
            return self.planning.command(message, "", now)
        if state.step is Step.KIND:
            return [views.ask_kind(ctx.texts)]
        if state.step is Step.LABEL:
            stop = ((views.stop_button(ctx.texts),),)
            return [views.info(ctx.texts, ctx.texts.t("flow_ask_label", max=MAX_LABEL), buttons=stop)]
        return [views.ask_date(ctx.texts, state.label or ctx.texts.kind_labels.get(state.kind or "other", ""))]

    def offer(self, message: Incoming, text: str, now: datetime) -> list[Reply] | None:
        """A plain message that asks for a reminder: the offer (see ``offers.py``), or None."""
        return self.offers.from_message(message, text, now)

    def pick_date(self, message: Incoming, day: date, now: datetime) -> list[Reply]:
        """The user chose one reading of an ambiguous date; remember their day/month order."""
        ctx = self.ctx
        state = ctx.flows.load(message.user_id, now)
        if state is None or state.step not in (Step.PICK_DATE, Step.PLAN_PICK_DATE):
            return [ctx.expired()]
        orders = dict(state.candidates)
        if day not in orders:
            return [ctx.expired()]
        learned: list[Reply] = []
        user = ctx.user(message, now)
        if user.date_order is None and orders[day] in ("DMY", "MDY"):
            ctx.users.set_date_order(user.user_id, orders[day], now)
            name = ctx.texts.t("order_dmy" if orders[day] == "DMY" else "order_mdy")
            learned.append(views.info(ctx.texts, ctx.texts.t("order_learned", order=name)))
        unit = self.planning if state.step is Step.PLAN_PICK_DATE else self.creation
        return unit.pick_date(message, state, day, now) + learned

    def stop_flow(self, message: Incoming) -> list[Reply]:
        """Leave the guided flow."""
        self.ctx.flows.end(message.user_id)
        return [views.info(self.ctx.texts, self.ctx.texts.t("flow_stopped"))]
