"""What a reminder is: the appointment (``Reminder``), each message to send for it (``Delivery``), its kind.

Plain frozen data; the SQL that reads and writes them is in ``repository.py`` and ``queue.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.storage.schema import DeliveryStatus, ReminderStatus

__all__ = ["KINDS", "Delivery", "DeliveryStatus", "Reminder", "ReminderKind", "ReminderStatus"]


class ReminderKind(StrEnum):
    """What a reminder is for: it picks the default label and the guided flow's buttons."""

    DEXA = "dexa"
    BLOOD = "blood"
    OTHER = "other"


KINDS: tuple[str, ...] = tuple(kind.value for kind in ReminderKind)


@dataclass(frozen=True)
class Reminder:
    """One appointment (or a recurring series of them) the user asked to be reminded of."""

    id: int
    user_id: int
    chat_id: int
    kind: str
    label: str
    event_date: date  # the current (next) occurrence, local date
    event_time: time | None  # local; None = all day
    timezone: str
    recurrence_months: int | None
    anchor_date: date  # first occurrence; later ones are computed from it
    offsets: tuple[int, ...]
    remind_time: time
    plan_item: str | None
    status: ReminderStatus
    source_message: int | None = None  # the id of the message that set it (an edit of it replaces it)

    @property
    def tz(self) -> ZoneInfo:
        """The reminder's timezone."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Delivery:
    """One message to send, with the reminder fields needed to write it."""

    id: int
    reminder_id: int
    user_id: int
    chat_id: int
    event_date: date
    event_at: datetime
    fire_at: datetime
    offset_days: int
    status: DeliveryStatus
    attempts: int
    label: str
    kind: str
    event_time: time | None
    timezone: str
    remind_time: time
