"""Load the knowledge proper (articles, passages, search vocabularies, glossary) into one object.

Owns the schema checks of articles.yaml (id, title, file, ``format``: scraped | markdown | plain, and
the optional ``audience``, ``source_url``, ``reviewed`` date and ``language``) and of synonyms.yaml;
every problem is a ``KnowledgeError`` naming the file and the entry. ``bot/content.py`` calls this with
the rest of the folder (safety, texts, reminders); nothing here imports from outside ``bot/knowledge``
but the shared leaves (models, errors, the file reader).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bot.errors import KnowledgeError
from bot.knowledge.analyzer import Analyzer
from bot.knowledge.answerable import AnswerabilityModel
from bot.knowledge.formats import FORMATS, ingest_articles
from bot.knowledge.glossary import Glossary
from bot.knowledge.ingest import ArticleSource
from bot.knowledge.search import Searcher, SearchSettings
from bot.knowledge.vectors import WordVectors
from bot.models import Passage
from bot.yamlfile import read_knowledge_text, read_knowledge_yaml

_ARTICLE_ID = re.compile(r"^\d{3}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z]{2,4})?$")  # a BCP 47 tag such as "en" or "en-GB"
_ARTICLE_KEYS = frozenset({"id", "title", "file", "format", "audience", "source_url", "reviewed", "language"})
# A file without a declared format: Markdown by its extension, plain text otherwise. The five source
# articles declare ``format: scraped`` (their layout is a scraped web page's, see ingest.py).
_MARKDOWN_SUFFIXES = (".md", ".markdown")


@dataclass(frozen=True)
class Article:
    """An article's metadata as listed in articles.yaml."""

    id: str
    title: str
    audience: str
    file: str
    format: str = "scraped"  # scraped | markdown | plain
    source_url: str = ""
    reviewed: date | None = None  # when the clinic last checked the text; shown in citations
    language: str = "en"


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
        article = _article(root, entry, file, name)
        if any(a.id == article.id for a in articles):
            raise KnowledgeError(file, name, "duplicate id")
        articles.append(article)
    return articles


def _article(root: Path, entry: Mapping[str, Any], file: str, name: str) -> Article:
    """Validate one entry of articles.yaml."""
    unknown = sorted(str(key) for key in set(entry) - _ARTICLE_KEYS)
    if unknown:
        known = ", ".join(sorted(_ARTICLE_KEYS))
        raise KnowledgeError(file, name, f"unknown field(s): {', '.join(unknown)} (known: {known})")
    for key in ("id", "title", "file"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise KnowledgeError(file, name, f"'{key}' must be a non-empty string")
    for key in ("audience", "source_url", "language", "format"):
        if key in entry and (not isinstance(entry[key], str) or not entry[key].strip()):
            raise KnowledgeError(file, name, f"'{key}' must be a non-empty string when given")
    if not _ARTICLE_ID.match(entry["id"]):
        raise KnowledgeError(file, name, "'id' must be three digits, e.g. \"002\"")
    path = root / entry["file"]
    if not path.is_file():
        raise KnowledgeError(file, name, f"article file not found: {entry['file']} (looked at {path})")
    default = "markdown" if path.suffix.lower() in _MARKDOWN_SUFFIXES else "plain"
    form = str(entry.get("format", default)).strip().lower()
    if form not in FORMATS:
        raise KnowledgeError(file, name, f"'format' must be one of {', '.join(FORMATS)}, got {form!r}")
    language = str(entry.get("language", "en")).strip()
    if not _LANGUAGE.match(language):
        raise KnowledgeError(file, name, f"'language' must be a language tag such as \"en\", got {language!r}")
    source_url = str(entry.get("source_url", "")).strip()
    if source_url and not re.match(r"^https?://\S+$", source_url):
        raise KnowledgeError(file, name, "'source_url' must be an http(s) address")
    return Article(
        id=entry["id"],
        title=entry["title"].strip(),
        audience=str(entry.get("audience", "")).strip(),
        file=entry["file"],
        format=form,
        source_url=source_url,
        reviewed=_reviewed(entry.get("reviewed"), file, name),
        language=language,
    )


def _reviewed(value: Any, file: str, name: str) -> date | None:
    """Return the ``reviewed`` date (YAML reads 2025-03-14 as a date; a quoted one is parsed here)."""
    if value is None:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise KnowledgeError(file, name, f"'reviewed' must be a date like 2025-03-14, got {value!r}") from None


def load_english_frequency(root: Path) -> dict[str, float]:
    """Return common English words -> Zipf frequency from ``root/english_frequency.txt``."""
    file = "english_frequency.txt"
    lines = read_knowledge_text(root / file).splitlines()
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
    lines = read_knowledge_text(root / file).splitlines()
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
    texts: Mapping[str, str] = field(default_factory=dict)  # article id -> the article file's text, as read

    @classmethod
    def load(cls, root: Path, settings: SearchSettings | None = None) -> KnowledgeBase:
        """Load and validate every knowledge file under ``root``; raise KnowledgeError on problems."""
        articles = load_articles(root)
        texts = {a.id: read_knowledge_text(root / a.file, a.file) for a in articles}
        sources = [ArticleSource(a.id, a.title, texts[a.id], a.format) for a in articles]
        passages = tuple(ingest_articles(sources))
        counts = {a.id: 0 for a in articles}
        for passage in passages:
            for article_id in passage.sources:
                counts[article_id] += 1
        for article in articles:
            if not counts[article.id]:
                # A clinic's leaflet silently ignored is the worst outcome: say which format was used.
                hint = "is it a clinic's article? declare format: markdown or plain" if article.format == "scraped" else (
                    "is the file empty?"
                )
                problem = f"{article.file} gave no passages as {article.format} ({hint})"
                raise KnowledgeError("articles.yaml", article.id, problem)
        english = load_english_frequency(root)
        questions = load_passage_questions(root, passages)
        searcher = Searcher(
            passages,
            load_analyzer(root),
            settings,
            english,
            load_health_terms(root),
            questions,
            WordVectors.load(root),
            AnswerabilityModel.load(root),
        )
        glossary = Glossary.load(root / "glossary.yaml")
        for entry in glossary.entries:
            for source in entry.sources:
                if source not in counts:
                    problem = f"source {source!r} is not an article id in articles.yaml"
                    raise KnowledgeError("glossary.yaml", entry.id, problem)
        return cls(
            root=root,
            articles={a.id: a for a in articles},
            passages=passages,
            searcher=searcher,
            glossary=glossary,
            english=english,
            texts=texts,
        )

    def title(self, article_id: str) -> str:
        """Return an article's title (its id when unknown)."""
        article = self.articles.get(article_id)
        return article.title if article else article_id
