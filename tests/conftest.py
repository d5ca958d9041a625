"""Shared fixtures: the real knowledge base (loaded once), texts, settings and a stateless assistant."""

from __future__ import annotations

import os
from pathlib import Path

# PTB 22 warns (an error under our warnings-as-errors) when it builds RetryAfter unless told to use
# timedelta for time periods; the bot handles both forms.
os.environ.setdefault("PTB_TIMEDELTA", "1")

import pytest

from bot.assistant import Assistant
from bot.config import Settings
from bot.content import Content, load_content
from bot.knowledge.base import KnowledgeBase
from bot.texts import Texts

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def content() -> Content:
    """Return the project's whole content (knowledge, texts, reminder texts, plan), loaded once per session."""
    return load_content(KNOWLEDGE)


@pytest.fixture(scope="session")
def knowledge(content: Content) -> KnowledgeBase:
    """Return the project's knowledge base."""
    return content.knowledge


@pytest.fixture(scope="session")
def texts(content: Content) -> Texts:
    """Return the project's fixed texts and command table."""
    return content.texts


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Return default settings with the database in a temporary folder."""
    return Settings(knowledge_dir=KNOWLEDGE, database=tmp_path / "bot.sqlite3")


@pytest.fixture(scope="session")
def assistant(content: Content) -> Assistant:
    """Return a stateless assistant (no database) over the real knowledge."""
    return Assistant(content, Settings(knowledge_dir=KNOWLEDGE))
