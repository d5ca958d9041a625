"""Sweep of the no-match thresholds: how many real questions get refused, and how many off-topic ones.

What it measures, and how
-------------------------
One assistant is built (``bot.app.build_assistant(load_settings({}))``); for every pair of
``min_confidence`` (0.05 to 0.45, step 0.05) and ``key_term_escape`` (5 to 12) its searcher's
``settings`` are replaced by the default ``SearchSettings`` with those two values changed, and then:

- the message eval files (arguments, default ``tests/data/eval/dev.yaml`` and the held-out
  ``tests/data/eval/heldout.yaml``, pooled) are scored with
  ``bot.evaluation.evaluate_messages``, i.e. through ``Assistant.ask`` exactly as ``patient-bot eval``
  does: ``refused`` is the share of ``answer`` items whose first reply is a no-match, ``nm_ok`` the share
  of ``no_match`` items whose first reply is a no-match, ``hit@1``/``hit@3`` the share of ``answer``
  items with an ``expect_any`` phrase (case-insensitive) in the first / first three passages shown;
- each line of the off-topic list (``--offtopic``, default ``tests/data/eval/offtopic.txt``, skipped when
  absent) is asked the same way; ``off_ref`` is the share for which no passage is shown (a no-match, or a
  medication or urgent reply without passages).

The row of the current defaults (``SearchSettings()``) is marked ``*``. The last lines name the settings
that refuse the most off-topic questions while refusing at most 5% of answerable ones.

Run from the repository root: ``python benchmarks/calibrate_no_match.py [EVAL_FILE...] [--offtopic FILE]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sample_questions import DEV_FILE, REPO

from bot.app import build_assistant
from bot.assistant import Assistant
from bot.config import load_settings
from bot.evaluation import evaluate_messages, load_items
from bot.knowledge.search import SearchSettings

MIN_CONFIDENCE = [round(0.05 * step, 2) for step in range(1, 10)]  # 0.05 .. 0.45
KEY_TERM_ESCAPE = [5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0]
HELDOUT_FILE = REPO / "tests" / "data" / "eval" / "heldout.yaml"
MAX_REFUSED = 0.05


@dataclass(frozen=True)
class Row:
    """The figures of one settings pair."""

    min_confidence: float
    key_term_escape: float
    refused: float
    no_match_ok: float
    offtopic_refused: float | None
    hit1: float
    hit3: float
    default: bool


def offtopic_refused(assistant: Assistant, lines: Sequence[str]) -> float | None:
    """Return the share of lines answered with no passage shown, or None without lines."""
    if not lines:
        return None
    refused = sum(not any(reply.passages for reply in assistant.ask(line)) for line in lines)
    return refused / len(lines)


def sweep(assistant: Assistant, items: Sequence[dict[str, object]], offtopic: Sequence[str]) -> list[Row]:
    """Return one row per settings pair, restoring the searcher's settings afterwards."""
    searcher = assistant.knowledge.searcher
    original = searcher.settings
    default = SearchSettings()
    rows: list[Row] = []
    try:
        for confidence in MIN_CONFIDENCE:
            for escape in KEY_TERM_ESCAPE:
                searcher.settings = dataclasses.replace(default, min_confidence=confidence, key_term_escape=escape)
                metrics = evaluate_messages(assistant, items).metrics
                rows.append(
                    Row(
                        confidence,
                        escape,
                        metrics["answerable_refused"],
                        metrics["no_match_correct"],
                        offtopic_refused(assistant, offtopic),
                        metrics["hit@1"],
                        metrics["hit@3"],
                        math.isclose(confidence, default.min_confidence) and math.isclose(escape, default.key_term_escape),
                    )
                )
    finally:
        searcher.settings = original
    return rows


def percent(value: float | None) -> str:
    """Return a share as a right-aligned percentage, or a dash when it was not measured."""
    return "    -" if value is None else f"{value * 100:4.0f}%"


def print_table(rows: Sequence[Row], counts: dict[str, int], offtopic: int) -> None:
    """Print the sweep table and the best settings under the refusal budget."""
    print(
        f"no-match sweep: {counts.get('answer', 0)} answer items, {counts.get('no_match', 0)} no_match items, "
        f"{offtopic} off-topic lines; * = current defaults"
    )
    print("   min_conf  escape  refused  nm_ok  off_ref  hit@1  hit@3")
    for row in rows:
        mark = "*" if row.default else " "
        print(
            f"{mark}  {row.min_confidence:8.2f}  {row.key_term_escape:6.1f}  {percent(row.refused):>7}  "
            f"{percent(row.no_match_ok):>5}  {percent(row.offtopic_refused):>7}  {percent(row.hit1):>5}  "
            f"{percent(row.hit3):>5}"
        )
    allowed = [row for row in rows if row.refused <= MAX_REFUSED]
    if not allowed:
        print(f"no settings keep answerable questions refused <= {MAX_REFUSED:.0%}")
        return

    def caught(row: Row) -> float:
        return row.no_match_ok * counts.get("no_match", 0) + (row.offtopic_refused or 0.0) * offtopic

    best = max(caught(row) for row in allowed)
    winners = [row for row in allowed if math.isclose(caught(row), best)]
    spans = ", ".join(f"{row.min_confidence:.2f}/{row.key_term_escape:g}" for row in winners)
    print(
        f"best under refused <= {MAX_REFUSED:.0%} (most no_match + off-topic questions refused, "
        f"{best:.0f} of {counts.get('no_match', 0) + offtopic}): min_conf/escape {spans}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the arguments, run the sweep and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "eval_files", nargs="*", type=Path, default=[DEV_FILE, HELDOUT_FILE], help="message eval YAML files (pooled)"
    )
    parser.add_argument(
        "--offtopic",
        type=Path,
        default=REPO / "tests" / "data" / "eval" / "offtopic.txt",
        help="extra off-topic questions, one per line (skipped when absent)",
    )
    options = parser.parse_args(argv)
    items = [item for path in options.eval_files for item in load_items(path)]
    offtopic: list[str] = []
    if options.offtopic.is_file():
        lines = options.offtopic.read_text(encoding="utf-8").splitlines()
        offtopic = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    assistant = build_assistant(load_settings({}))
    rows = sweep(assistant, items, offtopic)
    counts: dict[str, int] = {}
    for item in items:
        kind = str(item.get("kind"))
        counts[kind] = counts.get(kind, 0) + 1
    names = ", ".join(str(path.relative_to(REPO) if path.is_relative_to(REPO) else path) for path in options.eval_files)
    print(f"eval files: {names}; off-topic file: {options.offtopic if offtopic else '(none)'}")
    print_table(rows, counts, len(offtopic))


if __name__ == "__main__":
    main()
