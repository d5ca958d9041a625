"""The reminder feature behind one thin facade: its commands, its buttons and its guided flows.

``Reminders`` composes the units that each own one meaning (``creation``: /remind; ``planning``:
/plan; ``preferences``: settings and /timezone; ``management``: list, cancel, calendar) over one shared
:class:`ReminderContext`. It offers their handlers to the bot's router (``commands()``/``buttons()``)
and sends a typed answer during a guided flow to the unit whose step it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from bot import buttons
from bot.models import Incoming, Reply
from bot.reminders import views
from bot.reminders.context import ReminderContext
from bot.reminders.creation import ReminderCreation
from bot.reminders.flows import Step
from bot.reminders.management import ReminderManagement
from bot.reminders.planning import PlanCommand
from bot.reminders.preferences import Preferences
from bot.routing import AnyButtonRoute, ButtonRoute, CommandRoute
from bot.text import one_line

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
        )

    # -- routing inside the feature -----------------------------------------------------------------

    def remind(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/remind: ``/remind settings ...`` changes defaults; anything else creates a reminder."""
        head, _, rest = one_line(args).partition(" ")
        if head.lower() == "settings":
            return self.preferences.settings(message, rest, now)
        return self.creation.command(message, args, now)

    def continue_flow(self, message: Incoming, text: str, now: datetime) -> list[Reply] | None:
        """Feed a plain message to the user's guided flow; None if there is none (treat it as a question)."""
        state = self.ctx.flows.load(message.user_id, now)
        if state is None:
            return None
        text = one_line(text)
        if not text:
            return None
        if text.endswith("?"):  # a question, not an answer: let the caller answer it
            self.ctx.flows.end(message.user_id)
            return None
        if state.step.is_plan:
            return self.planning.continue_flow(message, state, text, now)
        return self.creation.continue_flow(message, state, text, now)

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
