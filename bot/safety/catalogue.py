"""Concept catalogues as data: red flags (``knowledge/red_flags.yaml``) and medication changes
(``knowledge/medication_changes.yaml``), matched clause by clause with their context.

A catalogue has a ``lexicon`` (named word groups), ``findings`` (a sign: any of some phrases, or all of
some groups within a window of words, in one clause; with ``ordered``, the groups in the order written,
each starting at most ``window`` words after the previous one ends) and ``concepts`` (each with rules:
lists of findings that must all be present, affirmed by the context rules, anywhere in the message).
A concept may name the context modifiers that rule it out instead (``context: {blocked_by: [negated]}``:
a missed dose is one whether asked about, in the past or someone else's, but not when denied). Every
concept names its ``sources``; loading refuses a concept without one, an unknown group, finding,
modifier or source, naming the file and the entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import KnowledgeError
from bot.safety.context import Assessment, ContextRules, Modifier
from bot.safety.phrases import Corrector, Phrase, PhraseIndex, Span, Tokens, clauses, phrase
from bot.yamlfile import read_knowledge_yaml

DEFAULT_WINDOW = 8
NOW = "!now"  # a rule item "finding!now" holds only when that sign is also said to be happening now


def _name(item: str) -> str:
    return item.removesuffix(NOW)


@dataclass(frozen=True)
class Finding:
    """A sign: one of ``any`` phrases, or every group of ``all`` within ``window`` words."""

    id: str
    any: tuple[Phrase, ...] = ()
    all: tuple[tuple[Phrase, ...], ...] = ()
    window: int = DEFAULT_WINDOW
    ordered: bool = False  # the groups in order, each at most ``window`` words after the previous one's end

    def spans(self, phrases: Mapping[Phrase, list[Span]]) -> list[Span]:
        """Return where this finding occurs in a clause, given the spans of the phrases found there."""
        found = [span for p in self.any for span in phrases.get(p, ())]
        if self.all and self.ordered:
            found.extend(self._ordered(phrases))
        elif self.all:
            groups = [[span for p in group for span in phrases.get(p, ())] for group in self.all]
            if all(groups):
                anchor, *others = groups
                for first in anchor:
                    picks = [first]
                    for group in others:
                        near = [s for s in group if abs(s.start - first.start) <= self.window]
                        if not near:
                            break
                        picks.append(min(near, key=lambda s: abs(s.start - first.start)))
                    else:
                        used = frozenset(i for s in picks for i in s.used)
                        found.append(Span(min(s.start for s in picks), max(s.end for s in picks), used))
        return found

    def _ordered(self, phrases: Mapping[Phrase, list[Span]]) -> list[Span]:
        """Chains of one span per group, in order, with at most ``window`` words between neighbours."""
        groups = [sorted((span for p in group for span in phrases.get(p, ())), key=lambda s: s.start) for group in self.all]
        chains: list[list[Span]] = [[span] for span in groups[0]]
        for group in groups[1:]:
            chains = [
                [*chain, nxt]
                for chain in chains
                for nxt in group
                if nxt.start > chain[-1].end and nxt.start - chain[-1].end - 1 <= self.window
            ][:50]
        return [Span(c[0].start, c[-1].end, frozenset(i for s in c for i in s.used)) for c in chains]


@dataclass(frozen=True)
class Concept:
    """One emergency (or medication change): its rules, caution findings, label, sources and extra text."""

    id: str
    label: str
    sources: tuple[str, ...]
    rules: tuple[tuple[str, ...], ...]
    caution: tuple[str, ...] = ()
    kind: str = ""  # the key its rules are under ("urgent", "guard", "missed_dose"): what it makes the bot do
    reply_extra: str = ""
    unless: tuple[str, ...] = ()  # findings that, present anywhere, mean the concept does not apply
    # None: its findings must be affirmed (not negated, hypothetical or only in the past). Otherwise the
    # context modifiers that rule a finding out; the others (a question, the past, someone else) do not.
    blocked_by: frozenset[Modifier] | None = None


@dataclass(frozen=True)
class Occurrence:
    """A finding found in a clause, with its context."""

    finding: str
    clause: int
    assessment: Assessment


@dataclass(frozen=True)
class Match:
    """What a catalogue found in one message."""

    concepts: tuple[Concept, ...] = ()  # concepts with a rule fully affirmed
    cautions: tuple[Concept, ...] = ()  # concepts mentioned but not affirmed (caution line)
    occurrences: tuple[Occurrence, ...] = ()
    someone_else: bool = False  # the affirmed signs are someone else's
    said_now: bool = False  # a sign of an affirmed rule is also said to be happening now ("right now")

    @property
    def hit(self) -> Concept | None:
        """Return the first concept with an affirmed rule, if any."""
        return self.concepts[0] if self.concepts else None

    def hits(self, kind: str) -> tuple[Concept, ...]:
        """Return the concepts with an affirmed rule whose rules are under ``kind`` ("guard", "missed_dose")."""
        return tuple(c for c in self.concepts if c.kind == kind)


class Prepared:
    """A message's clauses as words (with typo corrections), and their context read once on demand."""

    def __init__(self, text: str, context: ContextRules, corrector: Corrector | None) -> None:
        """Cut ``text`` into clauses and words; context is read for a clause when first asked."""
        self.context = context
        self.tokens = [Tokens(clause, corrector) for clause in clauses(text)]
        self._context: dict[int, tuple[Any, Any]] = {}

    def context_of(self, index: int) -> tuple[Any, Any]:
        """Return the clause's context triggers and segments (computed once per clause)."""
        if index not in self._context:
            tokens = self.tokens[index]
            self._context[index] = (self.context.triggers_in(tokens), self.context.segments(tokens))
        return self._context[index]


@dataclass
class Catalogue:
    """Findings and concepts of one catalogue file."""

    findings: dict[str, Finding]
    concepts: tuple[Concept, ...]
    sources: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.index = PhraseIndex(self.phrases())
        self.users: dict[Phrase, list[Finding]] = {}  # phrase -> the findings that use it
        for finding in self.findings.values():
            for used in dict.fromkeys((*finding.any, *(q for group in finding.all for q in group))):
                self.users.setdefault(used, []).append(finding)

    def phrases(self) -> list[Phrase]:
        """Return every phrase used (for the typo corrector's vocabulary)."""
        return [p for f in self.findings.values() for p in (*f.any, *(q for group in f.all for q in group))]

    def match(
        self, text: str, context: ContextRules, corrector: Corrector | None = None, prepared: Prepared | None = None
    ) -> Match:
        """Return the concepts a message affirms, and those it only mentions.

        ``prepared``: the message's clauses already cut into words and read for context (the same for
        every catalogue of one triage), so a second catalogue does not redo that work.
        """
        occurrences: list[Occurrence] = []
        prepared = prepared if prepared is not None else Prepared(text, context, corrector)
        for index, tokens in enumerate(prepared.tokens):
            phrases = self.index.find_all(tokens) if len(tokens) else {}
            if not phrases:
                continue
            triggers, segments = prepared.context_of(index)
            candidates = {f.id: f for found in phrases for f in self.users.get(found, ())}
            for finding in candidates.values():
                for span in finding.spans(phrases):
                    occurrences.append(Occurrence(finding.id, index, context.assess(triggers, segments, span)))
        affirmed = {o.finding for o in occurrences if o.assessment.affirmed}
        now = {o.finding for o in occurrences if o.assessment.affirmed and o.assessment.now}
        mentioned = {o.finding for o in occurrences if o.assessment.cautionable} | affirmed

        def holds(concept: Concept, item: str) -> bool:
            if concept.blocked_by is not None:
                blocked = concept.blocked_by
                return any(o.finding == _name(item) and not o.assessment.modifiers & blocked for o in occurrences)
            return _name(item) in (now if item.endswith(NOW) else affirmed)

        present = {o.finding for o in occurrences}
        satisfied = [
            (c, rule)
            for c in self.concepts
            if not present.intersection(c.unless)
            for rule in c.rules
            if all(holds(c, item) for item in rule)
        ]
        hits = tuple(dict.fromkeys(c for c, _ in satisfied))
        cautions = tuple(
            c
            for c in self.concepts
            if c not in hits
            and (any(_name(f) in mentioned for rule in c.rules for f in rule) or any(f in mentioned for f in c.caution))
        )
        used = {_name(item) for _, rule in satisfied for item in rule}
        someone_else = bool(used) and all(
            o.assessment.someone_else for o in occurrences if o.finding in used and o.assessment.affirmed
        )
        return Match(hits, cautions, tuple(occurrences), someone_else, said_now=bool(used & now))

    @classmethod
    def load(cls, path: Path, *rules_keys: str) -> Catalogue:
        """Load a catalogue file whose concepts list their rules under one of ``rules_keys`` (their kind)."""
        file = path.name
        data = read_knowledge_yaml(path)
        if not isinstance(data, Mapping):
            raise KnowledgeError(file, "-", "expected a mapping with lexicon, findings and concepts")
        sources = {str(k): _source_title(v, file, str(k)) for k, v in (data.get("sources") or {}).items()}
        lexicon = {
            str(name): _phrase_list(entries, file, f"lexicon.{name}")
            for name, entries in _mapping(data, "lexicon", file).items()
        }
        findings = {
            str(name): _finding(str(name), spec, lexicon, file) for name, spec in _mapping(data, "findings", file).items()
        }
        concepts: list[Concept] = []
        for index, raw in enumerate(data.get("concepts") or []):
            concepts.append(_concept(raw, index, findings, sources, rules_keys, file))
        if not concepts:
            raise KnowledgeError(file, "concepts", "at least one concept is required")
        return cls(findings, tuple(concepts), sources)


def _mapping(data: Mapping[str, Any], key: str, file: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping) or not value:
        raise KnowledgeError(file, key, "expected a non-empty mapping")
    return value


def _source_title(value: Any, file: str, name: str) -> str:
    if (
        not isinstance(value, Mapping)
        or not str(value.get("title") or "").strip()
        or not str(value.get("url") or "").strip()
    ):
        raise KnowledgeError(file, f"sources.{name}", "needs a title and a url")
    return str(value["title"])


def _phrase_list(entries: Any, file: str, entry: str) -> tuple[Phrase, ...]:
    if not isinstance(entries, list) or not entries:
        raise KnowledgeError(file, entry, "expected a non-empty list of words or phrases")
    parsed = tuple(phrase(str(item)) for item in entries)
    if not all(parsed):
        raise KnowledgeError(file, entry, "a phrase has no words")
    return parsed


def _items(raw: Any, lexicon: Mapping[str, tuple[Phrase, ...]], file: str, entry: str) -> tuple[Phrase, ...]:
    """Expand a list of "@group" names and literal phrases into phrases."""
    if not isinstance(raw, list) or not raw:
        raise KnowledgeError(file, entry, "expected a non-empty list")
    out: list[Phrase] = []
    for item in raw:
        text = str(item)
        if text.startswith("@"):
            if text[1:] not in lexicon:
                raise KnowledgeError(file, entry, f"unknown lexicon group {text}")
            out.extend(lexicon[text[1:]])
        else:
            parsed = phrase(text)
            if not parsed:
                raise KnowledgeError(file, entry, f"phrase {text!r} has no words")
            out.append(parsed)
    return tuple(out)


def _finding(name: str, spec: Any, lexicon: Mapping[str, tuple[Phrase, ...]], file: str) -> Finding:
    entry = f"findings.{name}"
    if not isinstance(spec, Mapping) or not ({"any", "all"} & set(spec)):
        raise KnowledgeError(file, entry, "expected 'any' and/or 'all'")
    groups = spec.get("all") or []
    if not isinstance(groups, list):
        raise KnowledgeError(file, entry, "'all' must be a list")
    return Finding(
        id=name,
        any=_items(spec["any"], lexicon, file, f"{entry}.any") if "any" in spec else (),
        all=tuple(_items(group if isinstance(group, list) else [group], lexicon, file, f"{entry}.all") for group in groups),
        window=int(spec.get("window", DEFAULT_WINDOW)),
        ordered=bool(spec.get("ordered", False)),
    )


def _concept(
    raw: Any, index: int, findings: Mapping[str, Finding], sources: Mapping[str, str], rules_keys: Sequence[str], file: str
) -> Concept:
    if not isinstance(raw, Mapping) or not str(raw.get("id") or "").strip():
        raise KnowledgeError(file, f"concepts[{index}]", "expected a mapping with an id")
    entry = f"concepts.{raw['id']}"
    cited = raw.get("sources")
    if not isinstance(cited, list) or not cited:
        raise KnowledgeError(file, entry, "every concept must list its sources")
    unknown = [s for s in cited if s not in sources]
    if unknown:
        raise KnowledgeError(file, entry, f"unknown source {unknown[0]!r}")
    keys = [key for key in rules_keys if key in raw]
    if len(keys) != 1:
        raise KnowledgeError(file, entry, f"needs its rules under exactly one of: {', '.join(rules_keys)}")
    rules_key = keys[0]
    rules = raw.get(rules_key)
    if not isinstance(rules, list) or not rules or not all(isinstance(rule, list) and rule for rule in rules):
        raise KnowledgeError(file, entry, f"'{rules_key}' must be a list of lists of findings")
    named = [_name(str(f)) for rule in rules for f in rule] + list(raw.get("caution") or []) + list(raw.get("unless") or [])
    missing = [f for f in named if f not in findings]
    if missing:
        raise KnowledgeError(file, entry, f"unknown finding {missing[0]!r}")
    context = raw.get("context") or {}
    blocked: frozenset[Modifier] | None = None
    if context:
        names = context.get("blocked_by") if isinstance(context, Mapping) else None
        if not isinstance(names, list):
            raise KnowledgeError(file, f"{entry}.context", "expected blocked_by: a list of context modifiers")
        try:
            blocked = frozenset(Modifier(str(name)) for name in names)
        except ValueError:
            raise KnowledgeError(file, f"{entry}.context", f"unknown modifier (one of {', '.join(Modifier)})") from None
    return Concept(
        id=str(raw["id"]),
        label=str(raw.get("label") or raw["id"]).strip(),
        sources=tuple(map(str, cited)),
        rules=tuple(tuple(map(str, rule)) for rule in rules),
        caution=tuple(map(str, raw.get("caution") or [])),
        reply_extra=str(raw.get("reply_extra") or "").strip(),
        unless=tuple(map(str, raw.get("unless") or [])),
        blocked_by=blocked,
        kind=rules_key,
    )


def all_phrases(items: Sequence[Catalogue | ContextRules]) -> list[Phrase]:
    """Return the phrases of several catalogues and context rules (the corrector's vocabulary)."""
    return [p for item in items for p in item.phrases()]
