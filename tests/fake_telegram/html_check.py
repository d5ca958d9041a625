"""Strict parser for Telegram's ``parse_mode="HTML"`` subset.

``html.parser`` is deliberately not used: it accepts anything, whereas Telegram refuses
the whole message on the first problem. This parser follows tdlib's ``parse_html``
(allowed tags, attribute rules, entity decoding, error wording with UTF-8 byte offsets)
and, in ``strict`` mode (the default), is stricter than tdlib in three places that the
Bot API documentation forbids anyway but tdlib happens to tolerate: a bare ``&`` that does
not start an entity, a bare ``>``, and unknown attributes (tdlib silently drops them).
Test fakes should fail loudly on what the docs forbid, so strict is the default.

The result is the visible text plus Bot API ``MessageEntity`` dicts with UTF-16 offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# tag -> entity type ("" = handled specially)
_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_ALLOWED_ATTRS = {
    "a": {"href"},
    "code": {"class"},
    "span": {"class"},
    "blockquote": {"expandable"},
    "tg-emoji": {"emoji-id"},
}
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#(\d{1,8})|#[xX]([0-9a-fA-F]{1,7}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACE = " \t\r\n"


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; ``str(err)`` is tdlib-style detail."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram counts text limits and offsets in."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """Decode the character reference at ``text[i]`` -> (character, index after it)."""
    m = _ENTITY_RE.match(text, i)
    if not m:
        return None
    if m.group(1):
        return _NAMED[m.group(1)], m.end()
    code = int(m.group(2)) if m.group(2) else int(m.group(3), 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None  # tdlib refuses NUL, surrogates and out-of-range code points
    return chr(code), m.end()


@dataclass
class _Open:
    """A start tag waiting for its end tag."""

    tag: str
    offset: int  # UTF-16 offset in the visible text where the entity starts
    attrs: dict[str, str] = field(default_factory=dict)
    language: str | None = None  # set on <pre> by a nested <code class="language-x">


@dataclass
class _Parser:
    text: str
    strict: bool
    out: list[str] = field(default_factory=list)
    pos16: int = 0
    stack: list[_Open] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)

    def fail(self, message: str) -> EntityParseError:
        return EntityParseError(message)

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.pos16 += utf16_len(chunk)

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        text, i, n = self.text, 0, len(self.text)
        while i < n:
            c = text[i]
            if c == "&":
                decoded = _decode_entity(text, i)
                if decoded:
                    self.emit(decoded[0])
                    i = decoded[1]
                    continue
                if self.strict:
                    raise self.fail(f'Character "&" at byte offset {_byte_offset(text, i)} must be escaped as "&amp;"')
            elif c == ">" and self.strict:
                raise self.fail(f'Character ">" at byte offset {_byte_offset(text, i)} must be escaped as "&gt;"')
            elif c == "<":
                i = self.end_tag(i) if text.startswith("</", i) else self.start_tag(i)
                continue
            self.emit(c)
            i += 1
        if self.stack:
            raise self.fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def start_tag(self, begin: int) -> int:
        text, n = self.text, len(self.text)
        j = begin + 1
        while j < n and text[j] not in _SPACE and text[j] != ">":
            j += 1
        if j >= n:
            raise self.fail(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        tag = text[begin + 1 : j].lower()
        if tag not in _TAG_ENTITY:
            raise self.fail(f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}')
        attrs: dict[str, str] = {}
        while True:
            while j < n and text[j] in _SPACE:
                j += 1
            if j >= n:
                raise self.fail(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            if text[j] == ">":
                break
            k = j
            while k < n and text[k] not in _SPACE and text[k] not in "=>":
                k += 1
            name = text[j:k].lower()
            while k < n and text[k] in _SPACE:
                k += 1
            if k >= n or text[k] != "=":
                if name != "expandable" or tag != "blockquote":
                    raise self.fail(
                        f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                        f"at byte offset {_byte_offset(text, begin)}"
                    )
                attrs[name] = ""
                j = k
                continue
            value, j = self.attr_value(begin, k + 1)
            if self.strict and name not in _ALLOWED_ATTRS.get(tag, set()):
                raise self.fail(f'Unsupported attribute "{name}" in tag "{tag}" at byte offset {_byte_offset(text, begin)}')
            attrs[name] = value
        self.open(tag, attrs, begin)
        return j + 1

    def attr_value(self, begin: int, j: int) -> tuple[str, int]:
        """Parse a quoted or bare attribute value starting at ``j`` -> (value, index after)."""
        text, n = self.text, len(self.text)
        while j < n and text[j] in _SPACE:
            j += 1
        if j >= n:
            raise self.fail(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        if text[j] in "\"'":
            end = text.find(text[j], j + 1)
            if end < 0:
                raise self.fail(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            raw, after = text[j + 1 : end], end + 1
        else:
            end = j
            while end < n and text[end] not in _SPACE and text[end] != ">":
                end += 1
            raw, after = text[j:end], end
        # Attribute values may contain character references, decoded like body text.
        value = _ENTITY_RE.sub(lambda m: (_decode_entity(m.group(0), 0) or (m.group(0),))[0], raw)
        return value, after

    def open(self, tag: str, attrs: dict[str, str], begin: int) -> None:
        where = f"at byte offset {_byte_offset(self.text, begin)}"
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise self.fail(f'Tag "span" must have class "tg-spoiler" {where}')
        if tag == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise self.fail(f'Tag "tg-emoji" must have a valid "emoji-id" attribute {where}')
        if tag == "code" and "class" in attrs:
            parent = self.stack[-1] if self.stack else None
            if self.strict and not (attrs["class"].startswith("language-") and parent and parent.tag == "pre"):
                raise self.fail(f'Attribute "class" of tag "code" is allowed only as "language-*" inside "pre" {where}')
            if parent and parent.tag == "pre" and parent.offset == self.pos16:
                parent.language = attrs["class"].removeprefix("language-")
                attrs["merged"] = "1"  # becomes the <pre>'s language, not an entity of its own
        self.stack.append(_Open(tag, self.pos16, attrs))

    def end_tag(self, begin: int) -> int:
        text = self.text
        end = text.find(">", begin)
        if end < 0:
            raise self.fail(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
        name = text[begin + 2 : end].strip(_SPACE).lower()
        if not self.stack:
            raise self.fail(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
        top = self.stack[-1]
        if name != top.tag:
            raise self.fail(
                f'Unmatched end tag at byte offset {_byte_offset(text, begin)}, expected "</{top.tag}>", found "</{name}>"'
            )
        self.stack.pop()
        self.close(top)
        return end + 1

    def close(self, item: _Open) -> None:
        length = self.pos16 - item.offset
        if length == 0 or item.attrs.get("merged"):
            return  # Telegram drops empty entities
        entity: dict[str, Any] = {"type": _TAG_ENTITY[item.tag], "offset": item.offset, "length": length}
        if item.tag == "a":
            if not item.attrs.get("href"):
                return  # tdlib: a link without a URL is plain text
            entity["url"] = item.attrs["href"]
        elif item.tag == "blockquote" and "expandable" in item.attrs:
            entity["type"] = "expandable_blockquote"
        elif item.tag == "pre" and item.language:
            entity["language"] = item.language
        elif item.tag == "tg-emoji":
            entity["custom_emoji_id"] = item.attrs["emoji-id"]
        self.entities.append(entity)


def parse_html(text: str, *, strict: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML -> (visible text, entities). Raises :class:`EntityParseError`."""
    return _Parser(text, strict).run()


def trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Strip surrounding whitespace like Telegram does, shifting/clipping entity offsets."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text) - utf16_len(text.lstrip())
    total = utf16_len(stripped)
    result = []
    for ent in entities:
        start = max(ent["offset"] - lead, 0)
        end = min(ent["offset"] + ent["length"] - lead, total)
        if end > start:
            result.append({**ent, "offset": start, "length": end - start})
    return stripped, result
