"""Durability end to end: the real `patient-bot run` process, killed, stopped, flooded and starved of storage.

What it measures, and how
-------------------------
Every scenario runs the real CLI (``python -m bot run``, production settings unless stated: per-chat
pacing 1 s, ``telegram_max_per_second`` 30, the default flood guard of 20 messages a minute) as a
subprocess against the fake Bot API of ``tests/fake_telegram``, which runs in this process on 127.0.0.1
and enforces Telegram's limits as the issue's runs did: 30 ``sendMessage`` per sliding second bot-wide,
one per second per chat (429 ``retry_after: 1`` past them). Users are consented directly in a fresh
database (``tests/process_support.consent_users``), as the other benchmarks do.

1. **burst + SIGKILL** (``--runs`` 3): 100 users send 500 ``/remind DATE label`` commands (5 each, every
   label unique) within about a second. When 150 confirmations have been answered by the fake server,
   the bot gets SIGKILL; a new process starts on the same file and runs until every command is
   confirmed (or ``--timeout``). *lost* = commands with no reminder in the database or no confirmation
   at all; *applied twice* = labels with more than one reminder row; *duplicate confirmations* =
   confirmations beyond one per command (a message Telegram accepted just before the kill, not yet
   recorded as sent: at most one per chat with a reply in flight).
2. **burst + SIGTERM**: the same burst; SIGTERM after 150 confirmations. *stop time* = SIGTERM to process
   exit; then a new process answers the rest; *lost* as above.
3. **flood**: 20 other users each ask a question every 2 s for 20 s (200 messages, one in flight per
   user). Baseline: nothing else. Flood: one more user sends 100 messages in 10 s. *allowed answers* =
   replies the flood guard allows that user (20 answers + 1 "slow down" notice), *delivered* = what the
   fake server accepted for that chat; the others' latency = push of their message to the fake server's
   answer to the ``sendMessage`` with its reply, p50 / p99 over all 200.
4. **read-only / disk full**: read-only = the database file made immutable (``chattr +i``; ``chmod 444``
   when not root) before the bot starts; disk full = the running bot may grow no file
   (``prlimit RLIMIT_FSIZE 0``, which binds root too) from one second after start. Then 20 users send one
   message each: 10 emergencies ("i fell down the stairs and my hip hurts so much i cant stand up" and
   variants), 10 questions. *emergency delivered* = emergencies whose reply (with the emergency number)
   reached the fake server; *answered* = questions that got a reply; /healthz status and the seconds from
   the fault to its first non-200.

Run from the repository root: ``python benchmarks/bench_durability.py [--runs 3] [--timeout 120]``
(about 4 minutes on 2 cores). Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # the fake server and the process helpers live in tests/

from tests.fake_telegram import FakeTelegramServer  # noqa: E402
from tests.process_support import (  # noqa: E402
    BotProcess,
    can_make_read_only,
    consent_users,
    fill_disk,
    free_port,
    healthz,
    make_read_only,
    query,
    start_bot,
    stop,
    wait_exit,
    wait_until,
)

FIRST_USER = 700_000_001
BURST_USERS, PER_USER, KILL_AFTER = 100, 5, 150
OTHERS, OTHER_EVERY, FLOOD_SECONDS = 20, 2.0, 20.0
FLOODER_MESSAGES, FLOODER_SECONDS, FLOOD_ALLOWED = 100, 10.0, 21
EMERGENCIES = (
    "i fell down the stairs and my hip hurts so much i cant stand up",
    "crushing chest pain spreading to my left arm right now",
    "my face is drooping and i cant lift my arm",
    "my throat is swelling and i cant breathe after the new tablet",
    "i took the whole packet of my pills on purpose",
)
QUESTION = "what is a dexa scan"
LABEL = re.compile(r"Scan \d+ n\d+")
LIMITS = {"rate_limit_per_second": 30, "chat_interval": 1.0}


def _day() -> str:
    return (datetime.now(UTC) + timedelta(days=60)).date().isoformat()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _sends(tg: FakeTelegramServer) -> list[tuple[int, float, str]]:
    """Every sendMessage the fake server accepted: (chat, time, text as sent)."""
    return [(int(c.params["chat_id"]), c.time, str(c.params.get("text") or "")) for c in tg.calls
            if c.method == "sendMessage" and c.status == 200]


# -- 1 and 2: the burst ---------------------------------------------------------------------------------


async def burst(workdir: Path, name: str, signal_name: str, timeout: float) -> str:
    database = workdir / f"{name}.sqlite3"
    users = [FIRST_USER + i for i in range(BURST_USERS)]
    consent_users(database, users)
    labels: dict[str, int] = {}
    async with FakeTelegramServer(**LIMITS) as tg:
        first = start_bot(tg, workdir, database, f"{name}-1")
        await tg.wait_for_calls("setMyCommands", 1, timeout=60)
        await tg.wait_until_polling(timeout=20)
        for n in range(PER_USER):
            for user in users:
                label = f"Scan {user} n{n}"
                labels[label] = user
                tg.push_message(f"/remind {_day()} {label}", user_id=user)

        def confirmed() -> Counter[str]:
            counts: Counter[str] = Counter()
            for _, _, text in _sends(tg):
                for label in set(LABEL.findall(text)):
                    if label in labels:
                        counts[label] += 1
            return counts

        await wait_until(lambda: sum(confirmed().values()) >= KILL_AFTER, timeout, step=0.02)
        at_signal = sum(confirmed().values())
        asked = time.monotonic()
        if signal_name == "SIGKILL":
            first.process.kill()
        else:
            first.process.terminate()
        code = await wait_exit(first.process, 30)
        stop_seconds = time.monotonic() - asked
        second = start_bot(tg, workdir, database, f"{name}-2")
        done = await wait_until(lambda: len(confirmed()) >= len(labels), timeout, step=0.1)
        await asyncio.sleep(2.0)  # late duplicates still count
        second_code = await stop(second)
        counts, throttled, per_chat = confirmed(), len(tg.throttled), tg.chat_throttled
    applied = Counter(label for (label,) in query(database, "SELECT label FROM reminders"))
    lost = sum(1 for label in labels if applied[label] == 0 or counts[label] == 0)
    twice = sum(1 for label in labels if applied[label] > 1)
    duplicate_messages = sum(max(0, counts[label] - 1) for label in labels)
    line = (f"{name}: {len(labels)} commands, {signal_name} after {at_signal} confirmations; lost {lost}, "
            f"applied twice {twice}, duplicate confirmations {duplicate_messages}")
    if signal_name == "SIGTERM":
        line += f"; stop time {stop_seconds:.2f} s, exit code {code}"
    line += (f"; exit codes [{code}, {second_code}], 429s {throttled} (per chat {per_chat}), replayed "
             f"{_count(second, 'replay')}{'' if done else ', NOT COMPLETE'}")
    return line


def _count(bot: BotProcess, event: str) -> int:
    return sum(int(line.get("count", 1)) for line in bot.events(event))


# -- 3: the flood -----------------------------------------------------------------------------------------


async def flood(workdir: Path, name: str, with_flood: bool) -> tuple[str, list[float]]:
    database = workdir / f"{name}.sqlite3"
    others = [FIRST_USER + i for i in range(OTHERS)]
    flooder = FIRST_USER + 999
    consent_users(database, [*others, flooder])
    latencies: list[float] = []
    async with FakeTelegramServer(**LIMITS) as tg:
        bot = start_bot(tg, workdir, database, name)
        await tg.wait_for_calls("setMyCommands", 1, timeout=60)
        await tg.wait_until_polling(timeout=20)
        pushed: list[tuple[int, float]] = []

        async def other_users() -> None:
            rounds = int(FLOOD_SECONDS / OTHER_EVERY)
            for _ in range(rounds):
                for user in others:
                    await asyncio.sleep(OTHER_EVERY / len(others))
                    pushed.append((user, time.monotonic()))
                    tg.push_message(QUESTION, user_id=user)

        async def flooding_user() -> None:
            for _ in range(FLOODER_MESSAGES):
                tg.push_message(QUESTION, user_id=flooder)
                await asyncio.sleep(FLOODER_SECONDS / FLOODER_MESSAGES)

        await asyncio.gather(other_users(), *([flooding_user()] if with_flood else []))
        await wait_until(lambda: len([s for s in _sends(tg) if s[0] != flooder]) >= len(pushed), 30)
        if with_flood:
            await wait_until(lambda: len([s for s in _sends(tg) if s[0] == flooder]) >= FLOOD_ALLOWED, 40)
            await asyncio.sleep(2.0)
        sends = _sends(tg)
        code = await stop(bot)
        throttled = len(tg.throttled)
    by_chat: dict[int, list[float]] = {}
    for chat, at, _ in sends:
        by_chat.setdefault(chat, []).append(at)
    cursor: dict[int, int] = {}
    for user, at in pushed:
        times = by_chat.get(user, [])
        i = cursor.get(user, 0)
        while i < len(times) and times[i] < at:
            i += 1
        if i < len(times):
            latencies.append(times[i] - at)
            cursor[user] = i + 1
    answered = len(latencies)
    line = (f"flood {'on ' if with_flood else 'off'}: others {answered}/{len(pushed)} answered, p50 "
            f"{_percentile(latencies, 0.5) * 1000:.0f} ms, p99 {_percentile(latencies, 0.99) * 1000:.0f} ms")
    if with_flood:
        delivered = len(by_chat.get(flooder, []))
        line += f"; flooding user: {delivered} of {FLOOD_ALLOWED} allowed answers delivered"
    line += f"; 429s {throttled}, exit code {code}"
    return line, latencies


# -- 4: read-only and full disk ------------------------------------------------------------------------


async def no_storage(workdir: Path, kind: str) -> str:
    database = workdir / f"{kind}.sqlite3"
    users = [FIRST_USER + i for i in range(20)]
    consent_users(database, users)
    health = free_port()
    if kind == "read-only":
        if not can_make_read_only():
            return "read-only: skipped (root without chattr: file permissions do not bind root)"
        make_read_only(database)
    try:
        async with FakeTelegramServer(**LIMITS) as tg:
            bot = start_bot(tg, workdir, database, kind, health_port=health)
            await tg.wait_for_calls("setMyCommands", 1, timeout=60)
            fault = time.monotonic()
            if kind == "disk-full":
                await asyncio.sleep(1.0)
                fill_disk(bot)
                fault = time.monotonic()
            degraded_after: float | None = None
            for index, user in enumerate(users):
                text = EMERGENCIES[index % len(EMERGENCIES)] if index < 10 else QUESTION
                tg.push_message(text, user_id=user)
            deadline = time.monotonic() + 40
            status, body = 0, {}
            while time.monotonic() < deadline:
                status, body = await healthz(health)
                if status != 200 and degraded_after is None:
                    degraded_after = time.monotonic() - fault
                if degraded_after is not None and len({s[0] for s in _sends(tg)}) >= len(users):
                    break
                await asyncio.sleep(0.25)
            sends = _sends(tg)
            code = await stop(bot)
    finally:
        if kind == "read-only":
            make_read_only(database, False)
    emergency = sum(1 for user in users[:10] if any(c == user and "112" in t for c, _, t in sends))
    answered = sum(1 for user in users[10:] if any(c == user for c, _, _ in sends))
    errors = len(bot.events("storage_degraded")) + len(bot.events("storage_file_lost"))
    return (f"{kind}: emergency reply delivered {emergency}/10, questions answered {answered}/10; /healthz {status} "
            f"{body.get('status')} ({body.get('database_problem')}), non-200 after "
            + (f"{degraded_after:.1f} s" if degraded_after is not None else "never")
            + f"; storage error log lines {errors}; exit code {code}")


async def main_async(options: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-durability-") as tmp:
        workdir = Path(options.workdir) if options.workdir else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for run in range(1, options.runs + 1):
            print(await burst(workdir, f"burst+kill run {run}", "SIGKILL", options.timeout), flush=True)
        print(await burst(workdir, "burst+term", "SIGTERM", options.timeout), flush=True)
        base_line, base = await flood(workdir, "flood-off", False)
        print(base_line, flush=True)
        flood_line, flooded = await flood(workdir, "flood-on", True)
        print(flood_line, flush=True)
        ratio = _percentile(flooded, 0.99) / _percentile(base, 0.99) if base and flooded else float("nan")
        print(f"flood: others' p99 with flood / without = {ratio:.2f}x (target <= 1.5x); p50 "
              f"{statistics.median(flooded) * 1000:.0f} vs {statistics.median(base) * 1000:.0f} ms", flush=True)
        for kind in ("read-only", "disk-full"):
            print(await no_storage(workdir, kind), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3, help="burst + SIGKILL runs (default 3)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per wait before giving up")
    parser.add_argument("--workdir", help="keep databases and bot logs here instead of a temporary folder")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
