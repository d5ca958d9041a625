"""End to end through Telegram: answered messages per second and update-to-reply latency, real bot process vs fake Bot API.

What it measures, and how
-------------------------
The fake Telegram Bot API server (``tests/fake_telegram``, aiohttp) runs inside this benchmark process on
127.0.0.1 and records every answered call with its ``time.monotonic()``. The bot under test is the real
CLI in a **separate process**: ``patient-bot run`` (``python -m bot run`` if the CLI is missing), started
the way ``bench_reminders.py`` starts it, with ``TELEGRAM_BOT_TOKEN``, ``TELEGRAM_API_BASE_URL`` (the fake
server), ``PATIENT_BOT_DATABASE`` (a fresh SQLite file), ``PATIENT_BOT_CONFIG`` (a temporary config file:
``health_port: 0``, the repository's ``knowledge/``, ``log_level`` (INFO, the default, unless
``--log-level``), plus the run's ``telegram_max_per_second`` / ``telegram_concurrency``) and
``PTB_TIMEDELTA=1``. It long-polls the fake server exactly as it would poll Telegram, runs its handlers
(``on_text`` -> ``Assistant.handle`` -> ``render_reply`` -> ``sendMessage``) with ``telegram_concurrency``
updates in flight, and writes its JSON log lines to a file. So the bot has its own interpreter (and, on a
2-core machine, its own core), as in production where Telegram's server is not on our CPU; the fake
server, its HTML validation and the bookkeeping below share the other one.

Each run gets its own fake server, database and bot process: start it, wait until it has parked a
``getUpdates`` long poll (start-up: imports, knowledge, ``getMe``, ``setMyCommands``), warm up, measure,
SIGTERM, wait for it to exit (its exit code is printed).

- Simulated users: 500 private chats (ids 700000001...) plus 64 warm-up users, marked as having accepted
  the disclaimer directly in the run's database (``Database.upsert_user`` + ``accept_disclaimer``) before
  the bot starts, instead of each going through /start and the "ok" button: fine for a benchmark, it only
  skips the consent conversation.
- Questions: the dev questions (``tests/data/eval/dev.yaml``) or the ~40 built-in ones
  (``sample_questions.load_questions``), kept only when ``Assistant.ask`` (an assistant built in this
  process from the same knowledge) gives exactly one reply that renders as one Telegram message (no
  medication two-parter, no split, no attachment) and that reply's HTML is different from every other kept
  question's. So every pushed message gets exactly one ``sendMessage`` and a reply can be matched to the
  question it answers by its text, even when a user has several messages in flight and concurrent handlers
  answer them out of order.
- Latency of a message = time of the fake server's answered ``sendMessage`` carrying its reply - time just
  before ``push_message`` queued the update (both ``time.monotonic()`` in this process). It includes the
  long poll picking the update up, PTB's dispatch, the handler and the HTTP round trip of the reply.
- Warm-up: 64 untimed messages from other users after start-up, before the measured run.
- CPU: the bot process's user + system CPU time (``/proc/<pid>/stat`` utime + stime, Linux only; all its
  threads) and this process's (``time.process_time``: fake server, pushing, matching) over the measured
  window, per answered message and as a share of one core.

Runs
1. throughput, once per ``telegram_concurrency`` in ``--concurrency`` (default 8, 32, 64; 32 is the bot's
   default): 3000 messages (6 per user, deterministic question order) pushed at once, with
   ``telegram_max_per_second = 0`` (PTB's AIORateLimiter off); messages/s = 3000 / (last reply - first
   push). Latencies here are queueing-dominated (a burst), reported for completeness.
2. latency at 50 msg/s: 1000 messages pushed at a steady 50/s for 20 s (round robin over the users),
   limiter off, ``telegram_concurrency`` not set (the default).
3. latency at 25 msg/s with the production setting ``telegram_max_per_second = 30`` (AIORateLimiter on)
   and the fake server enforcing Telegram's ~30 sendMessage/s (429 beyond): 500 messages in 20 s.

A last ``targets`` line compares the throughput at the default concurrency (and at the best one) with
200 answered messages/s and run 2's p99 with 100 ms. Each CPU line also gives the rest of the machine's
busy time (``/proc/stat`` minus the two processes): well above ~10 % of a core means something else was
running and the figures are disturbed. ``--profile`` runs the bot process of the default-concurrency
throughput run under cProfile (``python -m cProfile -m bot run``; start-up and warm-up included,
throughput slowed) and prints its top 25 functions by own time.

Run from the repository root: ``python benchmarks/bench_telegram.py [--concurrency 8,32,64] [--messages 3000]
[--log-level INFO] [--profile] [--workdir DIR]`` (~2 minutes). Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import pstats
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # the fake server lives in tests/fake_telegram

from bench_reminders import bot_command, wait_exit  # noqa: E402
from sample_questions import fmt_ms, load_questions, percentile_ms  # noqa: E402

from bot.app import build_assistant  # noqa: E402
from bot.channels.telegram_html import render_reply  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.storage import Database, UserRepository  # noqa: E402
from tests.fake_telegram import FakeTelegramServer  # noqa: E402

KNOWLEDGE = REPO / "knowledge"
USERS = 500
FIRST_USER = 700_000_001
WARMUP_FIRST_USER = 800_000_001
WARMUP_MESSAGES = 64
THROUGHPUT_MESSAGES = 3000
CONCURRENCY_SWEEP = (8, 32, 64)
PACED_RATE, PACED_SECONDS = 50.0, 20.0
LIMITED_RATE, LIMITED_SECONDS = 25.0, 20.0
PRODUCTION_LIMIT = 30.0  # telegram_max_per_second default = Telegram's ~30 msg/s bot-wide limit
DEFAULT_CONCURRENCY = Settings().telegram_concurrency
TARGET_THROUGHPUT = 200.0  # answered messages/s end to end on 2 cores
TARGET_P99_MS = 100.0  # update-to-reply p99 at 50 messages/s
WAIT_TIMEOUT = 60.0  # seconds for all replies of a run
STARTUP_TIMEOUT = 60.0  # seconds for the bot process to reach its first long poll
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


# -- inputs -------------------------------------------------------------------------------------------


def single_reply_pool() -> tuple[list[tuple[str, str]], str, int]:
    """Return (question, expected reply HTML) pairs answered by one message with a reply no other has."""
    assistant = build_assistant(Settings(knowledge_dir=KNOWLEDGE))
    questions, label = load_questions()
    seen: dict[str, str] = {}
    duplicates: set[str] = set()
    for question in dict.fromkeys(questions):  # distinct, in file order
        replies = assistant.ask(question)
        if len(replies) != 1 or replies[0].attachment is not None:
            continue
        messages = render_reply(replies[0])
        if len(messages) != 1:
            continue
        html = messages[0].html
        if html in seen:
            duplicates.add(html)  # e.g. off-topic questions all get the same no-match reply
        else:
            seen[html] = question
    pool = [(question, html) for html, question in seen.items() if html not in duplicates]
    return pool, label, len(questions)


def accept_users(path: Path) -> None:
    """Create the measured and warm-up users with the disclaimer accepted (skips /start + "ok")."""
    now = datetime.now(UTC)
    with Database(path) as database, database.transaction():  # one transaction for all writes
        for first, count in ((FIRST_USER, USERS), (WARMUP_FIRST_USER, WARMUP_MESSAGES)):
            for user_id in range(first, first + count):
                UserRepository(database).upsert(user_id, user_id, now)
                UserRepository(database).accept_disclaimer(user_id, now)


def question_for(pool: list[tuple[str, str]], user_index: int, nth: int) -> tuple[str, str]:
    """The nth question of a user: consecutive pool entries, so one user's questions all differ."""
    return pool[(user_index * 7 + nth) % len(pool)]


# -- the bot process ----------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (all threads), from /proc/<pid>/stat; NaN if unreadable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return float("nan")
    rest = stat.rpartition(")")[2].split()  # after "pid (comm)": field 3 (state) is rest[0]
    return (int(rest[11]) + int(rest[12])) / CLOCK_TICKS  # fields 14 utime, 15 stime


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy so far (/proc/stat: everything but idle and iowait); NaN if unreadable."""
    try:
        ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return float("nan")
    return (sum(ticks) - ticks[3] - ticks[4]) / CLOCK_TICKS


@dataclass
class BotRun:
    """One bot process polling its own fake server."""

    tg: FakeTelegramServer
    process: subprocess.Popen[bytes]
    log: Path
    started: float
    startup: float = float("nan")  # process start -> first parked long poll
    exit_code: int | None = None

    def log_problems(self) -> int:
        """Log lines above INFO (or not JSON: a traceback, a crash message)."""
        count = 0
        for line in self.log.read_text(errors="replace").splitlines():
            try:
                level = json.loads(line).get("level")
            except (ValueError, AttributeError):
                level = None
            count += level not in ("DEBUG", "INFO")
        return count


@asynccontextmanager
async def bot_run(workdir: Path, name: str, *, config: dict[str, object], fake_limit: float | None,
                  profile_to: Path | None = None) -> AsyncIterator[BotRun]:
    """Fresh database + fake server + ``patient-bot run`` process; SIGTERM it and wait on the way out."""
    folder = workdir / name
    folder.mkdir(parents=True)
    database = folder / "bot.sqlite3"
    accept_users(database)
    settings = {"health_port": 0, "knowledge_dir": str(KNOWLEDGE), "operator_name": "Benchmark clinic",
                "operator_contact": "bench@example.org", **config}
    config_file = folder / "config.yaml"
    config_file.write_text("".join(f"{key}: {value}\n" for key, value in settings.items()), encoding="utf-8")
    command = bot_command()
    if profile_to is not None:
        command = [sys.executable, "-m", "cProfile", "-o", str(profile_to), "-m", "bot", "run"]
    async with FakeTelegramServer(rate_limit_per_second=fake_limit) as tg:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": tg.token,
            "TELEGRAM_API_BASE_URL": f"{tg.url}/bot",
            "PATIENT_BOT_DATABASE": str(database),
            "PATIENT_BOT_CONFIG": str(config_file),
            "PTB_TIMEDELTA": "1",
        }
        log = folder / "bot.log"
        with log.open("wb") as handle:
            process = subprocess.Popen(command, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=handle,
                                       stderr=subprocess.STDOUT)
        run = BotRun(tg, process, log, time.monotonic())
        try:
            deadline = run.started + STARTUP_TIMEOUT
            while True:
                try:
                    await tg.wait_until_polling(timeout=0.5)
                    break
                except TimeoutError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        tail = "\n".join(log.read_text(errors="replace").splitlines()[-10:])
                        raise RuntimeError(f"bot {name} did not start polling (exit {process.poll()}):\n{tail}") from None
            run.startup = time.monotonic() - run.started
            yield run
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            run.exit_code = await wait_exit(process, 30)
            if process.poll() is None:
                process.kill()
                await wait_exit(process, 10)


# -- pushing and matching replies ---------------------------------------------------------------------


@dataclass
class Tracker:
    """Pushes questions as users and matches the bot's sendMessage calls to them by reply text."""

    tg: FakeTelegramServer
    pending: dict[int, list[tuple[float, str]]] = field(default_factory=dict)
    latencies_ns: list[int] = field(default_factory=list)
    first_push: float | None = None
    last_push: float = 0.0
    last_reply: float = 0.0
    pushed: int = 0
    answered: int = 0
    unmatched_text: int = 0  # replies whose text matched no pending question (matched oldest-first instead)
    failed_sends: int = 0
    _index: int = 0

    def __post_init__(self) -> None:
        self._index = len(self.tg.calls)  # ignore everything before this tracker

    def push(self, user_id: int, question: str, html: str) -> None:
        """Queue one message update from ``user_id`` and remember when and what reply it expects."""
        now = time.monotonic()
        self.tg.push_message(question, user_id=user_id)
        self.pending.setdefault(user_id, []).append((now, html))
        self.first_push = now if self.first_push is None else self.first_push
        self.last_push = now
        self.pushed += 1

    def collect(self) -> None:
        """Match the calls recorded since the last look."""
        calls = self.tg.calls
        while self._index < len(calls):
            call = calls[self._index]
            self._index += 1
            if call.method != "sendMessage":
                continue
            waiting = self.pending.get(call.params.get("chat_id"))  # type: ignore[arg-type]
            if not waiting:
                continue
            if call.status != 200:
                self.failed_sends += 1  # e.g. a 429; PTB's limiter retries and the retry is matched later
                continue
            text = call.params.get("text")
            position = next((i for i, (_, html) in enumerate(waiting) if html == text), None)
            if position is None:
                self.unmatched_text += 1
                position = 0
            pushed_at, _ = waiting.pop(position)
            self.latencies_ns.append(int((call.time - pushed_at) * 1e9))
            self.last_reply = max(self.last_reply, call.time)
            self.answered += 1

    async def wait_all(self, timeout: float = WAIT_TIMEOUT) -> bool:
        """Wait until every pushed message got its reply; return False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            self.collect()
            if self.answered >= self.pushed:
                return True
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.005)


@dataclass
class CpuMeter:
    """CPU seconds of the bot process, of this process and of the rest of the machine over a measured window."""

    pid: int
    bot: float = 0.0
    own: float = 0.0
    rest: float = 0.0
    wall: float = 0.0

    def __post_init__(self) -> None:
        self._start = (cpu_seconds(self.pid), time.process_time(), machine_busy_seconds(), time.monotonic())

    def stop(self) -> None:
        """End the window."""
        bot0, own0, busy0, wall0 = self._start
        self.bot = cpu_seconds(self.pid) - bot0
        self.own = time.process_time() - own0
        self.rest = machine_busy_seconds() - busy0 - self.bot - self.own
        self.wall = time.monotonic() - wall0

    def text(self, messages: int) -> str:
        """CPU per message and share of one core: bot process, this process; the rest of the machine."""
        if not messages or self.wall <= 0:
            return "CPU -"
        return (f"CPU per message: bot process {self.bot * 1e3 / messages:.2f} ms ({self.bot / self.wall:.0%} of a core), "
                f"fake server + benchmark {self.own * 1e3 / messages:.2f} ms ({self.own / self.wall:.0%}); "
                f"rest of the machine {max(self.rest, 0.0) / self.wall:.0%} of a core")


async def warm_up(run: BotRun, pool: list[tuple[str, str]]) -> None:
    """Send a few untimed messages from other users (HTTP connections, caches) and wait for the replies."""
    tracker = Tracker(run.tg)
    for i in range(WARMUP_MESSAGES):
        tracker.push(WARMUP_FIRST_USER + i, *question_for(pool, i, 0))
    await tracker.wait_all()
    await asyncio.sleep(0.2)
    await run.tg.wait_until_polling()


# -- runs ---------------------------------------------------------------------------------------------


async def throughput_run(run: BotRun, pool: list[tuple[str, str]], messages: int) -> tuple[Tracker, CpuMeter]:
    """Push ``messages`` at once from USERS users (round robin); wait for every reply."""
    meter = CpuMeter(run.process.pid)
    tracker = Tracker(run.tg)
    for nth in range(-(-messages // USERS)):  # user 0..499 first message, then second messages, ...
        for u in range(min(USERS, messages - nth * USERS)):
            tracker.push(FIRST_USER + u, *question_for(pool, u, nth))
    await tracker.wait_all()
    meter.stop()
    return tracker, meter


async def paced_run(run: BotRun, pool: list[tuple[str, str]], rate: float, seconds: float,
                    round_offset: int) -> tuple[Tracker, CpuMeter, float]:
    """Push ``rate`` messages/s for ``seconds`` (round robin over the users); wait for every reply."""
    count = int(rate * seconds)
    meter = CpuMeter(run.process.pid)
    tracker = Tracker(run.tg)
    start = time.monotonic() + 0.01
    for i in range(count):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        u = i % USERS
        tracker.push(FIRST_USER + u, *question_for(pool, u, round_offset + i // USERS))
        tracker.collect()
    achieved = (count - 1) / (tracker.last_push - (tracker.first_push or 0.0)) if count > 1 else float("nan")
    await tracker.wait_all()
    meter.stop()
    return tracker, meter, achieved


def latency_text(tracker: Tracker) -> str:
    """p50/p99/max of a run's latencies."""
    samples = tracker.latencies_ns
    return (f"p50 {fmt_ms(percentile_ms(samples, 50))}, p99 {fmt_ms(percentile_ms(samples, 99))}, "
            f"max {fmt_ms(max(samples) / 1e6) if samples else '-'}")


def problems(tracker: Tracker) -> str:
    """Anything that went wrong in a run, or an empty string."""
    notes = []
    if tracker.answered < tracker.pushed:
        notes.append(f"{tracker.pushed - tracker.answered} NOT ANSWERED within {WAIT_TIMEOUT:.0f} s")
    if tracker.unmatched_text:
        notes.append(f"{tracker.unmatched_text} replies with unexpected text")
    return f" [{'; '.join(notes)}]" if notes else ""


def process_text(run: BotRun) -> str:
    """Start-up time, exit code and log problems of a finished bot process."""
    return (f"bot process: start-up to first long poll {run.startup:.1f} s, exit code {run.exit_code}, "
            f"log lines above INFO {run.log_problems()}, rejected requests {len(run.tg.rejections)}")


def print_profile(path: Path) -> None:
    """Top 25 functions of the profiled bot process by own time."""
    if not path.exists():
        print("profile: not written (the bot process did not exit cleanly)")
        return
    out = io.StringIO()
    pstats.Stats(str(path), stream=out).sort_stats("tottime").print_stats(25)
    print("profile of the bot process (throughput run incl. start-up and warm-up; top 25 by own time):")
    print(out.getvalue())


async def main_async(options: argparse.Namespace, workdir: Path) -> None:
    """Run the measurements and print them."""
    pool, label, total = single_reply_pool()
    command = " ".join(Path(part).name if i == 0 else part for i, part in enumerate(bot_command()))
    print(f"inputs: {len(pool)} of {total} {label} (one-message replies, each reply unique), {USERS} users "
          f"accepted directly in the database; bot: `{command}` as a separate process per run "
          f"(log_level {options.log_level}), fake server in this process; {os.cpu_count()} CPUs", flush=True)
    base: dict[str, object] = {"log_level": options.log_level}
    exit_codes: list[int | None] = []
    rates: dict[int, float] = {}  # complete, unprofiled throughput runs only

    for concurrency in options.concurrency:
        profile_to = workdir / "bot.prof" if options.profile and concurrency == DEFAULT_CONCURRENCY else None
        config = {**base, "telegram_max_per_second": 0, "telegram_concurrency": concurrency}
        async with bot_run(workdir, f"throughput-{concurrency}", config=config, fake_limit=None,
                           profile_to=profile_to) as run:
            await warm_up(run, pool)
            tracker, meter = await throughput_run(run, pool, options.messages)
        exit_codes.append(run.exit_code)
        elapsed = tracker.last_reply - (tracker.first_push or 0.0)
        rate = tracker.answered / elapsed if elapsed > 0 else float("nan")
        if tracker.answered == tracker.pushed and profile_to is None:
            rates[concurrency] = rate
        marks = " (default)" if concurrency == DEFAULT_CONCURRENCY else ""
        marks += " UNDER cProfile" if profile_to else ""
        print(f"throughput, telegram_concurrency {concurrency}{marks}: {tracker.answered} answered in {elapsed:.1f} s "
              f"= {rate:.0f} messages/s ({USERS} users, limiter off){problems(tracker)}", flush=True)
        print(f"  burst latency (all {tracker.pushed} queued at once, so mostly queueing): {latency_text(tracker)}; "
              f"{meter.text(tracker.answered)}", flush=True)
        print(f"  {process_text(run)}", flush=True)
        if profile_to is not None:
            print_profile(profile_to)
    best = max(rates, key=rates.__getitem__) if rates else None
    if best is not None:
        print(f"best telegram_concurrency: {best} ({rates[best]:.0f} messages/s; the bot's default is "
              f"{DEFAULT_CONCURRENCY}; a real deployment is bound by the Bot API's own ~30 msg/s bot-wide limit)")

    async with bot_run(workdir, "paced-50", config={**base, "telegram_max_per_second": 0}, fake_limit=None) as run:
        await warm_up(run, pool)
        tracker, meter, achieved = await paced_run(run, pool, PACED_RATE, PACED_SECONDS, round_offset=10)
    exit_codes.append(run.exit_code)
    paced_p99 = percentile_ms(tracker.latencies_ns, 99)
    paced_ok = tracker.answered == tracker.pushed
    print(f"latency at {PACED_RATE:.0f} msg/s: {latency_text(tracker)}, n={tracker.answered} (pushed at {achieved:.1f}/s, "
          f"limiter off, telegram_concurrency {DEFAULT_CONCURRENCY}){problems(tracker)}", flush=True)
    print(f"  {meter.text(tracker.answered)}; {process_text(run)}", flush=True)

    config = {**base, "telegram_max_per_second": PRODUCTION_LIMIT}
    async with bot_run(workdir, "limited-25", config=config, fake_limit=PRODUCTION_LIMIT) as run:
        await warm_up(run, pool)
        tracker, meter, achieved = await paced_run(run, pool, LIMITED_RATE, LIMITED_SECONDS, round_offset=20)
    exit_codes.append(run.exit_code)
    print(f"latency at {LIMITED_RATE:.0f} msg/s with telegram_max_per_second={PRODUCTION_LIMIT:.0f} "
          f"(AIORateLimiter on, fake server 429s past {PRODUCTION_LIMIT:.0f}/s): {latency_text(tracker)}, "
          f"n={tracker.answered} (pushed at {achieved:.1f}/s; 429s: {len(run.tg.throttled)}){problems(tracker)}",
          flush=True)
    print(f"  {meter.text(tracker.answered)}; {process_text(run)}", flush=True)

    checks = []
    for label, concurrency in (("default", DEFAULT_CONCURRENCY), ("best", best)):
        if concurrency in rates and (label == "default" or concurrency != DEFAULT_CONCURRENCY):
            verdict = "ok" if rates[concurrency] >= TARGET_THROUGHPUT else "FAIL"
            checks.append(f"{rates[concurrency]:.0f} at telegram_concurrency {concurrency} ({label}) {verdict}")
    p99_ok = "ok" if paced_ok and paced_p99 <= TARGET_P99_MS else "FAIL"
    print(f"targets ({os.cpu_count()} CPUs): throughput >= {TARGET_THROUGHPUT:.0f} messages/s: "
          f"{', '.join(checks) or 'not measured'}; p99 at {PACED_RATE:.0f} msg/s <= {TARGET_P99_MS:.0f} ms: "
          f"{fmt_ms(paced_p99)} {p99_ok}; bot exit codes {exit_codes}", flush=True)


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--concurrency", default=",".join(map(str, CONCURRENCY_SWEEP)),
                        help="telegram_concurrency values for the throughput run, comma-separated (default 8,32,64)")
    parser.add_argument("--messages", type=int, default=THROUGHPUT_MESSAGES,
                        help=f"messages in the throughput burst (default {THROUGHPUT_MESSAGES}; at most "
                             f"{USERS * 18} to stay under the flood limit)")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="the bot's log_level (default INFO, the production default: one line per message)")
    parser.add_argument("--profile", action="store_true",
                        help="run the default-concurrency throughput bot under cProfile and print its top functions")
    parser.add_argument("--workdir",
                        help="keep databases, configs and bot logs here (new or empty folder), not in a temporary one")
    options = parser.parse_args()
    try:
        options.concurrency = [int(part) for part in options.concurrency.split(",") if part.strip()]
    except ValueError:
        parser.error("--concurrency: comma-separated whole numbers, e.g. 8,32,64")
    if not options.concurrency or min(options.concurrency) < 1 or not 1 <= options.messages <= USERS * 18:
        parser.error(f"--concurrency values must be >= 1 and --messages between 1 and {USERS * 18}")
    if options.workdir and Path(options.workdir).is_dir() and any(Path(options.workdir).iterdir()):
        parser.error(f"--workdir {options.workdir}: not empty (each run needs fresh folders)")
    with tempfile.TemporaryDirectory(prefix="bench-telegram-") as tmp:
        workdir = Path(options.workdir) if options.workdir else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        asyncio.run(main_async(options, workdir))


if __name__ == "__main__":
    main()
