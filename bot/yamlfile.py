"""Parse YAML safely and fast: libyaml's C safe loader when PyYAML has it, the pure-Python one otherwise."""

from __future__ import annotations

from typing import Any

import yaml

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """Return the data of a YAML document (safe: plain data types only)."""
    return yaml.load(text, Loader=_Loader)
