"""The daily tablet reminder: its schedule, what was recorded for each day, and the SQL that keeps the next
reminder queued.

Tables (``bot/storage/schema.py``, step 3): ``tablet_schedules`` (one per user: medicine, local time,
timezone, ``paused_until``, active or stopped), ``tablet_deliveries`` (each message to send: the local
``day`` it is for, ``fire_at`` in UTC, ``day_end_at`` = the next local midnight, ``daily`` or ``snooze``)
and ``doses`` (one row per user and local day: taken, skipped or missed).

Scheduling rule: each day's reminder is computed from that day's local date and the wall-clock time in
the user's timezone (``bot.reminders.schedule.local_to_utc``), so 08:00 stays 08:00 local across both
daylight-saving changes. Only the next reminder is queued; when it ends (sent, missed, failed) the
following day's is inserted in the same transaction (:meth:`TabletRepository.ensure_next`), and a
partial unique index allows one daily reminder per schedule and day, so a restart or a race can never
queue a day twice. Every method takes the caller's ``now``; nothing is held in memory.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.reminders.schedule import local_to_utc
from bot.storage import Database, from_db_time, to_db_time

SNOOZE = timedelta(hours=1)
LOOKAHEAD_DAYS = 4  # days tried when queueing the next reminder (today, tomorrow, ...)
CHANGE_WINDOW_DAYS = 7  # a day may be recorded (or corrected) up to this many days later


class DoseStatus(StrEnum):
    """What is recorded for one day."""

    TAKEN = "taken"
    SKIPPED = "skipped"
    MISSED = "missed"  # a reminder was sent and not answered by the end of that day


@dataclass(frozen=True)
class TabletSchedule:
    """A user's daily tablet reminder."""

    id: int
    user_id: int
    chat_id: int
    medicine: str
    remind_at: time  # local wall-clock time
    timezone: str
    paused_until: date | None  # reminders resume on this local date
    status: str  # "active" | "stopped"

    @property
    def tz(self) -> ZoneInfo:
        """The schedule's timezone."""
        return ZoneInfo(self.timezone)

    @property
    def active(self) -> bool:
        """Return True unless stopped."""
        return self.status == "active"

    def paused_on(self, day: date) -> bool:
        """Return True when ``day`` falls in a pause."""
        return self.paused_until is not None and day < self.paused_until


@dataclass(frozen=True)
class TabletDelivery:
    """One tablet reminder message to send, with what is needed to write it."""

    id: int
    schedule_id: int
    user_id: int
    chat_id: int
    day: date
    day_end_at: datetime
    fire_at: datetime
    kind: str  # "daily" | "snooze"
    status: str
    attempts: int
    medicine: str
    remind_at: time
    timezone: str


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    """Return the local date of an instant."""
    return moment.astimezone(tz).date()


def day_end(day: date, tz: ZoneInfo) -> datetime:
    """Return the UTC instant the local ``day`` ends (the next local midnight)."""
    return local_to_utc(day + timedelta(days=1), time(0, 0), tz)


def _schedule(row: sqlite3.Row) -> TabletSchedule:
    return TabletSchedule(
        id=row["id"],
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        medicine=row["medicine"],
        remind_at=time.fromisoformat(row["remind_at"]),
        timezone=row["timezone"],
        paused_until=date.fromisoformat(row["paused_until"]) if row["paused_until"] else None,
        status=row["status"],
    )


TABLET_SELECT = (
    "SELECT d.*, s.medicine, s.remind_at, s.timezone FROM tablet_deliveries d "
    "JOIN tablet_schedules s ON s.id = d.schedule_id "
)


def tablet_delivery(row: sqlite3.Row) -> TabletDelivery:
    """Return the TabletDelivery of a row selected with ``TABLET_SELECT``."""
    return TabletDelivery(
        id=row["id"],
        schedule_id=row["schedule_id"],
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        day=date.fromisoformat(row["day"]),
        day_end_at=from_db_time(row["day_end_at"]),
        fire_at=from_db_time(row["fire_at"]),
        kind=row["kind"],
        status=row["status"],
        attempts=row["attempts"],
        medicine=row["medicine"],
        remind_at=time.fromisoformat(row["remind_at"]),
        timezone=row["timezone"],
    )


class TabletRepository:
    """Schedules, doses and the queueing of tablet reminders over a :class:`Database`."""

    def __init__(self, db: Database) -> None:
        """Use ``db`` for every query."""
        self.db = db

    # -- the schedule ---------------------------------------------------------------------------

    def get(self, user_id: int) -> TabletSchedule | None:
        """Return the user's schedule (active or stopped), if they ever set one."""
        row = self.db.query_one("SELECT * FROM tablet_schedules WHERE user_id = ?", (user_id,))
        return _schedule(row) if row else None

    def set(
        self, *, user_id: int, chat_id: int, medicine: str, at: time, timezone: str, now: datetime
    ) -> tuple[TabletSchedule, datetime | None]:
        """Create (or replace) the user's daily reminder, active from now; return it and its next time."""
        stamp = to_db_time(now)
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO tablet_schedules (user_id, chat_id, medicine, remind_at, timezone, paused_until, status, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, NULL, 'active', ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
                "chat_id = excluded.chat_id, medicine = excluded.medicine, remind_at = excluded.remind_at, "
                "timezone = excluded.timezone, paused_until = NULL, status = 'active', updated_at = excluded.updated_at",
                (user_id, chat_id, medicine, at.strftime("%H:%M"), timezone, stamp, stamp),
            )
            schedule = self._load(conn, user_id)
            self._cancel_pending(conn, schedule.id, stamp)
            return schedule, self.ensure_next(conn, schedule.id, now)

    def change_time(self, user_id: int, at: time, now: datetime) -> tuple[TabletSchedule, datetime | None] | None:
        """Move the daily reminder to ``at``; None when the user has no active schedule."""
        return self._update(user_id, now, "remind_at = ?", (at.strftime("%H:%M"),))

    def pause(self, user_id: int, until: date, now: datetime) -> tuple[TabletSchedule, datetime | None] | None:
        """Send nothing before the local date ``until``; None when there is no active schedule."""
        return self._update(user_id, now, "paused_until = ?", (until.isoformat(),))

    def resume(self, user_id: int, now: datetime) -> tuple[TabletSchedule, datetime | None] | None:
        """End a pause now; None when there is no active schedule."""
        return self._update(user_id, now, "paused_until = NULL", ())

    def retimezone(self, user_id: int, timezone: str, now: datetime) -> int:
        """Follow the user's new timezone (same wall-clock time); return 1 if a reminder moved, else 0."""
        schedule = self.get(user_id)
        if schedule is None or not schedule.active or schedule.timezone == timezone:
            return 0
        return int(self._update(user_id, now, "timezone = ?", (timezone,)) is not None)

    def _update(
        self, user_id: int, now: datetime, assignment: str, values: tuple[object, ...]
    ) -> tuple[TabletSchedule, datetime | None] | None:
        stamp = to_db_time(now)
        with self.db.transaction() as conn:
            cur = conn.execute(
                f"UPDATE tablet_schedules SET {assignment}, updated_at = ? WHERE user_id = ? AND status = 'active'",
                (*values, stamp, user_id),
            )
            if cur.rowcount == 0:
                return None
            schedule = self._load(conn, user_id)
            self._cancel_pending(conn, schedule.id, stamp)
            return schedule, self.ensure_next(conn, schedule.id, now)

    def stop(self, user_id: int, now: datetime) -> bool:
        """Stop the daily reminder (what was recorded stays); False when there was none active."""
        stamp = to_db_time(now)
        with self.db.transaction() as conn:
            row = conn.execute(
                "UPDATE tablet_schedules SET status = 'stopped', paused_until = NULL, updated_at = ? "
                "WHERE user_id = ? AND status = 'active' RETURNING id",
                (stamp, user_id),
            ).fetchone()
            if row is None:
                return False
            self._cancel_pending(conn, row[0], stamp)
        return True

    @staticmethod
    def _load(conn: sqlite3.Connection, user_id: int) -> TabletSchedule:
        return _schedule(conn.execute("SELECT * FROM tablet_schedules WHERE user_id = ?", (user_id,)).fetchone())

    @staticmethod
    def _cancel_pending(conn: sqlite3.Connection, schedule_id: int, stamp: str, day: date | None = None) -> None:
        where = "schedule_id = ? AND status = 'pending'" + (" AND day = ?" if day else "")
        params: tuple[object, ...] = (stamp, schedule_id, *((day.isoformat(),) if day else ()))
        conn.execute(f"UPDATE tablet_deliveries SET status = 'cancelled', updated_at = ? WHERE {where}", params)

    def ensure_next(
        self, conn: sqlite3.Connection, schedule_id: int, now: datetime, *, late_today: bool = False
    ) -> datetime | None:
        """Queue the next daily reminder unless one is queued; return when it fires (None: stopped).

        The next one is the first local day from today (or from the end of a pause) whose reminder time
        is still ahead and which has no daily reminder already (sent or queued) and no recorded dose. With
        ``late_today`` (after an outage) today's reminder is queued even though its time has passed: it is
        then sent at once, marked late, rather than not at all.
        """
        row = conn.execute("SELECT * FROM tablet_schedules WHERE id = ?", (schedule_id,)).fetchone()
        if row is None or row["status"] != "active":
            return None
        schedule = _schedule(row)
        queued = conn.execute(
            "SELECT MIN(fire_at) FROM tablet_deliveries WHERE schedule_id = ? AND kind = 'daily' "
            "AND status IN ('pending', 'sending')",
            (schedule_id,),
        ).fetchone()[0]
        if queued is not None:
            return from_db_time(queued)
        tz = schedule.tz
        start = local_day(now, tz)
        if schedule.paused_until is not None and schedule.paused_until > start:
            start = schedule.paused_until
        for offset in range(LOOKAHEAD_DAYS):
            day = start + timedelta(days=offset)
            fire = local_to_utc(day, schedule.remind_at, tz)
            if (fire <= now and not (late_today and offset == 0 and day == local_day(now, tz))) or (
                self._day_taken_care_of(conn, schedule, day)
            ):
                continue
            stamp = to_db_time(now)
            conn.execute(
                "INSERT INTO tablet_deliveries (schedule_id, user_id, chat_id, day, day_end_at, fire_at, kind, status, "
                "attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'daily', 'pending', 0, ?, ?)",
                (
                    schedule.id,
                    schedule.user_id,
                    schedule.chat_id,
                    day.isoformat(),
                    to_db_time(day_end(day, tz)),
                    to_db_time(fire),
                    stamp,
                    stamp,
                ),
            )
            return fire
        return None

    @staticmethod
    def _day_taken_care_of(conn: sqlite3.Connection, schedule: TabletSchedule, day: date) -> bool:
        """Return True when ``day`` already had its daily reminder or has a recorded dose."""
        return (
            conn.execute(
                "SELECT 1 FROM tablet_deliveries WHERE schedule_id = ? AND day = ? AND kind = 'daily' "
                "AND status != 'cancelled' UNION ALL SELECT 1 FROM doses WHERE user_id = ? AND day = ?",
                (schedule.id, day.isoformat(), schedule.user_id, day.isoformat()),
            ).fetchone()
            is not None
        )

    def next_fire(self, user_id: int) -> datetime | None:
        """Return when the user's next tablet reminder (daily or snoozed) is due, if one is queued."""
        row = self.db.query_one(
            "SELECT MIN(fire_at) FROM tablet_deliveries WHERE user_id = ? AND status = 'pending'", (user_id,)
        )
        return from_db_time(row[0]) if row and row[0] else None

    # -- the record of each day -----------------------------------------------------------------

    def record(self, user_id: int, day: date, status: DoseStatus, now: datetime) -> str:
        """Record what happened on ``day`` (replacing an earlier answer); return the medicine's name.

        Snoozed reminders still queued for that day are cancelled: the question has been answered.
        """
        stamp = to_db_time(now)
        with self.db.transaction() as conn:
            schedule = conn.execute("SELECT id, medicine FROM tablet_schedules WHERE user_id = ?", (user_id,)).fetchone()
            medicine = str(schedule["medicine"]) if schedule else ""
            conn.execute(
                "INSERT INTO doses (user_id, day, medicine, status, recorded_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (user_id, day) DO UPDATE SET status = excluded.status, recorded_at = excluded.recorded_at",
                (user_id, day.isoformat(), medicine, status.value, stamp),
            )
            if schedule is not None:
                self._cancel_pending(conn, schedule["id"], stamp, day)
                self.ensure_next(conn, schedule["id"], now)
        return medicine

    def snooze(self, user_id: int, day: date, now: datetime, delay: timedelta = SNOOZE) -> datetime | None:
        """Queue one more reminder for ``day`` in ``delay``; None when the day ends before that (or no schedule)."""
        stamp = to_db_time(now)
        with self.db.transaction() as conn:
            row = conn.execute("SELECT * FROM tablet_schedules WHERE user_id = ?", (user_id,)).fetchone()
            if row is None or row["status"] != "active":
                return None
            schedule = _schedule(row)
            fire = now + delay
            end = day_end(day, schedule.tz)
            if fire >= end:
                return None
            conn.execute(
                "UPDATE tablet_deliveries SET status = 'cancelled', updated_at = ? "
                "WHERE schedule_id = ? AND day = ? AND kind = 'snooze' AND status = 'pending'",
                (stamp, schedule.id, day.isoformat()),
            )
            conn.execute(
                "INSERT INTO tablet_deliveries (schedule_id, user_id, chat_id, day, day_end_at, fire_at, kind, status, "
                "attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'snooze', 'pending', 0, ?, ?)",
                (schedule.id, user_id, schedule.chat_id, day.isoformat(), to_db_time(end), to_db_time(fire), stamp, stamp),
            )
        return fire

    def doses(self, user_id: int, since: date | None = None) -> dict[date, DoseStatus]:
        """Return the recorded days (from ``since``, or all), oldest first."""
        rows = self.db.query(
            "SELECT day, status FROM doses WHERE user_id = ? AND day >= ? ORDER BY day",
            (user_id, (since or date.min).isoformat()),
        )
        return {date.fromisoformat(row["day"]): DoseStatus(row["status"]) for row in rows}

    def dose_rows(self, user_id: int) -> list[sqlite3.Row]:
        """Return every recorded day with its medicine and when it was recorded (for /export)."""
        return self.db.query(
            "SELECT day, medicine, status, recorded_at FROM doses WHERE user_id = ? ORDER BY day", (user_id,)
        )

    def deliveries(self, user_id: int) -> list[TabletDelivery]:
        """Return the user's tablet reminders, earliest first (for tests and /export)."""
        rows = self.db.query(TABLET_SELECT + "WHERE d.user_id = ? ORDER BY d.fire_at, d.id", (user_id,))
        return [tablet_delivery(row) for row in rows]
