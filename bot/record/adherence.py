"""Adherence arithmetic: the share of recorded days on which the tablet was taken, over the last N days.

Pure functions over the ``doses`` of one user (local date -> taken / skipped / missed). A day counts only
when something is recorded for it: taken or skipped by the patient, or missed (a reminder was sent and
not answered by the end of that day). Days with no reminder (before the reminder was set, paused,
stopped, or while the bot was down) have nothing recorded and are left out of the percentage, which is
therefore "taken on X of the Y days recorded". Today counts once it is recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.record.tablets import DoseStatus

WINDOWS = (7, 30, 90)  # days shown by /tablets; the summary uses the last one


@dataclass(frozen=True)
class Window:
    """Counts of the last ``days`` days (today included)."""

    days: int
    taken: int
    skipped: int
    missed: int

    @property
    def recorded(self) -> int:
        """Days with something recorded."""
        return self.taken + self.skipped + self.missed

    @property
    def percent(self) -> int | None:
        """Whole percent of recorded days taken; None when nothing is recorded."""
        if not self.recorded:
            return None
        return int(100 * self.taken / self.recorded + 0.5)  # half up: 6 of 7 days is 86 %


def window(doses: Mapping[date, DoseStatus], today: date, days: int) -> Window:
    """Return the counts of the ``days`` days ending with ``today``."""
    first = today - timedelta(days=days - 1)
    statuses = [status for day, status in doses.items() if first <= day <= today]
    return Window(
        days,
        statuses.count(DoseStatus.TAKEN),
        statuses.count(DoseStatus.SKIPPED),
        statuses.count(DoseStatus.MISSED),
    )


def windows(doses: Mapping[date, DoseStatus], today: date, spans: Sequence[int] = WINDOWS) -> list[Window]:
    """Return one :class:`Window` per span (7, 30 and 90 days by default)."""
    return [window(doses, today, days) for days in spans]


def calendar(doses: Mapping[date, DoseStatus], today: date, days: int = WINDOWS[-1]) -> list[tuple[date, DoseStatus | None]]:
    """Return each of the last ``days`` days, oldest first, with what is recorded (None: nothing)."""
    first = today - timedelta(days=days - 1)
    return [(first + timedelta(days=i), doses.get(first + timedelta(days=i))) for i in range(days)]
