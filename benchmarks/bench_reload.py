"""Reload timings: the whole knowledge folder loaded and swapped in, alone and while answers flow.

What it measures, and how
-------------------------
1. Full content load: ``load_content(settings.knowledge_dir)`` (articles, passages, search indexes,
   glossary, safety catalogues and classifier, router model, fixed texts, reminder texts and plan), 7
   times in this process after one untimed run; prints the best and the median. This is what
   ``/reload``, SIGHUP and ``patient-bot reload`` build before the swap.
2. Reload under traffic: ``Assistant.reload()`` runs in a worker thread (as the Telegram channel runs
   it) while this thread keeps calling ``Assistant.ask`` with the development questions. Reported: the
   reload's wall time, how many answers were given while it ran, and their latency (p50, max) against
   the same questions' latency with no reload running. 5 reloads.

Run from the repository root: ``python benchmarks/bench_reload.py``. Prints figures, asserts nothing.
"""

from __future__ import annotations

import statistics
import threading
import time

from sample_questions import fmt_ms, load_questions, percentile_ms

from bot.app import build_assistant
from bot.config import load_settings
from bot.content import load_content

LOAD_RUNS = 7
RELOADS = 5


def main() -> None:
    """Print the figures."""
    settings = load_settings({})
    load_content(settings.knowledge_dir)  # untimed: fills the stemmer's cache as a running bot has
    times = []
    for _ in range(LOAD_RUNS):
        start = time.perf_counter()
        content = load_content(settings.knowledge_dir)
        times.append(time.perf_counter() - start)
    print(
        f"full content load (load_content, {len(content.knowledge.passages)} passages, "
        f"{len(content.knowledge.glossary.entries)} glossary terms): best {fmt_ms(min(times) * 1000)}, "
        f"median {fmt_ms(statistics.median(times) * 1000)}, n={LOAD_RUNS}"
    )

    assistant = build_assistant(settings)
    questions, label = load_questions()
    calm: list[int] = []
    for question in questions:
        start = time.perf_counter_ns()
        assistant.ask(question)
        calm.append(time.perf_counter_ns() - start)
    during: list[int] = []
    walls: list[float] = []
    answered = 0
    for _ in range(RELOADS):
        done = threading.Event()
        wall: list[float] = []

        def reload(done: threading.Event = done, wall: list[float] = wall) -> None:
            start = time.perf_counter()
            assistant.reload()
            wall.append(time.perf_counter() - start)
            done.set()

        worker = threading.Thread(target=reload)
        worker.start()
        index = 0
        while not done.is_set():
            start = time.perf_counter_ns()
            assistant.ask(questions[index % len(questions)])
            during.append(time.perf_counter_ns() - start)
            answered += 1
            index += 1
        worker.join()
        walls.extend(wall)
    print(
        f"reload under traffic (Assistant.reload in a thread, asks in this one): wall median "
        f"{fmt_ms(statistics.median(walls) * 1000)}, max {fmt_ms(max(walls) * 1000)}, n={RELOADS}; "
        f"{answered / RELOADS:.0f} answers per reload"
    )
    print(
        f"answer latency during reloads ({label}): p50 {fmt_ms(percentile_ms(during, 50))}, "
        f"max {fmt_ms(percentile_ms(during, 100))}, n={len(during)}; with no reload: "
        f"p50 {fmt_ms(percentile_ms(calm, 50))}, max {fmt_ms(percentile_ms(calm, 100))}, n={len(calm)}"
    )


if __name__ == "__main__":
    main()
