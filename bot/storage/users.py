"""The ``users`` table: a person's settings (timezone, date order, reminder defaults) and their consent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

from bot.storage.database import Database, format_offsets, from_db_time, parse_offsets, to_db_time

DATE_ORDERS = frozenset({"DMY", "MDY"})
AUDIENCES = frozenset({"women", "men"})


@dataclass(frozen=True)
class User:
    """A user's settings; ``None`` means "not set, use the default"."""

    user_id: int
    chat_id: int
    timezone: str | None
    date_order: str | None
    remind_offsets: tuple[int, ...] | None
    remind_time: time | None
    accepted_disclaimer_at: datetime | None
    created_at: datetime
    audience: str | None = None  # "women" | "men": whose passages to rank first


class UserRepository:
    """Read and write user rows; every write takes the caller's ``now`` (time is never read here)."""

    def __init__(self, db: Database) -> None:
        """Use ``db`` for every query."""
        self.db = db

    def get(self, user_id: int) -> User | None:
        """Return a user's settings, or None if the user never talked to the bot (or was forgotten)."""
        row = self.db.query_one("SELECT * FROM users WHERE user_id = ?", (user_id,))
        if row is None:
            return None
        remind_time = row["remind_time"]
        accepted = row["accepted_disclaimer_at"]
        return User(
            user_id=row["user_id"],
            chat_id=row["chat_id"],
            timezone=row["timezone"],
            date_order=row["date_order"],
            remind_offsets=parse_offsets(row["remind_offsets"]) if row["remind_offsets"] else None,
            remind_time=time.fromisoformat(remind_time) if remind_time else None,
            accepted_disclaimer_at=from_db_time(accepted) if accepted else None,
            created_at=from_db_time(row["created_at"]),
            audience=row["audience"],
        )

    def upsert(self, user_id: int, chat_id: int, now: datetime) -> User:
        """Create the user row, or refresh its chat id (reminders go to the latest chat); return it."""
        stamp = to_db_time(now)
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO users (user_id, chat_id, created_at, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id, updated_at = excluded.updated_at",
                (user_id, chat_id, stamp, stamp),
            )
            user = self.get(user_id)
        assert user is not None
        return user

    def _set(self, user_id: int, column: str, value: object, now: datetime) -> None:
        with self.db.transaction() as conn:
            cur = conn.execute(
                f"UPDATE users SET {column} = ?, updated_at = ? WHERE user_id = ?", (value, to_db_time(now), user_id)
            )
            if cur.rowcount == 0:
                raise KeyError(f"unknown user {user_id}: call upsert first")

    def set_timezone(self, user_id: int, timezone: str, now: datetime) -> None:
        """Store the user's IANA timezone name (validated by the caller)."""
        self._set(user_id, "timezone", timezone, now)

    def set_date_order(self, user_id: int, date_order: str | None, now: datetime) -> None:
        """Store 'DMY', 'MDY' or None (ask when a date is ambiguous); ValueError for anything else."""
        if date_order is not None and date_order not in DATE_ORDERS:
            raise ValueError(f"bad date order {date_order!r}")
        self._set(user_id, "date_order", date_order, now)

    def set_remind_options(self, user_id: int, offsets: Sequence[int], remind_time: time, now: datetime) -> None:
        """Store the user's default offsets (days before) and time of day for new reminders."""
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE users SET remind_offsets = ?, remind_time = ?, updated_at = ? WHERE user_id = ?",
                (format_offsets(offsets), remind_time.strftime("%H:%M"), to_db_time(now), user_id),
            )

    def set_audience(self, user_id: int, audience: str | None, now: datetime) -> None:
        """Store who the user's answers are for: "women", "men" or None; ValueError for anything else."""
        if audience is not None and audience not in AUDIENCES:
            raise ValueError(f"bad audience {audience!r}")
        self._set(user_id, "audience", audience, now)

    def audience(self, user_id: int) -> str | None:
        """Return who the user's answers are for, if they said."""
        row = self.db.query_one("SELECT audience FROM users WHERE user_id = ?", (user_id,))
        return None if row is None else row[0]

    def accept_disclaimer(self, user_id: int, now: datetime) -> None:
        """Record that the user accepted the disclaimer."""
        self._set(user_id, "accepted_disclaimer_at", to_db_time(now), now)

    def has_accepted(self, user_id: int) -> bool:
        """Return True if the user accepted the disclaimer."""
        row = self.db.query_one("SELECT accepted_disclaimer_at FROM users WHERE user_id = ?", (user_id,))
        return row is not None and row[0] is not None
