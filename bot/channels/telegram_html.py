"""Render reply data as Telegram HTML messages within Telegram's limits.

Owns escaping (every piece of content goes through ``html.escape``), the mapping of block styles to
Telegram's allowed tags, and splitting: a message holds at most 4096 characters *after entity parsing*
(counted in UTF-16 code units, as Telegram counts), so replies are split between blocks, and a block
that is too long on its own is split at sentence or word boundaries, each piece closed in its own tags,
never inside a tag. Buttons go on the last message of a reply. Pure functions, no Telegram import.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from bot.models import Block, Button, Reply, Style

MAX_TEXT = 4096
MAX_CAPTION = 1024  # a photo's or document's caption, counted like text (after entity parsing)
MAX_CALLBACK_BYTES = 64
_TAGS = {
    Style.TITLE: ("<b>", "</b>"),
    Style.TEXT: ("", ""),
    Style.QUOTE: ("<blockquote>", "</blockquote>"),
    Style.SOURCE: ("<i>", "</i>"),
    Style.ITEM: ("• ", ""),
    Style.CODE: ("<code>", "</code>"),
    Style.FOOTER: ("<i>", "</i>"),
}
_SEPARATOR = "\n\n"
_BREAK = re.compile(r"(?<=[.!?;:])\s+|\n+")


def visible_length(text: str) -> int:
    """Return the length Telegram counts for plain text: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Message:
    """One Telegram message: HTML text, the plain text it shows, and its inline keyboard rows."""

    html: str
    plain: str
    buttons: tuple[tuple[Button, ...], ...] = ()


def render_block(block: Block) -> tuple[str, str]:
    """Return (html, visible text) of one block; the emphasis, if found, is bold inside it."""
    opening, closing = _TAGS.get(block.style, ("", ""))
    text = block.text
    if block.emphasis and block.emphasis in text and block.style is not Style.CODE:
        before, _, after = text.partition(block.emphasis)
        body = f"{html.escape(before)}<b>{html.escape(block.emphasis)}</b>{html.escape(after)}"
    else:
        body = html.escape(text)
    visible = ("• " if block.style is Style.ITEM else "") + text
    return f"{opening}{body}{closing}", visible


def _fitting_prefix(text: str, budget: int) -> int:
    """Return the largest index whose prefix fits ``budget`` UTF-16 units (emoji count twice)."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > budget:
            return index
    return len(text)


def _split_long(block: Block, budget: int) -> list[Block]:
    """Split a block whose text exceeds ``budget`` into pieces at sentence, then word, boundaries."""
    pieces: list[str] = []
    current = ""
    for part in _BREAK.split(block.text):
        while visible_length(part) > budget:  # a "sentence" longer than a message: cut at a space
            fits = _fitting_prefix(part, budget)
            cut = part.rfind(" ", 0, fits)
            cut = cut if cut > fits // 2 else fits
            if current:
                pieces.append(current)
                current = ""
            pieces.append(part[:cut])
            part = part[cut:].lstrip()
        candidate = f"{current} {part}".strip() if current else part
        if visible_length(candidate) > budget and current:
            pieces.append(current)
            current = part
        else:
            current = candidate
    if current:
        pieces.append(current)
    # The emphasis stays only where it is still whole.
    return [Block(piece, block.style, block.emphasis if block.emphasis and block.emphasis in piece else None)
            for piece in pieces if piece.strip()]


def render_reply(reply: Reply, limit: int = MAX_TEXT) -> list[Message]:
    """Return the messages that show a reply, each within ``limit`` visible characters."""
    budget = limit - 8  # room for the "• " of items and separators
    blocks: list[Block] = []
    for block in reply.blocks:
        if not block.text.strip():
            continue
        blocks.extend(_split_long(block, budget) if visible_length(block.text) > budget else [block])
    messages: list[Message] = []
    html_parts: list[str] = []
    plain_parts: list[str] = []
    size = 0
    for block in blocks:
        markup, visible = render_block(block)
        extra = visible_length(visible) + (len(_SEPARATOR) if plain_parts else 0)
        if plain_parts and size + extra > limit:
            messages.append(Message(_SEPARATOR.join(html_parts), _SEPARATOR.join(plain_parts)))
            html_parts, plain_parts, size = [], [], 0
            extra = visible_length(visible)
        html_parts.append(markup)
        plain_parts.append(visible)
        size += extra
    if plain_parts:
        messages.append(Message(_SEPARATOR.join(html_parts), _SEPARATOR.join(plain_parts)))
    if not messages:
        messages.append(Message("…", "…"))
    buttons = tuple(
        tuple(
            button
            for button in row
            if (button.private_start is not None or valid_callback(button.data)) and button.label.strip()
        )
        for row in reply.buttons
    )
    buttons = tuple(row for row in buttons if row)
    last = messages[-1]
    messages[-1] = Message(last.html, last.plain, buttons)
    return messages


def valid_callback(data: str) -> bool:
    """Return True when callback data fits Telegram's 1-64 bytes."""
    return 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES
