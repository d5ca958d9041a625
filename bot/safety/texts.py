"""The safety texts of ``knowledge/safety.yaml``: emergency, medication guard, missed dose, caution lines,
disclaimer.

``{number}`` in a text stands for the configured emergency number, ``{label}`` for a red flag's label.
Also owns the patterns that tell a passage giving dosing instructions, which the medication guard never
shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import KnowledgeError
from bot.yamlfile import read_knowledge_yaml


@dataclass(frozen=True)
class SafetyTexts:
    """Reply texts and the dosing-passage patterns."""

    urgent_title: str
    urgent_body: str
    someone_else: str
    caution: str
    symptom_no_match: str
    medication_title: str
    medication_body: str
    foreign_reply: str
    missed_dose: str
    disclaimer_short: str
    disclaimer_full: str
    dosing_passages: tuple[re.Pattern[str], ...] = ()
    missed_dose_cues: tuple[str, ...] = ()  # word starts of a dose event; the missed-dose model needs one

    def is_dosing(self, text: str) -> bool:
        """Return True when a passage reads as instructions on how much to take and how often."""
        return any(pattern.search(text) for pattern in self.dosing_passages)

    @classmethod
    def load(cls, path: Path) -> SafetyTexts:
        """Load and validate safety.yaml; KnowledgeError naming the file and entry."""
        file = path.name
        data = read_knowledge_yaml(path)
        if not isinstance(data, Mapping):
            raise KnowledgeError(file, "-", "expected a mapping with urgent, medication, foreign, disclaimer")
        urgent, medication = _section(data, "urgent", file), _section(data, "medication", file)
        foreign, disclaimer = _section(data, "foreign", file), _section(data, "disclaimer", file)
        missed = _section(data, "missed_dose", file)
        patterns = []
        for index, raw in enumerate(medication.get("dosing_passages") or []):
            try:
                patterns.append(re.compile(str(raw), re.IGNORECASE))
            except re.error as error:
                raise KnowledgeError(file, f"medication.dosing_passages[{index}]", f"invalid pattern: {error}") from None
        return cls(
            urgent_title=_text(urgent, "title", file, "urgent"),
            urgent_body=_text(urgent, "body", file, "urgent"),
            someone_else=_text(urgent, "someone_else", file, "urgent"),
            caution=_text(urgent, "caution", file, "urgent"),
            symptom_no_match=_text(urgent, "symptom_no_match", file, "urgent"),
            medication_title=_text(medication, "title", file, "medication"),
            medication_body=_text(medication, "body", file, "medication"),
            foreign_reply=_text(foreign, "reply", file, "foreign"),
            missed_dose=_text(missed, "text", file, "missed_dose"),
            missed_dose_cues=tuple(str(c).lower() for c in missed.get("cues") or ()),
            disclaimer_short=_text(disclaimer, "short", file, "disclaimer"),
            disclaimer_full=_text(disclaimer, "full", file, "disclaimer"),
            dosing_passages=tuple(patterns),
        )


def _section(data: Mapping[str, Any], key: str, file: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise KnowledgeError(file, key, "expected a mapping")
    return value


def _text(data: Mapping[str, Any], key: str, file: str, entry: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeError(file, f"{entry}.{key}", "must be a non-empty string")
    return value.strip()
