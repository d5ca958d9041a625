"""Monitoring reminders: parse dates, schedule in the user's timezone, deliver from the database.

Public entry points: :class:`~bot.reminders.service.ReminderService` (commands and buttons),
:class:`~bot.reminders.delivery.DeliveryLoop` (sending), :func:`~bot.reminders.texts.load_reminder_texts`
and :func:`~bot.reminders.plan.load_plan` (YAML content).  Nothing here imports ``telegram``.
"""

from bot.reminders.delivery import (
    DeliveryLoop,
    DeliveryReport,
    RecipientBlocked,
    RetryLater,
    Sender,
    TransientSendError,
)
from bot.reminders.plan import MonitoringPlan, load_plan
from bot.reminders.service import ReminderService
from bot.reminders.texts import ReminderTexts, load_reminder_texts

__all__ = [
    "DeliveryLoop",
    "DeliveryReport",
    "MonitoringPlan",
    "RecipientBlocked",
    "ReminderService",
    "ReminderTexts",
    "RetryLater",
    "Sender",
    "TransientSendError",
    "load_plan",
    "load_reminder_texts",
]
