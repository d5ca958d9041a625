"""Score missed-dose recognition on a set of messages: ``- text: ...  expect: missed_dose | other``.

    .venv/bin/python benchmarks/eval_missed_dose.py FILE [--misses]

Prints recall (missed-dose messages answered with the fixed "follow the leaflet ... ask your
pharmacist" reply), false alarms (other messages given it), and how often each group got the
talk-to-your-prescriber guard.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import build_assistant  # noqa: E402
from bot.config import Settings  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args()
    items = yaml.safe_load(args.file.read_text(encoding="utf-8"))
    assistant = build_assistant(Settings(knowledge_dir=ROOT / "knowledge"))
    counts = {"missed_dose": [0, 0, 0], "other": [0, 0, 0]}  # n, fixed text shown, guard shown
    misses: list[str] = []
    for item in items:
        kinds = {reply.kind.value for reply in assistant.ask(str(item["text"]))}
        shown, guarded = "missed_dose" in kinds, "medication" in kinds
        group = counts["missed_dose" if item["expect"] == "missed_dose" else "other"]
        group[0] += 1
        group[1] += shown
        group[2] += guarded
        if shown != (item["expect"] == "missed_dose"):
            misses.append(f"  {item['expect']:11} {item['id']}: {item['text']!r} -> {sorted(kinds)}")
    md, other = counts["missed_dose"], counts["other"]
    print(f"{args.file.name}: missed-dose recall {md[1]}/{md[0]} = {md[1] / max(md[0], 1):.3f}; "
          f"false alarms {other[1]}/{other[0]} = {other[1] / max(other[0], 1):.3f}; "
          f"guard shown: missed-dose {md[2]}/{md[0]}, other {other[2]}/{other[0]}")
    if args.misses:
        print("\n".join(misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
