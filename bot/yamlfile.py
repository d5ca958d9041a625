"""Parse YAML safely and fast: libyaml's C safe loader when PyYAML has it, the pure-Python one otherwise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.errors import KnowledgeError

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """Return the data of a YAML document (safe: plain data types only)."""
    return yaml.load(text, Loader=_Loader)


def read_knowledge_yaml(path: Path) -> Any:
    """Return the data of a knowledge file; raise KnowledgeError naming the file when unreadable."""
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KnowledgeError(path.name, "-", "file not found") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise KnowledgeError(path.name, "-", f"cannot read: {error}") from None
