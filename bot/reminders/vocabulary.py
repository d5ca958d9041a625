"""The words the reminder feature reads dates and times by, loaded from ``knowledge/dates.yaml``.

Owns :class:`DateVocabulary`: month and weekday names (English forms and common misspellings from the
YAML; other languages' names from dateparser's locale data, the maintained source), the tokens that
are everyday words too ("sat", "may"), relative days, duration units, number words, clock words and
the filler words around a date. Validation errors name the file and the entry.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from bot.errors import KnowledgeError
from bot.yamlfile import read_knowledge_yaml

MIN_FOREIGN_NAME = 3  # shorter locale abbreviations ("lu", "ma") collide with English words and labels


def fold(text: str) -> str:
    """Lowercase and strip accents ("März" -> "marz"), so typed and listed forms compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalise(text: str) -> str:
    """Fold and keep only words ("Cancel!! 🙄" -> "cancel"), for whole-message phrase matching."""
    return " ".join(re.sub(r"[^\w' ]", " ", fold(text)).split())


@dataclass(frozen=True)
class Unit:
    """A duration unit: a number of days, or of calendar months."""

    days: int = 0
    months: int = 0


@dataclass(frozen=True)
class DateVocabulary:
    """Surface forms of the parts of a date; every key is folded (lowercase, no accents)."""

    months: Mapping[str, int]  # "march", "mrach", "marzo" -> 3
    weekdays: Mapping[str, int]  # "thurs" -> 3 (Monday is 0)
    context_only: frozenset[str]  # "sat", "may": a date word only next to other date words
    relative_days: Mapping[str, int]  # "tmrw" -> 1; keys may be several words
    past_days: Mapping[str, int]  # "yesterday" -> 1
    units: Mapping[str, Unit]
    numbers: Mapping[str, int]  # "a" -> 1, "couple of" -> 2
    day_times: Mapping[str, time | None]  # "noon" -> 12:00; "morning" -> None (no clock time)
    fillers: frozenset[str]
    time_suffixes: frozenset[str]
    label_edges: frozenset[str]
    request_phrases: frozenset[str] = frozenset()  # "remind me", "set a reminder for"
    label_leading: frozenset[str] = frozenset()  # "i have", "a": not part of the label at its start
    english_words: frozenset[str] = field(default_factory=frozenset)  # never fuzzy-read as a month
    shared_months: Mapping[str, int] = field(default_factory=dict)  # "mars": another language's month, an English word
    flow_exits: frozenset[str] = frozenset()  # "cancel", "not now": leaving a guided step (normalised)
    flow_exit_fillers: frozenset[str] = frozenset()  # "please", "thanks": set aside around a way out
    flow_exit_words: frozenset[str] = frozenset()  # every word of those phrases, for spelling
    zone_abbreviations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # "est" -> America/New_York
    place_aliases: Mapping[str, str] = field(default_factory=dict)  # "uk" -> "united kingdom"

    @property
    def longest_phrase(self) -> int:
        """Return the most words in any multi-word key (how far a phrase match looks ahead)."""
        keys = [*self.relative_days, *self.past_days, *self.numbers, *self.day_times, *self.fillers,
                *self.request_phrases, *self.label_leading, *self.label_edges]
        return max(len(key.split()) for key in keys)


def _str_list(data: Mapping[str, Any], key: str, file: str) -> list[str]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeError(file, key, "must be a list of non-empty strings")
    return [fold(v.strip()) for v in value]


def _numbered(data: Mapping[str, Any], key: str, file: str, first: int, last: int) -> dict[str, int]:
    value = data.get(key)
    if not isinstance(value, dict) or {int(k) for k in value} != set(range(first, last + 1)):
        raise KnowledgeError(file, key, f"must map each of {first}..{last} to a list of names")
    names: dict[str, int] = {}
    for number in value:
        for form in _str_list(value, number, f"{file}: {key}"):
            if names.get(form, int(number)) != int(number):
                raise KnowledgeError(file, f"{key}.{number}", f"{form!r} is listed under two numbers")
            names[form] = int(number)
    return names


def _counts(data: Mapping[str, Any], key: str, file: str) -> dict[str, int]:
    value = data.get(key)
    if not isinstance(value, dict) or not all(isinstance(v, int) and v >= 0 for v in value.values()):
        raise KnowledgeError(file, key, "must map phrases to whole numbers of days")
    return {" ".join(fold(str(k)).split()): int(v) for k, v in value.items()}


def _locale_names(languages: list[str], file: str) -> tuple[dict[str, int], dict[str, int]]:
    """Month and weekday names of other languages, from dateparser's locale data."""
    from dateparser.languages.loader import default_loader

    months: dict[str, int] = {}
    weekdays: dict[str, int] = {}
    month_keys = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                  "october", "november", "december")
    day_keys = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    for code in languages:
        try:
            info = default_loader.get_locale(code).info
        except Exception as error:  # dateparser raises ValueError for an unknown code
            raise KnowledgeError(file, "date_languages", f"unknown language {code!r}: {error}") from error
        for table, keys in ((months, month_keys), (weekdays, day_keys)):
            for number, key in enumerate(keys, start=1 if table is months else 0):
                for name in info.get(key, []):
                    folded = fold(name).rstrip(".")
                    if len(folded) >= MIN_FOREIGN_NAME and folded.isalpha():
                        table.setdefault(folded, number)
    return months, weekdays


def load_date_vocabulary(path: Path, english_words: frozenset[str] = frozenset()) -> DateVocabulary:
    """Load and validate ``dates.yaml``; raise KnowledgeError naming the file and entry."""
    file = path.name
    data = read_knowledge_yaml(path)
    if not isinstance(data, dict):
        raise KnowledgeError(file, "-", "top level must be a mapping")
    months = _numbered(data, "months", file, 1, 12)
    weekdays = _numbered(data, "weekdays", file, 0, 6)
    # The "*_more" sections are the expansion written by training/merge_date_vocabulary.py.
    for number, forms in (data.get("months_more") or {}).items():
        for form in forms:
            months.setdefault(fold(str(form)), int(number))
    for number, forms in (data.get("weekdays_more") or {}).items():
        for form in forms:
            weekdays.setdefault(fold(str(form)), int(number))
    for section in ("relative_days", "units", "numbers", "day_times"):
        data[section] = {**(data.get(f"{section}_more") or {}), **(data.get(section) or {})}
    data["context_only"] = [*(data.get("context_only") or []), *(data.get("context_only_more") or [])]
    foreign_months, foreign_days = _locale_names(_str_list(data, "date_languages", file), file)
    english = {w for w in english_words if w not in months and w not in weekdays}
    shared: dict[str, int] = {}
    for name, number in foreign_months.items():
        if name not in english:
            months.setdefault(name, number)
        elif name not in months:  # "mars" (French March) is an English word: a month only after a day
            shared[name] = number
    for name, number in foreign_days.items():
        if name not in english:
            weekdays.setdefault(name, number)
    units_raw = data.get("units")
    if not isinstance(units_raw, dict):
        raise KnowledgeError(file, "units", "must map unit words to {days: N} or {months: N}")
    units: dict[str, Unit] = {}
    for word, spec in units_raw.items():
        if not isinstance(spec, dict) or set(spec) - {"days", "months"} or not spec:
            raise KnowledgeError(file, f"units.{word}", "must be {days: N} or {months: N}")
        units[fold(str(word))] = Unit(int(spec.get("days", 0)), int(spec.get("months", 0)))
    times_raw = data.get("day_times")
    if not isinstance(times_raw, dict):
        raise KnowledgeError(file, "day_times", "must map phrases to HH:MM or ~")
    day_times: dict[str, time | None] = {}
    for phrase, value in times_raw.items():
        if value is not None and not re.fullmatch(r"\d{2}:\d{2}", str(value)):
            raise KnowledgeError(file, f"day_times.{phrase}", "must be HH:MM or ~")
        day_times[" ".join(fold(str(phrase)).split())] = time.fromisoformat(str(value)) if value else None
    exits = frozenset(normalise(p) for p in _str_list(data, "flow_exits", file))
    exit_fillers = frozenset(normalise(p) for p in _str_list(data, "flow_exit_fillers", file))
    return DateVocabulary(
        months=months,
        weekdays=weekdays,
        context_only=frozenset(_str_list(data, "context_only", file)),
        relative_days=_counts(data, "relative_days", file),
        past_days=_counts(data, "past_days", file),
        units=units,
        numbers=_counts(data, "numbers", file),
        day_times=day_times,
        fillers=frozenset(_str_list(data, "date_fillers", file)),
        time_suffixes=frozenset(_str_list(data, "time_suffixes", file)),
        label_edges=frozenset(_str_list(data, "label_edges", file)),
        request_phrases=frozenset(" ".join(p.split()) for p in _str_list(data, "request_phrases", file)),
        label_leading=frozenset(" ".join(p.split()) for p in _str_list(data, "label_leading", file)),
        english_words=frozenset(english),
        shared_months=shared,
        flow_exits=exits,
        flow_exit_fillers=exit_fillers,
        flow_exit_words=frozenset(w for phrase in exits | exit_fillers for w in phrase.split()),
        zone_abbreviations=_zone_abbreviations(data, file),
        place_aliases={" ".join(fold(str(k)).split()): " ".join(fold(str(v)).split())
                       for k, v in (data.get("place_aliases") or {}).items()},
    )


def _zone_abbreviations(data: Mapping[str, Any], file: str) -> dict[str, tuple[str, ...]]:
    from zoneinfo import available_timezones

    known = available_timezones()
    raw = data.get("zone_abbreviations") or {}
    if not isinstance(raw, dict):
        raise KnowledgeError(file, "zone_abbreviations", "must map abbreviations to lists of IANA zones")
    table: dict[str, tuple[str, ...]] = {}
    for abbreviation, zones in raw.items():
        if not isinstance(zones, list) or not zones or any(z not in known for z in zones):
            raise KnowledgeError(file, f"zone_abbreviations.{abbreviation}", "must list IANA zone names")
        table[" ".join(fold(str(abbreviation)).split())] = tuple(zones)
    return table
