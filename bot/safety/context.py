"""ConText for red flags: is a sign negated, hypothetical, in the past, someone else's, or happening now?

Implements the part of the ConText algorithm (Chapman, Chu & Dowling 2007; NegEx, Chapman et al. 2001)
that triage needs, over the trigger lexicon of ``knowledge/context.yaml``: within one clause, each trigger
phrase modifies the findings in its scope (``window`` words forward, backward or both); pseudo-triggers
("not sure", "no idea") are skipped, and a trigger never modifies a finding it is part of ("not
breathing" is not a negated "breathing"). medspaCy implements the same algorithm but costs ~0.65 s of
start-up (spaCy) and fails to import with warnings as errors, so this small version is ours; its
behaviour is pinned by tests/test_safety_context.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from bot.errors import KnowledgeError
from bot.safety.phrases import Phrase, PhraseIndex, Span, Tokens, phrase
from bot.yamlfile import read_knowledge_yaml


class Modifier(StrEnum):
    """What a trigger says about the findings in its scope."""

    NEGATED = "negated"
    HYPOTHETICAL = "hypothetical"
    HISTORICAL = "historical"
    OTHER = "other"
    PRESENT = "present"


class Direction(StrEnum):
    """Which side of a trigger its scope lies on."""

    FORWARD = "forward"
    BACKWARD = "backward"
    BOTH = "both"


@dataclass(frozen=True)
class Trigger:
    """A trigger phrase with its modifier, direction and scope in words."""

    phrase: Phrase
    modifier: Modifier
    direction: Direction
    window: int


@dataclass(frozen=True)
class Assessment:
    """The modifiers that apply to one occurrence of a finding."""

    modifiers: frozenset[Modifier]

    @property
    def affirmed(self) -> bool:
        """Return True when the sign is said to be there: not negated, not hypothetical, and not in the past
        unless also said to be happening now ("had a fall last week and still cant stand")."""
        if self.modifiers & {Modifier.NEGATED, Modifier.HYPOTHETICAL}:
            return False
        return Modifier.HISTORICAL not in self.modifiers or Modifier.PRESENT in self.modifiers

    @property
    def now(self) -> bool:
        """Return True when the sign is said to be happening now ("right now", "at the moment")."""
        return Modifier.PRESENT in self.modifiers

    @property
    def cautionable(self) -> bool:
        """Return True when the sign is mentioned but not affirmed, and not denied (worth the caution line)."""
        return not self.affirmed and Modifier.NEGATED not in self.modifiers

    @property
    def someone_else(self) -> bool:
        """Return True when the sign is someone else's."""
        return Modifier.OTHER in self.modifiers


class ContextRules:
    """Triggers, pseudo-triggers and terminators; assess findings within a clause."""

    def __init__(self, triggers: tuple[Trigger, ...], pseudo: tuple[Phrase, ...], terminators: tuple[Phrase, ...]) -> None:
        """Build from parsed triggers (use ``load`` for the YAML file)."""
        self.triggers = triggers
        self.pseudo = pseudo
        self.terminators = terminators
        self.by_phrase: dict[Phrase, list[Trigger]] = {}
        for trigger in triggers:
            self.by_phrase.setdefault(trigger.phrase, []).append(trigger)
        self.index = PhraseIndex([*self.by_phrase, *pseudo, *terminators])

    def phrases(self) -> list[Phrase]:
        """Return every phrase the rules use (for the typo corrector's vocabulary)."""
        return [t.phrase for t in self.triggers] + list(self.pseudo) + list(self.terminators)

    def triggers_in(self, tokens: Tokens) -> list[tuple[Trigger, Span]]:
        """Return the triggers found in a clause, minus those inside a pseudo-trigger."""
        present = self.index.find_all(tokens)
        blocked = [span for pseudo in self.pseudo for span in present.get(pseudo, ())]
        found: list[tuple[Trigger, Span]] = []
        for phrase_, spans in present.items():
            for trigger in self.by_phrase.get(phrase_, ()):
                free = [span for span in spans if not any(b.start <= span.start and span.end <= b.end for b in blocked)]
                found.extend((trigger, span) for span in free)
        return found

    def segments(self, tokens: Tokens) -> list[int]:
        """Return, per word, the index of its segment between terminators ("but", "however")."""
        cuts = sorted({span.start for term in self.terminators for span in tokens.find(term)}) if len(tokens) else []
        segment, result, index = 0, [], 0
        for position in range(len(tokens)):
            while index < len(cuts) and cuts[index] <= position:
                segment, index = segment + 1, index + 1
            result.append(segment)
        return result

    def assess(self, found: list[tuple[Trigger, Span]], segments: list[int], target: Span) -> Assessment:
        """Return the modifiers that reach one finding occurrence."""
        modifiers: set[Modifier] = set()
        for trigger, span in found:
            if set(range(span.start, span.end + 1)) <= target.used:
                continue  # a trigger that is part of the finding's own words ("not breathing") is not a modifier
            if segments[span.start] != segments[target.start]:
                continue  # a terminator ("but") ends the scope
            if target.start <= span.start and span.end <= target.end:
                reach = True  # inside the finding, between its words ("face isnt drooping")
            elif span.end < target.start:
                reach = (
                    trigger.direction in (Direction.FORWARD, Direction.BOTH) and target.start - span.end <= trigger.window
                )
            else:
                reach = (
                    trigger.direction in (Direction.BACKWARD, Direction.BOTH) and span.start - target.end <= trigger.window
                )
            if reach:
                modifiers.add(trigger.modifier)
        return Assessment(frozenset(modifiers))

    @classmethod
    def load(cls, path: Path) -> ContextRules:
        """Load ``context.yaml``; KnowledgeError naming the file and entry."""
        file = path.name
        data = read_knowledge_yaml(path)
        if not isinstance(data, Mapping) or not isinstance(data.get("modifiers"), Mapping):
            raise KnowledgeError(file, "-", "expected a mapping with 'modifiers'")
        triggers: list[Trigger] = []
        for name, spec in data["modifiers"].items():
            try:
                modifier = Modifier(name)
            except ValueError:
                raise KnowledgeError(file, f"modifiers.{name}", f"unknown modifier (one of {', '.join(Modifier)})") from None
            if not isinstance(spec, Mapping) or not spec:
                raise KnowledgeError(file, f"modifiers.{name}", "expected forward/backward/both scopes")
            for direction_name, scope in spec.items():
                entry = f"modifiers.{name}.{direction_name}"
                try:
                    direction = Direction(direction_name)
                except ValueError:
                    raise KnowledgeError(file, entry, "scope must be forward, backward or both") from None
                window, phrases = _scope(scope, file, entry)
                triggers.extend(Trigger(p, modifier, direction, window) for p in phrases)
        return cls(
            tuple(triggers),
            _phrases(data.get("pseudo") or [], file, "pseudo"),
            _phrases(data.get("terminators") or [], file, "terminators"),
        )


def _scope(scope: Any, file: str, entry: str) -> tuple[int, tuple[Phrase, ...]]:
    if not isinstance(scope, Mapping) or not isinstance(scope.get("window"), int) or scope["window"] < 1:
        raise KnowledgeError(file, entry, "expected 'window' (a positive number of words) and 'phrases'")
    return int(scope["window"]), _phrases(scope.get("phrases"), file, entry)


def _phrases(raw: Any, file: str, entry: str) -> tuple[Phrase, ...]:
    if not isinstance(raw, list) or not all(isinstance(item, str) and item.strip() for item in raw):
        raise KnowledgeError(file, entry, "expected a list of phrases")
    parsed = tuple(phrase(item) for item in raw)
    empty = [raw[i] for i, p in enumerate(parsed) if not p]
    if empty:
        raise KnowledgeError(file, entry, f"phrase {empty[0]!r} has no words")
    return parsed
