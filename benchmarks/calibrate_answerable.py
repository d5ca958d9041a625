"""Sweep the answerability model's threshold over message evaluation files: what does each value refuse?

For each threshold, the whole Assistant (router, search, the learned decision) answers every item of each
file, and the script prints hit@1 / hit@3 / MRR@3, "not covered" right and answerable refused. The
threshold in ``training/train_answerable.py`` was chosen here: the middle of the range where, on each
blind development set, "not covered" is right at least 90% of the time and answerable questions are
refused at most 5% of the time.

    python benchmarks/calibrate_answerable.py [EVAL_FILE ...] [--thresholds 0.15,0.2,0.25,0.3,0.35]

Default files: the blind development sets of ``tests/data/eval`` (answers-blind-dev, answers-blind-dev2,
and answers-blind-sealed, scored once and a development set since). Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from bot.app import build_assistant
from bot.config import load_settings
from bot.evaluation import evaluate_messages, load_items

EVAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "eval"
DEFAULT_FILES = [EVAL / "answers-blind-dev.yaml", EVAL / "answers-blind-dev2.yaml", EVAL / "answers-blind-sealed.yaml"]


def main() -> None:
    """Print one line per threshold and file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", type=Path, default=DEFAULT_FILES)
    parser.add_argument("--thresholds", default="0.15,0.2,0.25,0.3,0.35")
    options = parser.parse_args()
    assistant = build_assistant(load_settings({}))
    searcher = assistant.content.current.knowledge.searcher
    model = searcher.answerable
    if model is None:
        raise SystemExit("no answerability model in the knowledge folder (knowledge/models/answerable.npz)")
    sets = [(path.stem, load_items(path)) for path in options.files]
    print(f"trained threshold {model.threshold:.2f}")
    print(f"{'threshold':>9}  {'set':<24} {'hit@1':>6} {'hit@3':>6} {'mrr@3':>6} {'not covered':>11} {'refused':>8}")
    try:
        for value in (float(v) for v in options.thresholds.split(",")):
            searcher.answerable = dataclasses.replace(model, threshold=value)
            for name, items in sets:
                m = evaluate_messages(assistant, items).metrics
                print(f"{value:>9.2f}  {name:<24} {m['hit@1']:>6.3f} {m['hit@3']:>6.3f} {m['mrr@3']:>6.3f} "
                      f"{m['no_match_correct']:>11.3f} {m['answerable_refused']:>8.3f}")
    finally:
        searcher.answerable = model


if __name__ == "__main__":
    main()
