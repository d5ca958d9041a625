"""DEXA results as the articles describe them: the scan sites, the accepted ranges and the T-score
categories, loaded from ``knowledge/dexa.yaml`` and checked against the articles.

The one health statement here is the articles' own: ``definition.quote`` must be a verbatim part of a
passage of its article (whitespace aside), and each category's ``term`` a part of that quote, so a
category shown to a patient is always the articles' word, quoted and cited (article title › heading).
Above the highest category bound the articles name no category, and :meth:`BoneContent.category` says
so by returning None: the bot never names one of its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import KnowledgeError
from bot.models import Passage
from bot.reminders.monitoring import normalise_space
from bot.yamlfile import read_knowledge_yaml

SITE_CODES = ("lumbar_spine", "total_hip", "femoral_neck", "forearm")  # the schema's CHECK constraint


@dataclass(frozen=True)
class Site:
    """A scan site: its stored code, its name, and the words a patient may type for it."""

    code: str
    name: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Category:
    """A T-score range the articles name: ``min < T <= max`` (``min`` None: no lower bound)."""

    term: str
    max: float
    min: float | None

    def holds(self, t_score: float) -> bool:
        """Return True when ``t_score`` is in this range."""
        return t_score <= self.max and (self.min is None or t_score > self.min)


@dataclass(frozen=True)
class Citation:
    """Where a quote comes from: the passage's article title and section heading."""

    passage_id: str
    title: str
    heading: str


@dataclass(frozen=True)
class BoneContent:
    """The DEXA part of the knowledge: definition quote and citation, categories, ranges, sites."""

    quote: str
    citation: Citation
    categories: tuple[Category, ...]
    ranges: Mapping[str, tuple[float, float]]
    sites: tuple[Site, ...]

    def category(self, t_score: float) -> Category | None:
        """Return the category the articles give for a T-score, or None where they name none."""
        return next((c for c in self.categories if c.holds(t_score)), None)

    def site(self, code: str) -> Site | None:
        """Return a site by its code."""
        return next((s for s in self.sites if s.code == code), None)

    def find_site(self, text: str) -> tuple[Site, str] | None:
        """Find the site named in ``text`` (longest words first); return it and the text without them."""
        folded = text.lower()
        candidates = sorted(((w, s) for s in self.sites for w in s.words), key=lambda pair: -len(pair[0]))
        for word, site in candidates:
            match = re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", folded)
            if match:
                return site, (text[: match.start()] + " " + text[match.end() :]).strip()
        return None

    def in_range(self, field: str, value: float) -> bool:
        """Return True when ``value`` is accepted for ``field`` (t_score, z_score, bmd)."""
        low, high = self.ranges[field]
        return low <= value <= high


def _number(value: Any, file: str, entry: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise KnowledgeError(file, entry, "must be a number")
    return float(value)


def _range(data: Mapping[str, Any], key: str, file: str) -> tuple[float, float]:
    value = data.get(key)
    if not isinstance(value, list) or len(value) != 2:
        raise KnowledgeError(file, f"ranges.{key}", "must be [lowest, highest]")
    low, high = (_number(v, file, f"ranges.{key}") for v in value)
    if low >= high:
        raise KnowledgeError(file, f"ranges.{key}", "lowest must be below highest")
    return low, high


def _find_passage(passages: Sequence[Passage], article: str, quote: str, file: str) -> Passage:
    wanted = normalise_space(quote)
    for passage in passages:
        if article in passage.sources and wanted in normalise_space(passage.text):
            return passage
    raise KnowledgeError(file, "definition.quote", f"not verbatim in any passage of article {article}")


def load_bone(path: Path, passages: Sequence[Passage], titles: Mapping[str, str]) -> BoneContent:
    """Load and check ``dexa.yaml`` against the articles' passages; KnowledgeError naming the entry."""
    file = path.name
    data = read_knowledge_yaml(path)
    if not isinstance(data, Mapping):
        raise KnowledgeError(file, "-", "expected a mapping with definition, categories, ranges and sites")
    definition = data.get("definition")
    if not isinstance(definition, Mapping) or not str(definition.get("quote") or "").strip():
        raise KnowledgeError(file, "definition", "needs an article and a quote")
    article, quote = str(definition.get("article") or ""), normalise_space(str(definition["quote"]))
    passage = _find_passage(passages, article, quote, file)
    citation = Citation(passage.id, titles.get(passage.article, passage.title), passage.heading)
    categories = []
    for index, raw in enumerate(data.get("categories") or []):
        entry = f"categories[{index}]"
        if not isinstance(raw, Mapping) or not str(raw.get("term") or "").strip():
            raise KnowledgeError(file, entry, "needs a term, max and min")
        term = str(raw["term"]).strip()
        if term not in quote:
            raise KnowledgeError(file, f"{entry}.term", f"{term!r} is not part of the quote")
        low = raw.get("min")
        highest = _number(raw.get("max"), file, f"{entry}.max")
        categories.append(Category(term, highest, None if low is None else _number(low, file, f"{entry}.min")))
    if not categories:
        raise KnowledgeError(file, "categories", "at least one category is required")
    ranges_raw = data.get("ranges")
    if not isinstance(ranges_raw, Mapping):
        raise KnowledgeError(file, "ranges", "expected t_score, z_score and bmd")
    ranges = {key: _range(ranges_raw, key, file) for key in ("t_score", "z_score", "bmd")}
    sites = []
    for index, raw in enumerate(data.get("sites") or []):
        entry = f"sites[{index}]"
        if not isinstance(raw, Mapping) or raw.get("code") not in SITE_CODES:
            raise KnowledgeError(file, entry, f"code must be one of {', '.join(SITE_CODES)}")
        words = raw.get("words")
        if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
            raise KnowledgeError(file, f"{entry}.words", "must be a non-empty list of words")
        sites.append(Site(str(raw["code"]), str(raw.get("name") or raw["code"]), tuple(w.strip().lower() for w in words)))
    if sorted(s.code for s in sites) != sorted(SITE_CODES):
        raise KnowledgeError(file, "sites", f"must list each of {', '.join(SITE_CODES)} once")
    return BoneContent(quote, citation, tuple(categories), ranges, tuple(sites))
