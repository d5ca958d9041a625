"""Finding the IANA timezone a patient means: a zone name, a city, a region or country, an abbreviation.

Owns the lookup over a GeoNames extract (``places.tsv.gz``, built by ``training/build_places.py``:
every place of 15,000 people or more with its zone, countries and US states with their zones by
population) and the place words of ``knowledge/dates.yaml`` (abbreviations such as EST, BST, IST and
what people mean by them; aliases such as "uk", "nyc"). Rules:

- an exact zone name ("europe/london") or a place with one zone is set at once;
- a place name shared by places in different zones is set when the most populous is at least
  ``CLEAR_LEAD`` times the next ("Perth" is the Australian one), otherwise the zones are offered,
  most populous first ("Birmingham": England or Alabama?); "City, Country" narrows it down; a name
  that is both a region and a town elsewhere ("Florida") offers both;
- a country or state spanning zones offers its zones by population unless one holds ``CLEAR_SHARE``;
- abbreviations and UTC offsets are always confirmed: "EST" is used for New York's zone (with daylight
  saving), not a fixed UTC-5 that is an hour off all summer;
- a misspelt place (one or two edits) is offered, never set silently.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, available_timezones

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.reminders.vocabulary import fold

CLEAR_LEAD = 10.0  # population ratio above which the larger of two same-named places is meant
CLEAR_SHARE = 0.9  # share of a country's population above which its main zone is meant
FUZZY_MIN_POPULATION = 100_000  # only places this large are offered for a misspelling
MAX_SUGGESTIONS = 3
_SKIP = ("posix/", "right/")
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$")
_LEADING = ("i live in ", "i'm in ", "im in ", "i am in ", "in ", "near ", "time in ")
_TRAILING = (" time zone", " timezone", " time", " area")
_WORD_CODES = frozenset({"in", "me", "or", "ok", "hi", "de", "it", "is", "no", "at", "be", "to", "us", "as", "id", "so"})


@dataclass(frozen=True)
class TimezoneMatch:
    """The result of a lookup: a zone to set, or zones to offer (``confirm``: ask even for one)."""

    name: str | None
    suggestions: tuple[str, ...] = ()
    place: str = ""  # what the text was read as ("Manchester, United Kingdom"), for the reply
    confirm: bool = False


@dataclass(frozen=True)
class Place:
    """A city of the gazetteer."""

    name: str
    country: str
    admin1: str
    population: int
    zone: str


@dataclass(frozen=True)
class Gazetteer:
    """Places by folded name, countries and US states with their zones (most populous first)."""

    cities: Mapping[str, tuple[Place, ...]]
    countries: Mapping[str, tuple[str, tuple[tuple[str, int], ...]]]  # folded name -> (iso, zones)
    country_names: Mapping[str, str]  # iso -> name
    states: Mapping[str, tuple[str, tuple[tuple[str, int], ...]]]  # folded name or code -> (code, zones)


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^\w/+:\-' ]", " ", fold(text)).replace("_", " ").split())


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """Load the GeoNames extract shipped with the package (once; about 60 ms)."""
    raw = resources.files("bot.reminders").joinpath("places.tsv.gz").read_bytes()
    cities: dict[str, list[Place]] = {}
    countries: dict[str, tuple[str, tuple[tuple[str, int], ...]]] = {}
    names: dict[str, str] = {}
    states: dict[str, tuple[str, tuple[tuple[str, int], ...]]] = {}
    by_country: dict[str, dict[str, int]] = {}
    by_state: dict[str, dict[str, int]] = {}
    rows = gzip.decompress(raw).decode("utf-8").splitlines()
    for row in rows:
        parts = row.split("\t")
        if parts[0] == "C":
            _, name, country, admin1, population, zone, others = parts
            place = Place(name, country, admin1, int(population), zone)
            by_country.setdefault(country, {}).setdefault(zone, 0)
            by_country[country][zone] += place.population
            if country == "US":
                by_state.setdefault(admin1, {}).setdefault(zone, 0)
                by_state[admin1][zone] += place.population
            for label in {name, *(o for o in others.split("|") if o)}:
                cities.setdefault(_key(label), []).append(place)
    for row in rows:
        parts = row.split("\t")
        if parts[0] == "N":
            _, iso, name, _zones = parts
            zones = tuple(sorted(by_country.get(iso, {}).items(), key=lambda kv: -kv[1]))
            countries[_key(name)] = (iso, zones)
            names[iso] = name
        elif parts[0] == "S":
            _, code, name, _zones = parts
            zones = tuple(sorted(by_state.get(code, {}).items(), key=lambda kv: -kv[1]))
            states[_key(name)] = (code, zones)
            if code.lower() not in _WORD_CODES:  # "FL", "AZ"; not "IN", "ME", "OR", "OK", "HI"
                states[code.lower()] = (code, zones)
    ordered = {key: tuple(sorted(found, key=lambda p: -p.population)) for key, found in cities.items()}
    return Gazetteer(ordered, countries, names, states)


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    return {_key(name): name for name in available_timezones() if not name.startswith(_SKIP)}


@lru_cache(maxsize=1)
def _fuzzy_choices() -> dict[str, str]:
    """Folded names of large places, countries and states, for misspellings."""
    places = gazetteer()
    choices = {key: key for key, found in places.cities.items() if found[0].population >= FUZZY_MIN_POPULATION}
    choices.update({key: key for key in places.countries})
    choices.update({key: key for key in places.states})
    return choices


def is_timezone(name: str) -> bool:
    """Return True for an exact IANA name (as stored, case-sensitive)."""
    return _zones().get(_key(name)) == name


def _by_population(zones: tuple[tuple[str, int], ...], place: str) -> TimezoneMatch:
    if not zones:
        return TimezoneMatch(None)
    total = sum(population for _, population in zones) or 1
    if len(zones) == 1 or zones[0][1] / total >= CLEAR_SHARE:
        return TimezoneMatch(zones[0][0], place=place)
    return TimezoneMatch(None, tuple(z for z, _ in zones[:MAX_SUGGESTIONS]), place=place, confirm=True)


def _from_places(found: tuple[Place, ...], country_names: Mapping[str, str]) -> TimezoneMatch:
    zones: dict[str, Place] = {}
    for place in found:  # most populous first
        zones.setdefault(place.zone, place)
    first = found[0]
    where = f"{first.name}, {country_names.get(first.country, first.country)}"
    ordered = list(zones.values())
    if len(ordered) == 1 or ordered[0].population >= CLEAR_LEAD * ordered[1].population:
        return TimezoneMatch(first.zone, place=where)
    return TimezoneMatch(None, tuple(p.zone for p in ordered[:MAX_SUGGESTIONS]), place=where, confirm=True)


def _region(text: str, aliases: Mapping[str, str]) -> tuple[str, str] | None:
    """A country ("uk", "Spain") or US state ("arizona", "FL") as ("country" | "state", code)."""
    places = gazetteer()
    key = aliases.get(text, text)
    if key in places.countries:
        return "country", places.countries[key][0]
    if key.upper() in places.country_names and len(key) == 2 and key not in _WORD_CODES:
        return "country", key.upper()
    if key in places.states:
        return "state", places.states[key][0]
    return None


def _city(name: str, region: tuple[str, str] | None, aliases: Mapping[str, str]) -> tuple[Place, ...]:
    places = gazetteer()
    found = places.cities.get(aliases.get(name, name), ())
    if region is not None:
        kind, code = region
        found = tuple(p for p in found if (p.country == code if kind == "country" else p.admin1 == code))
    return found


def find_timezone(
    text: str,
    abbreviations: Mapping[str, tuple[str, ...]] | None = None,
    aliases: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> TimezoneMatch:
    """Return the zone ``text`` means, or the zones to offer (see the module docstring for the rules).

    ``abbreviations``: "est" -> ("America/New_York",) ...; ``aliases``: "uk" -> "united kingdom",
    "nyc" -> "new york city" (both from ``knowledge/dates.yaml``, folded).
    """
    abbreviations = abbreviations or {}
    aliases = aliases or {}
    key = _key(text)
    for prefix in _LEADING:
        key = key.removeprefix(prefix)
    for suffix in _TRAILING:
        key = key.removesuffix(suffix)
    if not key:
        return TimezoneMatch(None)
    # Abbreviations first: "EST", "GMT" and "CET" are also legacy zone names, fixed offsets without
    # the daylight saving that people mean by them.
    if key in abbreviations:
        meant = abbreviations[key]
        if meant == ("Etc/UTC",):
            return TimezoneMatch("Etc/UTC", place="UTC")
        return TimezoneMatch(None, meant[:MAX_SUGGESTIONS], place=text.strip().upper(), confirm=True)
    zones = _zones()
    if key in zones:
        return TimezoneMatch(zones[key], place=zones[key])
    offset = _OFFSET.match(key)
    if offset:
        return _by_offset(offset, now or datetime.now(ZoneInfo("UTC")))
    places = gazetteer()
    # "City, Country" / "City Country" / "City State": the region narrows the city down.
    candidates: list[tuple[str, tuple[str, str] | None]] = [(key, None)]
    words = key.replace(",", " ").split()
    if "," in key:
        left, _, right = key.partition(",")
        candidates.insert(0, (left.strip(), _region(right.strip(), aliases)))
    for n in (1, 2):
        if len(words) > n:
            region = _region(" ".join(words[-n:]), aliases)
            if region is not None:
                candidates.insert(0, (" ".join(words[:-n]), region))
    region = _region(key, aliases)
    by_region = _of_region(region) if region is not None else None
    for name, qualifier in candidates:
        found = _city(name, qualifier, aliases)
        if not found:
            continue
        by_city = _from_places(found, places.country_names)
        if by_region is None or qualifier is not None:
            return by_city
        # "Florida" is a state and a town in Cuba; "Georgia" a country and a state: ask when they differ.
        city_zones = (by_city.name,) if by_city.name else by_city.suggestions
        region_zones = (by_region.name,) if by_region.name else by_region.suggestions
        if region_zones[:1] == city_zones[:1]:
            return by_region
        both = tuple(dict.fromkeys((*region_zones, *city_zones)))[:MAX_SUGGESTIONS]
        return TimezoneMatch(None, both, place=by_region.place, confirm=True)
    return by_region if by_region is not None else _fuzzy(key)


def _of_region(region: tuple[str, str]) -> TimezoneMatch:
    places = gazetteer()
    kind, code = region
    if kind == "country":
        zones_of = next(z for iso, z in places.countries.values() if iso == code)
        return _by_population(zones_of, places.country_names.get(code, code))
    state_zones = next(z for c, z in places.states.values() if c == code)
    return _by_population(state_zones, code)


def _fuzzy(key: str) -> TimezoneMatch:
    """Places one or two edits away (two for longer names), offered with their zones; a misspelt zone
    name ("Europe/Pariss") offers the zone names close to it."""
    if len(key) < 4:
        return TimezoneMatch(None)
    if "/" in key:
        zones = _zones()
        close = process.extract(key, list(zones), scorer=OSA.distance, score_cutoff=3, limit=MAX_SUGGESTIONS)
        names = tuple(zones[choice] for choice, _, _ in sorted(close, key=lambda hit: hit[1]))
        return TimezoneMatch(None, names, confirm=False)
    limit = 1 if len(key) < 7 else 2
    places = gazetteer()
    hits = process.extract(key, _fuzzy_choices(), scorer=OSA.distance, score_cutoff=limit, limit=10)
    ranked: list[tuple[int, int, str]] = []
    for choice, distance, _ in hits:
        found = places.cities.get(choice)
        if found:
            ranked.append((distance, -found[0].population, found[0].zone))
        elif choice in places.countries and places.countries[choice][1]:
            ranked.append((distance, 0, places.countries[choice][1][0][0]))
        elif choice in places.states and places.states[choice][1]:
            ranked.append((distance, 0, places.states[choice][1][0][0]))
    suggestions = tuple(dict.fromkeys(zone for _, _, zone in sorted(ranked)))[:MAX_SUGGESTIONS]
    return TimezoneMatch(None, suggestions, confirm=bool(suggestions))


def _by_offset(match: re.Match[str], now: datetime) -> TimezoneMatch:
    """ "+05:30", "UTC-5": the most populous zones on that offset at ``now``, to choose from."""
    sign = 1 if match[1] == "+" else -1
    minutes = sign * (int(match[2]) * 60 + int(match[3] or 0))
    totals: dict[str, int] = {}
    for _, zones in gazetteer().countries.values():
        for zone, population in zones:
            offset = now.astimezone(ZoneInfo(zone)).utcoffset()
            if offset is not None and int(offset.total_seconds() // 60) == minutes:
                totals[zone] = totals.get(zone, 0) + population
    ordered = tuple(sorted(totals, key=lambda z: -totals[z]))[:MAX_SUGGESTIONS]
    return TimezoneMatch(None, ordered, confirm=bool(ordered))
