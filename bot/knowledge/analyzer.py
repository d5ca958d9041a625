"""The one text analyzer used for passages and queries alike (rank-bm25 does no preprocessing).

Pipeline: Unicode folding -> surface words (numbers, percentages, negative scores, hyphenated terms kept
together) -> synonym phrases rewritten to article words -> stop words dropped -> Snowball stemming.
Using the same pipeline on both sides is what makes "Arimidex", "adex" and "anastrozole" meet.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

# Greek letters carry meaning here (ERα, TNF-α): spell them out so "tnf alpha" matches "TNF-α".
_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "κ": "kappa"}
_FOLD = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "ʼ": "'",
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "−": "-",
        "‐": "-",
        "‑": "-",
        "∞": " ",  # the scraper's stand-in for a colon or dash between a term and its explanation
        "•": " ",
        **_GREEK,
    }
)
# "ExercisePhysical": the scraper glued a list term to its explanation where the "∞" was lost.
_GLUED = re.compile(r"(?<=[a-z]{3})(?=[A-Z][a-z])")
# A word: optional sign on numbers, digits with decimals/thousands, letters with inner hyphens/apostrophes.
_WORD = re.compile(r"(?<![a-z0-9])[+-]?\d+(?:[.,]\d+)*%?|[a-z0-9]+(?:['-][a-z0-9]+)*")
_MAX_TEXT = 20_000  # analysis cost must stay bounded whatever a user pastes


def fold(text: str) -> str:
    """Return text with Unicode compatibility forms, quotes, dashes and Greek letters folded, lowercased."""
    text = unicodedata.normalize("NFKC", text[:_MAX_TEXT]).translate(_FOLD)
    text = _GLUED.sub(" ", text)
    if not text.isascii():  # almost every message is plain ASCII: skip the per-character pass
        # Drop accents (oestrogène -> oestrogene) but keep the base letters.
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return text.casefold()


def surface_words(text: str) -> list[str]:
    """Split folded text into surface words; "1,410" -> "1410", "4.1%" -> "4.1", "-2.5" -> "-2.5", "2.5"."""
    words: list[str] = []
    for match in _WORD.finditer(fold(text)):
        word = match.group()
        if not (word[0].isdigit() or word[0] in "+-"):
            word = word.replace("'", "")
            words.append(_NUMBER_WORDS.get(word, word))
            continue
        number = word.rstrip("%").lstrip("+")
        if _THOUSANDS.fullmatch(number.lstrip("-")):
            number = number.replace(",", "")
        words.append(number)
        if number.startswith("-"):
            words.append(number[1:])  # a T-score of "-2.5" is also found by a patient typing "2.5"
    return words


# "after two years" and "after 2 years" must meet; "one" stays a word ("one of the most...").
_NUMBER_WORDS = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
    "ten": "10", "eleven": "11", "twelve": "12", "fifteen": "15", "twenty": "20",
}
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")


@lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


_STEMMER = snowballstemmer.stemmer("english")


def stem(word: str) -> str:
    """Return the Snowball stem of a surface word (numbers unchanged)."""
    if word[0].isdigit() or word[0] == "-":
        return word
    return _stem(word)


@dataclass(frozen=True)
class SynonymRule:
    """A surface phrase and the article words it stands for."""

    phrase: tuple[str, ...]
    replacement: tuple[str, ...]
    keep_original: bool  # patient phrases keep their own words and add the article words


def _share(rule: SynonymRule) -> float:
    """Return the query weight of each article word a synonym rule adds (see ``expand_weighted``)."""
    return float(1.0 / len(rule.replacement) ** 0.5)


class Analyzer:
    """Turn any text into BM25 terms; owns stop words, synonym rewriting and stemming."""

    def __init__(self, stop_words: Iterable[str], synonyms: Mapping[str, Sequence[str]]) -> None:
        """Build from stop words and a map canonical phrase -> variant phrases."""
        self.stop_words = frozenset(stop_words)
        self._rules: dict[str, list[SynonymRule]] = {}
        for canonical, variants in synonyms.items():
            replacement = tuple(self._plain_words(canonical))
            if len(replacement) > 1:
                # The canonical phrase maps to itself, so a variant that is its prefix ("testosterone
                # replacement") cannot cut it short by winning the longest-match.
                self._rules.setdefault(replacement[0], []).append(SynonymRule(replacement, replacement, False))
            for variant in variants:
                phrase = tuple(self._plain_words(variant))
                if not phrase or phrase == replacement:
                    continue
                # "bone scan" keeps its words (they mean something on their own); short abbreviations
                # such as "vit d" or "25 oh d" are replaced like a single word.
                keep = len(phrase) > 1 and any(len(word) > 3 for word in phrase)
                rule = SynonymRule(phrase, replacement, keep_original=keep)
                self._rules.setdefault(phrase[0], []).append(rule)
        for rules in self._rules.values():
            rules.sort(key=lambda rule: -len(rule.phrase))  # longest phrase wins
        self._vocabulary = frozenset(
            word for rules in self._rules.values() for rule in rules for word in (*rule.phrase, *rule.replacement)
        )

    def vocabulary(self) -> frozenset[str]:
        """Return every surface word the synonym table knows (so spelling never "corrects" them)."""
        return self._vocabulary

    @staticmethod
    def _plain_words(text: str) -> list[str]:
        words = surface_words(text)
        # A hyphenated word is also its parts, so "x-ray" == "x ray" inside phrases.
        return [part for word in words for part in (word.split("-") if "-" in word[1:] else [word]) if part]

    def expand(self, words: Sequence[str]) -> list[str]:
        """Return surface words with synonym phrases rewritten and hyphenated words split into parts.

        A hyphenated word counts as its parts for phrase matching ("x-ray" == "x ray") and also as one
        joined word ("t-score" -> "tscore"), added after the phrase pass so it cannot break a phrase.
        """
        return [word for word, _ in self.expand_weighted(words)]

    def expand_weighted(self, words: Sequence[str]) -> list[tuple[str, float]]:
        """Return ``expand``'s words, each with the share of one typed word it stands for.

        A word the user typed weighs 1; the N canonical words a synonym adds weigh 1/sqrt(N) each ("trt"
        -> testosterone, replacement, therapy: 0.58 each), so an abbreviation that expands to a long
        phrase does not outweigh the rest of the question (1/N under-weighed them on the eval sets).
        """
        flat: list[str] = []
        joined: list[str] = []
        for word in words:
            if "-" in word[1:] and not word[0].isdigit() and not word.startswith("-"):
                parts = [part for part in word.split("-") if part]
                flat.extend(parts)
                joined.append("".join(parts))
            else:
                flat.append(word)
        out: list[tuple[str, float]] = []
        i = 0
        while i < len(flat):
            rule = self._match(flat, i)
            if rule is None:
                out.append((flat[i], 1.0))
                i += 1
                continue
            if rule.keep_original:
                out.extend((word, 1.0) for word in flat[i : i + len(rule.phrase)])
            out.extend((word, _share(rule)) for word in rule.replacement)
            i += len(rule.phrase)
        for word in joined:
            rule = self._match([word], 0)
            if rule and len(rule.phrase) == 1:
                out.extend((part, _share(rule)) for part in rule.replacement)
            else:
                out.append((word, 1.0))
        return out

    def _match(self, words: Sequence[str], start: int) -> SynonymRule | None:
        for rule in self._rules.get(words[start], ()):
            end = start + len(rule.phrase)
            if tuple(words[start:end]) == rule.phrase:
                return rule
        return None

    def terms_from_words(self, words: Sequence[str]) -> list[str]:
        """Return stemmed terms from surface words (synonyms applied, stop words dropped)."""
        return [stem(word) for word in self.expand(words) if word not in self.stop_words]

    def query_terms(self, words: Sequence[str]) -> dict[str, float]:
        """Return a question's distinct terms with their weights (0..1; see ``expand_weighted``).

        A term said several times ("bone ... bones ... bone loss") still weighs at most one word: in a
        short question repetition is chatter, not emphasis.
        """
        weights: dict[str, float] = {}
        for word, weight in self.expand_weighted(words):
            if word not in self.stop_words:
                term = stem(word)
                weights[term] = min(1.0, weights.get(term, 0.0) + weight)
        return weights

    def analyze(self, text: str) -> list[str]:
        """Return the BM25 terms of a text."""
        return self.terms_from_words(surface_words(text))
