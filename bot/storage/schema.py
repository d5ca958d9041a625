"""The database schema: the migration steps and the status values its CHECK constraints allow.

The enums are the single spelling of every status in Python code; SQL text uses the same words.
"""

from __future__ import annotations

from enum import StrEnum


class ReminderStatus(StrEnum):
    """A reminder is active until it is cancelled or its (last) occurrence is over."""

    ACTIVE = "active"
    CANCELLED = "cancelled"
    DONE = "done"


class DeliveryStatus(StrEnum):
    """One message to send: ``pending -> sending -> sent | pending (retry) | failed``; or missed, cancelled."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    MISSED = "missed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class InboxStatus(StrEnum):
    """One Telegram update: ``pending`` (stored, not handled) -> ``applied`` (its effects and replies
    committed together) -> ``done`` (every reply sent; payload and replies erased)."""

    PENDING = "pending"
    APPLIED = "applied"
    DONE = "done"


FINISHED_DELIVERY = (DeliveryStatus.SENT, DeliveryStatus.MISSED, DeliveryStatus.FAILED, DeliveryStatus.CANCELLED)

# Each step is a tuple of statements, applied in order inside one transaction; never edit a released
# step, append a new one (PRAGMA user_version records how many have been applied).
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE users (
            user_id BIGINT PRIMARY KEY,
            chat_id BIGINT NOT NULL,
            timezone TEXT,
            date_order TEXT CHECK (date_order IN ('DMY', 'MDY')),
            remind_offsets TEXT,
            remind_time TEXT,
            accepted_disclaimer_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        """CREATE TABLE reminders (
            id INTEGER PRIMARY KEY,
            user_id BIGINT NOT NULL,
            chat_id BIGINT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('dexa', 'blood', 'other')),
            label TEXT NOT NULL,
            event_date TEXT NOT NULL,
            event_time TEXT,
            timezone TEXT NOT NULL,
            recurrence_months INTEGER,
            anchor_date TEXT NOT NULL,
            offsets TEXT NOT NULL,
            remind_time TEXT NOT NULL,
            plan_item TEXT,
            status TEXT NOT NULL CHECK (status IN ('active', 'cancelled', 'done')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX reminders_user ON reminders (user_id, status)",
        """CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            reminder_id INTEGER NOT NULL REFERENCES reminders (id) ON DELETE CASCADE,
            user_id BIGINT NOT NULL,
            chat_id BIGINT NOT NULL,
            event_date TEXT NOT NULL,
            event_at TEXT NOT NULL,
            fire_at TEXT NOT NULL,
            offset_days INTEGER NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('pending', 'sending', 'sent', 'missed', 'failed', 'cancelled')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT,
            claimed_at TEXT,
            sent_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (reminder_id, fire_at)
        )""",
        "CREATE INDEX deliveries_due ON deliveries (status, fire_at)",
        "CREATE INDEX deliveries_user ON deliveries (user_id)",
        """CREATE TABLE flows (
            user_id BIGINT PRIMARY KEY,
            state TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        """CREATE TABLE counters (
            day TEXT NOT NULL,
            name TEXT NOT NULL,
            value INTEGER NOT NULL,
            PRIMARY KEY (day, name)
        )""",
    ),
    # 2: who the user's answers are for ("women" after breast cancer, "men" on TRT), asked once.
    ("ALTER TABLE users ADD COLUMN audience TEXT CHECK (audience IN ('women', 'men'))",),
    # 3: identities. Telegram's shared senders (777000 service notifications, 1087968824 every anonymous
    # group admin, 136817688 channel posts) are nobody in particular: what was stored under them is
    # dropped. Reminders go to the person's private chat (whose id is the user id), never to a group.
    # A reminder remembers the message that set it, so an edit of that message replaces it.
    (
        "DELETE FROM deliveries WHERE user_id IN (777000, 1087968824, 136817688)",
        "DELETE FROM reminders WHERE user_id IN (777000, 1087968824, 136817688)",
        "DELETE FROM flows WHERE user_id IN (777000, 1087968824, 136817688)",
        "DELETE FROM users WHERE user_id IN (777000, 1087968824, 136817688)",
        "UPDATE reminders SET chat_id = user_id WHERE chat_id <> user_id",
        "UPDATE deliveries SET chat_id = user_id WHERE chat_id <> user_id",
        "UPDATE users SET chat_id = user_id WHERE chat_id <> user_id",
        "ALTER TABLE reminders ADD COLUMN source_message BIGINT",
        "CREATE INDEX reminders_source ON reminders (user_id, source_message)",
    ),
    # 4: durability. ``inbox``: every Telegram update, written before Telegram's offset moves past it
    # (bot/storage/inbox.py); ``instance_lease``: one running bot per database file (bot/storage/lease.py);
    # ``health_probe``: the one row /healthz's write probe rewrites (bot/storage/guard.py).
    (
        """CREATE TABLE inbox (
            update_id INTEGER PRIMARY KEY,
            status TEXT NOT NULL CHECK (status IN ('pending', 'applied', 'done')),
            payload TEXT,
            actions TEXT,
            sent INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            received_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX inbox_open ON inbox (status, update_id)",
        """CREATE TABLE instance_lease (
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            acquired_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )""",
        """CREATE TABLE health_probe (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            probed_at TEXT NOT NULL
        )""",
    ),
    # 5: the patient's own record (bot/record/): a daily tablet reminder and its deliveries, what was
    # recorded for each day, DEXA results and questions kept for the care team.
    (
        """CREATE TABLE tablet_schedules (
            id INTEGER PRIMARY KEY,
            user_id BIGINT NOT NULL UNIQUE,
            chat_id BIGINT NOT NULL,
            medicine TEXT NOT NULL,
            remind_at TEXT NOT NULL,
            timezone TEXT NOT NULL,
            paused_until TEXT,
            status TEXT NOT NULL CHECK (status IN ('active', 'stopped')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        """CREATE TABLE tablet_deliveries (
            id INTEGER PRIMARY KEY,
            schedule_id INTEGER NOT NULL REFERENCES tablet_schedules (id) ON DELETE CASCADE,
            user_id BIGINT NOT NULL,
            chat_id BIGINT NOT NULL,
            day TEXT NOT NULL,
            day_end_at TEXT NOT NULL,
            fire_at TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('daily', 'snooze')),
            status TEXT NOT NULL
                CHECK (status IN ('pending', 'sending', 'sent', 'missed', 'failed', 'cancelled')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT,
            claimed_at TEXT,
            sent_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX tablet_deliveries_due ON tablet_deliveries (status, fire_at)",
        "CREATE INDEX tablet_deliveries_day ON tablet_deliveries (schedule_id, day)",
        "CREATE INDEX tablet_deliveries_user ON tablet_deliveries (user_id)",
        # One daily reminder per schedule and day, whatever races or restarts happen (a cancelled one
        # may be replaced, e.g. when the time is changed before it was sent).
        "CREATE UNIQUE INDEX tablet_deliveries_once ON tablet_deliveries (schedule_id, day) "
        "WHERE kind = 'daily' AND status != 'cancelled'",
        """CREATE TABLE doses (
            user_id BIGINT NOT NULL,
            day TEXT NOT NULL,
            medicine TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('taken', 'skipped', 'missed')),
            recorded_at TEXT NOT NULL,
            PRIMARY KEY (user_id, day)
        )""",
        """CREATE TABLE dexa_results (
            id INTEGER PRIMARY KEY,
            user_id BIGINT NOT NULL,
            scan_date TEXT NOT NULL,
            site TEXT NOT NULL CHECK (site IN ('lumbar_spine', 'total_hip', 'femoral_neck', 'forearm')),
            t_score REAL NOT NULL CHECK (t_score BETWEEN -6 AND 4),
            z_score REAL,
            bmd REAL,
            created_at TEXT NOT NULL,
            UNIQUE (user_id, scan_date, site)
        )""",
        """CREATE TABLE notes (
            id INTEGER PRIMARY KEY,
            user_id BIGINT NOT NULL,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX notes_user ON notes (user_id)",
    ),
)
