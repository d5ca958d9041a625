"""Extract the raw glossaries of the scraped articles into one YAML file, the starting point of curation.

Owns the rules for reading an article's ``Glossary`` section: a term line, a blank line, then
``Meaning ∞ definition``. Image captions between entries and terms whose next line is not a ``Meaning``
line (the scraper lost the definition and kept some unrelated sentence) are skipped and listed, so the
editor can see what was dropped. Definitions are kept verbatim (only surrounding whitespace is stripped);
entries are grouped by a normalised term (case, hyphens and simple plurals folded) so that the editor sees
every article's definition of a concept side by side. The output is deterministic.

Usage: python scripts/extract_glossary.py [--articles DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ARTICLES = REPO_ROOT / "knowledge" / "articles"
GLOSSARY_HEADING = "Glossary"
_MEANING = re.compile(r"^Meaning\s*∞\s*(?P<text>.*)$")
_SPACES = re.compile(r"\s+")
# A term line is short and unpunctuated; captions and stray sentences are long or end with a full stop.
MAX_TERM_WORDS = 8
MAX_TERM_CHARS = 80
_TERMINAL = (".", "?", "!", ":", ";", ",")


@dataclass(frozen=True)
class RawEntry:
    """One glossary entry as found in an article."""

    term: str
    definition: str
    article: str


@dataclass(frozen=True)
class Skipped:
    """A line of a glossary section that is not a usable entry, and why."""

    text: str
    article: str
    reason: str  # "caption" | "no definition"


@dataclass(frozen=True)
class ArticleGlossary:
    """Everything extracted from one article's glossary section."""

    article: str
    entries: tuple[RawEntry, ...]
    skipped: tuple[Skipped, ...]


def article_id(path: Path) -> str:
    """Return the article id: the first three characters of the file name ("000".."999")."""
    return path.name[:3]


def looks_like_term(line: str) -> bool:
    """Return True for a line that could be a glossary term (short, no sentence punctuation)."""
    text = line.strip()
    return (
        bool(text)
        and not _MEANING.match(text)
        and len(text) <= MAX_TERM_CHARS
        and len(text.split()) <= MAX_TERM_WORDS
        and not text.endswith(_TERMINAL)
    )


def glossary_lines(text: str) -> list[str]:
    """Return the non-blank lines after the last ``Glossary`` heading (the section runs to the end)."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == GLOSSARY_HEADING]
    if not starts:
        return []
    return [line.strip() for line in lines[starts[-1] + 1 :] if line.strip()]


def extract_text(text: str, article: str) -> ArticleGlossary:
    """Extract the glossary entries of one article's text."""
    lines = glossary_lines(text)
    entries: list[RawEntry] = []
    skipped: list[Skipped] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        following = lines[i + 1] if i + 1 < len(lines) else ""
        meaning = _MEANING.match(following)
        if looks_like_term(line) and meaning:
            definition = _SPACES.sub(" ", meaning.group("text")).strip()
            if definition:
                entries.append(RawEntry(term=_SPACES.sub(" ", line), definition=definition, article=article))
            else:
                skipped.append(Skipped(text=line, article=article, reason="no definition"))
            i += 2
            continue
        if _MEANING.match(line):
            # A Meaning line with no term above it cannot be attributed; keep it visible for the editor.
            skipped.append(Skipped(text=line, article=article, reason="orphan meaning"))
        elif looks_like_term(line):
            skipped.append(Skipped(text=line, article=article, reason="no definition"))
        else:
            skipped.append(Skipped(text=line, article=article, reason="caption"))
        i += 1
    return ArticleGlossary(article=article, entries=tuple(entries), skipped=tuple(skipped))


def extract_dir(articles: Path) -> list[ArticleGlossary]:
    """Extract every ``*.txt`` article in a directory, in file-name order."""
    paths = sorted(articles.glob("*.txt"))
    return [extract_text(p.read_text(encoding="utf-8"), article_id(p)) for p in paths]


def _singular(word: str) -> str:
    # Deliberately crude: enough to put "osteoblast" and "osteoblasts" in one group for the editor.
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "is", "us")):
        return word[:-1]
    return word


def group_key(term: str) -> str:
    """Return the grouping key of a term: lower case, hyphens as spaces, each word singular."""
    words = re.sub(r"[-‐–/]", " ", term.casefold()).split()
    return " ".join(_singular(w) for w in words)


def group(glossaries: Iterable[ArticleGlossary]) -> list[dict[str, object]]:
    """Group entries by normalised term; identical definitions are listed once with all their sources."""
    forms: dict[str, list[str]] = {}
    # group key -> definition text -> (sources, terms), in order of first appearance
    definitions: dict[str, dict[str, tuple[list[str], list[str]]]] = {}
    for glossary in glossaries:
        for entry in glossary.entries:
            key = group_key(entry.term)
            if entry.term not in forms.setdefault(key, []):
                forms[key].append(entry.term)
            sources, terms = definitions.setdefault(key, {}).setdefault(entry.definition, ([], []))
            if entry.article not in sources:
                sources.append(entry.article)
            if entry.term not in terms:
                terms.append(entry.term)
    return [
        {
            "key": key,
            "forms": sorted(forms[key]),
            "definitions": [
                {"text": text, "sources": sources, "terms": terms}
                for text, (sources, terms) in definitions[key].items()
            ],
        }
        for key in sorted(forms)
    ]


def build_report(glossaries: Sequence[ArticleGlossary]) -> dict[str, object]:
    """Return the raw glossary document: per-article counts, grouped entries and skipped lines."""
    return {
        "articles": {
            g.article: {
                "entries": len(g.entries),
                "captions": sum(s.reason == "caption" for s in g.skipped),
                "no_definition": sum(s.reason != "caption" for s in g.skipped),
            }
            for g in glossaries
        },
        "groups": group(glossaries),
        # Captions are not listed (they are decoration); terms that lost their definition are.
        "skipped": [
            {"term": s.text, "source": s.article, "reason": s.reason}
            for g in glossaries
            for s in g.skipped
            if s.reason != "caption"
        ],
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the extraction and write the raw YAML to ``--out`` or stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--articles", type=Path, default=DEFAULT_ARTICLES, help="folder of *.txt articles")
    parser.add_argument("--out", type=Path, default=None, help="output YAML file (default: stdout)")
    args = parser.parse_args(argv)
    if not args.articles.is_dir():
        parser.error(f"not a directory: {args.articles}")
    glossaries = extract_dir(args.articles)
    if not glossaries:
        parser.error(f"no *.txt articles in {args.articles}")
    text = yaml.safe_dump(build_report(glossaries), sort_keys=False, allow_unicode=True, width=1000)
    header = "# Raw glossary extracted by scripts/extract_glossary.py; curate into knowledge/glossary.yaml.\n"
    if args.out is None:
        sys.stdout.write(header + text)
    else:
        args.out.write_text(header + text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
