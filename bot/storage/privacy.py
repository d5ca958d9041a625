"""Erasure and retention across every table that names a user (``/forget`` and the nightly purge)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.storage.database import Database, to_db_time
from bot.storage.files import UserFiles
from bot.storage.inbox import Inbox

# Every table that holds a user id, for forget_user (and for the test that checks it). Tables whose rows
# reference another table's rows come first, so the counts are exact rather than left to cascades.
USER_TABLES: tuple[str, ...] = (
    "deliveries",
    "tablet_deliveries",
    "reminders",
    "tablet_schedules",
    "doses",
    "dexa_results",
    "notes",
    "flows",
    "users",
)
# Every table that holds a chat id, for move_chat.
CHAT_TABLES: tuple[str, ...] = ("users", "reminders", "deliveries", "tablet_schedules", "tablet_deliveries")
FINISHED_DELIVERY = ("sent", "missed", "failed", "cancelled")


class Privacy:
    """Delete what the bot holds about a person, and what it no longer needs to keep."""

    def __init__(self, db: Database, files: UserFiles | None = None) -> None:
        """Use ``db`` for every query; ``files``: the folder of files written for users, if any."""
        self.db = db
        self.files = files

    def forget_user(self, user_id: int) -> int:
        """Delete every row naming the user, in every table, atomically, and their files; return the count."""
        deleted = 0
        with self.db.transaction() as conn:
            # Deliveries first (explicitly, not only by cascade) so the count is exact.
            deleted += conn.execute(
                "DELETE FROM deliveries WHERE user_id = ? OR reminder_id IN (SELECT id FROM reminders WHERE user_id = ?)",
                (user_id, user_id),
            ).rowcount
            deleted += conn.execute(
                "DELETE FROM tablet_deliveries WHERE user_id = ? "
                "OR schedule_id IN (SELECT id FROM tablet_schedules WHERE user_id = ?)",
                (user_id, user_id),
            ).rowcount
            for table in USER_TABLES[2:]:
                deleted += conn.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,)).rowcount
        self.db.checkpoint()  # the WAL still holds the rows as they were; secure_delete zeroed the file's copy
        if self.files is not None:
            deleted += self.files.erase(user_id)
        return deleted

    def move_chat(self, old_chat_id: int, new_chat_id: int) -> int:
        """Point every row that names chat ``old_chat_id`` at ``new_chat_id`` (a group that became a
        supergroup gets a new id); return the rows changed."""
        moved = 0
        with self.db.transaction() as conn:
            for table in CHAT_TABLES:
                moved += conn.execute(
                    f"UPDATE {table} SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id)
                ).rowcount
        return moved

    def purge_old(self, now: datetime, retention_days: int = 30) -> int:
        """Delete finished deliveries, finished reminders and stale flows older than the retention.

        The patient's own record (doses, DEXA results, questions kept for the care team, the tablet
        schedule) is theirs to keep until /forget: /privacy says so.
        """
        cutoff = to_db_time(now - timedelta(days=retention_days))
        marks = ",".join("?" * len(FINISHED_DELIVERY))
        with self.db.transaction() as conn:
            deleted = conn.execute(
                f"DELETE FROM deliveries WHERE status IN ({marks}) AND updated_at < ?",
                (*FINISHED_DELIVERY, cutoff),
            ).rowcount
            deleted += conn.execute(
                f"DELETE FROM tablet_deliveries WHERE status IN ({marks}) AND updated_at < ?",
                (*FINISHED_DELIVERY, cutoff),
            ).rowcount
            deleted += conn.execute(
                "DELETE FROM reminders WHERE status IN ('cancelled', 'done') AND updated_at < ? "
                "AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.reminder_id = reminders.id)",
                (cutoff,),
            ).rowcount
            deleted += conn.execute("DELETE FROM flows WHERE updated_at < ?", (cutoff,)).rowcount
            deleted += Inbox(self.db).purge(now)  # bare rows of answered updates (no user data left in them)
        return deleted
