"""The ``instance_lease`` table: at most one running bot per database file.

Two bots on one file would both deliver reminders (duplicates), both poll Telegram (each cancels the
other's long poll) or fight over the webhook. So a bot takes this lease **before its first call to
Telegram** and gives up at once when another holder has it.

The lease has an expiry (``ttl``) and the holder renews it (every third of ``ttl``), so a holder that
crashed blocks nobody for long. A holder on the same host whose process is gone blocks nobody at all:
its pid is checked, so a bot restarted right after a SIGKILL starts at once. (In a container the new
process may get the dead one's pid, typically 1: a lease naming *our own* pid on *our own* host but
another holder token is a previous life of this very process, so it is taken too.)

Time comes from the caller (``now``); hosts sharing a file over a network must keep their clocks in
step (NTP) to well under ``ttl``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.storage.database import Database, from_db_time, to_db_time

LEASE_NAME = "bot"


def pid_alive(pid: int) -> bool:
    """Return True when a process with this pid exists on this host (signal 0 probes without sending)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, it is just not ours to signal
    return True


@dataclass(frozen=True)
class LeaseHolder:
    """Who holds the lease and until when."""

    holder: str
    host: str
    pid: int
    expires_at: datetime

    def describe(self) -> str:
        """Return "pid 123 on host h until 2027-03-14T09:00:30Z" for messages to the operator."""
        return f"pid {self.pid} on host {self.host} until {to_db_time(self.expires_at)}"


class Lease:
    """Take, renew and release the one instance lease of a database file."""

    def __init__(
        self,
        db: Database,
        ttl: timedelta,
        *,
        host: str | None = None,
        pid: int | None = None,
        alive: Callable[[int], bool] = pid_alive,
    ) -> None:
        """Hold the lease for ``ttl`` after each renewal; ``host``/``pid`` default to this process."""
        if ttl <= timedelta(0):
            raise ValueError("the lease needs a positive ttl")
        self.db = db
        self.ttl = ttl
        self.host = host or socket.gethostname()
        self.pid = os.getpid() if pid is None else pid
        self.token = secrets.token_hex(8)
        self.alive = alive
        self.held = False

    def holder(self) -> LeaseHolder | None:
        """Return the current holder, expired or not, or None."""
        row = self.db.query_one("SELECT holder, host, pid, expires_at FROM instance_lease WHERE name = ?", (LEASE_NAME,))
        if row is None:
            return None
        return LeaseHolder(row["holder"], row["host"], int(row["pid"]), from_db_time(row["expires_at"]))

    def _free(self, current: LeaseHolder, now: datetime) -> bool:
        if current.holder == self.token or current.expires_at <= now:
            return True
        if current.host != self.host:
            return False  # another machine: only the expiry tells
        return current.pid == self.pid or not self.alive(current.pid)

    def acquire(self, now: datetime) -> LeaseHolder | None:
        """Take the lease; return None on success, or the holder that has it (and keeps it)."""
        with self.db.transaction() as conn:  # BEGIN IMMEDIATE: two starting bots cannot both win
            current = self.holder()
            if current is not None and not self._free(current, now):
                return current
            conn.execute(
                "INSERT INTO instance_lease (name, holder, host, pid, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, host = excluded.host, pid = excluded.pid, "
                "acquired_at = excluded.acquired_at, expires_at = excluded.expires_at",
                (LEASE_NAME, self.token, self.host, self.pid, to_db_time(now), to_db_time(now + self.ttl)),
            )
        self.held = True
        return None

    def renew(self, now: datetime) -> bool:
        """Extend the lease; return False when another instance holds it now (this one must stop)."""
        with self.db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE instance_lease SET expires_at = ? WHERE name = ? AND holder = ?",
                (to_db_time(now + self.ttl), LEASE_NAME, self.token),
            )
            if cursor.rowcount == 0:
                current = self.holder()
                if current is None:  # the row was deleted (a restored backup...): nobody else has it
                    self.held = False
                    return self.acquire(now) is None
                self.held = False
                return False
        self.held = True
        return True

    def release(self) -> None:
        """Give the lease up (a clean stop), so a standby takes over at once."""
        if not self.held:
            return
        with contextlib.suppress(Exception), self.db.transaction() as conn:  # stopping: never fail here
            conn.execute("DELETE FROM instance_lease WHERE name = ? AND holder = ?", (LEASE_NAME, self.token))
        self.held = False
