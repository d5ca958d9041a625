"""The curated glossary: loading and validating knowledge/glossary.yaml, and tolerant term lookup.

Owns the rules for matching what a patient types after /glossary to an entry (case, punctuation,
plurals, hyphens, British spellings, aliases, typos, a term inside a short phrase), the A–Z browser,
and finding glossary terms in an answer's text so the channel can offer definition buttons.
All indexes are built once at load, so a lookup is a few dictionary probes (well under 1 ms).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import snowballstemmer

from bot.errors import KnowledgeError
from bot.knowledge.spelling import damerau_levenshtein
from bot.models import Definition, GlossaryEntry, GlossaryResult
from bot.yamlfile import read_knowledge_yaml

MAX_QUERY_CHARS = 100  # longer input is not a term; refuse it before any work
MAX_WORDS = 10  # the longest form has 7 words once stopwords are dropped
MAX_WORD_CHARS = 40  # no term has a longer word; longer "words" are noise
MAX_SUGGESTIONS = 3
# Pasted HTML tags (<b>...</b>, <br/>) are not part of the term; other angle brackets are just
# punctuation around it ("<osteo&penia>" still means osteopenia, and is echoed as typed).
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]{0,10}(?:\s[^<>]{0,40})?/?>")
_BRACKETS = re.compile(r"[<>]")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SOURCE = re.compile(r"^[0-9]{3}$")
_ENTRY_KEYS = frozenset({"id", "term", "aliases", "definition", "alternatives", "from_body", "generic"})
_STEMMER = snowballstemmer.stemmer("english")
_NON_WORD = re.compile(r"[\W_]+")
# Simple British -> American folds. A fold is an extra spelling tried next to the word as typed, never a
# replacement: "oe" -> "e" turns "oestrogen" into "estrogen" but would also turn the typo "boen" into "ben".
_BRITISH = (
    (re.compile(r"oe|ae"), "e"),
    (re.compile(r"is(ation|e|ed|es|ing)$"), r"iz\1"),
    (re.compile(r"ll(ing|ed)$"), r"l\1"),
    (re.compile(r"our$"), "or"),
)
# fmt: off
_STOPWORDS = frozenset({"a", "an", "the", "of", "and", "in", "on", "for", "to", "or"})
# Question wrappers patients put around a term ("what is osteopenia?", "BMD meaning").
_LEADING = frozenset({"what", "whats", "is", "are", "does", "do", "define", "definition", "meaning",
                      "explain", "tell", "me", "about", "mean"})
_TRAILING = frozenset({"mean", "means", "meaning", "definition", "stand", "stands", "for"})
# Stems too vague to identify an entry on their own in a partial match ("bone" fits a dozen entries).
_VAGUE = frozenset({"bone", "level", "health", "therapi", "women", "men", "scan", "risk", "activ", "function",
                    "system", "marker", "cell", "type", "test", "treatment", "high", "low"})
# fmt: on


def _max_edits(length: int, relaxed: bool = False) -> int:
    """Typos tolerated in a word: none in short words, which collide too easily ("bone", "tone"), unless
    ``relaxed`` (another word of the query is known), then one in a 3-4 letter word."""
    if length <= 4:
        return 1 if relaxed and length >= 3 else 0
    return 1 if length <= 9 else 2


def _words(text: str) -> list[str]:
    """Fold case, accents and punctuation; return the words, without stopwords."""
    text = unicodedata.normalize("NFKD", text.casefold().replace("'", "").replace("’", ""))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return [w for w in _NON_WORD.sub(" ", text).split() if w not in _STOPWORDS]


def _british(word: str) -> str:
    for pattern, repl in _BRITISH:
        word = pattern.sub(repl, word)
    return word


def _stem(word: str) -> str:
    stem: str = _STEMMER.stemWord(word)
    # Snowball keeps the s of vowel-less abbreviations ("btms"); fold those plurals too.
    if len(stem) >= 3 and stem.endswith("s") and not stem.endswith(("ss", "us", "is")):
        stem = stem[:-1]
    return stem


def _spellings(words: Sequence[str]) -> list[tuple[str, ...]]:
    """Return the word tuples a form or query stands for: as typed and British-folded, each also stemmed."""
    typed = tuple(words)
    folded = tuple(_british(w) for w in words)
    spellings = [typed, folded, tuple(_stem(w) for w in typed), tuple(_stem(w) for w in folded)]
    return list(dict.fromkeys(spellings))


def _deletes(word: str, depth: int) -> set[str]:
    """Every string obtained by deleting up to ``depth`` characters (the SymSpell candidate key)."""
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def _bigrams(text: str) -> frozenset[str]:
    compact = f" {text} "
    return frozenset(compact[i : i + 2] for i in range(len(compact) - 1))


class Glossary:
    """The loaded glossary with its lookup indexes."""

    def __init__(
        self, entries: Sequence[GlossaryEntry], generic_ids: Iterable[str] = (), file: str = "<glossary>"
    ) -> None:
        """Build the indexes; raise KnowledgeError when two entries share a form once folded."""
        self._file = file
        self.entries: tuple[GlossaryEntry, ...] = tuple(sorted(entries, key=lambda e: e.term.casefold()))
        self._by_id = {e.id: e for e in self.entries}
        self._generic = frozenset(generic_ids)
        self._exact: dict[str, str] = {}  # folded, stemmed and compact forms -> entry id
        # Word tuples of every form (as written, stemmed, and run together) for fuzzy and partial matches.
        self._keys: list[tuple[tuple[str, ...], str]] = []
        self._postings: dict[str, set[int]] = {}  # vocabulary word -> indexes of the keys holding it
        self._bigram_postings: dict[str, list[int]] = {}  # letter pair -> forms, for suggestions
        self._form_entries: list[tuple[str, int]] = []  # per form: entry id, number of letter pairs
        self._vocab_deletes: dict[str, set[str]] = {}  # SymSpell: deletion variant -> vocabulary words
        for entry in entries:  # file order, so a clash is reported on the later entry
            for form in (entry.term, *entry.aliases):
                self._index(form, entry.id)
        self._text_pattern = self._build_text_pattern()

    def _index(self, form: str, entry_id: str) -> None:
        """Add one term or alias to every index."""
        words = _words(form)
        if not words:
            raise KnowledgeError(self._file, entry_id, f"{form!r} has no letters or digits")
        bigrams = _bigrams(" ".join(words))
        for bigram in bigrams:
            self._bigram_postings.setdefault(bigram, []).append(len(self._form_entries))
        self._form_entries.append((entry_id, len(bigrams)))
        spellings = _spellings(words)
        for spelling in spellings:
            for text in (" ".join(spelling), "#" + "".join(spelling)):
                owner = self._exact.setdefault(text, entry_id)
                if owner != entry_id:
                    problem = f"{form!r} also matches entry {owner} once folded"
                    raise KnowledgeError(self._file, entry_id, problem)
        # A multi-word form also as one run-together word, for "jointpain"-style typing with a typo.
        joined = [("".join(words),), ("".join(map(_british, words)),)] if len(words) > 1 else []
        for key in dict.fromkeys([*spellings, *joined]):
            position = len(self._keys)
            self._keys.append((key, entry_id))
            for word in key:
                self._postings.setdefault(word, set()).add(position)
                for variant in _deletes(word, _max_edits(len(word), relaxed=True)):
                    self._vocab_deletes.setdefault(variant, set()).add(word)

    @classmethod
    def load(cls, path: Path) -> Glossary:
        """Read and validate a glossary YAML file; raise KnowledgeError naming the file and entry."""
        name = path.name
        data = read_knowledge_yaml(path)
        if not isinstance(data, dict) or not isinstance(data.get("entries"), list) or not data["entries"]:
            raise KnowledgeError(name, "-", "expected a mapping with a non-empty 'entries' list")
        entries: list[GlossaryEntry] = []
        generic: list[str] = []
        seen_ids: set[str] = set()
        alias_owner: dict[str, str] = {}
        for index, raw in enumerate(data["entries"]):
            label = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
            entry = _parse_entry(raw, name, label or f"#{index}")
            if entry.id in seen_ids:
                raise KnowledgeError(name, entry.id, "duplicate id")
            seen_ids.add(entry.id)
            for form in (entry.term, *entry.aliases):
                owner = alias_owner.setdefault(form.casefold(), entry.id)
                if owner != entry.id:
                    raise KnowledgeError(name, entry.id, f"{form!r} is already a term or alias of {owner}")
            entries.append(entry)
            if raw.get("generic"):
                generic.append(entry.id)
        return cls(entries, generic, file=name)

    def get(self, entry_id: str) -> GlossaryEntry | None:
        """Return the entry with this id, or None."""
        return self._by_id.get(entry_id)

    def letters(self) -> list[str]:
        """Return the initial letters that have entries, A–Z ("#" for terms starting otherwise)."""
        return sorted({_initial(e.term) for e in self.entries})

    def by_letter(self, letter: str) -> list[GlossaryEntry]:
        """Return the entries whose term starts with ``letter`` (case-insensitive), sorted by term."""
        wanted = letter.strip()[:1].upper()
        return [e for e in self.entries if wanted and _initial(e.term) == wanted]

    def lookup(self, query: str) -> GlossaryResult:
        """Find the entry a patient means; when unsure, return no entry and up to 3 suggestions."""
        text = _BRACKETS.sub(" ", _TAG.sub(" ", query)).strip() if isinstance(query, str) else ""
        if not text or len(text) > MAX_QUERY_CHARS:
            return GlossaryResult(query=text[:MAX_QUERY_CHARS], entry=None)
        words = _words(text)
        while len(words) > 1 and words[0] in _LEADING:
            words.pop(0)
        while len(words) > 1 and words[-1] in _TRAILING:
            words.pop()
        if not words or len(words) > MAX_WORDS or max(len(w) for w in words) > MAX_WORD_CHARS:
            return GlossaryResult(query=text, entry=None)
        spellings = _spellings(words)
        for spelling in spellings:
            for key in (" ".join(spelling), "#" + "".join(spelling)):
                if key in self._exact:
                    return GlossaryResult(query=text, entry=self._by_id[self._exact[key]])
        # Each query word -> the vocabulary words it may be (itself or a typo of them), with distances.
        # Typos can change a stem ("assessmenzt"), so every spelling of the word is compared.
        probes = [set(column) for column in zip(*spellings, strict=True)]
        anchored = len(words) > 1 and any(p in self._postings for column in probes for p in column)
        matches = [self._similar(column, anchored) for column in probes]
        stems = spellings[-1]
        found, tied = self._word_match(self._holding_all(matches), stems, matches)
        if found is None and not tied:
            found, tied = self._contained_match(spellings)
        if found is not None:
            return GlossaryResult(query=text, entry=self._by_id[found])
        return GlossaryResult(query=text, entry=None, suggestions=self._suggest(words, matches, tied))

    def _similar(self, probes: Iterable[str], relaxed: bool) -> dict[str, int]:
        """Return the vocabulary words within the typo allowance of any probe, with distances."""
        found: dict[str, int] = {}
        for probe in probes:
            limit = _max_edits(len(probe), relaxed)
            candidates: set[str] = set()
            for variant in _deletes(probe, limit):
                candidates |= self._vocab_deletes.get(variant, set())
            for cand in candidates:
                allowed = min(limit, _max_edits(len(cand), relaxed))
                dist = damerau_levenshtein(probe, cand, allowed)
                if dist <= allowed and dist < found.get(cand, allowed + 1):
                    found[cand] = dist
        return found

    def _forms_with(self, match: dict[str, int]) -> set[int]:
        return set().union(*(self._postings[stem] for stem in match))

    def _holding_all(self, matches: list[dict[str, int]]) -> set[int]:
        """Return the forms holding, for every query word, one of the stems it may be."""
        if not all(matches):
            return set()
        return set.intersection(*(self._forms_with(m) for m in matches))

    def _word_match(
        self, candidates: set[int], stems: tuple[str, ...], matches: list[dict[str, int]]
    ) -> tuple[str | None, list[str]]:
        """Match forms word by word: first those as long as the query (typos allowed in each word), then
        longer forms holding every query word when the query covers at least half of the form."""
        same: dict[str, tuple[float, ...]] = {}
        partial: dict[str, tuple[float, ...]] = {}
        for position in candidates:
            key, entry_id = self._keys[position]
            if len(key) == len(stems) and all(k in m for k, m in zip(key, matches, strict=True)):
                typos = (-float(sum(m[k] for k, m in zip(key, matches, strict=True))),)
                same[entry_id] = max(same.get(entry_id, typos), typos)
            elif len(key) > len(stems) and len(stems) / len(key) >= 0.5:
                distance = sum(min(m[k] for k in key if k in m) for m in matches)
                coverage = (len(stems) / len(key), -float(distance))
                partial[entry_id] = max(partial.get(entry_id, coverage), coverage)
        if same or all(s in _VAGUE for s in stems):
            return _best(same)
        return _best(partial)

    def _contained_match(self, spellings: list[tuple[str, ...]]) -> tuple[str | None, list[str]]:
        """Match a specific (non-generic) form that makes up at least half of a longer query."""
        scored: dict[str, tuple[float, ...]] = {}
        size = len(spellings[0])
        joined = [f" {' '.join(spelling)} " for spelling in spellings]
        for position in set().union(*(self._postings.get(w, set()) for sp in spellings for w in sp)):
            key, entry_id = self._keys[position]
            if entry_id in self._generic or len(key) >= size or len(key) / size < 0.5:
                continue
            vague = all(k in _VAGUE or _stem(k) in _VAGUE for k in key)
            if any(f" {' '.join(key)} " in j for j in joined) and not vague:
                score = (float(len(key)),)
                scored[entry_id] = max(scored.get(entry_id, score), score)
        return _best(scored)

    def _suggest(
        self, words: list[str], matches: list[dict[str, int]], tied: list[str]
    ) -> tuple[GlossaryEntry, ...]:
        """Rank entries by shared words and shared letter pairs; tied candidates come first."""
        shared: Counter[int] = Counter()
        for word, match in zip(words, matches, strict=True):
            if _stem(word) not in _VAGUE:  # "therapy" alone should not make every therapy a suggestion
                shared.update(self._forms_with(match))
        scores: dict[str, float] = {}
        for position, count in shared.items():
            key, entry_id = self._keys[position]
            scores[entry_id] = max(scores.get(entry_id, 0.0), 0.5 * count / len(key))
        query_bigrams = _bigrams(" ".join(words))
        overlap: Counter[int] = Counter()
        for bigram in query_bigrams:
            overlap.update(self._bigram_postings.get(bigram, ()))
        dice: dict[str, float] = {}
        for position, count in overlap.items():
            entry_id, size = self._form_entries[position]
            dice[entry_id] = max(dice.get(entry_id, 0.0), 2 * count / (len(query_bigrams) + size))
        for entry_id, value in dice.items():
            scores[entry_id] = scores.get(entry_id, 0.0) + value
        ranked = sorted((eid for eid, s in scores.items() if s >= 0.5), key=lambda e: (-scores[e], e))
        ordered = list(dict.fromkeys([*tied, *ranked]))
        return tuple(self._by_id[eid] for eid in ordered[:MAX_SUGGESTIONS])

    def find_in_text(self, text: str, limit: int = 3) -> list[GlossaryEntry]:
        """Return entries whose term or alias occurs in ``text`` as whole words, in order of appearance."""
        found: dict[str, GlossaryEntry] = {}
        if not isinstance(text, str) or limit <= 0:
            return []
        for match in self._text_pattern.finditer(text):
            entry_id = self._exact.get(" ".join(_stem(w) for w in _words(match.group(0))))
            if entry_id and entry_id not in self._generic and entry_id not in found:
                found[entry_id] = self._by_id[entry_id]
                if len(found) >= limit:
                    break
        return list(found.values())

    def _build_text_pattern(self) -> re.Pattern[str]:
        """Compile one regex of every form, longest first so the longest match wins at a position."""
        forms = {f for e in self.entries if e.id not in self._generic for f in (e.term, *e.aliases)}
        parts: list[str] = []
        for form in sorted(forms, key=lambda f: (-len(f), f)):
            body = r"[\s\-‐–]+".join(re.escape(w) for w in re.split(r"[\s\-‐–]+", form.strip()))
            # Abbreviations ("AI", "ALP") only count in capitals, or ordinary words would match them.
            if sum(ch.isupper() for ch in form) >= 2 and len(form) <= 6:
                parts.append(f"(?-i:{body})(?:s|es)?")
            else:
                parts.append(f"{body}(?:s|es)?")
        return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def _best(scored: dict[str, tuple[float, ...]]) -> tuple[str | None, list[str]]:
    """Return the single best-scoring entry, or None and the tied entries when there is no winner."""
    top = max(scored.values(), default=None)
    winners = sorted(eid for eid, score in scored.items() if score == top)
    return (winners[0], []) if len(winners) == 1 else (None, winners)


def _initial(term: str) -> str:
    first = unicodedata.normalize("NFKD", term.strip())[:1].upper()
    return first if "A" <= first <= "Z" else "#"


def _text(raw: Any, file: str, label: str, field: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise KnowledgeError(file, label, f"'{field}' must be a non-empty string")
    return raw.strip()


def _definition(raw: Any, file: str, label: str, field: str) -> Definition:
    if not isinstance(raw, dict) or set(raw) != {"text", "source"}:
        raise KnowledgeError(file, label, f"'{field}' must be a mapping with exactly 'text' and 'source'")
    source = raw["source"]
    if not isinstance(source, str) or not _SOURCE.match(source):
        raise KnowledgeError(
            file, label, f"'{field}' source must be an article id like \"002\", got {source!r}"
        )
    return Definition(text=_text(raw["text"], file, label, f"{field}.text"), source=source)


def _parse_entry(raw: Any, file: str, label: str) -> GlossaryEntry:
    """Validate one raw YAML entry and build it."""
    if not isinstance(raw, dict):
        raise KnowledgeError(file, label, "entry must be a mapping")
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise KnowledgeError(file, label, f"unknown field(s): {', '.join(sorted(map(str, unknown)))}")
    entry_id = _text(raw.get("id"), file, label, "id")
    if len(entry_id) > 40 or not _ID.match(entry_id):
        raise KnowledgeError(file, label, "'id' must be a slug of [a-z0-9-], at most 40 characters")
    term = _text(raw.get("term"), file, label, "term")
    aliases_raw = raw.get("aliases", [])
    if not isinstance(aliases_raw, list):
        raise KnowledgeError(file, label, "'aliases' must be a list")
    aliases = tuple(_text(a, file, label, "aliases") for a in aliases_raw)
    folded = [f.casefold() for f in (term, *aliases)]
    if len(set(folded)) != len(folded):
        raise KnowledgeError(file, label, "an alias repeats the term or another alias")
    alternatives_raw = raw.get("alternatives", [])
    if not isinstance(alternatives_raw, list):
        raise KnowledgeError(file, label, "'alternatives' must be a list")
    for flag in ("from_body", "generic"):
        if not isinstance(raw.get(flag, False), bool):
            raise KnowledgeError(file, label, f"'{flag}' must be true or false")
    return GlossaryEntry(
        id=entry_id,
        term=term,
        definition=_definition(raw.get("definition"), file, label, "definition"),
        aliases=aliases,
        alternatives=tuple(_definition(a, file, label, "alternatives") for a in alternatives_raw),
    )
