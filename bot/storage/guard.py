"""Whether the database can be written right now: the one place that decides, logs it and reports it.

The bot must answer, and above all send the emergency reply, whatever the state of its storage. So
writing is *attempted* only while the guard says the database is writable; the first failure (a
read-only file or mount, a full disk, an I/O error, the file deleted or replaced underneath the
process) switches the guard to **degraded**: one clear ERROR line in the log, /healthz non-200, and
every feature that needs storage answers "unavailable right now" while triage and answers carry on.

Recovery is by itself: ``check`` (run every ``health_check_seconds`` by the runtime's monitor) looks at
the file and writes the ``health_probe`` row; a connection that was opened read-only is reopened first.
When the probe succeeds the guard is writable again (one WARNING line). A deleted or replaced file is
never "recovered" into: writing into a ghost inode loses everything at the next restart, so that state
lasts until an operator restores the file and restarts the bot.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from bot.storage.database import Database, StorageError, is_storage_failure, to_db_time

log = logging.getLogger(__name__)
T = TypeVar("T")
FILE_PROBLEMS = {
    "deleted": "the database file was deleted while the bot was running",
    "replaced": "the database file was replaced while the bot was running",
}


class StorageGuard:
    """Track writability of one ``Database``; run work with storage, or without it when it fails."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        """Watch ``db``; ``clock`` stamps the probe row. A database that failed to open starts degraded."""
        self.db = db
        self.clock = clock
        self.problem: str | None = None
        self.episode = 0  # counts degraded periods: "tell each user once per period"
        self.last_probe: datetime | None = None
        if db.open_error is not None:
            self.failed(db.open_error)

    @property
    def writable(self) -> bool:
        """Return True while writes are attempted."""
        return self.problem is None

    @property
    def file_lost(self) -> bool:
        """Return True when the file was deleted or replaced (never recovered from without a restart)."""
        return self.problem in FILE_PROBLEMS.values()

    def failed(self, error: BaseException | str) -> None:
        """Enter degraded mode (logged once per period, without any user data: SQLite's own message)."""
        reason = error if isinstance(error, str) else _describe(error)
        if self.problem is not None:
            if reason in FILE_PROBLEMS.values() and not self.file_lost:
                self.problem = reason  # a lost file outranks a write error: it needs an operator
                log.error("database unusable: %s; not writing into it: restore it and restart the bot", reason,
                          extra={"event": "storage_file_lost"})
            return
        self.problem = reason
        self.episode += 1
        if reason in FILE_PROBLEMS.values():
            log.error("database unusable: %s (%s); not writing into it: reminders and settings are unavailable; "
                      "restore the file and restart the bot", reason, self.db.path, extra={"event": "storage_file_lost"})
        else:
            log.error("database cannot be written: %s; answering without it, reminders and settings are "
                      "unavailable until it can be written again", reason, extra={"event": "storage_degraded"})

    def _recovered(self) -> None:
        if self.problem is not None:
            log.warning("database can be written again: reminders and settings are back",
                        extra={"event": "storage_recovered"})
        self.problem = None

    def file_ok(self) -> bool:
        """Check that the path still names the file we opened; degrade (for good) when it does not."""
        state = self.db.file_state()
        if state == "ok":
            return True
        self.failed(FILE_PROBLEMS[state])
        return False

    def apply(self, work: Callable[[], T], fallback: Callable[[], T]) -> tuple[T, bool]:
        """Run ``work`` in one transaction, or ``fallback`` (no writes) when storage fails; say which ran.

        ``work`` is attempted only while writable and the file is intact. Any storage failure inside it
        rolls the whole transaction back (nothing half-applied) and ``fallback`` answers instead.
        """
        if self.writable and self.file_ok():
            try:
                with self.db.transaction():
                    return work(), True
            except Exception as error:
                if not is_storage_failure(error):
                    raise
                self.failed(error)
        return fallback(), False

    def attempt(self, write: Callable[[], object]) -> bool:
        """Run a small best-effort write (e.g. "this reply was sent"); return False when it did not happen."""
        if not self.writable or not self.file_ok():
            return False
        try:
            write()
        except Exception as error:
            if not is_storage_failure(error):
                raise
            self.failed(error)
            return False
        return True

    def check(self) -> bool:
        """Look at the file and write the probe row (reopening a read-only connection); return writability."""
        if not self.file_ok():
            return False
        now = self.clock()
        try:
            self._probe(now)
        except Exception as error:
            if not is_storage_failure(error):
                raise
            try:  # a file that was read-only when opened stays read-only on that connection
                self.db.reopen()
                self._probe(now)
            except Exception as again:
                if not is_storage_failure(again):
                    raise
                self.failed(again)
                return False
        self.last_probe = now
        self._recovered()
        return True

    def _probe(self, now: datetime) -> None:
        if self.db.open_error is not None:
            raise StorageError(str(self.db.open_error))
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO health_probe (id, probed_at) VALUES (1, ?) "
                "ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at",
                (to_db_time(now),),
            )


def _describe(error: BaseException) -> str:
    """SQLite's message ("database or disk is full", "attempt to write a readonly database"): no user data."""
    if isinstance(error, sqlite3.Error):
        name = getattr(error, "sqlite_errorname", None)
        return f"{error} ({name})" if name else str(error)
    return str(error) or type(error).__name__
