"""The pieces of a typed date: tokens with their spans, and what the grammar found (``Found``, ``Clock``).

Plain data and the tokenizer shared by ``when.py`` (the grammar), ``reading.py`` (its meaning) and
``splitting.py`` (date and label).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from bot.reminders.vocabulary import fold

_TOKEN = re.compile(
    r"(?P<iso>\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?=$|[^\d])(?:T\d{1,2}:\d{2})?)"
    r"|(?P<numeric>\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})(?!\d))"
    r"|(?P<clock>\d{1,2}(?:[:.]\d{2})?\s?(?:am|pm|a\.m\.|p\.m\.|a|p)(?![a-z]))"
    r"|(?P<pair>\d{1,2}[/.\-:h]\d{1,2}(?!\d))"
    r"|(?P<ordinal>\d{1,2}(?:st|nd|rd|th)(?![a-z]))"
    r"|(?P<number>\d+)"
    r"|(?P<word>[^\W\d_]+(?:['’][^\W\d_]+)*\.?)"
    r"|(?P<sym>\S)",
    re.IGNORECASE,
)
MERIDIEM = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s?(am|pm|a\.m\.|p\.m\.|a|p)$", re.IGNORECASE)


@dataclass(frozen=True)
class Token:
    """One piece of the text: its kind (the regex group), folded text and character span."""

    kind: str
    text: str  # folded: lowercase, no accents
    start: int
    end: int


@dataclass(frozen=True)
class Clock:
    """A time of day as typed: ``when`` is None for a part of day with no clock time ("morning")."""

    when: time | None
    valid: bool = True  # False for "25:61", "13pm"
    pm_guess: bool = False  # "at 3": read as 15:00, to be confirmed


@dataclass(frozen=True)
class Found:
    """A date phrase found in the text, as typed (``reading.py`` turns it into a calendar date).

    ``form`` is one of: ``ymd`` (year, month, day known), ``dm`` (numeric day/month, order unknown: ``a``
    and ``b`` as typed), ``day_month`` (named month), ``relative`` (``days`` from today), ``duration``
    (``days`` or ``months`` from today), ``weekday`` (``weekday`` with ``modifier``: "", "this", "next",
    "week" for "Friday week"), ``day_of_month`` ("the 14th"), ``next_week``, ``vague`` (a month alone,
    "next month"), ``time_only`` (a time and no day), ``past`` (``days`` ago).
    """

    form: str
    start: int  # token index range [start, end)
    end: int
    strength: int  # 3: calendar date or relative words; 2: weekday or "the 14th"; 1: needs context
    year: int | None = None
    month: int | None = None
    months: tuple[int, ...] = ()  # more than one: a misspelt month that could be either
    day: int | None = None
    a: int | None = None
    b: int | None = None
    days: int = 0
    delta_months: int = 0
    weekday: int | None = None
    modifier: str = ""
    weekday_prefix: int | None = None  # "Wednesday 14 March": checked against the date
    clock: Clock | None = None
    clock_tokens: tuple[int, int] | None = None  # a time found apart from the date ("12/10 dexa @ 2pm")


def tokenize(text: str, slang: re.Pattern[str] | None = None) -> list[Token]:
    """Cut text into tokens (folded) with their character spans in ``text``.

    ``slang`` matches words that start with a digit ("2moro", "2day"), which are words, not numbers.
    """
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        word = slang.match(text, position) if slang is not None else None
        match = word or _TOKEN.match(text, position)
        if match is None:
            position += 1
            continue
        tokens.append(Token("word" if word else (match.lastgroup or "sym"), fold(match.group()), match.start(), match.end()))
        position = match.end()
    return tokens
