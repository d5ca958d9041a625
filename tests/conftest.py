"""Shared fixtures (the real knowledge base loaded once, texts, settings, a stateless assistant) and the
Hypothesis profiles.

Hypothesis profiles: "dev" (the default: 100 examples per property, for quick local runs) and
"ci" (2,000 examples per property, what .ci/run uses). Choose one with ``HYPOTHESIS_PROFILE=ci``.
Property tests state only what is particular to them (a deadline, a health check), never a count.
"""

from __future__ import annotations

import os
from pathlib import Path

# PTB 22 warns (an error under our warnings-as-errors) when it builds RetryAfter unless told to use
# timedelta for time periods; the bot handles both forms.
os.environ.setdefault("PTB_TIMEDELTA", "1")

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from bot.assistant import Assistant
from bot.config import Settings
from bot.content import Content, load_content
from bot.knowledge.base import KnowledgeBase
from bot.texts import Texts

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
DATA = Path(__file__).resolve().parent / "data"

# deadline=None: a /remind with an odd date runs dateparser up to 11 times (~20 ms), and a machine under
# load is slower still; none of the properties is a performance test. The health checks: examples that
# are slow or large by design (huge messages), and fixtures deliberately shared by all examples.
hypothesis_settings.register_profile(
    "dev",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
hypothesis_settings.register_profile("ci", hypothesis_settings.get_profile("dev"), max_examples=2000)
# Loaded here, before any test module builds its @settings(...) (they inherit from the active profile).
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


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
