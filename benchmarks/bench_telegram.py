"""End to end through Telegram: answered messages per second and update-to-reply latency, real bot vs fake Bot API.

What it measures, and how
-------------------------
The fake Telegram Bot API server (``tests/fake_telegram``) and the real python-telegram-bot
``Application`` built by ``bot.channels.telegram.build_application`` run in this one process and event
loop, started by ``tests.e2e_support.running_bot`` in a temporary folder (fresh SQLite file, the
repository's ``knowledge/``). The bot long-polls the fake server exactly as it would poll Telegram, runs
its handlers (``on_text`` -> ``Assistant.handle`` -> ``render_reply`` -> ``sendMessage``) with
``telegram_concurrency`` updates in flight, and the fake server validates and records every call with
its ``time.monotonic()``.

- Simulated users: 500 private chats (ids 700000001...). They are marked as having accepted the
  disclaimer directly in the database (``upsert_user`` + ``accept_disclaimer``) instead of each going
  through /start and the "ok" button: fine for a benchmark, it only skips the consent conversation.
- Questions: the dev questions (``tests/data/eval/dev.yaml``) or the ~40 built-in ones
  (``sample_questions.load_questions``), kept only when ``Assistant.ask`` gives exactly one reply that
  renders as one Telegram message (no medication two-parter, no split, no attachment) and that reply's
  HTML is different from every other kept question's. So every pushed message gets exactly one
  ``sendMessage`` and a reply can be matched to the question it answers by its text, even when a user
  has several messages in flight and concurrent handlers answer them out of order.
- Latency of a message = time of the fake server's answered ``sendMessage`` carrying its reply - time
  just before ``push_message`` queued the update (both ``time.monotonic()``). It includes the long poll
  picking the update up, PTB's dispatch, the handler and the HTTP round trip of the reply.
- Warm-up: 64 untimed messages from other users before each measured run.

Runs
1. throughput: 3000 messages (6 per user, deterministic question order) pushed at once, with
   ``telegram_max_per_second = 0`` (PTB's AIORateLimiter off); messages/s = 3000 / (last reply - first
   push). Latencies here are queueing-dominated (a burst), reported for completeness.
2. latency at 50 msg/s: 1000 messages pushed at a steady 50/s for 20 s (round robin over the users),
   same bot (limiter off).
3. latency at 25 msg/s with the production setting ``telegram_max_per_second = 30`` (AIORateLimiter on)
   and the fake server enforcing Telegram's ~30 sendMessage/s (429 beyond): 500 messages in 20 s.

It also times ``Assistant.handle`` inside the bot (a wrapper on the instance attribute, no project code
changed) so the output shows how much of the wall time is the core versus PTB + HTTP + the fake server.
``--profile`` runs cProfile around the throughput run and prints the top functions.

Run from the repository root: ``python benchmarks/bench_telegram.py [--profile]`` (~1 minute).
Prints figures, asserts nothing.
"""

from __future__ import annotations

import os

# PTB 22 warns when it builds a RetryAfter unless told to use timedelta (see tests/conftest.py).
os.environ.setdefault("PTB_TIMEDELTA", "1")

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # tests.e2e_support and the fake server live under tests/

from sample_questions import fmt_ms, load_questions, percentile_ms  # noqa: E402

from bot.channels.telegram_html import render_reply  # noqa: E402
from tests.e2e_support import RunningBot, running_bot  # noqa: E402

USERS = 500
FIRST_USER = 700_000_001
WARMUP_FIRST_USER = 800_000_001
WARMUP_MESSAGES = 64
THROUGHPUT_MESSAGES = int(os.environ.get("BENCH_N", 3000))
PACED_RATE, PACED_SECONDS = 50.0, 20.0
LIMITED_RATE, LIMITED_SECONDS = 25.0, 20.0
PRODUCTION_LIMIT = 30.0  # telegram_max_per_second default = Telegram's ~30 msg/s bot-wide limit
WAIT_TIMEOUT = 60.0


# -- inputs -------------------------------------------------------------------------------------------


def single_reply_pool(bot: RunningBot) -> tuple[list[tuple[str, str]], str, int]:
    """Return (question, expected reply HTML) pairs answered by one message with a reply no other has."""
    questions, label = load_questions()
    seen: dict[str, str] = {}
    duplicates: set[str] = set()
    for question in dict.fromkeys(questions):  # distinct, in file order
        replies = bot.runtime.assistant.ask(question)
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


def accept_users(bot: RunningBot, first: int, count: int) -> None:
    """Mark users as having accepted the disclaimer (skips /start + "ok"; fine for a benchmark)."""
    database = bot.runtime.database
    now = datetime.now(UTC)
    with database.transaction():  # re-entrant: the writes below join one transaction
        for user_id in range(first, first + count):
            database.upsert_user(user_id, user_id, now)
            database.accept_disclaimer(user_id, now)


# -- pushing and matching replies ---------------------------------------------------------------------


@dataclass
class Tracker:
    """Pushes questions as users and matches the bot's sendMessage calls to them by reply text."""

    bot: RunningBot
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
        self._index = len(self.bot.tg.calls)  # ignore everything before this tracker

    def push(self, user_id: int, question: str, html: str) -> None:
        """Queue one message update from ``user_id`` and remember when and what reply it expects."""
        now = time.monotonic()
        self.bot.tg.push_message(question, user_id=user_id)
        self.pending.setdefault(user_id, []).append((now, html))
        self.first_push = now if self.first_push is None else self.first_push
        self.last_push = now
        self.pushed += 1

    def collect(self) -> None:
        """Match the calls recorded since the last look."""
        calls = self.bot.tg.calls
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


def question_for(pool: list[tuple[str, str]], user_index: int, nth: int) -> tuple[str, str]:
    """The nth question of a user: consecutive pool entries, so one user's questions all differ."""
    return pool[(user_index * 7 + nth) % len(pool)]


async def warm_up(bot: RunningBot, pool: list[tuple[str, str]]) -> None:
    """Send a few untimed messages from other users (HTTP connections, caches) and wait for the replies."""
    accept_users(bot, WARMUP_FIRST_USER, WARMUP_MESSAGES)
    tracker = Tracker(bot)
    for i in range(WARMUP_MESSAGES):
        tracker.push(WARMUP_FIRST_USER + i, *question_for(pool, i, 0))
    await tracker.wait_all()
    await asyncio.sleep(0.2)


class HandleTimer:
    """Wraps ``runtime.assistant.handle`` (instance attribute) to add up the core's time per message."""

    def __init__(self, bot: RunningBot) -> None:
        """Install the wrapper on this bot's assistant."""
        self.total_ns = 0
        self.count = 0
        assistant = bot.runtime.assistant
        original: Callable[..., Any] = assistant.handle

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter_ns()
            try:
                return original(*args, **kwargs)
            finally:
                self.total_ns += time.perf_counter_ns() - start
                self.count += 1

        assistant.handle = timed

    def reset(self) -> None:
        """Start counting afresh."""
        self.total_ns, self.count = 0, 0


# -- runs ---------------------------------------------------------------------------------------------


async def throughput_run(bot: RunningBot, pool: list[tuple[str, str]], timer: HandleTimer,
                         profile: bool) -> Tracker:
    """Push THROUGHPUT_MESSAGES at once from USERS users; wait for every reply."""
    per_user = THROUGHPUT_MESSAGES // USERS
    await bot.tg.wait_until_polling()
    timer.reset()
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    tracker = Tracker(bot)
    for nth in range(per_user):  # round robin: user 0..499 first message, then second messages, ...
        for u in range(USERS):
            tracker.push(FIRST_USER + u, *question_for(pool, u, nth))
    await tracker.wait_all()
    if profiler is not None:
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        print("profile of the throughput run (top 25 by own time):")
        print(out.getvalue())
    return tracker


async def paced_run(bot: RunningBot, pool: list[tuple[str, str]], rate: float, seconds: float,
                    round_offset: int) -> tuple[Tracker, float]:
    """Push ``rate`` messages/s for ``seconds`` (round robin over the users); wait for every reply."""
    count = int(rate * seconds)
    await bot.tg.wait_until_polling()
    tracker = Tracker(bot)
    start = time.monotonic() + 0.01
    for i in range(count):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        u = i % USERS
        tracker.push(FIRST_USER + u, *question_for(pool, u, round_offset + i // USERS))
        tracker.collect()
    achieved = (count - 1) / (tracker.last_push - tracker.first_push) if count > 1 else float("nan")
    await tracker.wait_all()
    return tracker, achieved


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


async def main_async(profile: bool) -> None:
    """Run the three measurements and print one line each."""
    with tempfile.TemporaryDirectory(prefix="bench-telegram-") as tmp:
        async with _bot(tmp, "off", 0) as bot:
            pool, label, total = single_reply_pool(bot)
            concurrency = bot.runtime.assistant.settings.telegram_concurrency
            print(f"inputs: {len(pool)} of {total} {label} (one-message replies, each reply unique), "
                  f"{USERS} users accepted directly in the database")
            accept_users(bot, FIRST_USER, USERS)
            timer = HandleTimer(bot)
            await warm_up(bot, pool)

            tracker = await throughput_run(bot, pool, timer, profile)
            elapsed = tracker.last_reply - (tracker.first_push or 0.0)
            rate = tracker.answered / elapsed if elapsed > 0 else float("nan")
            print(f"throughput: {tracker.answered} answered in {elapsed:.1f} s = {rate:.0f} messages/s "
                  f"({USERS} users, limiter off, concurrency {concurrency}; a real deployment is bound by the "
                  f"Bot API's own ~30 msg/s bot-wide limit, which PTB's AIORateLimiter enforces there)"
                  f"{problems(tracker)}")
            print(f"  burst latency (all {tracker.pushed} queued at once, so mostly queueing): "
                  f"{latency_text(tracker)}")
            core_ms = timer.total_ns / 1e6
            if timer.count and elapsed > 0:
                print(f"  Assistant.handle inside the bot: {core_ms / timer.count:.2f} ms/message, "
                      f"{core_ms / 1e3:.1f} s of the {elapsed:.1f} s wall ({core_ms / 1e3 / elapsed:.0%}); "
                      f"the rest is PTB dispatch, HTTP (httpx client + aiohttp fake server) and the fake "
                      f"server's validation, all on this one event loop")

            tracker, achieved = await paced_run(bot, pool, PACED_RATE, PACED_SECONDS, round_offset=10)
            print(f"latency at {PACED_RATE:.0f} msg/s: {latency_text(tracker)}, n={tracker.answered} "
                  f"(pushed at {achieved:.1f}/s, limiter off){problems(tracker)}")
            rejected = len(bot.tg.rejections)

        async with _bot(tmp, "on", PRODUCTION_LIMIT) as bot:
            bot.tg.rate_limit_per_second = PRODUCTION_LIMIT  # the fake answers 429 past 30 sendMessage/s
            accept_users(bot, FIRST_USER, USERS)
            await warm_up(bot, pool)
            tracker, achieved = await paced_run(bot, pool, LIMITED_RATE, LIMITED_SECONDS, round_offset=20)
            print(f"latency at {LIMITED_RATE:.0f} msg/s with telegram_max_per_second={PRODUCTION_LIMIT:.0f} "
                  f"(AIORateLimiter on, fake server 429s past {PRODUCTION_LIMIT:.0f}/s): {latency_text(tracker)}, "
                  f"n={tracker.answered} (pushed at {achieved:.1f}/s; 429s: {len(bot.tg.throttled)})"
                  f"{problems(tracker)}")
            rejected += len(bot.tg.rejections)
    print(f"rejected by fake server: {rejected}")


def _bot(tmp: str, name: str, limit: float) -> Any:
    folder = Path(tmp) / name
    folder.mkdir()
    return running_bot(folder, telegram_max_per_second=limit)


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true", help="cProfile the throughput run (slows it down)")
    args = parser.parse_args()
    asyncio.run(main_async(args.profile))


if __name__ == "__main__":
    main()
