"""Monitoring reminders: parse dates, schedule in the user's timezone, deliver from the database.

The feature's face is :class:`~bot.reminders.service.Reminders` (commands, buttons, guided flows over a
:class:`~bot.reminders.context.ReminderContext`); sending is :class:`~bot.reminders.delivery.DeliveryLoop`.
Content comes from ``knowledge/reminders.yaml`` (texts) and ``knowledge/plan.yaml`` (the monitoring
plan). Nothing here imports ``telegram``.
"""
