"""Articles a clinic writes itself: Markdown and plain text turned into passages.

The five source articles are scraped pages with their own layout (``ingest.py``). A clinic's leaflet is
written as Markdown (``# Title``, ``## Heading``, paragraphs, ``-`` lists, ``| tables |``) or as plain
text (heading lines, paragraphs, ``-``/``1.`` lists, tab-separated tables). Both become the same
``Passage`` objects:

- a heading sets the passage's ``section`` (a level-1 or level-2 heading; the article title before the
  first one) and ``heading`` (the closest heading of any level above the passage);
- a paragraph is a passage (``paragraph``); a short one ending in ":" that introduces a list or table
  ("You will need:") is not, it becomes that list's or table's ``context``;
- every list item is a passage (``list``); a nested item has its parent item as context;
- every table row is a passage (``table_row``) with the header as ``context`` and the cells and column
  names kept, so the reply shows "Column: cell" lines;
- every passage's ``context`` starts with the article's title (searched, not quoted).

Markdown is parsed by markdown-it-py (CommonMark with the GFM table extension; a maintained parser, so
emphasis, links, escapes and nesting are read as any Markdown editor shows them). A passage's text is
what the reader sees: Markdown markup (``**``, link targets, image references) is not part of the quote.
Images (their alt text is a caption, not knowledge), HTML blocks and horizontal rules are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from markdown_it import MarkdownIt
from markdown_it.token import Token

from bot.knowledge.ingest import ArticleSource, _dedup_key, fold_whitespace, ingest, split_blocks
from bot.models import Passage

FORMATS = ("scraped", "markdown", "plain")
LEAD_IN_WORDS = 15  # "Before your scan:" introduces what follows; longer text ending in ":" is a passage too
_PLAIN_ITEM = re.compile(r"^(\s*)(?:[-*•–]|\d{1,3}[.)])\s+")
_PLAIN_HEADING_WORDS = 12
_PARSER = MarkdownIt("commonmark").enable("table")


@dataclass
class _Builder:
    """Collects one article's passages with their place (section, heading) and the pending lead-in."""

    article: str
    title: str
    section: str = ""
    heading: str = ""
    lead_in: str = ""
    passages: list[Passage] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.section = self.heading = self.title

    def set_heading(self, text: str, level: int) -> None:
        text = fold_whitespace(text)
        if not text:
            return
        if level <= 2:
            self.section = text
        self.heading, self.lead_in = text, ""

    def add(self, text: str, kind: str, context: str = "", cells: Sequence[str] = (), columns: Sequence[str] = ()) -> None:
        text = fold_whitespace(text)
        if not text:
            return
        # The article's title is what every passage of a leaflet is about ("Booking your DEXA scan"):
        # searched with it, like a scraped table's caption, and never part of the quote.
        context = f"{self.title} — {context}" if context else self.title
        self.passages.append(
            Passage(
                id=f"{self.article}-{len(self.passages) + 1:03d}",
                article=self.article,
                title=self.title,
                section=self.section,
                heading=self.heading,
                text=text,
                kind=kind,
                context=fold_whitespace(context),
                cells=tuple(cells),
                columns=tuple(columns),
            )
        )

    def paragraph(self, text: str, next_is_group: bool) -> None:
        """Add a paragraph, or keep it as the lead-in of the list or table that follows."""
        text = fold_whitespace(text)
        if text.endswith(":") and next_is_group and len(text.split()) <= LEAD_IN_WORDS:
            self.lead_in = text
            return
        self.add(text, "paragraph")
        self.lead_in = text if text.endswith(":") and next_is_group else ""

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """Add one passage per row, the header (and any lead-in) as its context."""
        columns = tuple(fold_whitespace(cell) for cell in header)
        context = " — ".join(part for part in (self.lead_in.rstrip(":"), " | ".join(columns)) if part)
        for row in rows:
            cells = tuple(fold_whitespace(cell) for cell in row)
            if not any(cells):
                continue
            named = columns if len(columns) == len(cells) and any(columns) else ()
            self.add(" | ".join(cell for cell in cells if cell), "table_row", context, cells, named)
        self.lead_in = ""


def _inline_text(token: Token) -> str:
    """Return the visible text of an inline token: markup, link targets and images left out."""
    parts: list[str] = []
    for child in token.children or ():  # images and inline HTML tags are skipped: not the article's words
        if child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type in ("text", "code_inline"):
            parts.append(child.content)
    return "".join(parts)


def _closing(tokens: Sequence[Token], start: int) -> int:
    """Return the index of the token closing the block opened at ``start``."""
    depth = 0
    for index in range(start, len(tokens)):
        depth += tokens[index].nesting
        if depth == 0:
            return index
    return len(tokens) - 1


def ingest_markdown(article: str, title: str, text: str) -> list[Passage]:
    """Return the passages of a Markdown article, in reading order, with ids ``<article>-<nnn>``."""
    tokens = _PARSER.parse(text)
    builder = _Builder(article, title)
    _blocks(tokens, 0, len(tokens), builder)
    return builder.passages


def _blocks(tokens: Sequence[Token], start: int, end: int, builder: _Builder) -> None:
    index = start
    while index < end:
        token = tokens[index]
        if token.type == "heading_open":
            builder.set_heading(_inline_text(tokens[index + 1]), int(token.tag[1:]))
            index = _closing(tokens, index) + 1
        elif token.type == "paragraph_open":
            close = _closing(tokens, index)
            following = tokens[close + 1].type if close + 1 < end else ""
            builder.paragraph(_inline_text(tokens[index + 1]), following in _GROUPS)
            index = close + 1
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            close = _closing(tokens, index)
            _list(tokens, index, close, builder, parent="")
            builder.lead_in = ""
            index = close + 1
        elif token.type == "table_open":
            close = _closing(tokens, index)
            header, rows = _table(tokens[index:close])
            builder.table(header, rows)
            index = close + 1
        elif token.type in ("fence", "code_block"):
            builder.add(token.content, "paragraph")
            index += 1
        elif token.type == "blockquote_open":
            close = _closing(tokens, index)
            _blocks(tokens, index + 1, close, builder)
            index = close + 1
        else:  # hr, html_block, and closing tokens of blocks handled elsewhere
            index += 1


_GROUPS = ("bullet_list_open", "ordered_list_open", "table_open")


def _list(tokens: Sequence[Token], start: int, end: int, builder: _Builder, parent: str) -> None:
    """Add every item of the list between ``start`` and ``end`` (nested lists get their parent as context)."""
    lead_in = builder.lead_in
    index = start + 1
    while index < end:
        if tokens[index].type != "list_item_open":
            index += 1
            continue
        close = _closing(tokens, index)
        texts: list[str] = []
        nested: list[tuple[int, int]] = []
        inner = index + 1
        while inner < close:
            kind = tokens[inner].type
            if kind in ("bullet_list_open", "ordered_list_open"):
                nested_close = _closing(tokens, inner)
                nested.append((inner, nested_close))
                inner = nested_close + 1
            elif kind == "inline":
                texts.append(_inline_text(tokens[inner]))
                inner += 1
            else:
                inner += 1
        text = fold_whitespace(" ".join(texts))
        context = f"{lead_in} {parent}".strip() if parent else lead_in
        builder.add(text, "list", context)
        for nested_start, nested_close in nested:
            saved, builder.lead_in = builder.lead_in, lead_in
            _list(tokens, nested_start, nested_close, builder, parent=_term(text))
            builder.lead_in = saved
        index = close + 1


def _term(text: str) -> str:
    """Return what a list item is about: its text up to the first colon or dash, else all of it."""
    term = re.split(r"\s*(?::|\s[–—-]\s)\s*", text, maxsplit=1)[0]
    return term if len(term.split()) <= 8 else " ".join(term.split()[:8])


def _table(tokens: Sequence[Token]) -> tuple[list[str], list[list[str]]]:
    """Return the header cells and the body rows of a table's tokens."""
    header: list[str] = []
    rows: list[list[str]] = []
    current: list[str] | None = None
    in_head = False
    for token in tokens:
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            current = []
        elif token.type == "tr_close" and current is not None:
            if in_head:
                header = current
            else:
                rows.append(current)
            current = None
        elif token.type == "inline" and current is not None:
            current.append(_inline_text(token))
    return header, rows


def ingest_plain(article: str, title: str, text: str) -> list[Passage]:
    """Return the passages of a plain-text article.

    Blocks are separated by blank lines. A block of one short line without closing punctuation is a
    heading (one in capitals, or starting with "#", opens a section); a block whose lines start with
    "-", "*", "•" or "1." is a list (indented items are nested); a block whose lines all hold the same
    number (two or more) of tab-separated cells is a table with its first line as the header; any
    other block is one paragraph (its lines are joined: plain text is often wrapped).
    """
    builder = _Builder(article, title)
    blocks = split_blocks(text)
    for number, lines in enumerate(blocks):
        following = blocks[number + 1] if number + 1 < len(blocks) else []
        first = lines[0].strip()
        if _plain_table(lines):
            rows = [line.split("\t") for line in lines]
            builder.table(rows[0], rows[1:])
        elif any(_PLAIN_ITEM.match(line) for line in lines):
            _plain_list(lines, builder)
            builder.lead_in = ""
        elif len(lines) == 1 and _plain_heading(first):
            level = 1 if first.isupper() or first.startswith("#") else 3
            builder.set_heading(first.lstrip("#").strip(), level)
        else:
            group = bool(following) and (_plain_table(following) or bool(_PLAIN_ITEM.match(following[0])))
            builder.paragraph(" ".join(line.strip() for line in lines), group)
    return builder.passages


def _plain_heading(line: str) -> bool:
    return len(line.split()) <= _PLAIN_HEADING_WORDS and not line.endswith((".", ":", ";", ",", "?", "!"))


def _plain_table(lines: Sequence[str]) -> bool:
    widths = {line.count("\t") for line in lines}
    return len(lines) >= 2 and len(widths) == 1 and widths.pop() >= 1


def _plain_list(lines: Sequence[str], builder: _Builder) -> None:
    """Add a plain-text list: an item continues on lines that do not start a new item."""
    items: list[tuple[int, str]] = []
    for line in lines:
        marker = _PLAIN_ITEM.match(line)
        if marker:
            items.append((len(marker.group(1).expandtabs()), line[marker.end() :].strip()))
        elif items:
            indent, text = items[-1]
            items[-1] = (indent, f"{text} {line.strip()}")
        else:
            builder.paragraph(line, True)  # a lead-in line glued above the list
    lead_in, parent = builder.lead_in, ""
    base = min((indent for indent, _ in items), default=0)
    for indent, text in items:
        if indent > base and parent:
            builder.add(text, "list", f"{lead_in} {parent}".strip())
        else:
            builder.add(text, "list", lead_in)
            parent = _term(text)


def ingest_articles(articles: Sequence[ArticleSource]) -> list[Passage]:
    """Return the passages of articles in any format.

    The scraped articles are cut and merged exactly as ``ingest.ingest`` does (their passage ids are
    used by passage_questions.yaml and must not move). A passage of another format whose text one of
    them already holds is not added twice: the existing passage also cites that article.
    """
    passages = ingest([a for a in articles if a.format == "scraped"])
    position = {_dedup_key(p.text): index for index, p in enumerate(passages)}
    for article in articles:
        if article.format == "scraped":
            continue
        cut = ingest_markdown if article.format == "markdown" else ingest_plain
        for passage in cut(article.id, article.title, article.text):
            key = _dedup_key(passage.text)
            if key in position:
                index = position[key]
                existing = passages[index]
                if article.id not in existing.sources:
                    passages[index] = replace(existing, also_in=(*existing.also_in, article.id))
                continue
            position[key] = len(passages)
            passages.append(passage)
    return passages
