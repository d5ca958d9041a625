"""Read knowledge files: YAML safely and fast (libyaml's C safe loader when PyYAML has it), and text.

Every file of the knowledge folder is read through here, so a missing or unreadable file is always a
``KnowledgeError`` naming the file, the path tried and the setting that chooses the folder.
"""

from __future__ import annotations

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
