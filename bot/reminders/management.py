"""Looking after existing reminders: ``/reminders`` (the list), ``/cancel ID``, undo, ``/calendar ID``.

Only the owner's reminders are ever shown or changed: anyone else's id reads exactly like an unknown one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.models import Incoming, Reply
from bot.reminders import views
from bot.reminders.context import ReminderContext
from bot.reminders.ics import calendar_file
from bot.reminders.model import Reminder, ReminderStatus

LIST_CAP = 10  # reminders shown by /reminders (each has a row of buttons)


class ReminderManagement:
    """/reminders, /cancel, undo and /calendar."""

    def __init__(self, ctx: ReminderContext) -> None:
        """Work over the shared reminder context."""
        self.ctx = ctx

    def listing(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/reminders: each active reminder with its next firing time and cancel / calendar buttons."""
        reminders = self.ctx.reminders.active(message.user_id)
        next_times = self.ctx.reminders.next_fire_times([r.id for r in reminders[:LIST_CAP]])
        return [views.reminder_list(self.ctx.texts, reminders, next_times, cap=LIST_CAP)]

    def cancel_command(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/cancel 12 (the number shown by /reminders); without a number, the list to pick from."""
        return self._by_id(message, args, now, "cancel", lambda reminder_id: self.cancel(message, (reminder_id,), now))

    def calendar_command(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/calendar 12: the .ics file of that reminder."""
        return self._by_id(message, args, now, "calendar", lambda reminder_id: self.calendar(message, reminder_id, now))

    def _by_id(
        self, message: Incoming, args: str, now: datetime, command: str, action: Callable[[int], list[Reply]]
    ) -> list[Reply]:
        token = args.strip().lstrip("#")
        if not (token.isascii() and token.isdigit()) or len(token) > 12:
            usage = self.ctx.texts.t("cmd_id_usage", command=command)
            first, *rest = self.listing(message, "", now)
            return [views.with_usage(usage, first), *rest]
        return action(int(token))

    def cancel(self, message: Incoming, reminder_ids: Sequence[int], now: datetime) -> list[Reply]:
        """Cancel the user's reminders among ``reminder_ids`` (a Cancel or Undo button, or /cancel)."""
        done: list[Reminder] = []
        for reminder_id in reminder_ids:
            reminder = self.ctx.reminders.get_owned(message.user_id, reminder_id)
            if reminder is not None and self.ctx.reminders.cancel(reminder.id, now):
                done.append(reminder)
        return [views.cancelled(self.ctx.texts, done)]

    def calendar(self, message: Incoming, reminder_id: int, now: datetime) -> list[Reply]:
        """Send the reminder as an .ics file (owner only)."""
        reminder = self.ctx.reminders.get_owned(message.user_id, reminder_id)
        if reminder is None or reminder.status is ReminderStatus.CANCELLED:
            return [views.error(self.ctx.texts, self.ctx.texts.t("not_found"))]
        return [views.calendar(self.ctx.texts, reminder, calendar_file(reminder, self.ctx.texts, now))]
