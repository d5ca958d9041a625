"""Splitting a typed line into its date (or the problem with it) and its label, verbatim.

Owns where the date is looked for (at the start, else the first unmistakable date later), which words
are the label (whatever is left, without the filler at its edges or the words that only ask for a
reminder), and the public ``split_date_label`` / ``parse_when`` every caller uses. Reading the date
itself is ``when.py`` (grammar) and ``reading.py`` (meaning).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.reminders.dates import DateProblem, ParsedWhen, Prefer, legacy_parse
from bot.reminders.reading import Now, Reader
from bot.reminders.tokens import Found, Token
from bot.reminders.when import Grammar, loose_clock
from bot.text import one_line

MAX_LINE = 200  # characters of a /remind line read at all


@dataclass(frozen=True)
class Split:
    """A typed line cut into its date (or the problem with it), its label, and whether it asked."""

    result: ParsedWhen | DateProblem
    label: str
    requested: bool  # it holds a phrase asking for a reminder ("remind me", "set a reminder")
    found: Found | None


def _phrase_spans(grammar: Grammar, toks: list[Token], phrases: frozenset[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    table = dict.fromkeys(phrases, True)
    i = 0
    while i < len(toks):
        hit = grammar.phrase(toks, i, table)
        if hit is not None:
            spans.append((i, hit[1]))
            i = hit[1]
        else:
            i += 1
    return spans


def _label(text: str, toks: list[Token], keep: list[bool], grammar: Grammar) -> str:
    """The kept tokens' text, verbatim (runs joined by a space), without filler at either edge."""
    runs: list[str] = []
    i = 0
    while i < len(toks):
        if not keep[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(toks) and keep[j + 1]:
            j += 1
        runs.append(text[toks[i].start:toks[j].end])
        i = j + 1
    label = " ".join(runs)
    v = grammar.v
    edges = dict.fromkeys(v.label_edges, True)
    leading = dict.fromkeys(v.label_leading | v.label_edges, True)
    for _ in range(12):  # strip edge words until none is left (bounded: each pass removes one)
        parts = grammar.tokenize(label)
        if not parts:
            return ""
        head = grammar.phrase(parts, 0, leading)
        if head is not None and head[1] < len(parts):
            label = label[parts[head[1]].start:]
            continue
        tail = next((n for n in range(1, min(4, len(parts)) + 1)
                     if " ".join(p.text for p in parts[-n:]) in edges), None)
        if tail is not None and tail < len(parts):
            label = label[:parts[-tail].start].rstrip()
            continue
        if len(parts) == 1 and (parts[0].text in edges or parts[0].kind == "sym"):
            return ""
        break
    return label.strip()


def split_line(
    text: str, grammar: Grammar, reader: Reader, *, strict: bool = False
) -> Split:
    """Find the date in ``text`` (at the start, else the first unmistakable one later) and the label.

    ``strict`` (plain chat messages): a weekday abbreviation that is also a word ("sat", "wed") or a
    bare "the 5" never counts alone; in a /remind line it does at the start.
    """
    toks = grammar.tokenize(text)
    if not toks:
        return Split(DateProblem("empty", ""), "", False, None)
    requests = _phrase_spans(grammar, toks, grammar.v.request_phrases)
    requested = any(" ".join(t.text for t in toks[a:b]) != "me" for a, b in requests)
    start = requests[0][1] if requests and requests[0][0] == 0 else 0
    found = grammar.match_at(toks, start) if start < len(toks) else None
    weak = found is None or found.form == "vague" or found.strength < (2 if strict else 1)
    if weak:
        later = None
        for i in range(start + 1, len(toks)):
            candidate = grammar.match_at(toks, i)
            if candidate is not None and candidate.strength >= 2 and candidate.form != "vague":
                later = candidate
                break
        if later is not None or (strict and found is not None and found.strength < 2):
            found = later
    if found is None:
        return Split(DateProblem("unparseable", text[:100]), "", requested, None)
    keep = [True] * len(toks)
    for i in range(found.start, found.end):
        keep[i] = False
    for a, b in requests:
        for i in range(a, b):
            keep[i] = False
    if found.clock is None:
        loose = loose_clock(grammar, toks, range(found.start, found.end))
        if loose is not None:
            clock, a, b = loose
            found = replace(found, clock=clock)
            for i in range(a, b):
                keep[i] = False
    date_text = text[toks[found.start].start:toks[found.end - 1].end]
    result = reader.read(found, date_text)
    return Split(result, _label(text, toks, keep, grammar), requested, found)


def split_date_label(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    date_order: str | None,
    grammar: Grammar,
    max_years_ahead: int = 5,
    prefer: Prefer = "future",
    strict: bool = False,
) -> tuple[ParsedWhen | DateProblem, str]:
    """Split "2027-03-14 DEXA scan" (or "DEXA scan on 14 March") into the date result and the label.

    Reference dates (``prefer="past"``) that the grammar cannot read are handed to dateparser
    ("3 months ago", "last spring" are past-only forms it knows well).
    """
    line = one_line(text)
    if not line:
        return DateProblem("empty", ""), ""
    if len(line) > MAX_LINE:
        return DateProblem("unparseable", line[:100]), ""
    reader = Reader(Now.of(now, tz), date_order, prefer, max_years_ahead)
    split = split_line(line, grammar, reader, strict=strict)
    if prefer == "past" and isinstance(split.result, DateProblem) and split.result.kind == "unparseable":
        return reader.check_range(legacy_parse(line, now=now, tz=tz, date_order=date_order, prefer=prefer)), ""
    return split.result, split.label


def parse_when(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    date_order: str | None,
    grammar: Grammar,
    max_years_ahead: int = 5,
    prefer: Prefer = "future",
) -> ParsedWhen | DateProblem:
    """Read ``text`` as a date (words around it, "14 March please", are ignored)."""
    result, _ = split_date_label(
        text, now=now, tz=tz, date_order=date_order, grammar=grammar, max_years_ahead=max_years_ahead, prefer=prefer
    )
    return result
