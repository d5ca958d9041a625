"""The ``inbox`` table: every incoming update, stored before Telegram is told it was received.

Why: Telegram forgets an update once the bot confirms it (polling: the next ``getUpdates`` offset;
webhook: the HTTP 200). Anything held only in memory after that is lost in a crash. So a channel writes
the update here first, keyed by Telegram's ``update_id`` (so receiving it twice stores it once), and
only then lets the offset move.

Life of a row (``InboxStatus``):

* ``pending``: stored, not handled yet. On start the bot hands every pending row to its handlers again,
  oldest first.
* ``applied``: handled. Its effects (a reminder set, data erased...) and the replies to send were
  committed in **one** transaction with this status, so a replay never applies an update twice: an
  applied row only has its unsent replies sent (``sent`` counts those already out).
* ``done``: every reply was sent. The payload and the replies are erased at once (they hold message
  text); the bare row is kept for ``KEEP_DONE`` so a late duplicate from Telegram is recognised, then
  purged.

What is stored is minimised: names and usernames are blanked out of the payload before it is written
(``minimise``). The payload and replies are opaque JSON text here; what they mean is the channel's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.storage.database import Database, to_db_time
from bot.storage.schema import InboxStatus

# Telegram keeps an unconfirmed update for 24 hours and numbers updates in sequence unless none came
# for a week (then it may start anywhere): two days recognises every redelivery and never collides.
KEEP_DONE = timedelta(days=2)


@dataclass(frozen=True)
class InboxEntry:
    """One stored update: its status, payload (JSON text) and, once applied, the replies to send."""

    update_id: int
    status: InboxStatus
    payload: str | None
    actions: str | None
    sent: int
    attempts: int


def minimise(update: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of an update's JSON with every name, username and chat title blanked.

    The bot never uses them (``Incoming.first_name`` is never logged nor shown), and what is not stored
    cannot leak. ``first_name`` stays present (empty) because the Bot API requires it on a user.
    """

    def scrub(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                key: ("" if key in ("first_name", "title") else scrub(item))
                for key, item in value.items()
                if key not in ("last_name", "username")
            }
        if isinstance(value, list):
            return [scrub(item) for item in value]
        return value

    result: dict[str, Any] = scrub(update)
    return result


class Inbox:
    """Store, track and replay incoming updates (see the module docstring for the guarantees)."""

    def __init__(self, db: Database) -> None:
        """Use ``db`` for every query."""
        self.db = db

    def receive(self, update_id: int, payload: dict[str, Any], now: datetime) -> bool:
        """Store an update as pending; return False when it was already stored (a redelivery)."""
        text = json.dumps(minimise(payload), ensure_ascii=False, separators=(",", ":"))
        stamp = to_db_time(now)
        with self.db.transaction() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO inbox (update_id, status, payload, received_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (update_id, InboxStatus.PENDING, text, stamp, stamp),
            )
        return cursor.rowcount == 1

    def get(self, update_id: int) -> InboxEntry | None:
        """Return the stored update, or None."""
        row = self.db.query_one(
            "SELECT update_id, status, payload, actions, sent, attempts FROM inbox WHERE update_id = ?", (update_id,)
        )
        return None if row is None else _entry(row)

    def applied(self, update_id: int, actions: str, now: datetime) -> None:
        """Record that the update was handled and what is to be sent (call inside the handling transaction).

        An update that could not be stored on arrival (the database was failing then) gets its row now.
        """
        stamp = to_db_time(now)
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO inbox (update_id, status, actions, sent, received_at, updated_at) VALUES (?, ?, ?, 0, ?, ?) "
                "ON CONFLICT (update_id) DO UPDATE SET status = excluded.status, actions = excluded.actions, "
                "sent = 0, updated_at = excluded.updated_at",
                (update_id, InboxStatus.APPLIED, actions, stamp, stamp),
            )

    def progress(self, update_id: int, sent: int, now: datetime) -> None:
        """Record that the first ``sent`` replies of an applied update went out."""
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE inbox SET sent = ?, updated_at = ? WHERE update_id = ? AND status = ?",
                (sent, to_db_time(now), update_id, InboxStatus.APPLIED),
            )

    def done(self, update_id: int, now: datetime) -> None:
        """Mark an update finished and erase its payload and replies (only the bare row is kept)."""
        stamp = to_db_time(now)
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO inbox (update_id, status, received_at, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (update_id) DO UPDATE SET status = excluded.status, payload = NULL, actions = NULL, "
                "updated_at = excluded.updated_at",
                (update_id, InboxStatus.DONE, stamp, stamp),
            )

    def attempt(self, update_id: int, now: datetime) -> int:
        """Count one more start at handling a stored update (a replay); return the count."""
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE inbox SET attempts = attempts + 1, updated_at = ? WHERE update_id = ?",
                (to_db_time(now), update_id),
            )
            row = conn.execute("SELECT attempts FROM inbox WHERE update_id = ?", (update_id,)).fetchone()
        return int(row[0]) if row else 0

    def unfinished(self) -> list[InboxEntry]:
        """Return every pending or applied update, oldest (lowest ``update_id``) first."""
        rows = self.db.query(
            "SELECT update_id, status, payload, actions, sent, attempts FROM inbox "
            "WHERE status IN (?, ?) ORDER BY update_id",
            (InboxStatus.PENDING, InboxStatus.APPLIED),
        )
        return [_entry(row) for row in rows]

    def open_count(self) -> int:
        """Return how many updates are not done (for /healthz)."""
        row = self.db.query_one(
            "SELECT COUNT(*) FROM inbox WHERE status IN (?, ?)", (InboxStatus.PENDING, InboxStatus.APPLIED)
        )
        return int(row[0]) if row else 0

    def purge(self, now: datetime, keep: timedelta = KEEP_DONE) -> int:
        """Delete done rows older than ``keep``; return how many."""
        with self.db.transaction() as conn:
            return conn.execute(
                "DELETE FROM inbox WHERE status = ? AND updated_at < ?", (InboxStatus.DONE, to_db_time(now - keep))
            ).rowcount


def _entry(row: Any) -> InboxEntry:
    return InboxEntry(
        int(row["update_id"]), InboxStatus(row["status"]), row["payload"], row["actions"], int(row["sent"]),
        int(row["attempts"]),
    )
