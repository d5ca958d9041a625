"""Turning a date phrase into a calendar date relative to "now", and deciding when to ask.

Owns the *meaning* of the forms :mod:`bot.reminders.when` finds, each rule chosen so that a reminder is
never set for a day the person did not mean:

- a two-digit year is this century; a date without a year is its next occurrence; one that passed
  within the last month ("28 Nov" typed on 30 Nov) is confirmed rather than moved a year on silently;
- numeric dates follow the user's day/month order; when only the other order gives a real or a future
  date, that reading is used or confirmed; with no known order and two real readings, both are offered;
- "next Tuesday" while Tuesday is still to come this week (or is tomorrow) could mean either: both are
  offered; "Friday week" is confirmed; a weekday typed on that same day offers a week ahead and today;
- "the 14th" is the next 14th; a day this month lacks ("the 31st" in November) is confirmed;
- "in a month" from 31 August lands on 30 September and is confirmed; "next week" is confirmed;
- "tomorrow" typed between midnight and 4 am offers today (after sleep) and tomorrow;
- "at 3" is read as 15:00 and confirmed; "at 9" is 09:00;
- a weekday that contradicts the date ("Wednesday 14 March" on a Sunday) is confirmed, trusting the date;
- last year's date typed in early January offers this year's.

Problems (past, impossible, too far...) are :class:`~bot.reminders.dates.DateProblem`; "ambiguous" is
the one that asks, with the readings as ``candidates`` (most likely first).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.reminders.dates import MAX_YEARS_AGO, DateProblem, ParsedWhen, Prefer, ProblemKind, is_real_date
from bot.reminders.schedule import add_months
from bot.reminders.tokens import Found

MAX_LINE = 200  # characters of a /remind line read at all
RECENT_PAST = timedelta(days=31)  # a year-less date that passed this recently may be a slip: confirm
SMALL_HOURS_END = time(4, 0)  # "tomorrow" typed before this may mean the coming (same-date) day
JANUARY_SLIP_DAYS = 14  # early January: last year's date typed by habit...
SLIP_HORIZON = timedelta(days=183)  # ...for an appointment in the coming months


@dataclass(frozen=True)
class Now:
    """The moment of typing in the user's timezone."""

    today: date
    clock: time

    @classmethod
    def of(cls, now: datetime, tz: ZoneInfo) -> Now:
        """Return the local date and time of ``now`` in ``tz``."""
        local = now.astimezone(tz)
        return cls(local.date(), local.time().replace(tzinfo=None, second=0, microsecond=0))


def _ask(text: str, days: list[date], at: time | None, orders: tuple[str, ...] = ()) -> DateProblem:
    unique = list(dict.fromkeys(days))
    return DateProblem("ambiguous", text, candidates=tuple(unique), orders=orders or ("",) * len(unique), time=at)


class Reader:
    """Interpret :class:`Found` phrases for one moment, zone and date order."""

    def __init__(self, now: Now, date_order: str | None, prefer: Prefer, max_years_ahead: int) -> None:
        """Read relative to ``now``; ``prefer="past"`` for reference dates such as the last scan."""
        self.now, self.order, self.prefer, self.max_years_ahead = now, date_order, prefer, max_years_ahead

    # -- helpers ----------------------------------------------------------------------------------

    def _next_occurrence(self, month: int, day: int) -> date | None:
        """The next date (today or later) with this month and day; None if it never exists (30 Feb)."""
        today = self.now.today
        for year in range(today.year, today.year + 9):
            if is_real_date(year, month, day) and date(year, month, day) >= today:
                return date(year, month, day)
        return None

    def _last_occurrence(self, month: int, day: int) -> date | None:
        today = self.now.today
        for year in range(today.year, today.year - 9, -1):
            if is_real_date(year, month, day) and date(year, month, day) <= today:
                return date(year, month, day)
        return None

    def _year_less(self, text: str, month: int, day: int, at: time | None) -> ParsedWhen | DateProblem:
        if self.prefer == "past":
            last = self._last_occurrence(month, day)
            return ParsedWhen(last, at, text) if last else DateProblem("impossible", text)
        upcoming = self._next_occurrence(month, day)
        if upcoming is None:
            return DateProblem("impossible", text)
        this_year = date(self.now.today.year, month, day) if is_real_date(self.now.today.year, month, day) else None
        if this_year is not None and this_year < self.now.today and self.now.today - this_year <= RECENT_PAST:
            return _ask(text, [upcoming], at)  # passed days ago: a slip, or next year?
        if month == 2 and day == 29 and upcoming.year != self.now.today.year:
            return _ask(text, [upcoming], at)  # no year and no 29 February this year
        return ParsedWhen(upcoming, at, text)

    def _with_year(self, text: str, year: int, month: int, day: int, at: time | None) -> ParsedWhen | DateProblem:
        if not is_real_date(year, month, day):
            return DateProblem("impossible", text)
        when = date(year, month, day)
        today = self.now.today
        if (self.prefer == "future" and when < today and year == today.year - 1 and today.month == 1
                and today.day <= JANUARY_SLIP_DAYS and is_real_date(today.year, month, day)
                and timedelta(0) <= date(today.year, month, day) - today <= SLIP_HORIZON):
            return _ask(text, [date(today.year, month, day)], at)  # last year's number typed by habit
        return ParsedWhen(when, at, text)

    # -- the forms -------------------------------------------------------------------------------

    def _numeric(self, found: Found, text: str, at: time | None) -> ParsedWhen | DateProblem:
        a, b = found.a or 0, found.b or 0
        readings = {"DMY": (b, a), "MDY": (a, b)}  # order -> (month, day)
        year = found.year
        valid = [o for o, (m, d) in readings.items() if is_real_date(year or 2000, m, d)]
        if not valid:
            return DateProblem("impossible", text)
        preferred = self.order if self.order in valid else None
        if len(valid) == 1:
            preferred = valid[0]  # only one order makes a real date
        if year is None:
            dated = {o: self._next_occurrence(*readings[o]) for o in valid}
            if preferred is None:
                days = [d for o in valid if (d := dated[o]) is not None]
                if len(set(days)) == 1:
                    return ParsedWhen(days[0], at, text, valid[0])
                return DateProblem("ambiguous", text, candidates=tuple(days), orders=tuple(valid), time=at)
            other = next((o for o in valid if o != preferred), None)
            month, day = readings[preferred]
            this_year = date(self.now.today.year, month, day) if is_real_date(self.now.today.year, month, day) else None
            if this_year is not None and this_year < self.now.today and other is not None:
                other_day = readings[other]
                if is_real_date(self.now.today.year, *other_day) and date(self.now.today.year, *other_day) >= self.now.today:
                    first, second = dated[preferred], dated[other]
                    assert first is not None and second is not None
                    return DateProblem("ambiguous", text, candidates=(first, second), orders=(preferred, other), time=at)
            result = self._year_less(text, month, day, at)
            return ParsedWhen(result.date, at, text, preferred) if isinstance(result, ParsedWhen) else result
        if preferred is None:
            days = [date(year, *readings[o]) for o in valid]
            if len(set(days)) == 1:
                return ParsedWhen(days[0], at, text, valid[0])
            return DateProblem("ambiguous", text, candidates=tuple(days), orders=tuple(valid), time=at)
        chosen = date(year, *readings[preferred])
        other = next((o for o in valid if o != preferred), None)
        if chosen < self.now.today and other is not None and self.prefer == "future":
            alternative = date(year, *readings[other])
            if alternative >= self.now.today:
                return DateProblem("ambiguous", text, candidates=(alternative,), orders=(other,), time=at)
        return ParsedWhen(chosen, at, text, preferred)

    def _weekday(self, found: Found, text: str, at: time | None) -> ParsedWhen | DateProblem:
        today = self.now.today
        weekday = found.weekday if found.weekday is not None else 0
        ahead = (weekday - today.weekday()) % 7  # 0: today
        coming = today + timedelta(days=ahead)
        if found.modifier == "last" or self.prefer == "past":
            back = (today.weekday() - weekday) % 7 or 7
            return ParsedWhen(today - timedelta(days=back), at, text)
        if found.modifier == "week":  # "Friday week": a week after the coming Friday
            return _ask(text, [(coming if ahead else today) + timedelta(days=7)], at)
        if found.modifier == "next":
            if ahead == 0:
                return ParsedWhen(today + timedelta(days=7), at, text)
            same_week = today.weekday() + ahead <= 6
            if same_week or ahead == 1:
                return _ask(text, [coming + timedelta(days=7), coming], at)  # this week's, or the week after?
            return ParsedWhen(coming, at, text)
        if ahead == 0:
            if found.modifier == "this" and (at is None or at > self.now.clock):
                return ParsedWhen(today, at, text)
            return _ask(text, [today + timedelta(days=7), today], at)
        return ParsedWhen(coming, at, text)

    def _day_of_month(self, found: Found, text: str, at: time | None) -> ParsedWhen | DateProblem:
        today = self.now.today
        day = found.day or 1
        if self.prefer == "past":
            for back in range(0, 13):
                month_start = add_months(today.replace(day=1), -back)
                if day <= calendar.monthrange(month_start.year, month_start.month)[1]:
                    candidate = month_start.replace(day=day)
                    if candidate <= today:
                        return ParsedWhen(candidate, at, text)
            return DateProblem("impossible", text)
        if day == today.day:
            return _ask(text, [add_months(today, 1) if add_months(today, 1).day == day else today, today], at)
        for forward in range(0, 13):
            month_start = add_months(today.replace(day=1), forward)
            if day <= calendar.monthrange(month_start.year, month_start.month)[1]:
                candidate = month_start.replace(day=day)
                if candidate > today:
                    skipped = forward > 0 and day > calendar.monthrange(today.year, today.month)[1] and day > today.day
                    return _ask(text, [candidate], at) if skipped else ParsedWhen(candidate, at, text)
        return DateProblem("impossible", text)

    def read(self, found: Found, text: str) -> ParsedWhen | DateProblem:
        """Return the date ``found`` means, or the problem / the question to ask about it."""
        clock = found.clock
        if clock is not None and not clock.valid:
            return DateProblem("bad_time", text)
        at = clock.when if clock is not None else None
        today = self.now.today
        result: ParsedWhen | DateProblem
        if found.form == "ymd":
            result = self._with_year(text, found.year or 0, found.month or 0, found.day or 0, at)
        elif found.form == "dm":
            result = self._numeric(found, text, at)
        elif found.form == "day_month":
            months = found.months or ((found.month or 1),)
            readings = [
                self._with_year(text, found.year, m, found.day or 1, at) if found.year
                else self._year_less(text, m, found.day or 1, at)
                for m in months
            ]
            dates = [r.date for r in readings if isinstance(r, ParsedWhen)]
            # A misspelling one edit from two months ("mau": May or March?) asks which.
            result = _ask(text, dates, at) if len(months) > 1 and dates else readings[0]
        elif found.form == "relative":
            day = today + timedelta(days=found.days)
            if found.days == 1 and self.now.clock < SMALL_HOURS_END:
                result = _ask(text, [today, day], at)  # at 1 am "tomorrow" often means the coming day
            else:
                result = ParsedWhen(day, at, text)
        elif found.form == "past":
            result = ParsedWhen(today - timedelta(days=found.days), at, text)
        elif found.form == "duration":
            if found.delta_months:
                moved = add_months(today, found.delta_months)
                clamped = moved.day != today.day
                result = _ask(text, [moved], at) if clamped else ParsedWhen(moved, at, text)
            else:
                result = ParsedWhen(today + timedelta(days=found.days), at, text)
        elif found.form == "weekday":
            result = self._weekday(found, text, at)
        elif found.form == "day_of_month":
            result = self._day_of_month(found, text, at)
        elif found.form == "next_week":
            result = _ask(text, [today + timedelta(days=7)], at)
        elif found.form == "time_only":
            if at is None:
                return DateProblem("no_day", text)
            day = today if at > self.now.clock else today + timedelta(days=1)
            result = _ask(text, [day], at)
        else:
            return DateProblem("no_day", text)
        if isinstance(result, ParsedWhen):
            if found.weekday_prefix is not None and result.date.weekday() != found.weekday_prefix:
                result = _ask(text, [result.date], at)  # "Wednesday 14 March" but the 14th is a Sunday
            elif clock is not None and clock.pm_guess:
                result = _ask(text, [result.date], at)  # "at 3": 15:00, most likely; ask
        return self.check_range(result)

    def check_range(self, result: ParsedWhen | DateProblem) -> ParsedWhen | DateProblem:
        """Refuse a date in the past (or too long ago), or more than ``max_years_ahead`` ahead."""
        if isinstance(result, DateProblem):
            if result.kind != "ambiguous":
                return result
            kept = [d for d in result.candidates if self._in_range(d, result.time) is None]
            if not kept:
                problem = self._in_range(result.candidates[0], result.time)
                assert problem is not None
                return DateProblem(problem, result.text, date=result.candidates[0])
            orders = tuple(o for d, o in zip(result.candidates, result.orders, strict=True) if d in kept)
            if len(result.candidates) > 1 and len(kept) == 1:  # only one reading is still ahead: that one
                return ParsedWhen(kept[0], result.time, result.text, orders[0] or None)
            return DateProblem("ambiguous", result.text, candidates=tuple(kept), orders=orders, time=result.time)
        problem = self._in_range(result.date, result.time)
        return DateProblem(problem, result.text, date=result.date) if problem else result

    def _in_range(self, day: date, at: time | None) -> ProblemKind | None:
        today = self.now.today
        if day > add_months(today, 12 * self.max_years_ahead):
            return "too_far"
        if self.prefer == "past":
            return "too_old" if day < add_months(today, -12 * MAX_YEARS_AGO) else None
        if day < today or (day == today and at is not None and at <= self.now.clock):
            return "past"
        return None
