"""Build the running pieces from settings: knowledge, texts, database, reminder service, assistant.

Both channels (Telegram and console) and the CLI get their ``Assistant`` from here, so they share one
configuration, one database file and one set of rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.assistant import Assistant, Services
from bot.config import Settings
from bot.knowledge.base import KnowledgeBase
from bot.texts import Texts


def load_knowledge(settings: Settings) -> KnowledgeBase:
    """Load and validate the knowledge folder named in the settings."""
    return KnowledgeBase.load(settings.knowledge_dir)


def load_texts(settings: Settings) -> Texts:
    """Load the fixed texts and the command table."""
    return Texts.load(settings.knowledge_dir / "messages.yaml")


@dataclass
class Runtime:
    """Everything a channel needs: the assistant and, when stateful, the database and reminders."""

    assistant: Assistant
    database: Any = None
    reminders: Any = None

    def database_ok(self) -> bool:
        """Return True when the database answers a trivial query."""
        return self.database is not None and bool(self.database.ping())


def build_assistant(settings: Settings) -> Assistant:
    """Return a stateless assistant (no database): for `ask`, `eval` and tests of answers."""
    knowledge = load_knowledge(settings)
    return Assistant(knowledge, load_texts(settings), settings, reload_knowledge=lambda: load_knowledge(settings))


def build_runtime(settings: Settings) -> Runtime:
    """Return the full assistant with its database and reminder service."""
    from bot.reminders.wiring import build_reminders  # the database is only opened when a channel runs
    from bot.storage import Database

    settings.database.parent.mkdir(parents=True, exist_ok=True)
    database = Database(Path(settings.database))
    knowledge = load_knowledge(settings)
    titles = {article_id: article.title for article_id, article in knowledge.articles.items()}
    reminders = build_reminders(database, settings, article_titles=titles)
    assistant = Assistant(
        knowledge,
        load_texts(settings),
        settings,
        Services(store=database, reminders=reminders),
        reload_knowledge=lambda: load_knowledge(settings),
    )
    return Runtime(assistant, database, reminders)
