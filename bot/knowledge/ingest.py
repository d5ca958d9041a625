"""Turn raw scraped article pages into clean, citable passages.

Owns the rules for what in a page is knowledge: the navigation line, image captions, references, the
reflection and the glossary are dropped; paragraphs, list items and table rows become passages that keep
their article, section and heading. A passage's ``text`` is always a verbatim quote of the article (only
whitespace is folded); anything added for retrieval, such as a table's caption and header, goes in
``context``. The output is deterministic, so passage ids are stable across runs and restarts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from bot.models import Passage

SECTIONS = ("Fundamentals", "Intermediate", "Academic")
# Citations and a closing essay are not knowledge; the glossary is, one passage per defined term (its
# "Meaning ∞ ..." line, the term as heading), so "what is a SERM" finds the article's own definition.
SKIPPED = ("References", "Reflection")
GLOSSARY = "Glossary"
_MEANING = re.compile(r"^\s*Meaning\s*∞\s*")
NAVIGATION = {"Skip to main content"}

# Image captions describe a picture ("A poppy pod ... symbolizes ...") and, unlike body paragraphs, end
# without a full stop. Both signals together keep truncated body lines (also unpunctuated) in the text.
_CAPTION_VERBS = re.compile(
    r"\b(symboli[sz]\w*|represent\w*|depict\w*|embod\w*|illustrat\w*|signif\w*|evok\w*|visual\w*|"
    r"showcas\w*|highlight\w*|portray\w*|reflect\w*|suggest\w*|reveal\w*|emphasi[sz]\w*|convey\w*|"
    r"display\w*|exhibit\w*|resembl\w*|contrast\w*|facilitat\w*)\b",
    re.IGNORECASE,
)
# ...and they talk in the site's decorative vocabulary or describe a scene ("A ... . This ...").
# Table rows can share the verbs ("Reflect bone remodeling activity", "Significant decrease"), never this.
_CAPTION_SCENE = re.compile(
    r"^(?:An?|Two|Several)\s|\.\s+(?:This|These|Their|An?)\s|\b(?:optimi[sz]ation|cellular|wellness|"
    r"vitality|peptide|spher\w*|botanical|porous|leaf|leaves|green|white|delicate|intricate|structures?|"
    r"composition|background|surface)\b",
    re.IGNORECASE,
)
_TERMINAL = (".", "?", "!", ":", ";", '"', "”", "’", ")")
_LIST_ITEM = re.compile(r"^\s*(?:•|\d+\.)\s+")
# A flattened table's header row names its columns; a caption line above it does not.
_HEADER_WORDS = re.compile(
    r"\b(Purpose|Function|Mechanism|Feature|Population|Frequency|Category|Type|Name|Parameter|Component|"
    r"Finding|Consideration|Role|Effect)\b"
)
_SPACES = re.compile(r"[ \t\u00a0]+")


def fold_whitespace(text: str) -> str:
    """Return ``text`` with runs of spaces folded and ends stripped (the only change quotes may have)."""
    return _SPACES.sub(" ", text).strip()


def is_caption(line: str) -> bool:
    """Return True when a line is an image caption rather than knowledge."""
    text = line.strip()
    if not text or text.endswith(_TERMINAL):
        return False
    words = text.split()
    return len(words) > 12 and bool(_CAPTION_VERBS.search(text)) and bool(_CAPTION_SCENE.search(text))


def is_heading(line: str) -> bool:
    """Return True for a short title line: few words and no sentence punctuation at the end."""
    text = line.strip()
    if not text or text.endswith((".", ":", ";", ",", "∞")) or _LIST_ITEM.match(line):
        return False
    return len(text.split()) <= 14 and not is_caption(text)


@dataclass(frozen=True)
class ArticleSource:
    """The raw text of one article with the metadata ingestion needs."""

    id: str
    title: str
    text: str
    format: str = "scraped"  # scraped | markdown | plain (articles.yaml's ``format``)


@dataclass
class _Cursor:
    """Where ingestion is in an article: section, heading, and the last lead-in line seen."""

    section: str = ""
    heading: str = ""
    lead_in: str = ""


def split_blocks(text: str) -> list[list[str]]:
    """Split page text into blocks of non-empty lines separated by blank lines."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def ingest_article(article: ArticleSource) -> list[Passage]:
    """Return the knowledge passages of one article, in page order, with ids ``<article>-<nnn>``."""
    cursor = _Cursor()
    passages: list[Passage] = []

    def add(text: str, kind: str, context: str = "", cells: tuple[str, ...] = (), columns: tuple[str, ...] = ()) -> None:
        text = fold_whitespace(text)
        if not text or not cursor.section:
            return
        before = passages[-1] if passages else None
        refers = kind == "paragraph" and _REFERS.match(text) and before is not None and before.kind == "paragraph"
        previous = last_sentence(before.text) if refers and before is not None else ""
        passages.append(
            Passage(
                id=f"{article.id}-{len(passages) + 1:03d}",
                article=article.id,
                title=article.title,
                section=cursor.section,
                heading=cursor.heading or cursor.section,
                text=text,
                kind=kind,
                context=fold_whitespace(context),
                cells=cells,
                columns=columns,
                previous=previous,
            )
        )

    glossary_term = ""
    for block in split_blocks(article.text):
        lines = [line for line in block if not is_caption(line)]
        if not lines:
            continue
        first = lines[0].strip()
        if len(lines) == 1 and first in NAVIGATION:
            continue
        if len(lines) == 1 and first in SKIPPED:
            cursor.section = ""  # nothing is added until the next section or the glossary
            continue
        if len(lines) == 1 and first == GLOSSARY:
            cursor.section, cursor.heading, cursor.lead_in = GLOSSARY, "", ""
            continue
        if cursor.section == GLOSSARY:
            if _MEANING.match(first) and glossary_term:
                cursor.heading = glossary_term
                add(_MEANING.sub("", first), "glossary")
                glossary_term = ""
            elif len(lines) == 1 and is_heading(first):
                glossary_term = first  # an entry without a "Meaning" line is skipped with its term
            continue
        if len(lines) == 1 and first in SECTIONS:
            cursor.section, cursor.heading, cursor.lead_in = first, "", ""
            continue
        if not cursor.section:
            continue
        if any(_LIST_ITEM.match(line) for line in lines):
            for text, context in _list_items(lines, cursor.lead_in):
                add(text, "list", context)
            cursor.lead_in = ""
        elif len(lines) > 1:
            for text, context, cells, columns in _table_rows(lines, cursor.lead_in):
                add(text, "table_row", context, cells, columns)
            cursor.lead_in = ""
        elif is_heading(first):
            cursor.heading, cursor.lead_in = first, ""
        elif first.endswith(":") and len(first.split()) <= 15:
            # "Key strategies include:" introduces the next list or table; alone it answers nothing.
            cursor.lead_in = first
        else:
            add(first, "paragraph")
            cursor.lead_in = first if first.endswith(":") else ""
    return passages


def _list_items(lines: Sequence[str], lead_in: str) -> Iterable[tuple[str, str]]:
    """Yield (item text, context) for each list item; nested items get their parent's term as context."""
    parent_term = ""
    for line in lines:
        indent = len(line) - len(line.lstrip())
        text = _LIST_ITEM.sub("", line).strip()
        term, _, body = text.partition("∞")
        if not body.strip() and "∞" in text:
            continue  # the scraper lost this item's content: a bare "Term ∞" says nothing
        if indent > 2 and parent_term:
            context = f"{lead_in} {parent_term}".strip()
        else:
            parent_term = term.strip() if body else ""
            context = lead_in
        yield text, context


def _table_rows(lines: Sequence[str], lead_in: str) -> Iterable[tuple[str, str, tuple[str, ...], tuple[str, ...]]]:
    """Yield (row text, context, cells, column names) for a flattened table.

    The caption and header become each row's context. The scraper joined cells with single spaces; they
    are restored with ``row_cells``, and the header's column names with ``header_cells`` when their count
    matches the rows' (otherwise the cells are shown without names).
    """
    rows = list(lines)
    caption = ""
    if len(rows) >= 3 and not _HEADER_WORDS.search(rows[0]):
        caption = rows.pop(0).strip()
    header = rows.pop(0).strip()
    context = " — ".join(part for part in (lead_in.rstrip(":"), caption, header) if part)
    split = [row_cells(row) for row in rows]
    counts = Counter(len(cells) for cells in split)
    width = counts.most_common(1)[0][0] if counts else 0
    columns = header_cells(header, width)
    for row, cells in zip(rows, split, strict=True):
        yield row, context, (cells if len(cells) > 1 else ()), (columns if len(columns) == len(cells) else ())


def _capital(word: str) -> bool:
    letters = word.lstrip("(\"'“‘")
    return bool(letters) and letters[0].isupper()


def _number(word: str) -> bool:
    return bool(re.match(r"^[+\-−]?\d", word))


def row_cells(row: str) -> tuple[str, ...]:
    """Return the cells of a flattened table row (best effort; the words stay in their order).

    A cell starts at a capitalised word (not an acronym) that follows a lower-case word ("...fracture
    risk | Baseline"), or that is itself followed by a lower-case word after a capitalised one ("DEXA Scan
    | Assess bone"), and at a signed number after a non-number ("Tamoxifen | -6.1%").
    """
    words = row.split()
    cells: list[list[str]] = [[words[0]]] if words else []
    for i in range(1, len(words)):
        word, before = words[i], words[i - 1]
        after = words[i + 1] if i + 1 < len(words) else ""
        acronym = word.strip("(),.;:").isupper()  # "D", "BMD", "E2": inside a cell ("Vitamin D", "BMD loss")
        starts = (
            _capital(word) and not acronym and (not _capital(before) or (after[:1].islower() and not _number(before)))
        ) or (_number(word) and word[0] in "+-−" and not _number(before))  # a measured change: "Tamoxifen | -6.1%"
        if starts and not before.endswith((",", "/", "-")) and before.lower() not in _JOINERS:
            cells.append([word])
        else:
            cells[-1].append(word)
    return tuple(" ".join(cell) for cell in cells)


_JOINERS = {"and", "or", "of", "the", "a", "an", "to", "in", "for", "with", "from", "than", "by", "over", "at", "on",
            "vs.", "vs", "e.g.,", "(e.g.,", "e.g.", "(e.g."}


def header_cells(header: str, width: int) -> tuple[str, ...]:
    """Return a table header's column names: each ends at a word that names a column ("Purpose",
    "Frequency", "Finding"...); () when that does not give ``width`` names."""
    names: list[list[str]] = [[]]
    for word in header.split():
        names[-1].append(word)
        if _COLUMN_END.fullmatch(word.strip("()/,")):
            names.append([])
    found = tuple(" ".join(name) for name in names if name)
    return found if len(found) == width and width > 1 else ()


_COLUMN_END = re.compile(
    r"Purpose|Function|Action|Feature|Population|Frequency|Guideline|Category|Type|Name|Parameter|Component|"
    r"Finding|Consideration|Role|Effect|Influence|Intervention|Examples|Year|Inhibitor|Group|Spine|Hip|Strategy|"
    r"Axis|Indirect|AIs|Exemestane|Mechanism"
)


def last_sentence(text: str) -> str:
    """Return the last sentence of a paragraph (what "This" at the start of the next one refers to)."""
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text.strip())
    return sentences[-1] if sentences else ""


# A paragraph that starts by pointing back at the one before: shown with that one's last sentence.
_REFERS = re.compile(r"^(?:This|These|It|They|Such|Those|That|Its|Their)\b")


def _dedup_key(text: str) -> str:
    """Return a key that ignores case, spacing and punctuation, so scraper variants of one text match."""
    return re.sub(r"[\W_]+", "", text.casefold())


def merge_duplicates(passages: Iterable[Passage]) -> list[Passage]:
    """Merge passages whose text is the same in several articles into one passage citing all of them.

    The kept text is the most readable variant (the one with the most separators, e.g. with its "∞"
    where another copy lost it); it stays a verbatim quote of its own article, which becomes primary.
    """
    groups: dict[str, list[Passage]] = {}
    for passage in passages:
        groups.setdefault(_dedup_key(passage.text), []).append(passage)
    merged: list[Passage] = []
    for group in groups.values():
        best = max(group, key=lambda p: (len(p.text.split()), -int(p.article)))
        others = tuple(sorted({p.article for p in group if p.article != best.article}))
        merged.append(replace(best, also_in=others) if others else best)
    # Keep page order of the first occurrence so ids and output stay deterministic.
    first_seen = {key: index for index, key in enumerate(groups)}
    merged.sort(key=lambda p: first_seen[_dedup_key(p.text)])
    return merged


def ingest(articles: Iterable[ArticleSource]) -> list[Passage]:
    """Return the deduplicated passages of all articles."""
    everything: list[Passage] = []
    for article in articles:
        everything.extend(ingest_article(article))
    return merge_duplicates(everything)
