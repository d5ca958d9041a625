"""Answer-path timings: index build, in-process answer latency, and cold start of a fresh process.

What it measures, and how
-------------------------
1. Index build: ``KnowledgeBase.load(settings.knowledge_dir)`` (articles read, passages cut, analyzer,
   BM25 index, spelling corrector, glossary, safety rules), 5 times in this process; prints the best and
   the median, and the first run on its own (it also fills the stemmer's cache, as a fresh process would).
2. In-process latency: an assistant from ``bot.app.build_assistant(load_settings({}))``; the questions
   (``tests/data/eval/dev.yaml``, or the built-in list in ``sample_questions.py``) are cycled until at
   least 1000 calls, after one untimed warm-up pass. Each ``Assistant.ask(question)`` call is timed alone
   with ``perf_counter_ns``; then ``searcher.search(question)`` alone over the same calls (no input
   cleaning, safety triage or reply composition; urgent questions are searched too).
3. Cold start: 5 runs of a ``python -c`` subprocess that imports the bot, builds the assistant and answers
   one question. Reported: the median wall time of the whole subprocess (process start to exit, measured
   by this script), and the median of the phases timed inside it with ``perf_counter`` (imports, build,
   first answer; interpreter start-up is outside these). Then the median wall time of 5 runs of
   ``patient-bot ask "what is a dexa scan"`` (the installed CLI), and of ``python -c pass`` for
   reference. Each command gets one untimed run first, so bytecode caches and the OS file cache are warm:
   this is a new process on a machine that has run the bot before, not a first boot.

Run from the repository root: ``python benchmarks/bench_answers.py``. Prints figures, asserts nothing.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from sample_questions import REPO, fmt_ms, load_questions, percentile_ms

from bot.app import build_assistant
from bot.config import load_settings
from bot.knowledge.base import KnowledgeBase

BUILD_RUNS = 5
MIN_CALLS = 1000
COLD_RUNS = 5
COLD_QUESTION = "what is a dexa scan"

# Runs in a fresh interpreter: prints the seconds spent importing, building and answering, as JSON.
COLD_SCRIPT = f"""
import time
start = time.perf_counter()
from bot.app import build_assistant
from bot.config import load_settings
imported = time.perf_counter()
assistant = build_assistant(load_settings({{}}))
built = time.perf_counter()
replies = assistant.ask({COLD_QUESTION!r})
answered = time.perf_counter()
import json
print(json.dumps({{"imports": imported - start, "build": built - imported, "answer": answered - built,
                  "kind": replies[0].kind.value}}))
"""


def bench_build() -> None:
    """Time KnowledgeBase.load; print best, median and the first run."""
    settings = load_settings({})
    seconds: list[float] = []
    passages = 0
    for _ in range(BUILD_RUNS):
        start = time.perf_counter()
        knowledge = KnowledgeBase.load(settings.knowledge_dir)
        seconds.append(time.perf_counter() - start)
        passages = len(knowledge.passages)
    ms = [s * 1000 for s in seconds]
    print(
        f"index build (KnowledgeBase.load, {passages} passages, in process): best {fmt_ms(min(ms))}, "
        f"median {fmt_ms(statistics.median(ms))}, first run {fmt_ms(ms[0])}, n={BUILD_RUNS}"
    )


def time_calls(function: Callable[[str], object], questions: Sequence[str]) -> list[int]:
    """Return the nanoseconds of each call of ``function`` over ``questions``."""
    samples: list[int] = []
    clock = time.perf_counter_ns
    for question in questions:
        start = clock()
        function(question)
        samples.append(clock() - start)
    return samples


def bench_latency(questions: Sequence[str], label: str) -> None:
    """Time Assistant.ask and Searcher.search per call; print p50/p99."""
    assistant = build_assistant(load_settings({}))
    searcher = assistant.knowledge.searcher
    repeats = -(-MIN_CALLS // len(questions))  # ceiling division
    calls = list(questions) * repeats
    for question in questions:  # warm-up: caches filled, code paths loaded
        assistant.ask(question)
    asked = time_calls(assistant.ask, calls)
    searched = time_calls(searcher.search, calls)
    distinct = len(set(questions))
    for name, samples in (("answer latency (Assistant.ask", asked), ("search latency (searcher.search", searched)):
        print(
            f"{name}, {label}, in process): p50 {fmt_ms(percentile_ms(samples, 50))}, "
            f"p99 {fmt_ms(percentile_ms(samples, 99))}, max {fmt_ms(max(samples) / 1e6)}, "
            f"n={len(samples)} ({distinct} distinct questions x {repeats})"
        )


def run_wall(command: Sequence[str]) -> tuple[float, str]:
    """Run a command from the repository root; return its wall time in seconds and its stdout."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return elapsed, done.stdout


def bench_cold_start() -> None:
    """Time fresh processes that answer one question; print medians of 5 runs."""
    python = sys.executable
    run_wall([python, "-c", COLD_SCRIPT])  # warm-up: bytecode and file caches
    walls: list[float] = []
    phases: dict[str, list[float]] = {"imports": [], "build": [], "answer": []}
    kind = ""
    for _ in range(COLD_RUNS):
        wall, out = run_wall([python, "-c", COLD_SCRIPT])
        walls.append(wall)
        inner = json.loads(out.strip().splitlines()[-1])
        kind = inner["kind"]
        for phase, values in phases.items():
            values.append(inner[phase])
    median = {phase: statistics.median(values) * 1000 for phase, values in phases.items()}
    inside = sum(median.values())
    print(
        f"cold start (python -c: imports + build_assistant + first ask, new process): median wall "
        f"{fmt_ms(statistics.median(walls) * 1000)} (min {fmt_ms(min(walls) * 1000)}, max {fmt_ms(max(walls) * 1000)}), "
        f"n={COLD_RUNS}; reply kind {kind}"
    )
    print(
        f"cold start phases (perf_counter inside, medians): imports {fmt_ms(median['imports'])}, "
        f"build {fmt_ms(median['build'])}, first answer {fmt_ms(median['answer'])}, sum {fmt_ms(inside)}"
    )

    cli = Path(python).with_name("patient-bot")
    command = [str(cli), "ask", COLD_QUESTION]
    run_wall(command)
    cli_walls = [run_wall(command)[0] for _ in range(COLD_RUNS)]
    print(
        f'cold start (patient-bot ask "{COLD_QUESTION}"): median wall {fmt_ms(statistics.median(cli_walls) * 1000)} '
        f"(min {fmt_ms(min(cli_walls) * 1000)}, max {fmt_ms(max(cli_walls) * 1000)}), n={COLD_RUNS}"
    )

    run_wall([python, "-c", "pass"])
    bare = [run_wall([python, "-c", "pass"])[0] for _ in range(COLD_RUNS)]
    print(
        f"reference (python -c pass, interpreter start-up only): median wall {fmt_ms(statistics.median(bare) * 1000)}, "
        f"n={COLD_RUNS}"
    )


def main() -> None:
    """Run the three answer-path benchmarks and print one line per figure."""
    questions, label = load_questions()
    bench_build()
    bench_latency(questions, label)
    bench_cold_start()


if __name__ == "__main__":
    main()
