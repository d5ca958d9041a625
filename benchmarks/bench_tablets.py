"""Daily tablet reminders: N users with tablets due in the same minute, sent by the real bot process through
a rate-limited fake Bot API, with a SIGKILL part-way and a restart. Lost, duplicated, messages per second.

What it measures, and how
-------------------------
1. A fake Telegram Bot API server (``tests/fake_telegram``) runs in this process on 127.0.0.1 with
   ``rate_limit_per_second=30`` (``--rate-limit``): a 31st ``sendMessage`` within any sliding second gets
   HTTP 429 with ``retry_after: 1``. Every answered call is recorded with its ``time.monotonic()``.
2. A fresh SQLite file gets N users (``user_id == chat_id``, disclaimer accepted) and a daily tablet
   reminder each, set through ``TabletRepository.set`` (the code /tablet runs) at the current UTC minute in
   UTC, with ``now`` one second before that minute: so each user's first reminder is due at the start of
   the current minute, all N at once. No SQL is written by this script; it reads the tables at the end.
3. The real bot runs as a subprocess (``patient-bot run``, configured as ``bench_reminders.py`` does: the
   fake server's URL, the database, ``log_level: WARNING``; nothing tuned: the delivery loop paces at
   27 messages/s, PTB's rate limiter allows 30). When ``--kill-at`` (40 %) of the chats got their reminder
   it is killed with SIGKILL, and after 2 s a new bot process is started on the same file; the run ends
   when every chat got its reminder (or ``--timeout``), then ``--settle`` seconds are watched for late
   duplicates and the bot is stopped with SIGTERM.

Reported: delivered (chats with >= 1 tablet reminder), lost (chats with none), duplicated (reminders beyond
one per chat), throughput = delivered / (last delivery - first delivery) on the fake server's clock (the
kill, the 2 s pause and the restart included; the detail line also gives it without that gap), 429s; the
final delivery statuses and the next day's reminders queued (there must be exactly N: each sent reminder
queues tomorrow's, once); exit codes; the duplicate window the delivery loop documents (at most one
message per crashed process: the one in flight when it died). The default N = 10,000 takes about seven
minutes (10,000 messages at <= 30/s); ``--count 500`` about half a minute.

Run from the repository root: ``python benchmarks/bench_tablets.py [--count N]``. Prints, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench_reminders import (
    FIRST_CHAT,
    RATE_LIMIT,
    TARGET_THROUGHPUT,
    Tally,
    delivery_figures,
    documented_window,
    start_bot,
    stop_bot,
    wait_exit,
    wait_until,
)

from bot.record.tablets import TabletRepository
from bot.storage import Database, UserRepository
from tests.fake_telegram import FakeTelegramServer


def prepare_database(path: Path, count: int) -> tuple[set[int], datetime]:
    """Create ``count`` users with a daily tablet reminder each, all due at the start of this minute."""
    fire = datetime.now(UTC).replace(second=0, microsecond=0)
    if fire.hour == 23 and fire.minute >= 50:
        raise SystemExit("run it at least ten minutes before midnight UTC (the reminders' day must not end)")
    created = fire - timedelta(seconds=1)
    expected: set[int] = set()
    with Database(path) as db:
        tablets, users = TabletRepository(db), UserRepository(db)
        with db.transaction():  # re-entrant: every call below joins this one transaction
            for index in range(count):
                user_id = FIRST_CHAT + index
                users.upsert(user_id, user_id, created)
                users.accept_disclaimer(user_id, created)
                _, first = tablets.set(
                    user_id=user_id, chat_id=user_id, medicine="anastrozole", at=fire.time(), timezone="UTC", now=created
                )
                if first != fire:
                    raise RuntimeError(f"expected the first reminder at {fire}, got {first}")
                expected.add(user_id)
    return expected, fire


def statuses(path: Path) -> tuple[dict[str, int], int]:
    """Return today's tablet reminders by status, and how many of tomorrow's are queued (read-only)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        today = conn.execute("SELECT MIN(day) FROM tablet_deliveries").fetchone()[0]
        rows = conn.execute("SELECT status, COUNT(*) FROM tablet_deliveries WHERE day = ? GROUP BY status", (today,))
        by_status = {status: n for status, n in rows}
        queued = conn.execute(
            "SELECT COUNT(*) FROM tablet_deliveries WHERE day > ? AND status = 'pending' AND kind = 'daily'", (today,)
        ).fetchone()[0]
    return by_status, int(queued)


async def run(options: argparse.Namespace, workdir: Path) -> None:
    database = workdir / "tablets.sqlite3"
    started = time.perf_counter()
    expected, fire = prepare_database(database, options.count)
    prepared = time.perf_counter() - started
    async with FakeTelegramServer(rate_limit_per_second=options.rate_limit) as tg:
        tally = Tally(tg, expected)
        bots = [start_bot(tg, workdir, database, "tablets-bot1")]
        deadline = time.monotonic() + options.timeout
        target = max(1, int(options.count * options.kill_at))
        first = bots[0]
        await wait_until(lambda: tally.delivered >= target or first.process.poll() is not None, deadline, tally)
        exit_codes = []
        killed_at = time.monotonic()
        first.process.send_signal(signal.SIGKILL)
        exit_codes.append(await wait_exit(first.process, 10))
        tally.update()
        killed_delivered = tally.delivered
        await asyncio.sleep(2.0)
        bots.append(start_bot(tg, workdir, database, "tablets-bot2"))
        last = bots[-1]
        done = await wait_until(lambda: tally.delivered >= options.count or last.process.poll() is not None, deadline, tally)
        await asyncio.sleep(options.settle)
        tally.update()
        exit_codes.append(await stop_bot(last))
        tally.update()
        throttled, rejected = len(tg.throttled), len(tg.rejections)
    delivered, lost, duplicated, duration, throughput = delivery_figures(tally, expected)
    window, sentence = documented_window()
    print(
        f"tablets: {options.count} users due at {fire:%H:%M}Z; delivered {delivered}, lost {lost}, duplicated "
        f"{duplicated}, throughput {throughput:.1f} msg/s, duration {duration:.1f} s, 429s: {throttled}",
        flush=True,
    )
    before, after = tally.last_before(killed_at), tally.first_after(bots[1].started)
    gap = after - before if before is not None and after is not None else None
    requeued = re.findall(r"re-queued (\d+) deliveries", bots[1].log.read_text(errors="replace"))
    by_status, tomorrow = statuses(database)
    detail = [
        f"prepare {prepared:.1f} s",
        f"SIGKILL at {killed_delivered} delivered",
        "delivery gap around the crash " + (f"{gap:.1f} s" if gap is not None else "n/a"),
        f"throughput without that gap {delivered / (duration - gap):.1f} msg/s" if gap and duration > gap else "",
        f"re-queued at restart: {', '.join(requeued) or '0'}",
        "today's reminders " + " ".join(f"{k}={v}" for k, v in sorted(by_status.items())),
        f"tomorrow's queued {tomorrow} (expected {options.count})",
        f"exit codes {exit_codes}; rejected requests {rejected}",
        "complete" if done else f"NOT COMPLETE after {options.timeout:.0f} s",
    ]
    print("tablets detail: " + "; ".join(part for part in detail if part), flush=True)
    allowed = None if window is None else window
    print(
        "targets: "
        + f"lost 0 {'ok' if lost == 0 else 'FAIL'}; "
        + f"duplicated 0 across the SIGKILL {'ok' if duplicated == 0 else 'FAIL'} "
        + f"(documented bound: {allowed} per crash, '{sentence}'); "
        + f"throughput >= {TARGET_THROUGHPUT:.0f} msg/s {'ok' if throughput >= TARGET_THROUGHPUT else 'FAIL'}; "
        + f"tomorrow queued once each {'ok' if tomorrow == options.count else 'FAIL'}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=10_000, help="users, each with a tablet due now (default 10000)")
    parser.add_argument("--kill-at", type=float, default=0.4, help="share delivered before the SIGKILL (default 0.4)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds before giving up (default 900)")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds watched after completion (default 3)")
    parser.add_argument("--rate-limit", type=float, default=RATE_LIMIT, help="the fake server's limit per second (30)")
    parser.add_argument("--workdir", help="keep the database and bot logs here instead of a temporary folder")
    options = parser.parse_args()
    if options.count < 1 or not 0 < options.kill_at < 1:
        parser.error("--count must be >= 1 and --kill-at between 0 and 1")
    with tempfile.TemporaryDirectory(prefix="bench-tablets-") as tmp:
        workdir = Path(options.workdir) if options.workdir else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        asyncio.run(run(options, workdir))


if __name__ == "__main__":
    main()
