"""The ``flows`` table: the serialised state of a user's unfinished guided conversation (/remind, /plan).

Kept in the database so a step survives a restart and is erased with everything else by /forget.
What the state means is the business of ``bot/reminders/flows.py``; here it is opaque text.
"""

from __future__ import annotations

from datetime import datetime

from bot.storage.database import Database, from_db_time, to_db_time


class FlowRepository:
    """Save, read and clear one flow state per user."""

    def __init__(self, db: Database) -> None:
        """Use ``db`` for every query."""
        self.db = db

    def get(self, user_id: int) -> tuple[str, datetime] | None:
        """Return the user's stored flow state (JSON text) and when it was saved."""
        row = self.db.query_one("SELECT state, updated_at FROM flows WHERE user_id = ?", (user_id,))
        return None if row is None else (row["state"], from_db_time(row["updated_at"]))

    def set(self, user_id: int, state: str, now: datetime) -> None:
        """Save the user's flow state (JSON text), replacing any previous one."""
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO flows (user_id, state, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
                (user_id, state, to_db_time(now)),
            )

    def clear(self, user_id: int) -> None:
        """Forget the user's flow state."""
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM flows WHERE user_id = ?", (user_id,))
