"""Finding the date (and time) in what a patient typed, and what is left as the label.

Owns the date *grammar*: the text is cut into tokens; the date is looked for first at the start ("14
March DEXA"), then later in the text ("DEXA on 14 March") where only an unmistakable date counts; its
tokens are removed and whatever is left is the label, verbatim. The label never changes the date
(dateparser, given the whole line, reads "D scan" as December and "second scan" as a time). The forms
read are those the bot promises (ISO, "14 March", "March 14 2027", "14/03/2027", "next Friday", "in 3
weeks", "tomorrow 9am", "14 March at 8:30", "the 14th", "@ 2pm", "tmrw"); the words come from
``knowledge/dates.yaml`` (:mod:`bot.reminders.vocabulary`).

The result is a :class:`Found`: the parts as typed, not yet a calendar date. ``reading.py`` turns it
into a date relative to "now", and decides when to ask rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import time
from typing import TypeVar

from rapidfuzz.distance import OSA

from bot.reminders.tokens import MERIDIEM, Clock, Found, Token, tokenize
from bot.reminders.vocabulary import DateVocabulary

T = TypeVar("T")
FUZZY_MIN = 4  # a word this long or longer may be a misspelt month (one edit away), unless it is English


def _year(text: str) -> int:
    value = int(text)
    return 2000 + value if value < 100 else value  # a two-digit year is this century


class Grammar:
    """Match date phrases over tokens with one vocabulary."""

    def __init__(self, vocabulary: DateVocabulary) -> None:
        """Use ``vocabulary`` for every word."""
        self.v = vocabulary
        self._max_phrase = vocabulary.longest_phrase
        self._fillers: dict[str, object] = dict.fromkeys(vocabulary.fillers, True)
        digit_words = sorted({w for key in (*vocabulary.relative_days, *vocabulary.past_days) for w in key.split()
                              if w[0].isdigit() and not re.fullmatch(r"\d+(?:st|nd|rd|th|am|pm|h)?", w)},
                             key=len, reverse=True)
        self._slang = re.compile("(?:" + "|".join(map(re.escape, digit_words)) + r")(?![\w])", re.I) if digit_words else None

    def tokenize(self, text: str) -> list[Token]:
        """Cut ``text`` into tokens, reading "2moro"-style words as words."""
        return tokenize(text, self._slang)

    # -- small readers: each returns (value, next index) or None --------------------------------

    def phrase(self, toks: list[Token], i: int, table: Mapping[str, T]) -> tuple[T, int] | None:
        """Longest multi-word key of ``table`` starting at token ``i``."""
        for n in range(min(self._max_phrase, len(toks) - i), 0, -1):
            key = " ".join(t.text.rstrip(".") if t.kind == "word" else t.text for t in toks[i:i + n])
            if key in table:
                return table[key], i + n
        return None

    def _month(self, tok: Token, *, day_first: bool = False) -> tuple[int, ...]:
        """The month(s) a word names: exact, or one edit from a month name when it is not English.

        ``day_first``: right after a day number ("14 mars"), where another language's month name that
        is also an English word ("mars") is read as the month; elsewhere it stays a word.
        """
        if tok.kind != "word":
            return ()
        word = tok.text.rstrip(".")
        if word in self.v.months:
            return (self.v.months[word],)
        if day_first and word in self.v.shared_months:
            return (self.v.shared_months[word],)
        if len(word) < FUZZY_MIN - 1 or word in self.v.english_words or not word.isalpha():
            return ()
        limit = 1 if len(word) < 8 else 2
        best: dict[int, int] = {}
        for name, number in self.v.months.items():
            if len(name) < FUZZY_MIN - 1 or abs(len(name) - len(word)) > limit:
                continue
            distance = OSA.distance(word, name, score_cutoff=limit)
            if distance <= limit and (len(word) >= FUZZY_MIN or len(name) == len(word)):
                best[number] = min(distance, best.get(number, limit + 1))
        if not best:
            return ()
        nearest = min(best.values())
        return tuple(sorted(n for n, d in best.items() if d == nearest))

    def _weekday(self, tok: Token) -> int | None:
        if tok.kind != "word":
            return None
        return self.v.weekdays.get(tok.text.rstrip("."))

    def _skip(self, toks: list[Token], i: int) -> int:
        """Skip filler words ("on", "the", "of", ",") at ``i``."""
        while i < len(toks):
            hit = self.phrase(toks, i, self._fillers)
            if hit is None:
                return i
            i = hit[1]
        return i

    def _day_number(self, toks: list[Token], i: int) -> tuple[int, int] | None:
        """A day of the month: "14", "14th", "14." (German)."""
        if i >= len(toks) or toks[i].kind not in ("number", "ordinal"):
            return None
        value = int(re.match(r"\d+", toks[i].text).group())  # type: ignore[union-attr]
        if not 1 <= value <= 31 or (toks[i].kind == "number" and len(toks[i].text) > 2):
            return None
        j = i + 1
        if j < len(toks) and toks[j].text == "." and toks[i].kind == "number":
            j += 1
        return value, j

    def _year_at(self, toks: list[Token], i: int) -> tuple[int, int] | None:
        j = i + 1 if i < len(toks) and toks[i].text in (",", "-", "/") else i
        if j < len(toks) and toks[j].kind == "number" and len(toks[j].text) == 4 and toks[j].text[:2] in ("19", "20"):
            return int(toks[j].text), j + 1
        if j < len(toks) and toks[j].kind == "sym" and toks[j].text in ("'", "’") and j + 1 < len(toks):
            nxt = toks[j + 1]
            if nxt.kind == "number" and len(nxt.text) == 2:
                return _year(nxt.text), j + 2
        return None

    # -- times ----------------------------------------------------------------------------------

    def clock_at(self, toks: list[Token], i: int, *, after_date: bool) -> tuple[Clock, int] | None:
        """A time of day at ``i``: "9am", "at 9:30", "@ 2", "14h30", "noon", "half nine", "0930"."""
        j = i
        marked = j < len(toks) and toks[j].text in ("at", "@", "by", "from")
        if marked:
            j += 1
        if j >= len(toks):
            return None
        tok = toks[j]
        found: tuple[Clock, int] | None = None
        if tok.kind == "clock":
            found = self._meridiem(tok.text), j + 1
        elif tok.kind == "pair" and (":" in tok.text or "h" in tok.text or ("." in tok.text and (marked or after_date))):
            hour, minute = (int(x) for x in re.split(r"[:.h]", tok.text))
            if not (hour < 24 and minute < 60):
                found = Clock(None, valid=False), j + 1
            elif 1 <= hour <= 7 and not tok.text.startswith("0") and not (
                j + 1 < len(toks) and toks[j + 1].text.rstrip(".") in ("am", "a.m", "a")
            ):
                # "2.30" with no am/pm (and no leading zero, which says a 24-hour clock): like "at 3",
                # most likely the afternoon; confirmed, never assumed.
                found = Clock(time(hour + 12, minute), pm_guess=True), j + 1
            else:
                found = Clock(time(hour, minute)), j + 1
        elif tok.kind == "number" and len(tok.text) == 4 and after_date and tok.text[:2] not in ("19", "20"):
            hour, minute = int(tok.text[:2]), int(tok.text[2:])
            if hour < 24 and minute < 60:
                found = Clock(time(hour, minute)), j + 1
        elif tok.kind == "number" and marked and len(tok.text) <= 2:
            found = self._bare_hour(int(tok.text)), j + 1
        elif tok.text == "half" and j + 1 < len(toks):
            spoken = self._hour_word(toks[j + 1])
            if spoken is not None and 1 <= spoken <= 12:
                # "half nine" is half past nine (British usage); 1-7 read as afternoon.
                base = self._bare_hour(spoken)
                assert base.when is not None
                found = Clock(base.when.replace(minute=30), pm_guess=base.pm_guess), j + 2
        else:
            phrase = self.phrase(toks, j, self.v.day_times)
            if phrase is not None:
                value, end = phrase
                found = Clock(value if isinstance(value, time) else None), end
        if found is None:
            return None
        clock, end = found
        while end < len(toks) and toks[end].text.rstrip(".") in self.v.time_suffixes:
            end += 1
        if clock.when is not None:
            part = self.phrase(toks, end, self.v.day_times)  # "8:30 in the morning": part of the time
            if part is not None and part[0] is None:
                end = part[1]
        return clock, end

    def _hour_word(self, tok: Token) -> int | None:
        if tok.kind == "number" and len(tok.text) <= 2:
            return int(tok.text)
        value = self.v.numbers.get(tok.text)
        return value if tok.kind == "word" and value is not None else None

    @staticmethod
    def _bare_hour(hour: int) -> Clock:
        """ "at 9" is 09:00; "at 3" is most likely 15:00 (clinics keep daytime hours) but is confirmed."""
        if hour > 23:
            return Clock(None, valid=False)
        if 8 <= hour <= 12 or hour >= 13 or hour == 0:
            return Clock(time(hour % 24, 0))
        return Clock(time(hour + 12, 0), pm_guess=True)

    @staticmethod
    def _meridiem(text: str) -> Clock:
        match = MERIDIEM.match(text.replace(" ", ""))
        if match is None:
            return Clock(None, valid=False)
        hour, minute = int(match[1]), int(match[2] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            return Clock(None, valid=False)
        pm = match[3].startswith("p")
        return Clock(time(hour % 12 + (12 if pm else 0), minute))

    # -- the date forms -------------------------------------------------------------------------

    def _calendar(self, toks: list[Token], i: int) -> Found | None:
        """ISO, numeric, day + month name, month name + day (with or without a year)."""
        tok = toks[i]
        if tok.kind == "iso":
            day_part, _, time_part = tok.text.partition("t")
            parts = re.split(r"[-/.]", day_part)
            clock = None
            if time_part:
                hour, minute = (int(x) for x in time_part.split(":"))
                clock = Clock(time(hour, minute) if hour < 24 and minute < 60 else None, hour < 24 and minute < 60)
            return Found("ymd", i, i + 1, 3, year=int(parts[0]), month=int(parts[1]), day=int(parts[2]), clock=clock)
        if tok.kind == "numeric":
            a, b, y = re.split(r"[/.\-]", tok.text)
            return Found("dm", i, i + 1, 3, a=int(a), b=int(b), year=_year(y))
        if tok.kind == "pair" and re.fullmatch(r"\d{1,2}[/.\-]\d{1,2}", tok.text):
            a, b = re.split(r"[/.\-]", tok.text)
            if int(a) <= 31 and int(b) <= 31 and int(a) and int(b):
                return Found("dm", i, i + 1, 3, a=int(a), b=int(b))
        day = self._day_number(toks, i)
        if day is not None:
            j = day[1]
            dashed = j < len(toks) and toks[j].text in ("-", "/") and toks[j].start == toks[j - 1].end
            if j < len(toks) and (toks[j].text == "of" or dashed):
                j += 1  # "14th of March", "14-mar-2027"
            months = self._month(toks[j], day_first=True) if j < len(toks) else ()
            if months:
                found = Found("day_month", i, j + 1, 3, month=months[0], months=months, day=day[0])
                year = self._year_at(toks, j + 1)
                return replace(found, year=year[0], end=year[1]) if year else found
        months = self._month(tok)
        if months:
            j = i + 1
            if j < len(toks) and toks[j].text == "the":
                j += 1
            day = self._day_number(toks, j)
            if day is not None and not (j < len(toks) and toks[j].kind == "number" and len(toks[j].text) == 4):
                found = Found("day_month", i, day[1], 3, month=months[0], months=months, day=day[0])
                year = self._year_at(toks, day[1])
                return replace(found, year=year[0], end=year[1]) if year else found
            return Found("vague", i, i + 1, 1, month=months[0])  # "March" alone names no day
        return None

    def _relative(self, toks: list[Token], i: int) -> Found | None:
        """Relative days ("tmrw"), durations ("in 3 weeks", "in a fortnight"), "next week"."""
        hit = self.phrase(toks, i, self.v.relative_days)
        if hit is not None:
            return Found("relative", i, hit[1], 3, days=hit[0])
        hit = self.phrase(toks, i, self.v.past_days)
        if hit is not None:
            return Found("past", i, hit[1], 3, days=hit[0])
        j = i + 1 if toks[i].text == "in" else i
        count: int | None = None
        if j < len(toks) and toks[j].kind == "number" and len(toks[j].text) <= 3:
            count, j = int(toks[j].text), j + 1
        else:
            number = self.phrase(toks, j, self.v.numbers) if j < len(toks) else None
            if number is not None:
                count, j = number
        if count is not None and j < len(toks) and toks[j].text.rstrip(".") in self.v.units:
            unit = self.v.units[toks[j].text.rstrip(".")]
            end = j + 1
            tail = [t.text for t in toks[end:end + 2]]
            sign = -1 if tail[:1] == ["ago"] else 1
            explicit = toks[i].text == "in" or tail[:1] in (["time"], ["later"], ["ago"]) or tail in (
                ["from", "now"], ["from", "today"])
            if tail[:1] in (["time"], ["later"], ["ago"]):
                end += 1
            elif tail in (["from", "now"], ["from", "today"]):
                end += 2
            if explicit:
                return Found("duration", i, end, 3, days=sign * unit.days * count, delta_months=sign * unit.months * count)
        if toks[i].text in ("next", "nxt") and i + 1 < len(toks):
            word = toks[i + 1].text
            if word in ("week", "wk"):
                return Found("next_week", i, i + 2, 2)
            if word in ("month", "year", "mth"):
                return Found("vague", i, i + 2, 2)
        return None

    def _weekday_form(self, toks: list[Token], i: int) -> Found | None:
        """ "friday", "this fri", "next thurs", "on weds", "friday week"."""
        modifier = ""
        j = i
        if toks[j].text in ("this", "next", "nxt", "coming", "last"):
            modifier = {"nxt": "next", "coming": "this"}.get(toks[j].text, toks[j].text)
            j += 1
        if j >= len(toks):
            return None
        weekday = self._weekday(toks[j])
        if weekday is None:
            return None
        end = j + 1
        if end < len(toks) and toks[end].text == "week" and not modifier:
            modifier, end = "week", end + 1
        word = toks[j].text.rstrip(".")
        strength = 2 if modifier or word not in self.v.context_only else 1
        return Found("weekday", i, end, strength, weekday=weekday, modifier=modifier)

    def _day_of_month(self, toks: list[Token], i: int) -> Found | None:
        """ "the 14th", "on the 1st", "31st", "the 30th"."""
        j = i + 1 if toks[i].text == "the" else i
        if j < len(toks) and toks[j].kind == "ordinal":
            day = int(re.match(r"\d+", toks[j].text).group())  # type: ignore[union-attr]
            if 1 <= day <= 31:
                return Found("day_of_month", i, j + 1, 2, day=day)
        if j > i and j < len(toks) and toks[j].kind == "number" and len(toks[j].text) <= 2 and 1 <= int(toks[j].text) <= 31:
            return Found("day_of_month", i, j + 1, 1, day=int(toks[j].text))
        return None

    def _core(self, toks: list[Token], i: int) -> Found | None:
        for reader in (self._calendar, self._relative, self._weekday_form, self._day_of_month):
            found = reader(toks, i)
            if found is not None:
                return found
        return None

    def match_at(self, toks: list[Token], i: int) -> Found | None:
        """The longest date phrase starting at token ``i`` (fillers, weekday, date, time), or None."""
        start = i
        lead = self.clock_at(toks, i, after_date=False)
        lead_clock = None
        if lead is not None and lead[0].when is not None:  # "9am tomorrow", "half nine on friday"
            lead_clock, i = lead[0], self._skip(toks, lead[1])
        j = self._skip(toks, i)
        if j >= len(toks):
            return None
        found = self._core(toks, j)
        if found is not None and found.form == "weekday" and not found.modifier:
            # "Wednesday 14 March" / "wed 14/03": the weekday introduces a calendar date.
            after = self._skip(toks, found.end)
            calendar = self._calendar(toks, after) if after < len(toks) else None
            if calendar is not None and calendar.form in ("ymd", "dm", "day_month"):
                found = replace(calendar, weekday_prefix=found.weekday)
            elif after < len(toks):
                dom = self._day_of_month(toks, after)
                if dom is not None and toks[after].kind == "ordinal":
                    found = replace(dom, strength=2, weekday_prefix=found.weekday)
        if found is None:
            if lead_clock is not None:
                return Found("time_only", start, i, 2, clock=lead_clock)
            clock = self.clock_at(toks, j, after_date=False)
            if clock is not None and (toks[j].kind == "clock" or toks[j].text in ("at", "@")) and clock[0].when:
                return Found("time_only", start, clock[1], 2, clock=clock[0])
            return None
        found = replace(found, start=start)
        if found.clock is None:
            after = found.end + 1 if found.end < len(toks) and toks[found.end].text in (",", "-") else found.end
            trailing = self.clock_at(toks, after, after_date=True)
            if trailing is not None:
                found = replace(found, clock=trailing[0], end=trailing[1])
                if found.form == "weekday" and found.strength == 1:
                    found = replace(found, strength=2)  # "sat 10am" is a day, not a word of the label
        if lead_clock is not None:
            found = replace(found, clock=lead_clock)
        return found


def loose_clock(grammar: Grammar, toks: list[Token], taken: range) -> tuple[Clock, int, int] | None:
    """A time stated apart from the date ("12/10 dexa @ 2pm", "bloods w/ dr smith at 10:30").

    Only explicit clock times count: a time with am/pm or a colon, or a number after "at" / "@".
    """
    for i in range(len(toks)):
        if i in taken:
            continue
        tok = toks[i]
        if not (tok.kind == "clock" or (tok.kind == "pair" and (":" in tok.text or "h" in tok.text))
                or tok.text in ("at", "@")):
            continue
        found = grammar.clock_at(toks, i, after_date=tok.text in ("at", "@"))
        if found is not None and found[0].when is not None and not any(k in taken for k in range(i, found[1])):
            return found[0], i, found[1]
    return None
