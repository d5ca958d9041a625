"""Finding an IANA timezone from what a patient types: exact names, city names, and typo suggestions.

This module owns the lookup table built from ``zoneinfo.available_timezones()``: full names match
case-insensitively ("europe/london"), city names match the last path segment ("london",
"new york" -> America/New_York), and anything else gets up to three close suggestions (difflib).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import available_timezones

# Region prefixes of real places; other names (US/Eastern, Etc/GMT+5, EST5EDT...) match only exactly.
_REGIONS = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Indian/", "Pacific/")
_SKIP = ("posix/", "right/")  # duplicated trees some system tz databases ship


@dataclass(frozen=True)
class TimezoneMatch:
    """The result of a lookup: a name, or suggestions (possibly none)."""

    name: str | None
    suggestions: tuple[str, ...] = ()


def _key(text: str) -> str:
    return " ".join(text.strip().lower().replace("_", " ").split())


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, str], dict[str, str]]:
    names = sorted(n for n in available_timezones() if not n.startswith(_SKIP))
    exact = {_key(name): name for name in names}
    cities: dict[str, str] = {}
    # Canonical two-part names first (America/New_York) so they win over deeper or legacy aliases.
    for name in sorted((n for n in names if n.startswith(_REGIONS)), key=lambda n: (n.count("/"), n)):
        cities.setdefault(_key(name.rsplit("/", 1)[1]), name)
    return exact, cities


def find_timezone(text: str) -> TimezoneMatch:
    """Return the IANA name for ``text`` or up to 3 suggestions."""
    exact, cities = _index()
    key = _key(text)
    if not key:
        return TimezoneMatch(None)
    if key in exact:
        return TimezoneMatch(exact[key])
    if key in cities:
        return TimezoneMatch(cities[key])
    suggestions: list[str] = []
    for candidate in difflib.get_close_matches(key, [*cities, *exact], n=6, cutoff=0.6):
        name = cities.get(candidate) or exact[candidate]
        if name not in suggestions:
            suggestions.append(name)
    return TimezoneMatch(None, tuple(suggestions[:3]))


def is_timezone(name: str) -> bool:
    """Return True for an exact IANA name (as stored, case-sensitive)."""
    exact, _ = _index()
    return exact.get(_key(name)) == name
