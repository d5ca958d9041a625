"""The SQL every table of messages to send shares: claiming due rows, giving them back, recovering them.

A queue table (``deliveries`` for scan reminders, ``tablet_deliveries`` for the daily tablet) has the
columns of the delivery loop's protocol: ``status`` (``pending -> sending -> sent | pending | failed``,
or ``missed`` / ``cancelled``), ``fire_at``, ``next_attempt_at``, ``claimed_at``, ``attempts``,
``user_id`` and ``updated_at``. What differs between tables (how a row ends, what it rolls on to, what a
sweep finds pointless) stays with each table's owner, which uses this by composition.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from bot.storage.database import Database, to_db_time


class QueueTable:
    """The shared statements over one queue table (``table`` is a constant of the code, never input)."""

    def __init__(self, db: Database, table: str) -> None:
        """Run the statements on ``table`` of ``db``."""
        self.db = db
        self.table = table

    def recover(self, now: datetime, older_than: timedelta = timedelta(0)) -> int:
        """Re-queue rows left 'sending' (claimed at least ``older_than`` ago); return how many."""
        with self.db.transaction() as conn:
            return conn.execute(
                f"UPDATE {self.table} SET status = 'pending', claimed_at = NULL, updated_at = ? "
                "WHERE status = 'sending' AND claimed_at <= ?",
                (to_db_time(now), to_db_time(now - older_than)),
            ).rowcount

    def claim_ids(self, conn: sqlite3.Connection, now: datetime, limit: int) -> list[int]:
        """In the caller's transaction, move up to ``limit`` due rows to 'sending'; return their ids.

        The re-check of ``status = 'pending'`` in the outer UPDATE makes this safe under concurrency in
        PostgreSQL (READ COMMITTED) as well; in SQLite the write lock of BEGIN IMMEDIATE serialises it.
        """
        at = to_db_time(now)
        return [
            row[0]
            for row in conn.execute(
                f"UPDATE {self.table} SET status = 'sending', claimed_at = ?, updated_at = ? "
                f"WHERE status = 'pending' AND id IN (SELECT id FROM {self.table} WHERE status = 'pending' "
                "AND fire_at <= ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?) "
                "ORDER BY fire_at, id LIMIT ?) RETURNING id",
                (at, at, at, at, limit),
            ).fetchall()
        ]

    def release(self, item_id: int, now: datetime, *, retry_at: datetime, attempts: int | None = None) -> None:
        """Put a claimed row back to 'pending', not to be claimed before ``retry_at``."""
        with self.db.transaction() as conn:
            conn.execute(
                f"UPDATE {self.table} SET status = 'pending', claimed_at = NULL, next_attempt_at = ?, "
                "attempts = COALESCE(?, attempts), updated_at = ? WHERE id = ? AND status = 'sending'",
                (to_db_time(retry_at), attempts, to_db_time(now), item_id),
            )

    def cancel_open(self, conn: sqlite3.Connection, user_id: int, now: datetime) -> int:
        """In the caller's transaction, cancel the user's rows still to send; return how many."""
        return conn.execute(
            f"UPDATE {self.table} SET status = 'cancelled', updated_at = ? "
            "WHERE user_id = ? AND status IN ('pending', 'sending')",
            (to_db_time(now), user_id),
        ).rowcount
