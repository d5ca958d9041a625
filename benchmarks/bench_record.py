"""The record's pictures: how long /tablets, /dexa and /summary take to draw, and what cold start costs.

What it measures, and how
-------------------------
1. Renders, in this process: a made-up patient's record (75 recorded days, six DEXA results at two
   sites, two reminders, six saved questions) is built in a temporary database through the bot's own
   commands, then each command that draws is run through ``Assistant.handle`` like a message: ``/tablets``
   (the calendar PNG), ``/dexa`` (the T-score chart PNG) and ``/summary`` (the summary PNG *and* its PDF,
   both in the one timing). Each call is timed alone with ``perf_counter_ns`` (database reads, wording,
   drawing, encoding: everything but the channel). The first call of the process (which imports matplotlib
   and loads its fonts) is reported on its own; then ``--runs`` (default 60) more calls per command give
   p50, p99 and max of the wall time, and p50 and p99 of the process's CPU time over the same calls (the
   CPU figure hardly moves when other programs share the cores; the wall figure does). Target: wall p99
   <= 300 ms after the first.
2. Cold start: 5 runs of a fresh ``python -c`` process that imports the bot, builds the full runtime
   (database, reminders, record), answers a question and records a DEXA result, and reports whether
   matplotlib was imported by then. Median wall time of the whole process, after one untimed run (warm OS
   cache, compiled bytecode). Target: <= 1.5 s, and matplotlib not imported.

A line ``load`` gives the machine's load average, since other processes on the same cores slow every
figure down. Run from the repository root: ``python benchmarks/bench_record.py``. Prints, asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sample_questions import REPO, fmt_ms, percentile_ms

from bot.app import build_runtime
from bot.config import Settings
from bot.models import Incoming, Reply
from bot.record.tablets import DoseStatus, TabletRepository

NOW = datetime(2026, 11, 22, 10, tzinfo=UTC)
USER = 1
TARGET_P99_MS = 300.0
TARGET_COLD_S = 1.5
COLD_RUNS = 5

COLD_SCRIPT = """
import json, sys, tempfile, time
from datetime import UTC, datetime
from pathlib import Path
start = time.perf_counter()
from bot.app import build_runtime
from bot.config import Settings
from bot.models import Incoming
imported = time.perf_counter()
folder = Path(tempfile.mkdtemp())
runtime = build_runtime(Settings(database=folder / "bot.sqlite3", console_files_dir=folder / "files"))
built = time.perf_counter()
now = datetime.now(UTC)
assistant = runtime.assistant
assistant.handle(Incoming(1, 1, "/start"), now)
assistant.handle_button(1, 1, "ok", now)
kind = assistant.handle(Incoming(1, 1, "what is a dexa scan"), now)[0].kind.value
assistant.handle(Incoming(1, 1, "/dexa 2026-03-14 lumbar spine -1.8"), now)
done = time.perf_counter()
print(json.dumps({"imports": imported - start, "build": built - imported, "first": done - built, "kind": kind,
                  "matplotlib": "matplotlib" in sys.modules}))
"""


def make_record(say: Callable[[str], list[Reply]], tablets: TabletRepository) -> None:
    """A made-up patient's record, through the bot's own commands."""
    say("/timezone Europe/London")
    say("/tablet 08:00")
    rng = random.Random(7)
    for offset in range(75):
        status = rng.choices([DoseStatus.TAKEN, DoseStatus.SKIPPED, DoseStatus.MISSED], [0.86, 0.06, 0.08])[0]
        tablets.record(USER, NOW.date() - timedelta(days=offset), status, NOW)
    for line in (
        "2022-03-01 lumbar spine -1.2 z -0.4 bmd 0.981",
        "2024-03-05 lumbar spine -1.8",
        "2026-03-14 lumbar spine -2.2",
        "2022-03-01 total hip -0.6",
        "2024-03-05 total hip -0.9",
        "2026-03-14 total hip -1.3",
    ):
        say(f"/dexa {line}")
    say("/remind 2027-03-14 DEXA scan")
    say("/remind 2027-01-10 Vitamin D blood test")
    for index in range(6):
        say(f"/note Question {index}: should I ask about my calcium and vitamin D levels before the next scan?")


def bench_renders(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        runtime = build_runtime(Settings(database=Path(tmp) / "bot.sqlite3", console_files_dir=Path(tmp) / "files"))
        assistant = runtime.assistant

        def say(text: str) -> list[Reply]:
            return assistant.handle(Incoming(USER, USER, text), NOW)

        say("/start")
        assistant.handle_button(USER, USER, "ok", NOW)
        assert runtime.database is not None
        make_record(say, TabletRepository(runtime.database))
        assistant.flood.limit = 10**9  # the benchmark sends far more than a person may
        for command in ("/tablets", "/dexa", "/summary"):
            started = time.perf_counter_ns()
            replies = say(command)
            first = time.perf_counter_ns() - started
            files = [r.attachment for r in replies if r.attachment is not None]
            sizes = ", ".join(f"{a.filename} {len(a.content) // 1024} KB" for a in files)
            samples, cpu = [], []
            for _ in range(runs):
                started, cpu_started = time.perf_counter_ns(), time.process_time_ns()
                say(command)
                samples.append(time.perf_counter_ns() - started)
                cpu.append(time.process_time_ns() - cpu_started)
            p99 = percentile_ms(samples, 99)
            print(
                f"render {command}: first {fmt_ms(first / 1e6)}, then p50 {fmt_ms(percentile_ms(samples, 50))}, "
                f"p99 {fmt_ms(p99)}, max {fmt_ms(max(samples) / 1e6)}, n={runs}; "
                f"CPU p50 {fmt_ms(percentile_ms(cpu, 50))}, "
                f"p99 {fmt_ms(percentile_ms(cpu, 99))} ({sizes}); target p99 <= {TARGET_P99_MS:.0f} ms: "
                f"{'ok' if p99 <= TARGET_P99_MS else 'FAIL'}",
                flush=True,
            )
        runtime.database.close()


def bench_cold_start() -> None:
    command = [sys.executable, "-c", COLD_SCRIPT]
    subprocess.run(command, cwd=REPO, capture_output=True, check=True)  # untimed: warm caches
    walls, phases = [], []
    for _ in range(COLD_RUNS):
        started = time.perf_counter()
        result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True)
        walls.append(time.perf_counter() - started)
        phases.append(json.loads(result.stdout.strip().splitlines()[-1]))
    wall = statistics.median(walls)
    median = {key: statistics.median(p[key] for p in phases) for key in ("imports", "build", "first")}
    imported = any(p["matplotlib"] for p in phases)
    print(
        f"cold start (python -c: imports + build_runtime + a question + a DEXA result, new process): median wall "
        f"{wall:.2f} s, n={COLD_RUNS}; phases: imports {fmt_ms(median['imports'] * 1000)}, build "
        f"{fmt_ms(median['build'] * 1000)}, first messages {fmt_ms(median['first'] * 1000)}; matplotlib imported: "
        f"{'yes' if imported else 'no'}; target <= {TARGET_COLD_S} s without matplotlib: "
        f"{'ok' if wall <= TARGET_COLD_S and not imported else 'FAIL'}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=60, help="timed calls per command after the first (default 60)")
    options = parser.parse_args()
    print(f"load: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min) on {os.cpu_count()} CPUs", flush=True)
    bench_renders(options.runs)
    bench_cold_start()


if __name__ == "__main__":
    main()
