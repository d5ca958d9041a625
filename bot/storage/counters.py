"""The ``counters`` table: anonymous daily usage counts (no link to any user), and the /stats totals."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.storage.database import Database

DELIVERY_STATES = ("pending", "sending", "sent", "failed", "missed", "cancelled")


class Counters:
    """Count events per UTC day and report totals for the operator."""

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

    def stats(self) -> dict[str, int | float]:
        """Return totals for an admin /stats: users, counters, no-match rate, reminders by status."""
        result: dict[str, int | float] = {}
        users = self.db.query_one("SELECT COUNT(*) FROM users")
        result["users"] = int(users[0]) if users else 0
        for row in self.db.query("SELECT name, SUM(value) AS total FROM counters GROUP BY name"):
            result[row["name"]] = int(row["total"])
        questions = int(result.setdefault("questions", 0))
        no_match = int(result.setdefault("no_match", 0))
        result.setdefault("urgent", 0)
        result["no_match_rate"] = round(no_match / questions, 4) if questions else 0.0
        active = self.db.query_one("SELECT COUNT(*) FROM reminders WHERE status = 'active'")
        result["reminders_active"] = int(active[0]) if active else 0
        counts = {
            row["status"]: int(row["n"])
            for row in self.db.query("SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status")
        }
        for status in DELIVERY_STATES:
            result[f"reminders_{status}"] = counts.get(status, 0)
        return result
