"""The ``counters`` table: anonymous daily usage counts (no link to any user), and /stats over time windows.

Each event is counted once, when it happens, by name and UTC day: a question and the kind of its reply
(``questions``, ``answer``, ``no_match``, ``medication``, ``small_talk``), an emergency reply
(``urgent``), and what users did with reminders (``reminders_set``, ``reminders_cancelled``: one per
reminder, however many messages it had; ``reminders_sent``: one per reminder message delivered). Counts
survive ``/forget`` and the retention purge, which delete the rows they were counted from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.storage.database import Database, to_db_time

WINDOWS = (1, 7, 30)  # /stats: today, the last 7 and the last 30 UTC days (today included)


@dataclass(frozen=True)
class Window:
    """Counts over the last ``days`` UTC days, today included."""

    days: int
    counts: dict[str, int]
    new_users: int

    def get(self, name: str) -> int:
        """Return a counter's total in the window (0 when nothing was counted)."""
        return self.counts.get(name, 0)


class Counters:
    """Count events per UTC day and report them over windows for the operator."""

    def __init__(self, db: Database) -> None:
        """Use ``db`` for every query."""
        self.db = db

    def increment(self, name: str, now: datetime, by: int = 1) -> None:
        """Add to today's (UTC) anonymous counter ``name``."""
        day = now.astimezone(UTC).date().isoformat()
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO counters (day, name, value) VALUES (?, ?, ?) "
                "ON CONFLICT (day, name) DO UPDATE SET value = counters.value + excluded.value",
                (day, name, by),
            )

    def window(self, days: int, now: datetime) -> Window:
        """Return the counts of the last ``days`` UTC days up to ``now`` (today included)."""
        today = now.astimezone(UTC).date()
        first: date = today - timedelta(days=days - 1)
        rows = self.db.query(
            "SELECT name, SUM(value) AS total FROM counters WHERE day >= ? AND day <= ? GROUP BY name",
            (first.isoformat(), today.isoformat()),
        )
        start = datetime(first.year, first.month, first.day, tzinfo=UTC)
        users = self.db.query_one(
            "SELECT COUNT(*) FROM users WHERE created_at >= ? AND created_at <= ?", (to_db_time(start), to_db_time(now))
        )
        return Window(days, {row["name"]: int(row["total"]) for row in rows}, int(users[0]) if users else 0)

    def now(self) -> dict[str, int]:
        """Return what is true right now: users known and active reminders."""
        users = self.db.query_one("SELECT COUNT(*) FROM users")
        active = self.db.query_one("SELECT COUNT(*) FROM reminders WHERE status = 'active'")
        return {"users": int(users[0]) if users else 0, "reminders_active": int(active[0]) if active else 0}

    def stats(self, now: datetime) -> tuple[list[Window], dict[str, int]]:
        """Return the /stats windows (today, 7 and 30 days) and the current totals."""
        return [self.window(days, now) for days in WINDOWS], self.now()
