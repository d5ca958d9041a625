"""A clinic's copy of the knowledge folder for tests: the real one copied, plus the fixture articles."""

from __future__ import annotations

import shutil
from pathlib import Path

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"
CLINIC = Path(__file__).resolve().parent / "data" / "clinic"
ARTICLE_ENTRIES = {
    "dexa_booking.md": '''  - id: "100"
    file: articles/dexa_booking.md
    title: "Booking your DEXA scan at Riverside Clinic"
    reviewed: 2026-01-15
    source_url: https://example.org/dexa
''',
    "parking.txt": '''  - id: "101"
    file: articles/parking.txt
    title: "Parking at Riverside Clinic"
''',
}


def knowledge_copy(folder: Path) -> Path:
    """Copy the real knowledge folder to ``folder/knowledge`` (the passage questions and models too)."""
    target = folder / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


def add_article(knowledge: Path, name: str) -> None:
    """Add a fixture article of tests/data/clinic to a knowledge copy, with its articles.yaml entry."""
    shutil.copy(CLINIC / name, knowledge / "articles" / name)
    with (knowledge / "articles.yaml").open("a", encoding="utf-8") as file:
        file.write(ARTICLE_ENTRIES[name])


def replace_in(path: Path, old: str, new: str) -> None:
    """Edit a knowledge file as an editor would; the text to replace must be there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, (path.name, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
