"""How long does safety triage take per message, and what does it add to start-up?

Prints, for the messages of the blind safety development set (``tests/data/eval/safety-blind-dev.yaml``,
354 patient messages of 3 to 900 characters): the time to load all content (knowledge, triage
catalogues, classifier, other languages), the in-process time of ``Triage.check`` per message (p50, p99,
max over 3 passes after a warm-up pass), the same for ``Assistant.ask`` (triage, search and reply
together), and the cold start of a new ``patient-bot ask`` process (median of 5, wall clock).
Targets (issue: safety triage): triage <= 3 ms p99 in process; cold start to first answer <= 1.5 s.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bot.app import build_assistant
from bot.config import Settings
from bot.evaluation import load_items

REPO = Path(__file__).resolve().parents[1]
MESSAGES = REPO / "tests" / "data" / "eval" / "safety-blind-dev.yaml"


def percentile(values: list[float], share: float) -> float:
    """Return the ``share`` percentile with linear interpolation."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def timed(call: Callable[[str], object], texts: list[str], passes: int = 3) -> list[float]:
    """Return per-call seconds of ``call(text)`` over ``passes`` passes after one warm-up pass."""
    for text in texts:
        call(text)
    times = []
    for _ in range(passes):
        for text in texts:
            start = time.perf_counter()
            call(text)
            times.append(time.perf_counter() - start)
    return times


def line(name: str, times: list[float]) -> str:
    """Return a printed figure line in milliseconds."""
    return (
        f"{name}: p50 {percentile(times, 0.5) * 1e3:.2f} ms, p99 {percentile(times, 0.99) * 1e3:.2f} ms, "
        f"max {max(times) * 1e3:.2f} ms, n={len(times)}"
    )


def main() -> int:
    """Print the figures."""
    texts = [str(item["text"]) for item in load_items(MESSAGES)]
    start = time.perf_counter()
    assistant = build_assistant(Settings(knowledge_dir=REPO / "knowledge"))
    print(
        f"content load (knowledge, triage, classifier, languages; in process): {(time.perf_counter() - start) * 1e3:.0f} ms"
    )
    triage = assistant.content.current.triage
    print(line(f"triage latency (Triage.check, {len(texts)} blind messages x 3)", timed(triage.check, texts)))
    print(
        line(
            f"answer latency (Assistant.ask: triage + search + reply, {len(texts)} messages x 3)",
            timed(assistant.ask, texts),
        )
    )
    command = [str(Path(sys.executable).with_name("patient-bot")), "ask", "my chest really hurts right now"]
    subprocess.run(command, capture_output=True, check=True)  # warm the OS file cache once
    walls = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        walls.append(time.perf_counter() - start)
    print(
        f"cold start (patient-bot ask, new process, urgent message): median wall {statistics.median(walls) * 1e3:.0f} ms "
        f"(min {min(walls) * 1e3:.0f}, max {max(walls) * 1e3:.0f}), n=5"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
