"""Load everything under ``knowledge/`` into one validated, ready-to-query object.

Owns file loading and schema checks for articles.yaml and synonyms.yaml; every problem is reported as a
``KnowledgeError`` naming the file and the entry. The glossary file is loaded by its module; safety files
by ``bot/safety``, and everything together by ``bot/content.py``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import KnowledgeError
from bot.glossary import Glossary
from bot.knowledge.analyzer import Analyzer
from bot.knowledge.ingest import ArticleSource, ingest
from bot.knowledge.search import Searcher, SearchSettings
from bot.models import Passage
from bot.yamlfile import read_knowledge_yaml

_ARTICLE_ID = re.compile(r"^\d{3}$")


@dataclass(frozen=True)
class Article:
    """An article's metadata as listed in articles.yaml."""

    id: str
    title: str
    audience: str
    file: str


read_yaml = read_knowledge_yaml


def _require_mapping(data: Any, file: str, key: str) -> Any:
    if not isinstance(data, Mapping) or key not in data:
        raise KnowledgeError(file, "-", f"expected a mapping with a '{key}' key")
    return data[key]


def load_articles(root: Path) -> list[Article]:
    """Return the validated article list of ``root/articles.yaml``."""
    file = "articles.yaml"
    entries = _require_mapping(read_yaml(root / file), file, "articles")
    if not isinstance(entries, list) or not entries:
        raise KnowledgeError(file, "articles", "expected a non-empty list")
    articles: list[Article] = []
    for index, entry in enumerate(entries):
        name = str(entry.get("id", f"#{index + 1}")) if isinstance(entry, Mapping) else f"#{index + 1}"
        if not isinstance(entry, Mapping):
            raise KnowledgeError(file, name, "expected a mapping")
        for key in ("id", "title", "audience", "file"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise KnowledgeError(file, name, f"'{key}' must be a non-empty string")
        if not _ARTICLE_ID.match(entry["id"]):
            raise KnowledgeError(file, name, "'id' must be three digits, e.g. \"002\"")
        if any(a.id == entry["id"] for a in articles):
            raise KnowledgeError(file, name, "duplicate id")
        if not (root / entry["file"]).is_file():
            raise KnowledgeError(file, name, f"article file not found: {entry['file']}")
        articles.append(Article(entry["id"], entry["title"].strip(), entry["audience"].strip(), entry["file"]))
    return articles


def load_english_frequency(root: Path) -> dict[str, float]:
    """Return common English words -> Zipf frequency from ``root/english_frequency.txt``."""
    file = "english_frequency.txt"
    try:
        lines = (root / file).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise KnowledgeError(file, "-", "file not found") from None
    table: dict[str, float] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        word, _, value = line.partition(" ")
        try:
            table[word] = float(value)
        except ValueError:
            raise KnowledgeError(file, f"line {number}", "expected 'word zipf'") from None
    return table


LAY_TERMS = "lay_terms.yaml"


def load_health_terms(root: Path) -> frozenset[str]:
    """Return the words that name a health topic (symptoms, conditions, medicines...) from ``health_terms.txt``."""
    file = "health_terms.txt"
    try:
        lines = (root / file).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise KnowledgeError(file, "-", "file not found") from None
    words = set()
    for number, line in enumerate(lines, 1):
        word = line.strip()
        if not word or word.startswith("#"):
            continue
        if not (word.isascii() and word.isalpha() and word.islower()):
            raise KnowledgeError(file, f"line {number}", "expected one lowercase word")
        words.add(word)
    return frozenset(words)


def load_passage_questions(root: Path, passages: Sequence[Passage]) -> dict[str, list[str]]:
    """Return passage id -> the patient questions it answers (``passage_questions.yaml``; optional file).

    An id that names no passage is an error (the passage was cut differently since the questions were
    written); a passage without questions is allowed here (a clinic's new article) and reported by
    ``patient-bot knowledge check``.
    """
    file = "passage_questions.yaml"
    path = root / file
    if not path.is_file():
        return {}
    data = read_yaml(path)
    if not isinstance(data, Mapping):
        raise KnowledgeError(file, "-", "expected a mapping of passage id -> list of questions")
    ids = {p.id for p in passages}
    questions: dict[str, list[str]] = {}
    for key, items in data.items():
        if str(key) not in ids:
            raise KnowledgeError(file, str(key), "no passage has this id (re-cut articles? update the questions)")
        if not isinstance(items, list) or not all(isinstance(q, str) and q.strip() for q in items):
            raise KnowledgeError(file, str(key), "expected a list of questions")
        questions[str(key)] = [str(q) for q in items]
    return questions


def _synonym_map(data: Any, file: str) -> dict[str, list[str]]:
    """Validate a ``synonyms:`` mapping canonical -> [variants] and return it."""
    synonyms = _require_mapping(data, file, "synonyms")
    if not isinstance(synonyms, Mapping):
        raise KnowledgeError(file, "synonyms", "expected a mapping canonical -> [variants]")
    for canonical, variants in synonyms.items():
        if not isinstance(canonical, str) or not canonical.strip():
            raise KnowledgeError(file, str(canonical), "canonical phrase must be a non-empty string")
        if not isinstance(variants, list) or not all(isinstance(v, str) and v.strip() for v in variants):
            raise KnowledgeError(file, canonical, "variants must be a list of non-empty strings")
    return {canonical: list(variants) for canonical, variants in synonyms.items()}


def load_analyzer(root: Path) -> Analyzer:
    """Return the analyzer configured by ``synonyms.yaml`` and the lay vocabulary of ``lay_terms.yaml``.

    Both map article words to what patients type; lists for the same article phrase are joined.
    """
    file = "synonyms.yaml"
    data = read_yaml(root / file)
    synonyms = _synonym_map(data, file)
    stop_words = _require_mapping(data, file, "stop_words")
    if not isinstance(stop_words, str) or not stop_words.split():
        raise KnowledgeError(file, "stop_words", "expected a text of space-separated words")
    for canonical, variants in _synonym_map(read_yaml(root / LAY_TERMS), LAY_TERMS).items():
        synonyms[canonical] = [*synonyms.get(canonical, []), *variants]
    return Analyzer(stop_words.split(), synonyms)


@dataclass(frozen=True)
class KnowledgeBase:
    """The loaded knowledge: articles, passages, search, glossary, and everyday English word frequencies."""

    root: Path
    articles: dict[str, Article]
    passages: tuple[Passage, ...]
    searcher: Searcher
    glossary: Glossary
    english: dict[str, float]  # word -> Zipf frequency (knowledge/english_frequency.txt)

    @classmethod
    def load(cls, root: Path, settings: SearchSettings | None = None) -> KnowledgeBase:
        """Load and validate every knowledge file under ``root``; raise KnowledgeError on problems."""
        articles = load_articles(root)
        sources = [
            ArticleSource(a.id, a.title, (root / a.file).read_text(encoding="utf-8")) for a in articles
        ]
        passages = tuple(ingest(sources))
        english = load_english_frequency(root)
        questions = load_passage_questions(root, passages)
        searcher = Searcher(passages, load_analyzer(root), settings, english, load_health_terms(root), questions)
        return cls(
            root=root,
            articles={a.id: a for a in articles},
            passages=passages,
            searcher=searcher,
            glossary=Glossary.load(root / "glossary.yaml"),
            english=english,
        )

    def title(self, article_id: str) -> str:
        """Return an article's title (its id when unknown)."""
        article = self.articles.get(article_id)
        return article.title if article else article_id


def default_knowledge_dir() -> Path:
    """Return the knowledge/ folder shipped next to the package (the repo root or the install)."""
    return Path(__file__).resolve().parents[2] / "knowledge"
