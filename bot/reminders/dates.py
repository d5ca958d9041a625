"""Reading the dates patients type ("14/03/2027", "next Friday", "tomorrow 9am") into a date and time.

This module owns the *results* of reading a date (:class:`ParsedWhen`, :class:`DateProblem` with a
problem code; the wording of every problem lives in ``knowledge/reminders.yaml``), the label rules and
the kind inferred from a label. Finding the date in a line is ``when.py`` (grammar) and ``reading.py``
(meaning); ``legacy_parse`` wraps ``dateparser`` for past reference dates the grammar does not cover.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser

from bot.text import one_line

ProblemKind = Literal[
    "empty", "unparseable", "no_day", "impossible", "bad_time", "ambiguous", "past", "too_far", "too_old"
]
Prefer = Literal["future", "past"]

MAX_LABEL = 80
MAX_DATE_WORDS = 6  # the longest date phrase tried when splitting "date + label" input
MAX_YEARS_AGO = 10  # for reference dates (last scan), which are in the past

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_TAIL = r"(?:[\sT,].*)?"
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TAIL, re.I)
_NUMERIC = re.compile(r"(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{2}|\d{4}))?" + _TAIL, re.I)
_DAY_MONTH = re.compile(r"(?:[a-z]+,?\s+)?" + _DAY + r"\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+(\d{4}))?" + _TAIL, re.I)
_MONTH_DAY = re.compile(r"(?:[a-z]+,?\s+)?" + _MONTH + r"\s+" + _DAY + r"(?:,?\s+(\d{4}))?" + _TAIL, re.I)
# Did the user give a time of day?  (dateparser fills in RELATIVE_BASE's time when they did not.)
_HAS_TIME = re.compile(
    r"\d{1,2}:\d{2}|\b\d{1,2}\s*(?:am|pm|a\.m\.|p\.m\.)|\bnoon\b|\bmidnight\b|\b(?:hours?|minutes?|mins?)\b", re.I
)
# Clock times the user typed, checked before dateparser sees them: it drops an impossible "25:61" and
# silently keeps RELATIVE_BASE's time of day instead.
# (Dotted "9.30" is left out: "31.12" is more likely a date than an impossible time.)
_CLOCK = re.compile(
    r"(?<![\d:])(\d{1,2}):(\d{2})(?![\d:])(?:\s*(am|pm|a\.m\.|p\.m\.))?|\b(\d{1,2})\s*(am|pm|a\.m\.|p\.m\.)", re.I
)
_BARE_AT_HOUR = re.compile(r"\bat\s+(\d{1,2})\b(?!\s*(?::|\.\d|am|pm|a\.m|p\.m))", re.I)
_DOT_TIME = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{2})(?![\d.])")
# "in 3 weeks" is precise even though dateparser calls its period a week; "next month" is not.
_RELATIVE = re.compile(r"^\s*in\s+\d+\s+\w+|\b\d+\s+(?:days?|weeks?|months?|years?)\b", re.I)


# Aliases: inside the dataclasses below, the field names "date" and "time" shadow the types.
_Date = date
_Time = time


@dataclass(frozen=True)
class ParsedWhen:
    """A date the user gave, in their timezone; ``time`` is None for an all-day event."""

    date: _Date
    time: _Time | None
    text: str  # the words that were read as the date
    date_order: str | None = None  # the order used for a numeric day/month, when that mattered


@dataclass(frozen=True)
class DateProblem:
    """Why a date could not be used; ``kind`` picks the message, the rest fills it in."""

    kind: ProblemKind
    text: str
    date: _Date | None = None  # the date read, for past / too_far / too_old
    candidates: tuple[_Date, ...] = ()  # for ambiguous: the readings to offer, DMY first
    orders: tuple[str, ...] = ()  # for ambiguous: "DMY" / "MDY", aligned with candidates
    time: _Time | None = None  # for ambiguous: the time of day, if one was given


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _year(text: str | None) -> int:
    if not text:
        return 2000  # a leap year: without a year, 29 February is possible
    value = int(text)
    return value + 2000 if value < 100 else value


def _numeric_orders(text: str) -> tuple[str, ...] | None:
    """For a leading numeric date, return the day/month orders that make a real date (None: not numeric)."""
    iso = _ISO.fullmatch(text)
    if iso:
        ok = _valid(int(iso[1]), int(iso[2]), int(iso[3]))
        return ("YMD",) if ok else ()
    numeric = _NUMERIC.fullmatch(text)
    if numeric:
        first, second, year = int(numeric[1]), int(numeric[2]), _year(numeric[3])
        orders = []
        if _valid(year, second, first):
            orders.append("DMY")
        if _valid(year, first, second):
            orders.append("MDY")
        return tuple(orders)
    return None


def _clock_valid(text: str) -> bool:
    """False when the text holds a time of day that does not exist ("25:61", "9:75", "13pm")."""
    for match in _CLOCK.finditer(text):
        hour = int(match[1] or match[4])
        minute = int(match[2] or 0)
        meridiem = match[3] or match[5]
        if minute > 59 or hour > (12 if meridiem else 23) or (meridiem and hour == 0):
            return False
    return True


def _named_month_valid(text: str) -> bool:
    """False only for a named-month date that does not exist ("31 February", "April 31")."""
    for pattern, day_group, month_group in ((_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)):
        match = pattern.fullmatch(text)
        if match:
            month = _MONTHS[match[month_group].lower().rstrip(".")]
            return _valid(_year(match[3]), month, int(match[day_group]))
    return True


def _normalise(text: str) -> str:
    text = _BARE_AT_HOUR.sub(lambda m: f"at {m[1]}:00", text)  # dateparser ignores "at 9"
    return _DOT_TIME.sub(lambda m: f"{m[1]}:{m[2]}", text)  # "9.30" -> "9:30"


def _dateparse(text: str, *, now: datetime, tz: ZoneInfo, order: str, prefer: Prefer) -> datetime | Literal["vague"] | None:
    settings = {
        "PREFER_DATES_FROM": prefer,
        "RELATIVE_BASE": now.astimezone(tz).replace(tzinfo=None),
        "DATE_ORDER": order,
        "TIMEZONE": tz.key,
        "TO_TIMEZONE": tz.key,
        "RETURN_AS_TIMEZONE_AWARE": True,
    }
    data = DateDataParser(languages=["en"], settings=settings).get_date_data(_normalise(text))
    if data.date_obj is None:
        return None
    # A month or year alone ("March", "next year") is not a day to be reminded on.
    if data.period not in {"day", "time"} and not _RELATIVE.search(text):
        return "vague"
    result: datetime = data.date_obj
    return result


def legacy_parse(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    date_order: str | None,
    prefer: Prefer = "past",
) -> ParsedWhen | DateProblem:
    """Read a whole text with dateparser (no range check): the fallback for past reference dates in
    forms the grammar of ``reading.py`` does not cover ("3 months ago", "last spring")."""
    text = one_line(text)
    if not text:
        return DateProblem("empty", text)
    if not _named_month_valid(text):
        return DateProblem("impossible", text)
    if not _clock_valid(_normalise(text)):
        return DateProblem("bad_time", text)
    orders = _numeric_orders(text)
    if orders == ():
        return DateProblem("impossible", text)
    order = date_order or "DMY"
    if orders not in (None, ("YMD",)) and order not in orders and orders:
        order = orders[0]
    parsed = _dateparse(text, now=now, tz=tz, order=order, prefer=prefer)
    if parsed == "vague":
        return DateProblem("no_day", text)
    if not isinstance(parsed, datetime):
        return DateProblem("unparseable", text)
    local = parsed.astimezone(tz)
    has_time = bool(_HAS_TIME.search(_normalise(text)))
    return ParsedWhen(local.date(), local.time().replace(second=0, microsecond=0) if has_time else None, text)


def clean_label(text: str) -> str | None:
    """Return the label stripped of control characters, or None if it is longer than ``MAX_LABEL``."""
    label = one_line(text)
    return label if len(label) <= MAX_LABEL else None


def infer_kind(label: str, keywords: dict[str, tuple[str, ...]]) -> str:
    """Return 'dexa', 'blood' or 'other' from the words of a label (keywords come from the YAML)."""
    lowered = f" {one_line(label).lower()} "
    for kind in ("dexa", "blood"):
        for word in keywords.get(kind, ()):
            if re.search(r"(?<!\w)" + re.escape(word.lower()) + r"(?!\w)", lowered):
                return kind
    return "other"
