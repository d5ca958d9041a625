"""The storage pieces of durability, in process: inbox, instance lease, storage guard, deleted database file,
per-chat pacing, and a flood that leaves everyone else's replies alone (real PTB against the fake Bot API)."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.channels.telegram_pacing import ChatPacer
from bot.storage import Database, Inbox, InboxStatus, Lease, StorageGuard
from tests.e2e_support import running_bot

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
UPDATE = {"update_id": 5, "message": {"message_id": 1, "from": {"id": 7, "is_bot": False, "first_name": "Ann",
                                                               "last_name": "Lee", "username": "ann"},
                                      "chat": {"id": 7, "type": "private", "first_name": "Ann"}, "text": "hi"}}


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return Database(tmp_path / "bot.sqlite3")


def test_inbox_stores_once_keeps_no_names_and_erases_on_done(db: Database) -> None:
    inbox = Inbox(db)
    assert inbox.receive(5, UPDATE, NOW) is True
    assert inbox.receive(5, UPDATE, NOW) is False  # a redelivery is stored once
    entry = inbox.get(5)
    assert entry is not None and entry.status is InboxStatus.PENDING and entry.payload is not None
    assert "Ann" not in entry.payload and "Lee" not in entry.payload and "ann" not in entry.payload
    assert json.loads(entry.payload)["message"]["text"] == "hi"
    inbox.receive(3, {**UPDATE, "update_id": 3}, NOW)
    assert [e.update_id for e in inbox.unfinished()] == [3, 5]  # oldest first
    inbox.applied(5, '[{"op": "send"}]', NOW)
    inbox.progress(5, 1, NOW)
    entry = inbox.get(5)
    assert entry is not None and entry.status is InboxStatus.APPLIED and entry.sent == 1
    inbox.done(5, NOW)
    entry = inbox.get(5)
    assert entry is not None and entry.status is InboxStatus.DONE and entry.payload is None and entry.actions is None
    assert inbox.receive(5, UPDATE, NOW) is False  # done: a late duplicate from Telegram is recognised
    assert inbox.attempt(3, NOW) == 1 and inbox.open_count() == 1
    assert inbox.purge(NOW + timedelta(days=3)) == 1 and inbox.get(5) is None


def test_lease_one_holder_dead_pid_and_expiry(db: Database) -> None:
    alive = {101: True, 202: True}
    first = Lease(db, timedelta(seconds=30), host="h", pid=101, alive=lambda pid: alive.get(pid, False))
    second = Lease(db, timedelta(seconds=30), host="h", pid=202, alive=lambda pid: alive.get(pid, False))
    other_host = Lease(db, timedelta(seconds=30), host="elsewhere", pid=303)
    assert first.acquire(NOW) is None and first.held
    holder = second.acquire(NOW)
    assert holder is not None and holder.pid == 101 and "pid 101 on host h" in holder.describe()
    assert other_host.acquire(NOW + timedelta(seconds=29)) is not None  # another host waits for the expiry
    assert first.renew(NOW + timedelta(seconds=20))
    assert other_host.acquire(NOW + timedelta(seconds=45)) is not None  # renewed until 50 s
    alive[101] = False  # the holder died (SIGKILL): same host, so no need to wait for the expiry
    assert second.acquire(NOW + timedelta(seconds=46)) is None
    assert not first.renew(NOW + timedelta(seconds=47)) and not first.held  # the old holder must stop
    assert other_host.acquire(NOW + timedelta(seconds=80)) is None  # expired: taken from another host
    other_host.release()
    assert second.acquire(NOW + timedelta(seconds=81)) is None


def test_lease_of_a_previous_life_of_this_process_is_taken(db: Database) -> None:
    before = Lease(db, timedelta(seconds=30), host="box", pid=1)  # a container's pid 1, SIGKILLed
    assert before.acquire(NOW) is None
    restarted = Lease(db, timedelta(seconds=30), host="box", pid=1, alive=lambda pid: True)
    assert restarted.acquire(NOW + timedelta(seconds=1)) is None


def test_guard_degrades_once_and_recovers_with_a_write_probe(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    guard = StorageGuard(db, lambda: NOW)
    assert guard.writable and guard.check() and guard.last_probe == NOW
    db._conn.execute("PRAGMA query_only = ON")  # the connection refuses writes, as on a read-only file
    answer, stored = guard.apply(lambda: 1 / 0 if db.query_one("SELECT 1") is None else _write(db), lambda: "fallback")
    assert (answer, stored) == ("fallback", False) and not guard.writable and guard.episode == 1
    assert guard.attempt(lambda: _write(db)) is False
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        "database cannot be written: attempt to write a readonly database (SQLITE_READONLY); answering without it, "
        "reminders and settings are unavailable until it can be written again"
    ]
    assert guard.check() is True and guard.writable  # the probe reopens the connection: writable again
    assert guard.apply(lambda: _write(db), lambda: "fallback") == ("written", True)


def _write(db: Database) -> str:
    with db.transaction() as conn:
        conn.execute("INSERT INTO counters (day, name, value) VALUES ('2027-01-10', 'x', 1)")
    return "written"


def test_guard_notices_a_deleted_or_replaced_file_for_good(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = Database(path)
    guard = StorageGuard(db, lambda: NOW)
    path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    assert guard.apply(lambda: "stored", lambda: "fallback") == ("fallback", False)
    assert guard.file_lost and "deleted" in (guard.problem or "")
    Database(path).close()  # a new file at the path: still not the one this process opened
    assert guard.check() is False and guard.file_lost and not guard.writable
    db.close()


async def test_deleted_database_stops_reminders_with_a_clear_reply_and_health(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        await bot.accept()
        path = tmp_path / "bot.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        [reply] = await bot.say("/remind 2030-03-14 DEXA scan")
        assert "can't do that right now" in reply["plain_text"]
        replies = await bot.say("i fell and i think i broke my hip, i can't stand up", expect=1)
        assert "112" in replies[0]["plain_text"]
        health = bot.runtime.health()
        assert health["database"] is False and "deleted" in health["database_problem"]


async def test_pacer_spaces_one_chat_and_never_delays_another() -> None:
    pacer = ChatPacer(interval=0.2, group_max=3, group_period=0.6)
    times: dict[int, list[float]] = {1: [], 2: [], -5: []}

    async def send(chat: int) -> None:
        async with pacer.slot(chat):
            times[chat].append(time.monotonic())

    start = time.monotonic()
    await asyncio.gather(*(send(1) for _ in range(4)), send(2), *(send(-5) for _ in range(4)))
    gaps = [b - a for a, b in zip(times[1], times[1][1:], strict=False)]
    assert all(gap >= 0.19 for gap in gaps)
    assert times[2][0] - start < 0.05  # chat 2 never waited behind chat 1
    assert times[-5][3] - times[-5][0] >= 0.59  # a group: the 4th of 3-per-period waits for the window


async def test_flooding_user_gets_every_allowed_answer_and_others_wait_for_nobody(tmp_path: Path) -> None:
    async with running_bot(tmp_path, telegram_chat_seconds=0.25, flood_max_messages=6) as bot:
        bot.tg.chat_interval = 0.25  # the fake now refuses a second message to a chat within 0.25 s
        await bot.accept(user_id=1001)
        await bot.accept(user_id=2002)
        await asyncio.sleep(0.3)
        for _ in range(12):
            bot.tg.push_message("what is a dexa scan", user_id=1001)
        await asyncio.sleep(0.1)
        started = time.monotonic()
        [other] = await bot.say("/help", user_id=2002)
        assert time.monotonic() - started < 0.5 and "/glossary" in other["plain_text"]
        allowed = 4 + 1  # /start and "I understand" count too: four answers, then "you're sending ... quickly"
        await bot.wait_messages(1001, 3 + allowed, timeout=15)  # three from /start and "I understand"
        await asyncio.sleep(0.5)
        texts = [m["plain_text"] for m in bot.messages(1001)][3:]
        assert len(texts) == allowed and "very quickly" in texts[-1]
        assert bot.tg.throttled == []
