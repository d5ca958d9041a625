"""The SQLite database: migrations, users, flows, counters, privacy erasure and retention."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.reminders.repository import ReminderRepository
from bot.storage import (
    MIGRATIONS,
    USER_TABLES,
    Counters,
    Database,
    FlowRepository,
    Privacy,
    UserRepository,
    from_db_time,
    to_db_time,
)

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    with Database(tmp_path / "bot.sqlite3") as database:
        yield database


def add_reminder(db: Database, user_id: int, day: date = date(2027, 3, 14), now: datetime = NOW) -> int:
    UserRepository(db).upsert(user_id, user_id, now)
    reminder, _ = ReminderRepository(db).create(
        user_id=user_id,
        chat_id=user_id,
        kind="dexa",
        label="DEXA scan",
        event_date=day,
        event_time=None,
        timezone="Europe/London",
        offsets=(7, 1, 0),
        remind_time=time(9, 0),
        now=now,
    )
    return reminder.id


def test_migrations_apply_once_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    first = Database(path)
    assert first.schema_version == len(MIGRATIONS)
    UserRepository(first).upsert(1, 10, NOW)
    first.close()
    with Database(path) as second:  # reopening must not re-run (or fail on) CREATE TABLE
        assert second.schema_version == len(MIGRATIONS)
        user = UserRepository(second).get(1)
        assert user is not None and user.chat_id == 10


def test_ping(tmp_path: Path) -> None:
    db = Database(tmp_path / "ping.sqlite3")
    assert db.ping()
    db.close()
    assert not db.ping()


def test_pragmas(db: Database) -> None:
    assert db.query_one("PRAGMA journal_mode")[0] == "wal"  # type: ignore[index]
    assert db.query_one("PRAGMA foreign_keys")[0] == 1  # type: ignore[index]
    assert db.query_one("PRAGMA busy_timeout")[0] == 5000  # type: ignore[index]


def test_two_connections_on_one_file(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    with Database(path) as a, Database(path) as b:
        UserRepository(a).upsert(1, 1, NOW)
        Counters(b).increment("questions", NOW)
        assert UserRepository(b).get(1) is not None
        assert Counters(a).window(1, NOW).get("questions") == 1


def test_transaction_rolls_back(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as conn:
        conn.execute("INSERT INTO users (user_id, chat_id, created_at, updated_at) VALUES (5, 5, 'x', 'x')")
        raise RuntimeError("boom")
    assert UserRepository(db).get(5) is None


def test_time_text_is_fixed_width_utc() -> None:
    assert to_db_time(datetime(2027, 3, 14, 9, 0, 5, 999, tzinfo=UTC)) == "2027-03-14T09:00:05Z"
    assert from_db_time("2027-03-14T09:00:05Z") == datetime(2027, 3, 14, 9, 0, 5, tzinfo=UTC)
    with pytest.raises(ValueError):
        to_db_time(datetime(2027, 1, 1))


def test_user_settings(db: Database) -> None:
    assert UserRepository(db).get(1) is None
    UserRepository(db).upsert(1, 100, NOW)
    UserRepository(db).upsert(1, 200, NOW + timedelta(minutes=1))  # a newer chat id wins
    UserRepository(db).set_timezone(1, "Europe/Paris", NOW)
    UserRepository(db).set_date_order(1, "MDY", NOW)
    UserRepository(db).set_remind_options(1, (3, 0), time(8, 30), NOW)
    assert not UserRepository(db).has_accepted(1)
    UserRepository(db).accept_disclaimer(1, NOW)
    user = UserRepository(db).get(1)
    assert user is not None
    assert (user.chat_id, user.timezone, user.date_order) == (200, "Europe/Paris", "MDY")
    assert (user.remind_offsets, user.remind_time) == ((3, 0), time(8, 30))
    assert UserRepository(db).has_accepted(1) and user.accepted_disclaimer_at == NOW
    with pytest.raises(ValueError):
        UserRepository(db).set_date_order(1, "YMD", NOW)
    with pytest.raises(KeyError):
        UserRepository(db).set_timezone(99, "UTC", NOW)


def test_flows(db: Database) -> None:
    FlowRepository(db).set(1, '{"step":"kind"}', NOW)
    assert FlowRepository(db).get(1) == ('{"step":"kind"}', NOW)
    FlowRepository(db).clear(1)
    assert FlowRepository(db).get(1) is None


def test_counters_and_stats(db: Database) -> None:
    UserRepository(db).upsert(1, 1, NOW)
    for _ in range(4):
        Counters(db).increment("questions", NOW)
    Counters(db).increment("no_match", NOW)
    Counters(db).increment("questions", NOW + timedelta(days=1))
    Counters(db).increment("questions", NOW - timedelta(days=10))
    add_reminder(db, 1)
    (today, week, month), now = Counters(db).stats(NOW)
    assert (today.days, week.days, month.days) == (1, 7, 30)
    assert today.get("questions") == 4 and today.get("no_match") == 1 and today.get("urgent") == 0
    assert week.get("questions") == 4 and month.get("questions") == 5  # tomorrow's is not counted yet
    assert today.new_users == 1 and today.get("reminders_set") == 1
    assert now == {"users": 1, "reminders_active": 1}
    days = db.query("SELECT day FROM counters WHERE name = 'questions' ORDER BY day")
    assert [row[0] for row in days] == ["2026-12-31", "2027-01-10", "2027-01-11"]


def _user_columns(db: Database) -> dict[str, str]:
    tables = [row[0] for row in db.query("SELECT name FROM sqlite_master WHERE type = 'table'")]
    found = {}
    for table in tables:
        columns = [row[1] for row in db.query(f"PRAGMA table_info({table})")]
        if "user_id" in columns:
            found[table] = "user_id"
    return found


def test_forget_user_leaves_no_row_naming_the_user(db: Database) -> None:
    for user_id in (1, 2):
        add_reminder(db, user_id)
        add_reminder(db, user_id, date(2027, 6, 1))
        FlowRepository(db).set(user_id, "{}", NOW)
        UserRepository(db).accept_disclaimer(user_id, NOW)
    tables = _user_columns(db)
    assert set(tables) == set(USER_TABLES)  # forget_user erases every table with a user_id column
    deleted = Privacy(db).forget_user(1)
    assert deleted == 1 + 2 + 6 + 1
    for table, column in tables.items():
        assert db.query(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (1,))[0][0] == 0, table
        if table in {"users", "reminders", "deliveries", "flows"}:  # the record's tables: tests/test_record_*.py
            assert db.query(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (2,))[0][0] > 0, table
    assert db.query("SELECT COUNT(*) FROM deliveries WHERE chat_id = 1")[0][0] == 0
    assert Privacy(db).forget_user(1) == 0


def test_foreign_key_cascade(db: Database) -> None:
    reminder_id = add_reminder(db, 1)
    with db.transaction() as conn:
        conn.execute("DELETE FROM reminders WHERE id = ?", (reminder_id,))
    assert db.query("SELECT COUNT(*) FROM deliveries")[0][0] == 0


def test_purge_old(db: Database) -> None:
    store = ReminderRepository(db)
    old = add_reminder(db, 1, date(2027, 1, 20))
    keep = add_reminder(db, 1, date(2027, 6, 1))
    store.cancel(old, NOW)  # finished 10 Jan
    FlowRepository(db).set(1, "{}", NOW)
    later = NOW + timedelta(days=10)
    assert Privacy(db).purge_old(later, retention_days=30) == 0  # nothing is old enough yet
    much_later = NOW + timedelta(days=31)
    deleted = Privacy(db).purge_old(much_later, retention_days=30)
    assert deleted == 3 + 1 + 1  # old reminder's 3 cancelled deliveries, the reminder, the flow
    assert store.get(old) is None
    assert store.get(keep) is not None and len(store.pending(keep)) == 3


def test_sqlite_file_is_plain_sqlite(db: Database) -> None:
    UserRepository(db).upsert(7, 7, NOW)
    conn = sqlite3.connect(db.path)
    try:
        assert conn.execute("SELECT user_id FROM users").fetchall() == [(7,)]
    finally:
        conn.close()


def test_forget_user_erases_the_record_and_the_users_files(db: Database, tmp_path: Path) -> None:
    from bot.record.dexa import DexaRepository
    from bot.record.notes import NoteRepository
    from bot.record.tablets import DoseStatus, TabletRepository
    from bot.storage import UserFiles

    files = UserFiles(tmp_path / "files")
    for user_id in (1, 2):
        UserRepository(db).upsert(user_id, user_id, NOW)
        TabletRepository(db).set(user_id=user_id, chat_id=user_id, medicine="anastrozole", at=time(8), timezone="UTC", now=NOW)
        TabletRepository(db).record(user_id, NOW.date(), DoseStatus.TAKEN, NOW)
        DexaRepository(db).add(user_id, NOW.date(), "total_hip", -1.2, None, None, NOW)
        NoteRepository(db).add(user_id, "a question", NOW)
        files.save(user_id, "summary.pdf", b"%PDF-")
    assert Privacy(db, files).forget_user(1) == 1 + 1 + 1 + 1 + 1 + 1 + 1  # delivery, schedule, dose, result, note, user, file
    for table in USER_TABLES:
        assert db.query(f"SELECT COUNT(*) FROM {table} WHERE user_id = 1")[0][0] == 0, table
    assert not files.folder(1).exists() and files.folder(2).exists()
    assert DexaRepository(db).results(2) and NoteRepository(db).notes(2)
    assert files.save(3, "../../etc/passwd", b"x") == tmp_path / "files" / "3" / "passwd"  # no way out of the folder
