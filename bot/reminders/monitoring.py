"""The monitoring plan from ``knowledge/plan.yaml``: typed items, each backed by verbatim article quotes.

This module owns loading and validating the plan (structure, intervals, and optionally that every
quote appears word for word in its article) and the date arithmetic that turns a reference date (last
scan or treatment start) into each item's next future date.  Building replies is the service's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.errors import KnowledgeError
from bot.reminders.model import KINDS
from bot.reminders.schedule import occurrence_after
from bot.yamlfile import read_knowledge_yaml

MAX_INTERVAL_MONTHS = 60


@dataclass(frozen=True)
class PlanQuote:
    """A verbatim sentence (or table row) from an article."""

    article: str  # article id, e.g. "002"
    text: str


@dataclass(frozen=True)
class PlanVariant:
    """Who a schedule is for (women on anastrozole, men on TRT)."""

    key: str
    code: str  # short code for button data
    words: tuple[str, ...]  # what the user may type after /plan
    button: str
    title: str


@dataclass(frozen=True)
class PlanItem:
    """One check in the schedule; ``every_months`` None means shown only, no reminder."""

    id: str
    variant: str
    title: str
    label: str
    kind: str
    every_months: int | None
    quotes: tuple[PlanQuote, ...]
    note: str | None = None

    def next_date(self, reference: date, today: date) -> date | None:
        """First ``reference + k*interval`` (k >= 1) after today; None for a shown-only item."""
        if self.every_months is None:
            return None
        return occurrence_after(reference, self.every_months, max(today, reference))


@dataclass(frozen=True)
class MonitoringPlan:
    """All variants and items of the plan."""

    variants: tuple[PlanVariant, ...]
    items: tuple[PlanItem, ...]

    def variant(self, word: str) -> PlanVariant | None:
        """Find a variant by key, code or one of its words (case-insensitive)."""
        word = word.strip().lower()
        for variant in self.variants:
            if word in {variant.key, variant.code, *variant.words}:
                return variant
        return None

    def items_for(self, variant: str) -> tuple[PlanItem, ...]:
        """Return the items of one variant, in file order."""
        return tuple(item for item in self.items if item.variant == variant)


def normalise_space(text: str) -> str:
    """Collapse all whitespace runs to one space (quotes are compared this way)."""
    return " ".join(text.split())


def _text(raw: Mapping[str, Any], key: str, file: str, where: str, *, limit: int | None = None) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeError(file, f"{where}.{key}", "must be a non-empty string")
    value = normalise_space(value)
    if limit is not None and len(value) > limit:
        raise KnowledgeError(file, f"{where}.{key}", f"longer than {limit} characters")
    return value


def _item(raw: Any, file: str, index: int, variants: set[str]) -> PlanItem:
    where = f"items[{index}]"
    if not isinstance(raw, dict):
        raise KnowledgeError(file, where, "must be a mapping")
    item_id = _text(raw, "id", file, where)
    where = f"items.{item_id}"
    variant = _text(raw, "variant", file, where)
    if variant not in variants:
        raise KnowledgeError(file, f"{where}.variant", f"unknown variant {variant!r}")
    kind = _text(raw, "kind", file, where)
    if kind not in KINDS:
        raise KnowledgeError(file, f"{where}.kind", f"must be one of {', '.join(KINDS)}")
    every = raw.get("every_months")
    if every is not None and (not isinstance(every, int) or not 1 <= every <= MAX_INTERVAL_MONTHS):
        raise KnowledgeError(file, f"{where}.every_months", f"must be null or 1..{MAX_INTERVAL_MONTHS}")
    quotes_raw = raw.get("quotes")
    if not isinstance(quotes_raw, list) or not quotes_raw:
        raise KnowledgeError(file, f"{where}.quotes", "must be a non-empty list (every item is quoted)")
    quotes = []
    for number, quote in enumerate(quotes_raw):
        if not isinstance(quote, dict):
            raise KnowledgeError(file, f"{where}.quotes[{number}]", "must be a mapping")
        quotes.append(
            PlanQuote(
                _text(quote, "article", file, f"{where}.quotes[{number}]"),
                _text(quote, "text", file, f"{where}.quotes[{number}]"),
            )
        )
    note = raw.get("note")
    return PlanItem(
        id=item_id,
        variant=variant,
        title=_text(raw, "title", file, where),
        label=_text(raw, "label", file, where, limit=80),
        kind=kind,
        every_months=every,
        quotes=tuple(quotes),
        note=_text(raw, "note", file, where) if note is not None else None,
    )


def verify_quotes(plan: MonitoringPlan, articles: Mapping[str, str]) -> list[str]:
    """Return a problem per quote that is not verbatim in its article (empty list: all good).

    ``articles`` maps an article id to its text as loaded by ``bot/content.py`` (never read again here).
    """
    texts = {article_id: normalise_space(text) for article_id, text in articles.items()}
    problems = []
    for item in plan.items:
        for quote in item.quotes:
            if quote.article not in texts:
                problems.append(f"{item.id}: article {quote.article} not found")
            elif quote.text not in texts[quote.article]:
                problems.append(f"{item.id}: not verbatim in article {quote.article}: {quote.text[:60]}")
    return problems


def load_plan(path: Path, *, articles: Mapping[str, str] | None = None) -> MonitoringPlan:
    """Load and validate the plan; with ``articles`` (id -> text), also check every quote is verbatim."""
    file = path.name
    data = read_knowledge_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("variants"), list) or not data["variants"]:
        raise KnowledgeError(file, "variants", "must be a non-empty list")
    variants = []
    for index, raw in enumerate(data["variants"]):
        where = f"variants[{index}]"
        if not isinstance(raw, dict):
            raise KnowledgeError(file, where, "must be a mapping")
        words = raw.get("words") or []
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise KnowledgeError(file, f"{where}.words", "must be a list of words")
        code = _text(raw, "code", file, where)
        if len(code.encode()) > 8:
            raise KnowledgeError(file, f"{where}.code", "must be at most 8 bytes (button data)")
        variants.append(
            PlanVariant(
                key=_text(raw, "key", file, where),
                code=code,
                words=tuple(w.lower() for w in words),
                button=_text(raw, "button", file, where),
                title=_text(raw, "title", file, where),
            )
        )
    items_raw = data.get("items")
    if not isinstance(items_raw, list) or not items_raw:
        raise KnowledgeError(file, "items", "must be a non-empty list")
    keys = {v.key for v in variants}
    items = tuple(_item(raw, file, index, keys) for index, raw in enumerate(items_raw))
    if len({item.id for item in items}) != len(items):
        raise KnowledgeError(file, "items", "item ids must be unique")
    plan = MonitoringPlan(tuple(variants), items)
    if articles is not None:
        problems = verify_quotes(plan, articles)
        if problems:
            raise KnowledgeError(file, problems[0].split(":", 1)[0], problems[0].split(":", 1)[1].strip())
    return plan
