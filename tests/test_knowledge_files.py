"""Knowledge files load, and a broken one is reported with its file and entry."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.errors import KnowledgeError
from bot.knowledge.base import KnowledgeBase, load_analyzer, load_articles, load_health_terms
from bot.texts import Texts

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"


def test_project_knowledge_loads(knowledge: KnowledgeBase) -> None:
    assert len(knowledge.articles) == 5 and len(knowledge.passages) > 150
    assert {a.id for a in knowledge.articles.values()} == {"000", "001", "002", "003", "004"}
    for article in knowledge.articles.values():
        assert article.title and article.audience


def test_articles_are_copied_unchanged() -> None:
    shared = ROOT.parent / "shared" / "articles"
    if not shared.is_dir():
        pytest.skip("the shared folder is only on developer machines")
    for path in (KNOWLEDGE / "articles").glob("*.txt"):
        assert path.read_bytes() == (shared / path.name).read_bytes()


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, root)
    return root


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("articles.yaml", 'id: "002"', 'id: "2"', r"articles.yaml: 2: 'id' must be three digits"),
        ("articles.yaml", "title: \"Monitoring bone density while taking anastrozole\"", "title: ''",
         r"articles.yaml: 002: 'title' must be a non-empty string"),
        ("articles.yaml", "articles/004_16b82a6e23183eb9.txt", "articles/missing.txt", r"articles.yaml: 004: article file not found"),
        ("synonyms.yaml", "letrozole: [femara, letrozol, letrazole]", "letrozole: femara", r"synonyms.yaml: letrozole: variants"),
        ("messages.yaml", "  - name: help\n", "  - name: Help!\n", r"messages.yaml: commands\[1\]: 'name'"),
        ("lay_terms.yaml", "  osteoclast: [", "  osteoclast: 7\n  unused: [", r"lay_terms.yaml: osteoclast: variants"),
        ("health_terms.txt", "\ninsomnia\n", "\nInsomnia!\n", r"health_terms.txt: line \d+: expected one lowercase word"),
    ],
)
def test_broken_files_name_file_and_entry(tmp_path: Path, file: str, old: str, new: str, message: str) -> None:
    root = _copy(tmp_path)
    path = root / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(KnowledgeError, match=message):
        if file == "articles.yaml":
            load_articles(root)
        elif file in {"synonyms.yaml", "lay_terms.yaml"}:
            load_analyzer(root)
        elif file == "health_terms.txt":
            load_health_terms(root)
        else:
            Texts.load(path)


def test_missing_and_invalid_yaml(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "synonyms.yaml").write_text("synonyms: [unclosed\n")
    with pytest.raises(KnowledgeError, match="synonyms.yaml: -: cannot read"):
        load_analyzer(root)
    (root / "articles.yaml").unlink()
    with pytest.raises(KnowledgeError, match="articles.yaml: -: file not found"):
        KnowledgeBase.load(root)


def test_every_text_key_used_in_code_exists(texts: Texts) -> None:
    import re

    used: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        used |= set(re.findall(r"texts\.get\(\s*\"([a-z_]+)\"", path.read_text()))
        used |= set(re.findall(r"_note\(\s*\"([a-z_]+)\"", path.read_text()))
    missing = sorted(key for key in used if not texts.has(key))
    assert missing == []
