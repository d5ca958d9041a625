"""Fold the helper-written date vocabulary (training/vocabulary/dates-expansion.yaml) into knowledge/dates.yaml.

    .venv/bin/python training/merge_date_vocabulary.py

The expansion file lists surface forms written by several authors in many patients' voices (typos,
text-speak, other Englishes and languages). This script adds them to the sections of
``knowledge/dates.yaml`` under rules that keep labels safe: a form that is an everyday English word
("later", "so") is left out, or for weekdays kept only as a context word ("sat"); forms of one or two
letters are left out; values that are not whole days / clock times are left out. It prints what it
added and rewrites the ``# --- expansion ---`` part of the file (the hand-written part above it is
kept as it is).
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.reminders.vocabulary import fold  # noqa: E402

MARK = "# --- expansion (training/merge_date_vocabulary.py; do not edit below by hand) ---"
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
UNITS = {"day": {"days": 1}, "week": {"days": 7}, "fortnight": {"days": 14}, "month": {"months": 1},
         "year": {"months": 12}}


def english_words() -> set[str]:
    words: set[str] = set()
    for line in (ROOT / "knowledge" / "english_frequency.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            words.add(line.split()[0])
    return words


def main() -> int:
    source = yaml.safe_load((ROOT / "training" / "vocabulary" / "dates-expansion.yaml").read_text(encoding="utf-8"))
    target_path = ROOT / "knowledge" / "dates.yaml"
    text = target_path.read_text(encoding="utf-8").split(MARK)[0].rstrip() + "\n"
    base = yaml.safe_load(text)
    english = english_words()
    known_months = {fold(f) for forms in base["months"].values() for f in forms}
    known_days = {fold(f) for forms in base["weekdays"].values() for f in forms}
    context = set(base["context_only"])

    months: dict[int, list[str]] = {}
    for table in ("months_misspelled", "months_other_forms"):
        for form, number in source.get(table, {}).items():
            word = fold(str(form)).rstrip(".")
            if len(word) >= 3 and word.isalpha() and word not in english and word not in known_months:
                months.setdefault(int(number), []).append(word)
                known_months.add(word)
    weekdays: dict[int, list[str]] = {}
    extra_context: list[str] = []
    for form, name in source.get("weekdays", {}).items():
        word = fold(str(form)).rstrip(".")
        if len(word) < 3 or word in known_days or " " in word or not word.replace("-", "").isalpha():
            continue
        if word in english:
            if word not in context:
                extra_context.append(word)  # a weekday only next to other date words
            else:
                continue
        weekdays.setdefault(WEEKDAYS.index(str(name)), []).append(word)
        known_days.add(word)
    relative = {
        " ".join(fold(str(k)).split()): int(v)
        for k, v in source.get("relative_days", {}).items()
        if isinstance(v, int) and (" " in str(k) or fold(str(k)) not in english)
        and " ".join(fold(str(k)).split()) not in base["relative_days"] and "now" not in str(k) and "later" not in str(k)
    }
    units = {
        fold(str(k)): UNITS[str(v)]
        for k, v in source.get("duration_units", {}).items()
        if str(v) in UNITS and fold(str(k)) not in base["units"] and len(fold(str(k))) >= 2
    }
    numbers = {
        " ".join(fold(str(k)).split()): v
        for k, v in source.get("number_words", {}).items()
        if isinstance(v, int) and 0 < v <= 60 and " ".join(fold(str(k)).split()) not in base["numbers"]
    }
    times = {
        " ".join(fold(str(k)).split()): v
        for k, v in source.get("times_of_day_words", {}).items()
        # Only clock times: a part-of-day word after a date is dropped from the label, and the
        # expansion's ("tea", "supper", "with breakfast") are too often the label itself.
        if " ".join(fold(str(k)).split()) not in base["day_times"] and str(v) in ("12:00", "00:00")
    }
    expansion = {
        "months_more": {n: sorted(f) for n, f in sorted(months.items())},
        "weekdays_more": {n: sorted(f) for n, f in sorted(weekdays.items())},
        "context_only_more": sorted(set(extra_context)),
        "relative_days_more": dict(sorted(relative.items())),
        "units_more": dict(sorted(units.items())),
        "numbers_more": dict(sorted(numbers.items())),
        "day_times_more": dict(sorted(times.items())),
    }
    dumped = yaml.safe_dump(expansion, allow_unicode=True, sort_keys=False, width=110)
    dumped = dumped.replace(": 00:00", ": '00:00'")  # YAML 1.1 reads a bare 00:00 as the number 0
    target_path.write_text(f"{text}\n{MARK}\n{dumped}", encoding="utf-8")
    for key, value in expansion.items():
        count = sum(len(v) for v in value.values()) if key in ("months_more", "weekdays_more") else len(value)
        print(f"{key}: {count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
