"""Input hygiene for everything a user types: one place that decides which characters survive.

``clean_message`` is applied to every message before anything reads it (control characters, null
bytes and unassigned code points removed, line breaks kept, length capped); ``one_line`` is for short
fields such as a command's arguments or a reminder label (Unicode compatibility forms folded, invisible
and control characters turned into spaces, whitespace collapsed).
"""

from __future__ import annotations

import re
import unicodedata

_DROPPED = frozenset({"Cc", "Cs", "Co", "Cn"})  # control, surrogate, private-use, unassigned
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


def clean_message(text: str, limit: int) -> tuple[str, bool]:
    """Return text without control characters or null bytes, cut to ``limit`` chars, and if it was cut."""
    kept = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in _DROPPED).strip()
    return (kept[:limit], True) if len(kept) > limit else (kept, False)


def one_line(text: str) -> str:
    """Return ``text`` NFKC-normalised, with invisible and control characters as spaces, on one line."""
    text = _INVISIBLE.sub(" ", unicodedata.normalize("NFKC", text))
    return " ".join(text.split())
