"""Questions kept for the care team: the ``notes`` table, and the last not-covered question held a few
minutes in memory so a "save it for your care team" button can keep it.

A question's text is written to the database only when the patient asks for it (/note, or the button);
until then it lives in :class:`PendingQuestions`, in memory only, for ``PENDING_TTL``, so a restart or
/forget simply drops it and the button then says it has expired.
"""

from __future__ import annotations

import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.storage import Database, from_db_time, to_db_time

MAX_NOTE_CHARS = 500
MAX_NOTES = 100  # per user
PENDING_TTL = timedelta(minutes=15)


@dataclass(frozen=True)
class Note:
    """One saved question."""

    id: int
    user_id: int
    text: str
    created_at: datetime


def _note(row: sqlite3.Row) -> Note:
    return Note(row["id"], row["user_id"], row["text"], from_db_time(row["created_at"]))


class NoteRepository:
    """Save, list and delete a user's questions for the care team."""

    def __init__(self, db: Database) -> None:
        """Use ``db`` for every query."""
        self.db = db

    def add(self, user_id: int, text: str, now: datetime) -> Note:
        """Save a question (the caller checks its length); return it."""
        with self.db.transaction() as conn:
            row = conn.execute(
                "INSERT INTO notes (user_id, text, created_at) VALUES (?, ?, ?) RETURNING *",
                (user_id, text, to_db_time(now)),
            ).fetchone()
        return _note(row)

    def notes(self, user_id: int) -> list[Note]:
        """Return the user's questions, oldest first."""
        return [_note(row) for row in self.db.query("SELECT * FROM notes WHERE user_id = ? ORDER BY id", (user_id,))]

    def delete(self, user_id: int, note_id: int) -> Note | None:
        """Delete one of the user's questions; None when it is not theirs or is gone."""
        with self.db.transaction() as conn:
            row = conn.execute("DELETE FROM notes WHERE id = ? AND user_id = ? RETURNING *", (note_id, user_id)).fetchone()
        return _note(row) if row else None

    def count(self, user_id: int) -> int:
        """Return how many questions the user has saved."""
        row = self.db.query_one("SELECT COUNT(*) FROM notes WHERE user_id = ?", (user_id,))
        return int(row[0]) if row else 0


class PendingQuestions:
    """The last question each user asked that the articles do not cover, in memory for a few minutes."""

    def __init__(self, ttl: timedelta = PENDING_TTL) -> None:
        """Keep a question for ``ttl``."""
        self.ttl = ttl
        self._held: dict[int, tuple[str, str, datetime]] = {}  # user -> (token, text, when)

    def hold(self, user_id: int, text: str, now: datetime) -> str:
        """Keep ``text`` for the user; return the token its button carries (a newer question replaces it)."""
        self._drop_stale(now)
        token = secrets.token_hex(4)
        self._held[user_id] = (token, text[:MAX_NOTE_CHARS], now)
        return token

    def take(self, user_id: int, token: str, now: datetime) -> str | None:
        """Return (and forget) the question behind a button, if it is this user's and still held."""
        held = self._held.get(user_id)
        if held is None or held[0] != token or now - held[2] > self.ttl:
            return None
        del self._held[user_id]
        return held[1]

    def forget(self, user_id: int) -> None:
        """Drop what is held for a user (on /forget)."""
        self._held.pop(user_id, None)

    def _drop_stale(self, now: datetime) -> None:
        if len(self._held) > 1000:
            self._held = {user: held for user, held in self._held.items() if now - held[2] <= self.ttl}
