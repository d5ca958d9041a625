"""Reminder burst: N reminders for N users due in the same minute, sent by the real bot through a rate-limited fake Bot API.

What it measures, and how
-------------------------
1. A fake Telegram Bot API server (``tests/fake_telegram``) runs in this process on 127.0.0.1 with
   ``rate_limit_per_second=30`` (``--rate-limit``): more than 30 ``sendMessage`` calls in any sliding second get
   HTTP 429 with ``retry_after: 1``. Every answered call is recorded with its ``time.monotonic()``.
2. A fresh SQLite file (in a temporary folder) gets N users (``user_id == chat_id``, disclaimer accepted,
   through ``Database.upsert_user`` / ``accept_disclaimer``) and one reminder each, created through
   ``ReminderRepository.create`` with ``offsets=(1,)``, ``remind_time`` = the current UTC minute and an all-day
   event tomorrow (timezone UTC). So each reminder has exactly one delivery, its ``fire_at`` is the start
   of the current minute (all N due in the same minute, not late) and its event is >= 24 h ahead. The only
   trick: ``create`` is given ``now`` = that minute minus one second, because the store (rightly) never
   schedules a delivery that is not after ``now``. No SQL is written by this script; it only reads the
   ``deliveries`` table at the end to report statuses.
3. The real bot runs as a subprocess (``python -m bot run``, started by ``tests/process_support.py``) with
   ``TELEGRAM_BOT_TOKEN``, ``TELEGRAM_API_BASE_URL`` (the fake server), ``PATIENT_BOT_DATABASE``,
   ``PATIENT_BOT_CONFIG`` (``health_port: 0``, the repository's ``knowledge/``, ``log_level: WARNING``) and
   ``PTB_TIMEDELTA=1``. Its own delivery loop (``bot/reminders/delivery.py``, started in ``post_init``) finds
   the due rows and sends them; nothing is tuned (pacing 25/s from the settings, PTB's ``AIORateLimiter`` at
   ``telegram_max_per_second`` = 30, poll interval 15 s).
4. Clean run: wait until every expected chat got a ``sendMessage`` answered with HTTP 200 (or
   ``--timeout``), wait ``--settle`` seconds for stragglers, stop the bot with SIGTERM.
5. Killed run: a fresh database; once ``--kill-at`` (40 %) of the chats got their message, SIGKILL the bot,
   wait 2 s, start a new bot process on the same file, wait for completion, settle, SIGTERM.

Reported per run: delivered (expected chats with >= 1 message), lost (expected chats with none),
duplicated (messages beyond one per chat), duration = time of the last delivery - time of the first
(fake server's clock), throughput = delivered / duration, and 429s (``throttled`` answers). The killed run
also prints the duplicate window documented in ``bot/reminders/delivery.py`` (parsed from its docstring).
A ``detail`` line gives the start-up delay (bot process start -> first delivery), the gap around the crash,
the rows re-queued by ``recover``, the deliveries' final statuses in the database, bot exit codes and
rejected (malformed) requests; a last ``targets`` line checks 0 lost, 0 duplicated (clean), duplicates
<= the documented window (killed) and throughput >= 25 msg/s.

Run from the repository root: ``python benchmarks/bench_reminders.py [--count N]``. The default
``--count 10000`` takes ~15 minutes (two runs at ~25 msg/s); ``--count 300`` takes about a minute.
Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # the fake server lives in tests/fake_telegram

import bot.reminders.delivery as delivery_module  # noqa: E402
from bot.reminders.repository import ReminderRepository  # noqa: E402
from bot.storage import Database, UserRepository  # noqa: E402
from tests.fake_telegram import FakeTelegramServer  # noqa: E402
from tests.process_support import BotProcess, wait_exit  # noqa: E402
from tests.process_support import start_bot as start_process  # noqa: E402

RATE_LIMIT = 30  # the fake server's sendMessage limit per sliding second (Telegram's is ~30)
TARGET_THROUGHPUT = 25.0
FIRST_CHAT = 700_000_001  # user ids / chat ids: realistic Telegram-sized positive (private chat) ids
WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


def documented_window() -> tuple[int | None, str]:
    """Return the duplicate window per crashed process stated in delivery.py's docstring, and the sentence."""
    doc = " ".join((delivery_module.__doc__ or "").split())
    match = re.search(r"at most (\w+) messages? per crashed process", doc, re.IGNORECASE)
    if not match:
        return None, "not found in bot/reminders/delivery.py"
    word = match.group(1).lower()
    number = int(word) if word.isdigit() else WORDS.get(word)
    return number, match.group(0)


# -- database -----------------------------------------------------------------------------------------


def prepare_database(path: Path, count: int) -> tuple[set[int], datetime]:
    """Create ``count`` users with one reminder each, all due at the start of the current minute."""
    now = datetime.now(UTC)
    fire = now.replace(second=0, microsecond=0)
    created = fire - timedelta(seconds=1)  # the store schedules only deliveries after "now"
    expected: set[int] = set()
    with Database(path) as db:
        store = ReminderRepository(db)
        with db.transaction():  # re-entrant: every upsert/create below joins this one transaction
            for index in range(count):
                user_id = FIRST_CHAT + index
                UserRepository(db).upsert(user_id, user_id, created)
                UserRepository(db).accept_disclaimer(user_id, created)
                _, deliveries = store.create(
                    user_id=user_id,
                    chat_id=user_id,
                    kind="dexa",
                    label="DEXA scan",
                    event_date=fire.date() + timedelta(days=1),
                    event_time=None,
                    timezone="UTC",
                    offsets=(1,),
                    remind_time=fire.time(),
                    now=created,
                )
                if len(deliveries) != 1 or deliveries[0].fire_at != fire:
                    raise RuntimeError(f"expected one delivery at {fire}, got {deliveries}")
                expected.add(user_id)
    return expected, fire


def delivery_statuses(path: Path) -> dict[str, int]:
    """Return deliveries by status (read-only)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return {status: n for status, n in conn.execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status")}


# -- the bot process -------------------------------------------------------------------------------------


def bot_command() -> list[str]:
    """The installed CLI (``python -m bot`` when it is missing), for benchmarks that start it themselves."""
    cli = Path(sys.executable).parent / "patient-bot"
    return [str(cli), "run"] if cli.exists() else [sys.executable, "-m", "bot", "run"]


def start_bot(tg: FakeTelegramServer, workdir: Path, database: Path, name: str) -> BotProcess:
    """The real bot process (tests/process_support.py), logging warnings only."""
    return start_process(tg, workdir, database, name, log_level="WARNING")


# -- counting what the fake server answered -----------------------------------------------------------


@dataclass
class Tally:
    """Successful sendMessage calls per chat, read incrementally from the fake server's records."""

    tg: FakeTelegramServer
    expected: set[int]
    per_chat: Counter[int] = field(default_factory=Counter)
    times: list[float] = field(default_factory=list)
    seen: int = 0

    def update(self) -> None:
        calls = self.tg.calls
        end = len(calls)
        for call in calls[self.seen : end]:
            if call.method == "sendMessage" and call.status == 200:
                self.per_chat[int(call.params["chat_id"])] += 1
                self.times.append(call.time)
        self.seen = end

    @property
    def delivered(self) -> int:
        return sum(1 for chat in self.per_chat if chat in self.expected)

    @property
    def messages(self) -> int:
        return len(self.times)

    def first_after(self, moment: float) -> float | None:
        return next((t for t in self.times if t >= moment), None)

    def last_before(self, moment: float) -> float | None:
        return next((t for t in reversed(self.times) if t < moment), None)


async def wait_until(condition: Callable[[], bool], deadline: float, tally: Tally) -> bool:
    while True:
        tally.update()
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.05)


# -- one run -----------------------------------------------------------------------------------------------


@dataclass
class RunResult:
    line: str
    detail: str
    lost: int
    duplicated: int
    throughput: float
    crashes: int


async def stop_bot(bot: BotProcess) -> int | None:
    """Stop a bot as a service manager would (SIGTERM, then SIGKILL after 30 s); return its exit code."""
    if bot.process.poll() is None:
        bot.process.send_signal(signal.SIGTERM)
    code = await wait_exit(bot.process, 30)
    if bot.process.poll() is None:
        bot.process.kill()
        await wait_exit(bot.process, 10)
    return code


def delivery_figures(tally: Tally, expected: set[int]) -> tuple[int, int, int, float, float]:
    """Return delivered, lost, duplicated (messages beyond one per chat), duration (s) and throughput (msg/s)."""
    delivered = tally.delivered
    duration = tally.times[-1] - tally.times[0] if len(tally.times) > 1 else 0.0
    throughput = delivered / duration if duration > 0 else 0.0
    return delivered, len(expected) - delivered, tally.messages - len(tally.per_chat), duration, throughput


async def run(
    name: str, count: int, workdir: Path, *, kill_at: float | None, timeout: float, settle: float, rate_limit: float
) -> RunResult:
    database = workdir / f"{name}.sqlite3"
    prep_started = time.perf_counter()
    expected, fire = prepare_database(database, count)
    prep_seconds = time.perf_counter() - prep_started
    async with FakeTelegramServer(rate_limit_per_second=rate_limit) as tg:
        tally = Tally(tg, expected)
        bots = [start_bot(tg, workdir, database, f"{name}-bot1")]
        deadline = time.monotonic() + timeout
        crashes, killed_at, killed_delivered, exit_codes = 0, 0.0, 0, []
        if kill_at is not None:
            target = max(1, int(count * kill_at))
            first = bots[0]
            await wait_until(lambda: tally.delivered >= target or first.process.poll() is not None, deadline, tally)
            if first.process.poll() is None:
                first.process.send_signal(signal.SIGKILL)
                killed_at = time.monotonic()
                exit_codes.append(await wait_exit(first.process, 10))
                tally.update()
                killed_delivered = tally.delivered
                crashes = 1
            await asyncio.sleep(2.0)
            bots.append(start_bot(tg, workdir, database, f"{name}-bot2"))
        last = bots[-1]
        done = await wait_until(lambda: tally.delivered >= count or last.process.poll() is not None, deadline, tally)
        completed = time.monotonic()
        await asyncio.sleep(settle)  # anything sent twice shortly after completion still counts
        tally.update()
        exit_codes.append(await stop_bot(last))
        tally.update()
        throttled, rejected = len(tg.throttled), len(tg.rejections)

    delivered, lost, duplicated, duration, throughput = delivery_figures(tally, expected)
    line = (
        f"{name}: delivered {delivered}, lost {lost}, duplicated {duplicated}, throughput {throughput:.1f} msg/s, "
        f"duration {duration:.1f} s, 429s: {throttled}"
    )
    if kill_at is not None:
        window, _ = documented_window()
        line += f", in-flight window (documented): {window if window is not None else '?'} per crash"

    parts = [f"prepare {count} users+reminders {prep_seconds:.1f} s (fire_at {fire:%H:%M:%S}Z)"]
    first_delivery = tally.first_after(bots[0].started)
    parts.append(
        "start-up to first delivery "
        + (f"{first_delivery - bots[0].started:.1f} s" if first_delivery is not None else "never")
    )
    if crashes:
        before = tally.last_before(killed_at)
        after = tally.first_after(bots[1].started)
        gap = after - before if before is not None and after is not None else None
        restart = f"{after - bots[1].started:.1f} s" if after is not None else "never"
        parts.append(
            f"SIGKILL at {killed_delivered} delivered; restart to first delivery {restart}; "
            f"delivery gap around the crash " + (f"{gap:.1f} s" if gap is not None else "n/a")
        )
        if gap is not None and duration > gap:
            parts.append(f"throughput without that gap {delivered / (duration - gap):.1f} msg/s")
        requeued = re.findall(r"re-queued (\d+) deliveries", bots[1].log.read_text(errors="replace"))
        parts.append(f"re-queued at restart: {', '.join(requeued) or '0'}")
    if not done:
        parts.append(f"NOT COMPLETE after {timeout:.0f} s (bot exited: {last.process.returncode})")
    parts.append(f"completed {completed - bots[0].started:.1f} s after the first bot started")
    statuses = delivery_statuses(database)
    parts.append("db " + " ".join(f"{k}={v}" for k, v in sorted(statuses.items())))
    parts.append(f"exit codes {exit_codes}; rejected requests {rejected}")
    warnings = sum(len(b.log.read_text(errors="replace").splitlines()) for b in bots)
    parts.append(f"bot log lines {warnings}")
    detail = f"{name} detail: " + "; ".join(parts)
    return RunResult(line, detail, lost, duplicated, throughput, crashes)


async def main_async(options: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-reminders-") as tmp:
        workdir = Path(options.workdir) if options.workdir else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        results = []
        for name, kill_at in (("clean", None), ("killed", options.kill_at)):
            result = await run(
                name,
                options.count,
                workdir,
                kill_at=kill_at,
                timeout=options.timeout,
                settle=options.settle,
                rate_limit=options.rate_limit,
            )
            print(result.line, flush=True)
            print(result.detail, flush=True)
            results.append(result)
    clean, killed = results
    window, sentence = documented_window()
    allowed = None if window is None else window * killed.crashes
    checks = [
        f"lost 0 both runs {'ok' if clean.lost == 0 and killed.lost == 0 else 'FAIL'}",
        f"duplicated 0 clean {'ok' if clean.duplicated == 0 else 'FAIL'}",
        f"killed duplicates {killed.duplicated} <= {allowed} ({sentence}) "
        + ("?" if allowed is None else "ok" if killed.duplicated <= allowed else "FAIL"),
        f"throughput >= {TARGET_THROUGHPUT:.0f} msg/s: clean {clean.throughput:.1f} "
        f"{'ok' if clean.throughput >= TARGET_THROUGHPUT else 'FAIL'}, killed {killed.throughput:.1f} "
        f"{'ok' if killed.throughput >= TARGET_THROUGHPUT else 'FAIL'}",
    ]
    print("targets: " + "; ".join(checks), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=10_000, help="users (one due reminder each); default 10000")
    parser.add_argument("--kill-at", type=float, default=0.4, help="share delivered before SIGKILL (default 0.4)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run before giving up (default 900)")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds to keep watching after completion")
    parser.add_argument(
        "--rate-limit", type=float, default=RATE_LIMIT, help="fake server's sendMessage limit per second (default 30)"
    )
    parser.add_argument("--workdir", help="keep databases and bot logs here instead of a temporary folder")
    options = parser.parse_args()
    if options.count < 1 or not 0 < options.kill_at < 1:
        parser.error("--count must be >= 1 and --kill-at between 0 and 1")
    asyncio.run(main_async(options))


if __name__ == "__main__":
    main()
