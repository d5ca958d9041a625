"""`patient-bot knowledge check` and `knowledge init`: what a clinic editor runs before a reload.

``check_knowledge(root, today)`` loads the folder exactly as the bot does (``load_content``: any error is
the bot's own error, naming file and entry) and reports, per article, its passages (count, shortest and
longest), lines that look like image captions or page navigation (dropped from the scraped pages, or
kept as passages of a clinic's article, where they are suspicious), then the glossary's terms that no
article uses or that the articles define but the glossary lacks, duplicated definitions, passages
without patient questions, and review dates in the future. ``answered_by`` shows which article answers
each question of a list, through the same ``Assistant.ask`` as the bot. ``init_folder`` copies the
default knowledge out for editing.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.assistant import Assistant
from bot.config import Settings
from bot.content import Content, load_content
from bot.knowledge.ingest import NAVIGATION, is_caption
from bot.models import Passage, ReplyKind

SHORT_WORDS = 4  # a passage this short rarely answers anything on its own
# Lines a web page or a pasted leaflet carries around its text: not knowledge.
_NAVIGATION = re.compile(
    r"^(?:skip to (?:main )?content|home|menu|back to top|print(?: this page)?|share(?: this)?|search|"
    r"next|previous|related (?:articles|pages)|click here.*|cookie.*|accept (?:all )?cookies|sign in|log in|"
    r"subscribe.*|page \d+ of \d+|you are here.*)$",
    re.IGNORECASE,
)


@dataclass
class CheckReport:
    """The check's findings: lines to print, and whether any is an error (the exit code)."""

    lines: list[str] = field(default_factory=list)
    errors: int = 0
    warnings: int = 0

    def warn(self, text: str) -> None:
        """Record a warning (printed; the check still passes)."""
        self.warnings += 1
        self.lines.append(f"  warning: {text}")

    def error(self, text: str) -> None:
        """Record an error (the check fails)."""
        self.errors += 1
        self.lines.append(f"error: {text}")


def looks_like_navigation(text: str) -> bool:
    """Return True for a page's navigation or chrome line ("Skip to main content", "Back to top")."""
    return text.strip() in NAVIGATION or bool(_NAVIGATION.match(text.strip().rstrip(".:")))


def _words(passage: Passage) -> int:
    return len(passage.text.split())


def _quote(text: str, limit: int = 60) -> str:
    return f"\"{text[:limit]}…\"" if len(text) > limit else f"\"{text}\""


def check_content(content: Content, today: date) -> CheckReport:
    """Return the report on loaded content (see the module docstring for what is checked)."""
    report = CheckReport()
    knowledge = content.knowledge
    by_article: dict[str, list[Passage]] = {article_id: [] for article_id in knowledge.articles}
    for passage in knowledge.passages:
        by_article[passage.article].append(passage)
    report.lines.append(f"knowledge folder: {knowledge.root}")
    report.lines.append(f"articles: {len(knowledge.articles)}, passages: {len(knowledge.passages)}")
    for article_id, article in knowledge.articles.items():
        passages = by_article[article_id]
        shared = sum(1 for p in knowledge.passages if article_id in p.also_in)
        reviewed = f", reviewed {article.reviewed.isoformat()}" if article.reviewed else ""
        report.lines.append("")
        report.lines.append(f"{article_id} {article.title!r} ({article.format}, {article.file}{reviewed})")
        extra = f" (+{shared} shared with an earlier article)" if shared else ""
        report.lines.append(f"  passages: {len(passages)}{extra}")
        if passages:
            shortest = min(passages, key=_words)
            longest = max(passages, key=_words)
            report.lines.append(f"  shortest: {_words(shortest)} words, {shortest.id} {_quote(shortest.text)}")
            report.lines.append(f"  longest: {_words(longest)} words, {longest.id} {_quote(longest.text)}")
        _captions(report, article.format, knowledge.texts.get(article_id, ""), passages)
        if article.reviewed and article.reviewed > today:
            report.warn(f"'reviewed' {article.reviewed.isoformat()} is in the future (a typo?)")
        if article.language.split("-")[0] != "en":
            report.warn(f"language {article.language}: the bot reads and searches English only")
    report.lines.append("")
    _glossary(report, content)
    unasked = [p.id for p in knowledge.passages if p.id not in knowledge.searcher.questioned]
    if unasked:
        report.lines.append(
            f"passages without patient questions (passage_questions.yaml): {len(unasked)}, e.g. {', '.join(unasked[:5])}"
            " (optional: questions help search find them)"
        )
    report.lines.append("")
    report.lines.append(f"{report.errors} error(s), {report.warnings} warning(s)")
    return report


def _captions(report: CheckReport, form: str, text: str, passages: Sequence[Passage]) -> None:
    """Report caption and navigation lines: dropped from a scraped page, suspicious in a clinic's text."""
    if form == "scraped":
        dropped = [line.strip() for line in text.splitlines() if line.strip() and is_caption(line)]
        navigation = [line.strip() for line in text.splitlines() if line.strip() and looks_like_navigation(line)]
        report.lines.append(f"  suspected captions dropped: {len(dropped)}; navigation lines dropped: {len(navigation)}")
        for line in dropped[:2]:
            report.lines.append(f"    caption: {_quote(line)}")
    for passage in passages:
        if looks_like_navigation(passage.text):
            report.warn(f"{passage.id} looks like a navigation line, not knowledge: {_quote(passage.text)}")
        elif is_caption(passage.text):
            report.warn(f"{passage.id} looks like an image caption: {_quote(passage.text)}")
        elif form != "scraped" and _words(passage) < SHORT_WORDS and passage.kind == "paragraph":
            report.warn(f"{passage.id} is very short for a passage ({_words(passage)} words): {_quote(passage.text)}")


def _glossary(report: CheckReport, content: Content) -> None:
    """Report glossary terms no article uses, terms the articles define but the glossary lacks, and
    definitions given twice."""
    knowledge = content.knowledge
    glossary = knowledge.glossary
    used: set[str] = set()
    for passage in knowledge.passages:
        used.update(entry.id for entry in glossary.find_in_text(f"{passage.text} {passage.heading}", limit=50))
    passages = knowledge.passages
    missing_in_articles = [
        entry for entry in glossary.entries if entry.id not in used and not _named(entry.term, entry.aliases, passages)
    ]
    report.lines.append(f"glossary: {len(glossary.entries)} terms")
    for entry in missing_in_articles:
        report.warn(f"glossary term {entry.term!r} ({entry.id}) appears in no article")
    defined = sorted({p.heading for p in knowledge.passages if p.kind == "glossary"})
    lacking = [term for term in defined if glossary.lookup(term).entry is None]
    for term in lacking:
        report.warn(f"{term!r} is defined in an article's glossary but missing from glossary.yaml")
    seen: dict[str, str] = {}
    for entry in glossary.entries:
        key = re.sub(r"\W+", " ", entry.definition.text.casefold()).strip()
        if key in seen:
            report.warn(f"glossary entries {seen[key]} and {entry.id} have the same definition (duplicated?)")
        seen.setdefault(key, entry.id)


def _named(term: str, aliases: Iterable[str], passages: Sequence[Passage]) -> bool:
    """Return True when a term or alias occurs (case-insensitively) in some passage's text or heading."""
    forms = [form.casefold() for form in (term, *aliases) if form.strip()]
    return any(form in f"{p.text} {p.heading}".casefold() for p in passages for form in forms)


def check_knowledge(root: Path, today: date) -> tuple[Content | None, CheckReport]:
    """Load ``root`` as the bot would and return the content (None on an error) and the report."""
    from bot.errors import KnowledgeError

    try:
        content = load_content(root)
    except KnowledgeError as error:
        report = CheckReport()
        report.lines.append(f"knowledge folder: {root}")
        report.error(str(error))
        report.lines.append("nothing else was checked: fix this first (the bot keeps its current content on a reload)")
        return None, report
    return content, check_content(content, today)


def answered_by(content: Content, settings: Settings, questions: Iterable[str]) -> list[str]:
    """Return one line per question: the article (and passage) that answers it, or what happens instead."""
    assistant = Assistant(content, settings)
    lines = []
    for question in questions:
        replies = assistant.ask(question)
        first = replies[0] if replies else None
        hits = [hit for reply in replies for hit in reply.passages]
        if first is not None and first.kind is ReplyKind.URGENT:
            verdict = "urgent: the seek-care-now reply"
        elif hits:
            passage = hits[0].passage
            article = content.knowledge.title(passage.article)
            guard = "medication guard, then " if first is not None and first.kind is ReplyKind.MEDICATION else ""
            verdict = f"{guard}{passage.article} {article} › {passage.heading} ({passage.id})"
        elif first is not None and first.kind is ReplyKind.SMALL_TALK:
            verdict = "small talk: answered as conversation"
        elif first is not None and first.kind is ReplyKind.MEDICATION:
            verdict = "medication guard, no passage"
        else:
            verdict = "not covered by the articles"
        lines.append(f"{question}\n  -> {verdict}")
    return lines


def init_folder(source: Path, target: Path) -> int:
    """Copy the knowledge folder ``source`` to ``target`` (which must not exist or be empty); return
    the number of files copied. Raises FileExistsError for a non-empty target."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(f"{target} already exists and is not an empty folder: choose a new one")
    shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return sum(1 for path in target.rglob("*") if path.is_file())
