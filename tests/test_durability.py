"""The real bot process (`python -m bot run`) against the fake Bot API: killed, stopped, doubled, read-only.

Each test starts the CLI as production does and checks what the fake server saw and what the database
holds: no command lost or applied twice across a SIGKILL; a SIGTERM exit within 10 s with nothing lost;
a second instance that exits at once and touches nothing, in polling and webhook mode, and a standby
that takes over; answers and the emergency reply while the database cannot be written, /healthz saying
so, one log error, and recovery without a restart.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.channels.control import pid_file
from bot.config import Settings
from tests.fake_telegram import FakeTelegramServer
from tests.process_support import (
    can_make_read_only,
    consent_users,
    fill_disk,
    free_port,
    healthz,
    make_read_only,
    query,
    start_bot,
    stop,
    texts_to,
    wait_exit,
    wait_health,
    wait_until,
)

USERS = list(range(7001, 7009))
PER_USER = 5
FAST = {"telegram_chat_seconds": 0.5, "health_check_seconds": 0.5, "lease_seconds": 5}
EMERGENCY = "i fell down the stairs and my hip hurts so much i cant stand up"


def _day() -> str:
    return (datetime.now(UTC) + timedelta(days=40)).date().isoformat()


def _push_burst(tg: FakeTelegramServer) -> list[str]:
    labels = []
    for n in range(PER_USER):
        for user in USERS:
            label = f"Scan u{user} n{n}"
            tg.push_message(f"/remind {_day()} {label}", user_id=user)
            labels.append(label)
    return labels


def _confirmations(tg: FakeTelegramServer, labels: list[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for user in USERS:
        for text in texts_to(tg, user):
            for label in labels:
                if label in text and f"u{user} " in label:
                    counts[label] += 1
    return counts


async def test_sigkill_mid_burst_loses_nothing_and_applies_nothing_twice(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    consent_users(database, USERS)
    async with FakeTelegramServer(chat_interval=0.5) as tg:
        first = start_bot(tg, tmp_path, database, "first", **FAST)
        try:
            labels = _push_burst(tg)
            assert await wait_until(lambda: sum(_confirmations(tg, labels).values()) >= 12, 30)
            first.process.kill()  # SIGKILL: no clean shutdown, nothing may depend on one
            assert await wait_exit(first.process, 10) == -9
            before = sum(_confirmations(tg, labels).values())
            assert before < len(labels), "the kill must land mid-burst"
            second = start_bot(tg, tmp_path, database, "second", **FAST)
            try:
                assert await wait_until(lambda: len(_confirmations(tg, labels)) == len(labels), 40)
                await wait_until(lambda: query(database, "SELECT COUNT(*) FROM inbox WHERE status != 'done'")[0][0] == 0, 5)
            finally:
                assert await stop(second) == 0
        finally:
            if first.process.poll() is None:
                first.process.kill()
        applied = Counter(label for (label,) in query(database, "SELECT label FROM reminders"))
        assert set(applied) == set(labels) and max(applied.values()) == 1, applied.most_common(3)
        sent = _confirmations(tg, labels)
        # A message Telegram accepted just before the kill, not yet recorded as sent, goes out again: at
        # most one per chat that had a reply in flight (Telegram's API has no idempotency key).
        twice = Counter(label.split()[1] for label, count in sent.items() if count > 1)
        assert max(sent.values()) <= 2 and all(count == 1 for count in twice.values()), sent.most_common(3)
        assert second.events("replay"), "the second process must have replayed the unfinished updates"
        assert tg.throttled == [] and tg.rejections == []


async def test_sigterm_exits_within_ten_seconds_and_the_rest_is_answered_after_restart(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    consent_users(database, USERS)
    async with FakeTelegramServer(chat_interval=0.5) as tg:
        first = start_bot(tg, tmp_path, database, "first", **FAST)
        labels = _push_burst(tg)
        assert await wait_until(lambda: sum(_confirmations(tg, labels).values()) >= 8, 30)
        asked = time.monotonic()
        first.process.terminate()
        code = await wait_exit(first.process, 10)
        took = time.monotonic() - asked
        assert code == 0, first.log.read_text()[-2000:]
        assert took <= 10.0
        assert not pid_file(Settings(database=database)).exists()
        second = start_bot(tg, tmp_path, database, "second", **FAST)
        try:
            assert await wait_until(lambda: len(_confirmations(tg, labels)) == len(labels), 40)
        finally:
            assert await stop(second) == 0
        applied = Counter(label for (label,) in query(database, "SELECT label FROM reminders"))
        assert set(applied) == set(labels) and max(applied.values()) == 1
        assert sum(_confirmations(tg, labels).values()) == len(labels)  # a clean stop duplicates nothing


async def test_second_instance_exits_with_one_line_and_touches_nothing(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    async with FakeTelegramServer() as tg:
        first = start_bot(tg, tmp_path, database, "first", **FAST)
        try:
            await tg.wait_for_calls("setMyCommands", 1, timeout=30)
            await tg.wait_until_polling(timeout=10)
            pid = pid_file(Settings(database=database)).read_text()
            calls = len(tg.calls)
            second = start_bot(tg, tmp_path, database, "second", **FAST)
            code = await wait_exit(second.process, 30)
            assert code == 3
            output = second.log.read_text().strip().splitlines()
            assert len(output) == 1 and "another instance holds the database lease" in output[0], output
            assert f"pid {first.process.pid}" in output[0]
            assert pid_file(Settings(database=database)).read_text() == pid
            assert [c.method for c in tg.calls[calls:] if c.method != "getUpdates"] == []
            tg.push_message("/help", user_id=5)
            assert await wait_until(lambda: len(tg.sent_messages(5)) == 1, 10)  # the first one still answers
        finally:
            assert await stop(first) == 0


async def test_second_webhook_instance_keeps_off_the_webhook_and_health_tells_a_foreign_one(tmp_path: Path) -> None:
    database, port, health = tmp_path / "bot.sqlite3", free_port(), free_port()
    hook = {"webhook_listen": "127.0.0.1", "webhook_port": port, "webhook_url": f"http://127.0.0.1:{port}/telegram"}
    async with FakeTelegramServer() as tg:
        first = start_bot(tg, tmp_path, database, "first", args=("--webhook",), health_port=health,
                          env={"PATIENT_BOT_WEBHOOK_SECRET": "first-secret"}, **hook, **FAST)
        try:
            await tg.wait_for_calls("setWebhook", 1, timeout=30)
            assert await wait_until(lambda: first.events("started") != [], 20)
            second = start_bot(tg, tmp_path, database, "second", args=("--webhook",),
                               env={"PATIENT_BOT_WEBHOOK_SECRET": "other-secret"}, **hook, **FAST)
            assert await wait_exit(second.process, 30) == 3
            assert len(tg.calls_to("setWebhook")) == 1 and tg.webhook["secret_token"] == "first-secret"
            assert await tg.deliver_webhook(tg.push_message("/help", user_id=5)) == 200
            assert await wait_until(lambda: len(tg.sent_messages(5)) == 1, 10)
            assert (await healthz(health))[0] == 200
            # What the lease now prevents, done by hand: the webhook registered again with another secret.
            tg.webhook["secret_token"] = "other-secret"
            assert await tg.deliver_webhook(tg.push_message("/help", user_id=6)) == 403
            assert await wait_health(health, 503, 10)
            status, body = await healthz(health)
            assert status == 503 and body["webhook"] is False and "403" in body["webhook_problem"]
            assert len(first.events("webhook_not_ours")) == 1
        finally:
            assert await stop(first) == 0


async def test_standby_takes_over_when_the_running_bot_stops(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    async with FakeTelegramServer() as tg:
        first = start_bot(tg, tmp_path, database, "first", **FAST)
        await tg.wait_for_calls("setMyCommands", 1, timeout=30)
        standby = start_bot(tg, tmp_path, database, "standby", args=("--standby",), **FAST)
        try:
            assert await wait_until(lambda: standby.events("standby") != [], 30)
            commands = len(tg.calls_to("setMyCommands"))
            assert commands == 1 and standby.process.poll() is None  # waiting, not touching Telegram
            assert await stop(first) == 0
            await tg.wait_for_calls("setMyCommands", 2, timeout=30)
            tg.push_message("/help", user_id=5)
            assert await wait_until(lambda: len(tg.sent_messages(5)) == 1, 20)
        finally:
            await stop(first)
            assert await stop(standby) == 0


@pytest.mark.skipif(not can_make_read_only(), reason="root without chattr cannot make a file read-only")
async def test_read_only_database_still_answers_and_triages_and_recovers_by_itself(tmp_path: Path) -> None:
    database, health = tmp_path / "bot.sqlite3", free_port()
    consent_users(database, [5])
    make_read_only(database)
    try:
        async with FakeTelegramServer() as tg:
            bot = start_bot(tg, tmp_path, database, "bot", health_port=health, **FAST)
            try:
                tg.push_message(EMERGENCY, user_id=5)
                assert await wait_until(lambda: len(tg.sent_messages(5)) >= 1, 30)
                assert "112" in texts_to(tg, 5)[0]
                tg.push_message("what is a dexa scan", user_id=5)
                assert await wait_until(lambda: len(tg.sent_messages(5)) >= 3, 10)
                assert "DEXA" in " ".join(texts_to(tg, 5)[1:]) and "unavailable right now" in texts_to(tg, 5)[-1]
                tg.push_message(f"/remind {_day()} DEXA scan", user_id=5)
                assert await wait_until(lambda: len(tg.sent_messages(5)) >= 4, 10)
                assert "can't do that right now" in texts_to(tg, 5)[-1]
                status, body = await healthz(health)
                assert status == 503 and body["status"] == "degraded" and body["database"] is False
                assert "readonly" in body["database_problem"]
                assert len(bot.events("storage_degraded")) == 1
                assert [line for line in bot.lines() if line.get("event") == "error"] == []
                make_read_only(database, False)
                assert await wait_health(health, 200, 15)
                tg.push_message(f"/remind {_day()} DEXA scan", user_id=5)
                assert await wait_until(lambda: len(tg.sent_messages(5)) >= 5, 10)
                assert "DEXA scan" in texts_to(tg, 5)[-1] and "#" in texts_to(tg, 5)[-1]
                assert len(bot.events("storage_recovered")) == 1
            finally:
                assert await stop(bot) == 0
    finally:
        make_read_only(database, False)
    assert query(database, "SELECT label FROM reminders") == [("DEXA scan",)]


async def test_full_disk_still_answers_and_health_says_degraded_until_space_returns(tmp_path: Path) -> None:
    database, health = tmp_path / "bot.sqlite3", free_port()
    consent_users(database, [5])
    async with FakeTelegramServer() as tg:
        bot = start_bot(tg, tmp_path, database, "bot", health_port=health, **FAST)
        try:
            await tg.wait_for_calls("setMyCommands", 1, timeout=30)
            assert await wait_health(health, 200, 10)
            fill_disk(bot)
            tg.push_message(EMERGENCY, user_id=5)
            assert await wait_until(lambda: len(tg.sent_messages(5)) >= 1, 10)
            assert "112" in texts_to(tg, 5)[0]
            tg.push_message("how often do I need a bone density scan", user_id=5)
            assert await wait_until(lambda: len(tg.sent_messages(5)) >= 3, 10)
            assert "unavailable right now" in texts_to(tg, 5)[-1]
            status, body = await healthz(health)
            assert status == 503 and body["database"] is False
            fill_disk(bot, False)
            assert await wait_health(health, 200, 10)
            assert len(bot.events("storage_degraded")) == 1 and len(bot.events("storage_recovered")) == 1
        finally:
            assert await stop(bot) == 0
