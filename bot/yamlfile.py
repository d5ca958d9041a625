"""Read knowledge files: YAML safely and fast (libyaml's C safe loader when PyYAML has it), and text.

Every file of the knowledge folder is read through here, so a missing or unreadable file is always a
``KnowledgeError`` naming the file, the path tried and the setting that chooses the folder.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import yaml

from bot.errors import KNOWLEDGE_SETTING, KnowledgeError

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """Return the data of a YAML document (safe: plain data types only)."""
    return yaml.load(text, Loader=_Loader)


def not_found(path: Path, name: str | None = None) -> KnowledgeError:
    """Return the error for a knowledge file that is not there: the path tried and how to change it."""
    problem = f"file not found at {path} (the knowledge folder is set by {KNOWLEDGE_SETTING})"
    return KnowledgeError(name or path.name, "-", problem)


def read_knowledge_text(path: Path, name: str | None = None) -> str:
    """Return a knowledge file's text (UTF-8); raise KnowledgeError naming it (as ``name``) when unreadable."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise not_found(path, name) from None
    except (OSError, UnicodeDecodeError) as error:
        raise KnowledgeError(name or path.name, "-", f"cannot read {path}: {error}") from None


def read_knowledge_yaml(path: Path) -> Any:
    """Return the data of a knowledge file; raise KnowledgeError naming the file when unreadable."""
    text = read_knowledge_text(path)
    try:
        return load_yaml(text)
    except yaml.YAMLError as error:
        raise KnowledgeError(path.name, "-", f"cannot read: {error}") from None


def checked_template(file: str, entry: str, text: object, allowed: frozenset[str]) -> str:
    """Return a message text whose ``{placeholders}`` are all in ``allowed``, unchanged (a quoted text
    may start with a space on purpose); raise KnowledgeError naming ``file`` and ``entry`` otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise KnowledgeError(file, entry, "must be a non-empty string")
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise KnowledgeError(file, entry, f"bad format string: {exc}") from exc
    unknown = sorted(f for f in fields if f.split(".")[0].split("[")[0] not in allowed)
    if unknown:
        permitted = ", ".join(sorted(allowed)) or "none"
        raise KnowledgeError(file, entry, f"unknown placeholder(s) {unknown}; allowed: {permitted}")
    return text
