"""Safety triage that runs before search: emergencies first, then requests to change a medicine.

Owns loading ``knowledge/safety.yaml`` (patterns, reply texts, disclaimers) and matching a message
against it. Patterns are data so a clinic can review and extend them without touching code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import KnowledgeError
from bot.knowledge.analyzer import fold
from bot.yamlfile import read_knowledge_yaml

MAX_CHECK_CHARS = 4_000  # a message is cut to this before matching (patterns stay linear-time on it)


@dataclass(frozen=True)
class UrgentCategory:
    """One kind of emergency: its patterns and optional extra reply text."""

    id: str
    label: str
    patterns: tuple[re.Pattern[str], ...]
    reply_extra: str = ""


@dataclass(frozen=True)
class UrgentException:
    """When an urgent pattern matches but the message is not an emergency happening now."""

    id: str
    categories: frozenset[str]
    when: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...]

    def applies(self, category: str, text: str) -> bool:
        """Return True when this exception clears ``category`` for a (normalised) message."""
        return (
            category in self.categories
            and any(pattern.search(text) for pattern in self.when)
            and not any(pattern.search(text) for pattern in self.unless)
        )


@dataclass(frozen=True)
class Verdict:
    """The outcome of triage: at most one urgent category, and whether a medication change is asked.

    ``caution`` is a category that matched in a message an exception cleared (a general question about
    a symptom, a past injury): not an emergency, but the answer reminds what to do if it is one now.
    """

    urgent: UrgentCategory | None = None
    medication: bool = False
    caution: UrgentCategory | None = None

    @property
    def kind(self) -> str | None:
        """Return "urgent", "medication" or None."""
        if self.urgent is not None:
            return "urgent"
        return "medication" if self.medication else None


@dataclass(frozen=True)
class SafetyTexts:
    """Reply texts; ``{number}`` stands for the configured emergency number."""

    urgent_title: str
    urgent_body: str
    medication_title: str
    medication_body: str
    disclaimer_short: str
    disclaimer_full: str
    caution: str = ""  # "{label}" and "{number}" are filled in


def _normalise(text: str) -> str:
    # fold() also turns curly apostrophes into "'", so "can’t" and "can't" match the same pattern.
    return re.sub(r"\s+", " ", fold(text[:MAX_CHECK_CHARS]))


class SafetyRules:
    """Triage messages with the urgent and medication patterns of safety.yaml."""

    def __init__(
        self,
        categories: tuple[UrgentCategory, ...],
        medication: tuple[re.Pattern[str], ...],
        texts: SafetyTexts,
        exceptions: tuple[UrgentException, ...] = (),
    ) -> None:
        """Build from compiled patterns and texts (use ``load`` for the YAML file)."""
        self.categories = categories
        self.medication = medication
        self.texts = texts
        self.exceptions = exceptions

    def check(self, message: str) -> Verdict:
        """Return the triage verdict for a message."""
        text = _normalise(message)
        medication = self._is_medication(text)
        caution: UrgentCategory | None = None
        for category in self.categories:
            if any(pattern.search(text) for pattern in category.patterns):
                if any(exception.applies(category.id, text) for exception in self.exceptions):
                    caution = caution or category
                    continue
                return Verdict(urgent=category, medication=medication)
        return Verdict(medication=medication, caution=caution)

    def _is_medication(self, text: str) -> bool:
        return any(pattern.search(text) for pattern in self.medication)

    @classmethod
    def load(cls, path: Path) -> SafetyRules:
        """Load and validate safety.yaml; raise KnowledgeError naming the file and entry."""
        file = path.name
        data = read_knowledge_yaml(path)
        if not isinstance(data, Mapping):
            raise KnowledgeError(file, "-", "expected a mapping with urgent, medication, disclaimer")
        urgent = _section(data, "urgent", file)
        medication = _section(data, "medication", file)
        disclaimer = _section(data, "disclaimer", file)
        categories: list[UrgentCategory] = []
        for index, raw in enumerate(urgent.get("categories") or []):
            entry = f"urgent.categories[{index}]"
            if not isinstance(raw, Mapping):
                raise KnowledgeError(file, entry, "expected a mapping")
            cid = _text(raw, "id", file, entry)
            entry = f"urgent.{cid}"
            categories.append(
                UrgentCategory(
                    id=cid,
                    label=_text(raw, "label", file, entry),
                    patterns=_patterns(raw.get("patterns"), file, entry),
                    reply_extra=str(raw.get("reply_extra") or "").strip(),
                )
            )
        if not categories:
            raise KnowledgeError(file, "urgent.categories", "at least one category is required")
        urgent_reply = _section(urgent, "reply", file, "urgent")
        medication_reply = _section(medication, "reply", file, "medication")
        texts = SafetyTexts(
            urgent_title=_text(urgent_reply, "title", file, "urgent.reply"),
            urgent_body=_text(urgent_reply, "body", file, "urgent.reply"),
            medication_title=_text(medication_reply, "title", file, "medication.reply"),
            medication_body=_text(medication_reply, "body", file, "medication.reply"),
            disclaimer_short=_text(disclaimer, "short", file, "disclaimer"),
            disclaimer_full=_text(disclaimer, "full", file, "disclaimer"),
            caution=_text(urgent, "caution", file, "urgent") if "caution" in urgent else "",
        )
        known = {category.id for category in categories}
        exceptions: list[UrgentException] = []
        for index, raw in enumerate(urgent.get("exceptions") or []):
            entry = f"urgent.exceptions[{index}]"
            if not isinstance(raw, Mapping):
                raise KnowledgeError(file, entry, "expected a mapping")
            entry = f"urgent.exceptions.{_text(raw, 'id', file, entry)}"
            applies_to = raw.get("categories")
            if not isinstance(applies_to, list) or not applies_to or not set(map(str, applies_to)) <= known:
                raise KnowledgeError(file, entry, f"'categories' must list urgent category ids ({', '.join(sorted(known))})")
            exceptions.append(
                UrgentException(
                    id=str(raw["id"]),
                    categories=frozenset(map(str, applies_to)),
                    when=_patterns(raw.get("when"), file, f"{entry}.when", key="when"),
                    unless=_patterns(raw["unless"], file, f"{entry}.unless", key="unless") if "unless" in raw else (),
                )
            )
        medication_patterns = _patterns(medication.get("patterns"), file, "medication")
        return cls(tuple(categories), medication_patterns, texts, tuple(exceptions))


def _section(data: Mapping[str, Any], key: str, file: str, parent: str = "") -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise KnowledgeError(file, f"{parent}.{key}" if parent else key, "expected a mapping")
    return value


def _text(data: Mapping[str, Any], key: str, file: str, entry: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeError(file, entry, f"'{key}' must be a non-empty string")
    return value.strip()


def _patterns(raw: Any, file: str, entry: str, key: str = "patterns") -> tuple[re.Pattern[str], ...]:
    if not isinstance(raw, list) or not raw:
        raise KnowledgeError(file, entry, f"'{key}' must be a non-empty list")
    compiled: list[re.Pattern[str]] = []
    for index, pattern in enumerate(raw):
        try:
            compiled.append(re.compile(str(pattern), re.IGNORECASE))
        except re.error as error:
            raise KnowledgeError(file, f"{entry}.patterns[{index}]", f"invalid pattern: {error}") from None
    return tuple(compiled)
