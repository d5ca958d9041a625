"""Score reminder understanding (dates, labels, reminder requests, timezones) on a dates evaluation file.

    .venv/bin/python benchmarks/eval_dates.py tests/data/eval/dates-blind-dev.yaml [--misses]

Prints, per command and expectation, the share handled right, asked (safe but slower), missed, misread
(a wrong date stored or proposed: must be 0) and label errors; with --misses, every item not right.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import build_runtime  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.reminders.scoring import score, score_flows  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args()
    items = yaml.safe_load(args.file.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        settings = replace(Settings(knowledge_dir=ROOT / "knowledge"), database=Path(tmp) / "eval.sqlite3",
                           telegram_token=None)
        runtime = build_runtime(settings)
        flows = bool(items) and "step" in items[0]
        result = score_flows(runtime, items) if flows else score(runtime, items)
        runtime.database.close() if runtime.database else None
    counts = result.counts
    if flows:
        print(f"{args.file.name}: {counts['items']} items; right {counts['right']}, taken as an answer "
              f"{counts['answer']}, taken as leaving {counts['exit']}, taken as a question {counts['question']}")
    else:
        print(f"{args.file.name}: {counts['items']} items; misread {counts['misread']}, right {counts['right']}, "
              f"asked {counts['asked']}, missed {counts['missed']}, label {counts['label']}, "
              f"zone_wrong {counts['zone_wrong']}")
    for group in sorted(result.groups):
        n = counts[group]
        verdicts = ("right", "answer", "exit", "question") if flows else (
            "right", "asked", "missed", "misread", "label", "zone_wrong")
        parts = [f"{v} {counts[f'{group}.{v}'] / n:.3f}" for v in verdicts if counts[f"{group}.{v}"]]
        print(f"  {group:24} n={n:3}  " + "  ".join(parts))
    if args.misses:
        for item_id, verdict, detail in result.misses:
            print(f"  {verdict:9} {item_id}: {detail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
