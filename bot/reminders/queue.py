"""The delivery loop's side of the ``deliveries`` table: recover, sweep, claim, mark, retry, block.

This module owns the delivery state machine's SQL
(``pending -> sending -> sent | pending (retry) | failed``; ``pending -> missed | cancelled``).
Each method is one transaction; finishing the last delivery of an occurrence rolls a recurring
reminder on, in the same transaction (``ReminderRepository.finish_occurrence``, used by composition).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.reminders.model import Delivery
from bot.reminders.repository import DELIVERY_SELECT, ReminderRepository, delivery_from_row, placeholders
from bot.storage import Counters, Database, to_db_time
from bot.storage.queue_table import QueueTable


class DeliveryQueue:
    """Queue operations used by :class:`bot.reminders.delivery.DeliveryLoop`."""

    def __init__(self, db: Database) -> None:
        """Use ``db`` for every query; series roll on through a :class:`ReminderRepository`."""
        self.db = db
        self.reminders = ReminderRepository(db)
        self.table = QueueTable(db, "deliveries")

    def recover(self, now: datetime, older_than: timedelta = timedelta(0)) -> int:
        """Re-queue deliveries left 'sending' (claimed at least ``older_than`` ago); return how many."""
        return self.table.recover(now, older_than)

    def sweep(self, now: datetime, grace: timedelta) -> int:
        """Mark pending deliveries 'missed' when pointless; return how many.

        Pointless means the event itself has passed, or (after downtime) a later reminder for the same
        occurrence is also due, so only the most recent one is sent instead of a burst of stale ones.
        """
        at, late = to_db_time(now), to_db_time(now - grace)
        with self.db.transaction() as conn:
            rows = conn.execute(
                "SELECT d.id, d.reminder_id, d.event_date FROM deliveries d "
                "WHERE d.status = 'pending' AND d.fire_at <= ? AND (d.event_at <= ? OR (d.fire_at <= ? AND EXISTS ("
                "  SELECT 1 FROM deliveries n WHERE n.reminder_id = d.reminder_id AND n.event_date = d.event_date "
                "  AND n.status = 'pending' AND n.fire_at > d.fire_at AND n.fire_at <= ?)))",
                (at, at, late, at),
            ).fetchall()
            if not rows:
                return 0
            ids = [row[0] for row in rows]
            for start in range(0, len(ids), 500):  # stay far below SQLite's bound-parameter limit
                chunk = ids[start : start + 500]
                conn.execute(
                    f"UPDATE deliveries SET status = 'missed', updated_at = ? WHERE id IN ({placeholders(chunk)})",
                    (at, *chunk),
                )
            for reminder_id, occurrence in {(row[1], row[2]) for row in rows}:
                self.reminders.finish_occurrence(conn, reminder_id, date.fromisoformat(occurrence), now)
        return len(ids)

    def claim(self, now: datetime, limit: int) -> list[Delivery]:
        """Atomically move up to ``limit`` due deliveries to 'sending' and return them, earliest first."""
        with self.db.transaction() as conn:
            ids = self.table.claim_ids(conn, now, limit)
            if not ids:
                return []
            query = DELIVERY_SELECT + f"WHERE d.id IN ({placeholders(ids)}) ORDER BY d.fire_at, d.id"
            rows = conn.execute(query, ids).fetchall()
        return [delivery_from_row(row) for row in rows]

    def _finish(
        self, delivery_id: int, status: str, now: datetime, *, attempts: int | None = None, sent: bool = False
    ) -> bool:
        """Move a claimed delivery to ``status``; return False when it was not claimed (nothing changed)."""
        stamp = to_db_time(now)
        with self.db.transaction() as conn:
            row = conn.execute(
                "UPDATE deliveries SET status = ?, updated_at = ?, sent_at = CASE WHEN ? THEN ? ELSE sent_at END, "
                "attempts = COALESCE(?, attempts) WHERE id = ? AND status = 'sending' "
                "RETURNING reminder_id, event_date",
                (status, stamp, sent, stamp, attempts, delivery_id),
            ).fetchone()
            if row is not None:
                self.reminders.finish_occurrence(conn, row[0], date.fromisoformat(row[1]), now)
                if sent:  # anonymous /stats count, in the same transaction as the status change
                    Counters(self.db).increment("reminders_sent", now)
        return row is not None

    def mark_sent(self, delivery_id: int, now: datetime) -> None:
        """Record a delivery as sent (and roll a recurring series on if it was the last one)."""
        self._finish(delivery_id, "sent", now, sent=True)

    def mark_failed(self, delivery_id: int, attempts: int, now: datetime) -> None:
        """Give up on a delivery after ``attempts`` failed tries."""
        self._finish(delivery_id, "failed", now, attempts=attempts)

    def mark_missed(self, delivery_id: int, now: datetime) -> None:
        """Record a claimed delivery as missed (its event passed before it could be sent)."""
        self._finish(delivery_id, "missed", now)

    def release(self, delivery_id: int, now: datetime, *, retry_at: datetime, attempts: int | None = None) -> None:
        """Put a claimed delivery back to 'pending', not to be claimed before ``retry_at``."""
        self.table.release(delivery_id, now, retry_at=retry_at, attempts=attempts)

    def block_user(self, user_id: int, now: datetime) -> int:
        """The user blocked the bot: cancel their reminders and open deliveries; return deliveries cancelled."""
        stamp = to_db_time(now)
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE reminders SET status = 'cancelled', updated_at = ? WHERE user_id = ? AND status = 'active'",
                (stamp, user_id),
            )
            return self.table.cancel_open(conn, user_id, now)
