"""The ``reminders`` table and the scheduling of its ``deliveries``: create, reschedule, roll on, cancel.

A reminder is one appointment (``event_date`` is its current occurrence); a delivery is one message to
send at ``fire_at``.  All multi-row changes run in one ``Database.transaction()`` so a crash never
leaves a reminder half-scheduled.  The delivery loop's side of the table (claim, mark, retry) is
``queue.py``, which calls :meth:`ReminderRepository.finish_occurrence` when a delivery ends.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time

from bot.reminders.model import Delivery, DeliveryStatus, Reminder, ReminderStatus
from bot.reminders.schedule import event_instant, firing_times, occurrence_after
from bot.storage import Counters, Database, format_offsets, from_db_time, parse_offsets, to_db_time

MAX_ROLL = 240  # occurrences skipped at most when rolling a series past a long outage


def _reminder(row: sqlite3.Row) -> Reminder:
    return Reminder(
        id=row["id"],
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        kind=row["kind"],
        label=row["label"],
        event_date=date.fromisoformat(row["event_date"]),
        event_time=time.fromisoformat(row["event_time"]) if row["event_time"] else None,
        timezone=row["timezone"],
        recurrence_months=row["recurrence_months"],
        anchor_date=date.fromisoformat(row["anchor_date"]),
        offsets=parse_offsets(row["offsets"]),
        remind_time=time.fromisoformat(row["remind_time"]),
        plan_item=row["plan_item"],
        status=ReminderStatus(row["status"]),
        source_message=row["source_message"],
    )


DELIVERY_SELECT = (
    "SELECT d.*, r.label, r.kind, r.event_time, r.timezone, r.remind_time "
    "FROM deliveries d JOIN reminders r ON r.id = d.reminder_id "
)


def delivery_from_row(row: sqlite3.Row) -> Delivery:
    """Return the Delivery of a row selected with ``DELIVERY_SELECT``."""
    return Delivery(
        id=row["id"],
        reminder_id=row["reminder_id"],
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        event_date=date.fromisoformat(row["event_date"]),
        event_at=from_db_time(row["event_at"]),
        fire_at=from_db_time(row["fire_at"]),
        offset_days=row["offset_days"],
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        label=row["label"],
        kind=row["kind"],
        event_time=time.fromisoformat(row["event_time"]) if row["event_time"] else None,
        timezone=row["timezone"],
        remind_time=time.fromisoformat(row["remind_time"]),
    )


def placeholders(values: Sequence[object]) -> str:
    """Return ``?,?,?`` for an SQL IN list of ``values``."""
    return ",".join("?" * len(values))


class ReminderRepository:
    """Reminder and delivery queries over a :class:`Database`."""

    def __init__(self, db: Database) -> None:
        """Use ``db`` for every query."""
        self.db = db

    # -- reminders ------------------------------------------------------------------------------

    def create(
        self,
        *,
        user_id: int,
        chat_id: int,
        kind: str,
        label: str,
        event_date: date,
        event_time: time | None,
        timezone: str,
        offsets: Sequence[int],
        remind_time: time,
        now: datetime,
        recurrence_months: int | None = None,
        anchor_date: date | None = None,
        plan_item: str | None = None,
        source_message: int | None = None,
        replaces: Sequence[int] = (),
    ) -> tuple[Reminder, list[Delivery]]:
        """Insert a reminder and its deliveries in one transaction; return both.

        ``replaces``: ids of reminders this one corrects (the user edited the message that set them);
        they are cancelled in the same transaction, so a crash never leaves both or neither.
        """
        stamp = to_db_time(now)
        with self.db.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO reminders (user_id, chat_id, kind, label, event_date, event_time, timezone, "
                "recurrence_months, anchor_date, offsets, remind_time, plan_item, source_message, status, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)",
                (
                    user_id,
                    chat_id,
                    kind,
                    label,
                    event_date.isoformat(),
                    event_time.strftime("%H:%M") if event_time else None,
                    timezone,
                    recurrence_months,
                    (anchor_date or event_date).isoformat(),
                    format_offsets(offsets),
                    remind_time.strftime("%H:%M"),
                    plan_item,
                    source_message,
                    stamp,
                    stamp,
                ),
            )
            reminder_id = int(cur.lastrowid or 0)
            for old_id in replaces:
                self.cancel(old_id, now)
            self._schedule(conn, self._load(conn, reminder_id), now)
            reminder = self._load(conn, reminder_id)
            Counters(self.db).increment("reminders_set", now)  # anonymous, in the same transaction
        return reminder, self.pending(reminder_id)

    @staticmethod
    def _load(conn: sqlite3.Connection, reminder_id: int) -> Reminder:
        return _reminder(conn.execute("SELECT * FROM reminders WHERE id = ?", (reminder_id,)).fetchone())

    def _schedule(self, conn: sqlite3.Connection, reminder: Reminder, now: datetime) -> int:
        """Insert the deliveries still ahead for the current occurrence; return how many.

        Offsets already delivered (or given up) for this occurrence are not re-inserted, so a
        reschedule never repeats a reminder.  A recurring series with nothing left to send for this
        occurrence moves on to the next one; a one-off with nothing left is 'done'.
        """
        stamp = to_db_time(now)
        occurrence = reminder.event_date
        for _ in range(MAX_ROLL):
            done = {
                row[0]
                for row in conn.execute(
                    "SELECT offset_days FROM deliveries WHERE reminder_id = ? AND event_date = ? "
                    "AND status IN ('sending', 'sent', 'missed', 'failed')",
                    (reminder.id, occurrence.isoformat()),
                )
            }
            times = [
                (offset, fire)
                for offset, fire in firing_times(
                    occurrence, reminder.event_time, reminder.tz, reminder.offsets, reminder.remind_time, now=now
                )
                if offset not in done
            ]
            if times or reminder.recurrence_months is None:
                break
            occurrence = occurrence_after(reminder.anchor_date, reminder.recurrence_months, occurrence)
        event_at = to_db_time(event_instant(occurrence, reminder.event_time, reminder.tz))
        for offset, fire in times:
            conn.execute(
                "INSERT INTO deliveries (reminder_id, user_id, chat_id, event_date, event_at, fire_at, "
                "offset_days, status, attempts, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (reminder_id, fire_at) DO NOTHING",
                (
                    reminder.id,
                    reminder.user_id,
                    reminder.chat_id,
                    occurrence.isoformat(),
                    event_at,
                    to_db_time(fire),
                    offset,
                    stamp,
                    stamp,
                ),
            )
        if occurrence != reminder.event_date:
            conn.execute(
                "UPDATE reminders SET event_date = ?, updated_at = ? WHERE id = ?",
                (occurrence.isoformat(), stamp, reminder.id),
            )
        if not times and not self._has_open(conn, reminder.id, occurrence):
            conn.execute("UPDATE reminders SET status = 'done', updated_at = ? WHERE id = ?", (stamp, reminder.id))
        return len(times)

    @staticmethod
    def _has_open(conn: sqlite3.Connection, reminder_id: int, occurrence: date) -> bool:
        return (
            conn.execute(
                "SELECT 1 FROM deliveries WHERE reminder_id = ? AND event_date = ? AND status IN ('pending', 'sending')",
                (reminder_id, occurrence.isoformat()),
            ).fetchone()
            is not None
        )

    def finish_occurrence(self, conn: sqlite3.Connection, reminder_id: int, occurrence: date, now: datetime) -> None:
        """After a delivery of ``occurrence`` ends: once none is open, roll the series on (or close it)."""
        if self._has_open(conn, reminder_id, occurrence):
            return
        row = conn.execute("SELECT * FROM reminders WHERE id = ?", (reminder_id,)).fetchone()
        if row is None:
            return
        reminder = _reminder(row)
        # Only the current occurrence rolls, and only once: a second process finishing the same one
        # sees event_date already moved and does nothing.
        if reminder.status != "active" or reminder.event_date != occurrence:
            return
        stamp = to_db_time(now)
        if reminder.recurrence_months is None:
            conn.execute("UPDATE reminders SET status = 'done', updated_at = ? WHERE id = ?", (stamp, reminder_id))
            return
        following = occurrence_after(reminder.anchor_date, reminder.recurrence_months, occurrence)
        conn.execute(
            "UPDATE reminders SET event_date = ?, updated_at = ? WHERE id = ?", (following.isoformat(), stamp, reminder_id)
        )
        self._schedule(conn, self._load(conn, reminder_id), now)

    def get(self, reminder_id: int) -> Reminder | None:
        """Return a reminder by id, whoever owns it (for internal use)."""
        row = self.db.query_one("SELECT * FROM reminders WHERE id = ?", (reminder_id,))
        return _reminder(row) if row else None

    def get_owned(self, user_id: int, reminder_id: int) -> Reminder | None:
        """Return the reminder only if ``user_id`` owns it (others' ids look unknown)."""
        row = self.db.query_one("SELECT * FROM reminders WHERE id = ? AND user_id = ?", (reminder_id, user_id))
        return _reminder(row) if row else None

    def active(self, user_id: int) -> list[Reminder]:
        """Return the user's active reminders, soonest first."""
        rows = self.db.query(
            "SELECT * FROM reminders WHERE user_id = ? AND status = 'active' ORDER BY event_date, event_time, id",
            (user_id,),
        )
        return [_reminder(row) for row in rows]

    def from_message(self, user_id: int, message_id: int) -> list[Reminder]:
        """Return the user's active reminders set by message ``message_id`` (for an edit of it)."""
        rows = self.db.query(
            "SELECT * FROM reminders WHERE user_id = ? AND source_message = ? AND status = 'active' ORDER BY id",
            (user_id, message_id),
        )
        return [_reminder(row) for row in rows]

    def count_active(self, user_id: int) -> int:
        """Return how many active reminders the user has."""
        row = self.db.query_one("SELECT COUNT(*) FROM reminders WHERE user_id = ? AND status = 'active'", (user_id,))
        return int(row[0]) if row else 0

    def pending(self, reminder_id: int) -> list[Delivery]:
        """Return the reminder's pending deliveries, earliest first."""
        rows = self.db.query(
            DELIVERY_SELECT + "WHERE d.reminder_id = ? AND d.status = 'pending' ORDER BY d.fire_at", (reminder_id,)
        )
        return [delivery_from_row(row) for row in rows]

    def next_fire_times(self, reminder_ids: Sequence[int]) -> dict[int, datetime]:
        """Return reminder id -> earliest pending fire time, for those that have one."""
        if not reminder_ids:
            return {}
        rows = self.db.query(
            f"SELECT reminder_id, MIN(fire_at) AS next FROM deliveries WHERE status = 'pending' "
            f"AND reminder_id IN ({placeholders(reminder_ids)}) GROUP BY reminder_id",
            tuple(reminder_ids),
        )
        return {row["reminder_id"]: from_db_time(row["next"]) for row in rows}

    def cancel(self, reminder_id: int, now: datetime) -> bool:
        """Cancel a reminder and its pending deliveries; False if it was already cancelled."""
        stamp = to_db_time(now)
        with self.db.transaction() as conn:
            cur = conn.execute(
                "UPDATE reminders SET status = 'cancelled', updated_at = ? WHERE id = ? AND status != 'cancelled'",
                (stamp, reminder_id),
            )
            conn.execute(
                "UPDATE deliveries SET status = 'cancelled', updated_at = ? WHERE reminder_id = ? AND status = 'pending'",
                (stamp, reminder_id),
            )
            cancelled = cur.rowcount > 0
            if cancelled:  # one per reminder, not one per message it would have sent
                Counters(self.db).increment("reminders_cancelled", now)
        return cancelled

    def retimezone_user(self, user_id: int, timezone: str, now: datetime) -> int:
        """Move the user's active reminders to ``timezone`` and recompute their pending deliveries."""
        stamp = to_db_time(now)
        with self.db.transaction() as conn:
            rows = conn.execute(
                "SELECT id FROM reminders WHERE user_id = ? AND status = 'active' AND timezone != ?",
                (user_id, timezone),
            ).fetchall()
            for (reminder_id,) in rows:
                conn.execute(
                    "UPDATE reminders SET timezone = ?, updated_at = ? WHERE id = ?", (timezone, stamp, reminder_id)
                )
                conn.execute("DELETE FROM deliveries WHERE reminder_id = ? AND status = 'pending'", (reminder_id,))
                self._schedule(conn, self._load(conn, reminder_id), now)
        return len(rows)

    def deliveries(self, *, statuses: Iterable[str] | None = None) -> list[Delivery]:
        """Return deliveries (optionally by status), for tests and admin tools."""
        wanted = tuple(statuses or ())
        where = f"WHERE d.status IN ({placeholders(wanted)}) " if wanted else ""
        rows = self.db.query(DELIVERY_SELECT + where + "ORDER BY d.fire_at, d.id", wanted)
        return [delivery_from_row(row) for row in rows]
