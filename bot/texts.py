"""The bot's fixed texts and its command table, loaded from ``knowledge/messages.yaml``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import KnowledgeError
from bot.yamlfile import read_knowledge_yaml

_COMMAND_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")  # Telegram's rule for bot command names


@dataclass(frozen=True)
class Command:
    """One command: its name, aliases, one-line description and a usage example."""

    name: str
    description: str
    usage: str
    aliases: tuple[str, ...] = ()
    admin: bool = False
    personal: bool = False  # reads or changes a person's own data: private chat only, never in a group


class _Missing(dict[str, object]):
    """Format values where an unused one is fine and a missing one stays as written ("{number}")."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Texts:
    """Look up fixed texts by key and fill their placeholders."""

    def __init__(self, texts: Mapping[str, str], commands: tuple[Command, ...]) -> None:
        """Build from a key -> text map and the command table."""
        self._texts = dict(texts)
        self.commands = commands

    def get(self, key: str, **values: object) -> str:
        """Return the text for ``key`` with ``{placeholders}`` filled; a missing key is a KeyError."""
        text = self._texts[key]
        return text.format_map(_Missing(values)) if values else text

    def has(self, key: str) -> bool:
        """Return True when a text exists."""
        return key in self._texts

    def command(self, name: str) -> Command | None:
        """Return the command for a name or alias."""
        for command in self.commands:
            if name == command.name or name in command.aliases:
                return command
        return None

    @classmethod
    def load(cls, path: Path) -> Texts:
        """Load and validate messages.yaml; raise KnowledgeError naming the file and entry."""
        file = path.name
        data = read_knowledge_yaml(path)
        if not isinstance(data, Mapping):
            raise KnowledgeError(file, "-", "expected a mapping with 'commands' and 'texts'")
        texts = data.get("texts")
        if not isinstance(texts, Mapping) or not texts:
            raise KnowledgeError(file, "texts", "expected a mapping of key -> text")
        for key, value in texts.items():
            if not isinstance(value, str) or not value.strip():
                raise KnowledgeError(file, f"texts.{key}", "must be a non-empty string")
        commands = tuple(_command(raw, file, index) for index, raw in enumerate(data.get("commands") or []))
        if not commands:
            raise KnowledgeError(file, "commands", "expected a non-empty list")
        names = [n for c in commands for n in (c.name, *c.aliases)]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise KnowledgeError(file, "commands", f"duplicate names: {', '.join(sorted(duplicates))}")
        return cls({str(k): v.strip() for k, v in texts.items()}, commands)


def _command(raw: Any, file: str, index: int) -> Command:
    entry = f"commands[{index}]"
    if not isinstance(raw, Mapping):
        raise KnowledgeError(file, entry, "expected a mapping")
    name = raw.get("name")
    if not isinstance(name, str) or not _COMMAND_NAME.match(name):
        raise KnowledgeError(file, entry, "'name' must be 1-32 of a-z, 0-9, _ starting with a letter")
    entry = f"commands.{name}"
    for key in ("description", "usage"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise KnowledgeError(file, entry, f"'{key}' must be a non-empty string")
    if len(raw["description"]) > 256:
        raise KnowledgeError(file, entry, "'description' must be at most 256 characters (Telegram's limit)")
    aliases = raw.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) and _COMMAND_NAME.match(a) for a in aliases):
        raise KnowledgeError(file, entry, "'aliases' must be a list of command names")
    for flag in ("admin", "personal"):
        if not isinstance(raw.get(flag, False), bool):
            raise KnowledgeError(file, entry, f"'{flag}' must be true or false")
    return Command(name, raw["description"].strip(), raw["usage"].strip(), tuple(aliases), bool(raw.get("admin")),
                   bool(raw.get("personal")))
