"""Words and phrases of the safety catalogues: tokenising a message, clauses, and tolerant phrase matching.

Text is folded (``bot.knowledge.analyzer.fold``: lowercase, accents, curly quotes) and split into words
with apostrophes dropped, so "can't", "cant" and "Can’t" are one word, ``cant``. A phrase is a tuple of
words, a trailing ``*`` matching any ending; it matches its words in order with at most ``GAP`` other
words between neighbours ("chest hurts" matches "chest really hurts"). A word of 5+ letters that is not
an English word is also read as the catalogue word it misspells (one edit; two from 8 letters), using
rapidfuzz's Damerau-Levenshtein distance.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import DamerauLevenshtein

from bot.knowledge.analyzer import fold

GAP = 1  # other words allowed between two neighbouring words of a phrase
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_CLAUSE_END = re.compile(r"[.!?;:\n]+|\s[-–—]\s|,\s*(?=(?:and|so|then)\b)")
_ALIASES = {"cannot": "cant", "can't": "cant", "couldnt": "couldnt", "im": "im", "ive": "ive"}

Phrase = tuple[str, ...]


def words(text: str) -> list[str]:
    """Return the folded words of ``text``, apostrophes dropped ("Can't" -> "cant")."""
    out: list[str] = []
    for match in _WORD.finditer(fold(text)):
        word = match.group().replace("'", "").replace("’", "")
        out.append(_ALIASES.get(word, word))
    return out


def phrase(text: str) -> Phrase:
    """Return the phrase written as ``text`` (folded words; a trailing ``*`` is kept)."""
    star = text.rstrip().endswith("*")
    parts = words(text.rstrip().rstrip("*"))
    if star and parts:
        parts[-1] += "*"
    return tuple(parts)


def clauses(text: str) -> list[str]:
    """Return the clauses of a message: sentences, split again at " - " and ", and"/", so"."""
    return [part for part in _CLAUSE_END.split(text) if part and part.strip()]


def _matches(word: str, pattern: str) -> bool:
    if pattern.endswith("*"):
        return word.startswith(pattern[:-1])
    return word == pattern


@dataclass(frozen=True)
class Span:
    """Where a phrase matched: word positions ``start`` to ``end`` inclusive, and the words it used.

    ``used`` excludes the words a gap skipped: in "face isnt drooping" matched by "face drooping", the
    "isnt" is not part of the phrase, so it can still negate it.
    """

    start: int
    end: int
    used: frozenset[int] = frozenset()


class Tokens:
    """One clause as words, with each word's possible correction to a catalogue word."""

    def __init__(self, text: str, corrector: Corrector | None = None) -> None:
        """Split ``text``; ``corrector`` maps misspelt words onto the catalogue's vocabulary."""
        self.words = words(text)
        self.alternatives: list[tuple[str, ...]] = [
            (word, *(corrector.correct(word) if corrector else ())) for word in self.words
        ]
        # Every word (and correction) present: a phrase with a plain word absent here cannot match, which
        # rules out almost every phrase of a catalogue before any position is tried.
        self.present = frozenset(word for options in self.alternatives for word in options)
        self.at: dict[str, list[int]] = {}
        for position, options in enumerate(self.alternatives):
            for word in options:
                self.at.setdefault(word, []).append(position)

    def __len__(self) -> int:
        return len(self.words)

    def find(self, pattern: Phrase) -> Iterator[Span]:
        """Yield every match of a phrase (gaps of at most ``GAP`` words between its words)."""
        if not pattern or any(word not in self.present for word in pattern if not word.endswith("*")):
            return
        if pattern[0].endswith("*"):
            starts = [i for i, options in enumerate(self.alternatives) if any(_matches(w, pattern[0]) for w in options)]
        else:
            starts = self.at.get(pattern[0], [])
        for start in starts:
            used = self._rest(pattern, 1, (start,))
            if used is not None:
                yield Span(start, used[-1], frozenset(used))

    def _rest(self, pattern: Phrase, index: int, used: tuple[int, ...]) -> tuple[int, ...] | None:
        if index == len(pattern):
            return used
        previous = used[-1]
        for position in range(previous + 1, min(len(self.words), previous + 2 + GAP)):
            if any(_matches(word, pattern[index]) for word in self.alternatives[position]):
                found = self._rest(pattern, index + 1, (*used, position))
                if found is not None:
                    return found
        return None


class PhraseIndex:
    """Many phrases, found together: only phrases whose first word occurs in a clause are tried.

    A catalogue has a few thousand phrases and a clause a few dozen words, so indexing phrases by their
    first word (phrases starting with a ``*`` prefix are always tried) cuts the work a hundredfold.
    """

    def __init__(self, phrases: Iterable[Phrase]) -> None:
        """Index ``phrases`` by their first word."""
        self.by_first: dict[str, list[Phrase]] = {}
        self.wild: list[Phrase] = []
        for item in dict.fromkeys(phrases):
            if item[0].endswith("*"):
                self.wild.append(item)
            else:
                self.by_first.setdefault(item[0], []).append(item)

    def find_all(self, tokens: Tokens) -> dict[Phrase, list[Span]]:
        """Return every phrase that occurs in the clause, with its spans."""
        found: dict[Phrase, list[Span]] = {}
        candidates = [p for word in tokens.present for p in self.by_first.get(word, ())] + self.wild
        for candidate in candidates:
            if candidate not in found:
                spans = list(tokens.find(candidate))
                if spans:
                    found[candidate] = spans
        return found


class Corrector:
    """Read a misspelt word as the catalogue word it is closest to, if it is not a real word itself."""

    def __init__(self, vocabulary: Iterable[str], english: Collection[str]) -> None:
        """``vocabulary``: the catalogue's words; ``english``: real words that are never "corrected"."""
        self.english = english
        self.by_initial: dict[str, list[str]] = {}
        for word in {w for w in vocabulary if len(w) >= 5 and w.isalpha() and not w.endswith("*")}:
            self.by_initial.setdefault(word[0], []).append(word)
        self._cache: dict[str, tuple[str, ...]] = {}

    def correct(self, word: str) -> tuple[str, ...]:
        """Return the catalogue words ``word`` may be a misspelling of (usually none)."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        found: tuple[str, ...] = ()
        if len(word) >= 5 and word.isalpha() and word not in self.english:
            limit = 1 if len(word) < 8 else 2
            found = tuple(
                candidate
                for candidate in self.by_initial.get(word[0], ())
                if candidate != word
                and abs(len(candidate) - len(word)) <= limit
                and DamerauLevenshtein.distance(word, candidate, score_cutoff=limit) <= limit
            )
        if len(self._cache) < 50_000:
            self._cache[word] = found
        return found


def vocabulary(phrases: Iterable[Sequence[str]]) -> set[str]:
    """Return every word used by some phrases."""
    return {word for p in phrases for word in p}
