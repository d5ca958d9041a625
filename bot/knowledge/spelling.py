"""Spelling correction of query words against the words the knowledge actually contains.

Known words are bucketed by first letter and filtered by length, so a typo is compared with a few dozen
candidates using the Damerau-Levenshtein (optimal string alignment) distance of rapidfuzz, in C
(transpositions count as one edit).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache

from rapidfuzz.distance import OSA


def damerau_levenshtein(a: str, b: str, limit: int | None = None) -> int:
    """Return the optimal-string-alignment distance (insert, delete, substitute, swap neighbours).

    rapidfuzz computes it in C. With ``limit``, any distance above it is returned as ``limit + 1``.
    """
    if limit is None:
        return int(OSA.distance(a, b))
    return int(OSA.distance(a, b, score_cutoff=limit))


def _bigrams(word: str) -> frozenset[str]:
    return frozenset(word[i : i + 2] for i in range(len(word) - 1))


def max_distance(word: str) -> int:
    """Return how many edits a word of this length may be corrected by (short words: none)."""
    if len(word) < 5:
        return 0  # "flu", "dose", "hip": too short to tell a typo from a different word
    return 1 if len(word) < 8 else 2


class SpellingCorrector:
    """Correct unknown words to the nearest known word, preferring frequent words on ties."""

    def __init__(
        self,
        word_counts: Counter[str],
        extra_words: Iterable[str] = (),
        normalise: Callable[[str], str] = lambda word: word,
    ) -> None:
        """Index corpus words with their frequencies; ``extra_words`` are known but never suggested.

        ``normalise`` (the stemmer) lets "months" count as known when the corpus only has "month".
        """
        self.counts = word_counts
        self.known = set(word_counts) | set(extra_words)
        self.normalise = normalise
        self.known_forms = {normalise(word) for word in self.known if word.isalpha()}
        # Candidates bucketed by first letter: typos rarely change it ("dough" never becomes "cough"),
        # and a bucket is small enough to compare with directly (a few hundred words at most).
        self._by_initial: dict[str, list[tuple[str, frozenset[str]]]] = {}
        for word in word_counts:
            if word.isalpha() and len(word) >= 4:
                self._by_initial.setdefault(word[0], []).append((word, _bigrams(word)))

    @lru_cache(maxsize=4096)  # noqa: B019 - one corrector per loaded knowledge, kept for the process
    def correct(self, word: str) -> str | None:
        """Return the correction of an unknown alphabetic word, or None when none is close enough."""
        if word in self.known or not word.isalpha() or self.normalise(word) in self.known_forms:
            return None
        limit = max_distance(word)
        if limit == 0:
            return None
        best: tuple[int, int, str] | None = None
        grams = _bigrams(word)
        for candidate, candidate_grams in self._by_initial.get(word[0], ()):
            if abs(len(candidate) - len(word)) > limit:
                continue
            # One edit changes at most three letter pairs, so words sharing too few pairs are skipped
            # without computing a distance (a C-speed set operation instead of a Python loop).
            if len(grams & candidate_grams) < max(len(grams), len(candidate_grams)) - 3 * limit:
                continue
            distance = damerau_levenshtein(word, candidate, limit)
            if distance > limit:
                continue
            key = (distance, -self.counts[candidate], candidate)
            if best is None or key < best:
                best = key
        return None if best is None else best[2]
