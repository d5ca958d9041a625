"""The delivery loop's side of ``tablet_deliveries``: the same claim / send / mark protocol, retries and
crash recovery as the scan reminders (``bot/reminders/delivery.py``), over the tablet tables.

State machine of a row: ``pending -> sending -> sent | pending (retry) | failed``; ``pending -> missed``
(its day ended before it could be sent, or the day was already answered) or ``cancelled`` (time changed,
paused, stopped, answered). When a daily row ends, the next day's reminder is queued in the same
transaction (``TabletRepository.ensure_next``). The sweep also closes days: a day whose daily reminder
was sent and not answered by the end of that local day is recorded as ``missed`` in ``doses``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.models import Reply
from bot.record import views
from bot.record.tablets import TABLET_SELECT, TabletDelivery, TabletRepository, tablet_delivery
from bot.record.texts import RecordTexts
from bot.reminders.delivery import OutboxItem
from bot.reminders.repository import placeholders
from bot.storage import Database, to_db_time
from bot.storage.queue_table import QueueTable


class TabletOutbox:
    """Tablet reminders as an ``Outbox`` of the delivery loop."""

    def __init__(self, db: Database, texts: Callable[[], RecordTexts]) -> None:
        """Queue over ``db``; messages are worded by the current record texts."""
        self.db = db
        self.texts = texts
        self.tablets = TabletRepository(db)
        self.table = QueueTable(db, "tablet_deliveries")

    def recover(self, now: datetime, older_than: timedelta = timedelta(0)) -> int:
        """Re-queue rows left 'sending' (claimed at least ``older_than`` ago); return how many."""
        return self.table.recover(now, older_than)

    def sweep(self, now: datetime, grace: timedelta) -> int:
        """Mark rows whose day has ended 'missed', queue the following day, and close unanswered days."""
        at = to_db_time(now)
        with self.db.transaction() as conn:
            rows = conn.execute(
                "UPDATE tablet_deliveries SET status = 'missed', updated_at = ? "
                "WHERE status = 'pending' AND day_end_at <= ? RETURNING schedule_id",
                (at, at),
            ).fetchall()
            for schedule_id in {row[0] for row in rows}:
                self.tablets.ensure_next(conn, schedule_id, now, late_today=True)  # back after an outage
            # A reminder was sent and the day is over with no answer: that day is recorded as missed.
            conn.execute(
                "INSERT INTO doses (user_id, day, medicine, status, recorded_at) "
                "SELECT d.user_id, d.day, s.medicine, 'missed', ? FROM tablet_deliveries d "
                "JOIN tablet_schedules s ON s.id = d.schedule_id "
                "WHERE d.kind = 'daily' AND d.status = 'sent' AND d.day_end_at <= ? "
                "AND NOT EXISTS (SELECT 1 FROM doses x WHERE x.user_id = d.user_id AND x.day = d.day) "
                "ON CONFLICT (user_id, day) DO NOTHING",
                (at, at),
            )
        return len(rows)

    def claim(self, now: datetime, limit: int) -> Sequence[OutboxItem]:
        """Atomically move up to ``limit`` due rows to 'sending' and return them, earliest first."""
        with self.db.transaction() as conn:
            ids = self.table.claim_ids(conn, now, limit)
            if not ids:
                return []
            query = TABLET_SELECT + f"WHERE d.id IN ({placeholders(ids)}) ORDER BY d.fire_at, d.id"
            rows = conn.execute(query, ids).fetchall()
        return [tablet_delivery(row) for row in rows]

    def compose(self, item: OutboxItem, now: datetime, *, late: bool) -> Reply | None:
        """Return the reminder with its Taken / Snooze / Skip buttons; None once its day is over or answered."""
        assert isinstance(item, TabletDelivery)
        if item.day_end_at <= now:
            return None
        answered = self.db.query_one(
            "SELECT 1 FROM doses WHERE user_id = ? AND day = ?", (item.user_id, item.day.isoformat())
        )
        if answered is not None:
            return None
        return views.tablet_notice(self.texts(), item, late=late)

    def _finish(self, item_id: int, status: str, now: datetime, *, attempts: int | None = None) -> None:
        stamp = to_db_time(now)
        with self.db.transaction() as conn:
            row = conn.execute(
                "UPDATE tablet_deliveries SET status = ?, updated_at = ?, "
                "sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END, attempts = COALESCE(?, attempts) "
                "WHERE id = ? AND status = 'sending' RETURNING schedule_id, kind",
                (status, stamp, status, stamp, attempts, item_id),
            ).fetchone()
            if row is not None and row["kind"] == "daily":
                self.tablets.ensure_next(conn, row["schedule_id"], now)

    def mark_sent(self, item_id: int, now: datetime) -> None:
        """Record a row as sent and queue the next day's reminder."""
        self._finish(item_id, "sent", now)

    def mark_failed(self, item_id: int, attempts: int, now: datetime) -> None:
        """Give up on a row after ``attempts`` tries."""
        self._finish(item_id, "failed", now, attempts=attempts)

    def mark_missed(self, item_id: int, now: datetime) -> None:
        """Record a claimed row as missed (its day ended, or the day was answered meanwhile)."""
        self._finish(item_id, "missed", now)

    def release(self, item_id: int, now: datetime, *, retry_at: datetime, attempts: int | None = None) -> None:
        """Put a claimed row back to 'pending', not to be claimed before ``retry_at``."""
        self.table.release(item_id, now, retry_at=retry_at, attempts=attempts)

    def block_user(self, user_id: int, now: datetime) -> int:
        """The user blocked the bot: stop their tablet reminder; return rows cancelled."""
        stamp = to_db_time(now)
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE tablet_schedules SET status = 'stopped', updated_at = ? WHERE user_id = ? AND status = 'active'",
                (stamp, user_id),
            )
            return self.table.cancel_open(conn, user_id, now)
