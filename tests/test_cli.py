"""The CLI's JSON shapes (a stable contract) and its commands, run in process and as a real process."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
PASSAGE_KEYS = {"id", "article", "title", "section", "heading", "text", "score"}


def _run(argv: list[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> list[dict]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out = io.StringIO()
    assert main(argv, out) == 0
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_ask_json_answer_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    [answer] = _run(["ask", "--json", "what is osteopenia"], monkeypatch)
    assert set(answer) == {"kind", "text", "passages"}
    assert answer["kind"] == "answer" and "osteopenia" in answer["text"].lower()
    assert 1 <= len(answer["passages"]) <= 3
    for passage in answer["passages"]:
        assert set(passage) == PASSAGE_KEYS
        assert isinstance(passage["score"], float)


def test_ask_json_kinds_from_stdin_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = "what's a good pizza dough recipe\ni want to kill myself\ncan i skip my arimidex tomorrow\n\n"
    results = _run(["ask", "--json"], monkeypatch, stdin=lines)
    assert [r["kind"] for r in results] == ["no_match", "urgent", "medication"]
    assert results[0]["passages"] == [] and results[1]["passages"] == []
    assert "112" in results[1]["text"]


def test_glossary_json_shapes(monkeypatch: pytest.MonkeyPatch) -> None:
    found, missing = _run(["glossary", "--json"], monkeypatch, stdin="osteopinia\npizza\n")
    assert set(found) == {"term", "aliases", "definition", "sources", "suggestions"}
    assert found["term"].lower() == "osteopenia" and found["definition"] and found["sources"]
    assert missing["term"] is None and missing["definition"] is None and missing["aliases"] == []
    assert isinstance(missing["suggestions"], list) and len(missing["suggestions"]) <= 3


def test_eval_json_for_both_file_types(monkeypatch: pytest.MonkeyPatch) -> None:
    [messages] = _run(["eval", "--json", str(DATA / "eval" / "dev.yaml")], monkeypatch)
    assert messages["kind"] == "messages"
    assert {"hit@1", "hit@3", "mrr@3", "no_match_correct", "answerable_refused", "urgent_recall",
            "non_urgent_flagged_urgent", "medication_recall"} <= set(messages["metrics"])
    [glossary] = _run(["eval", "--json", str(DATA / "eval" / "glossary-dev.yaml")], monkeypatch)
    assert glossary["kind"] == "glossary" and 0 <= glossary["metrics"]["accuracy"] <= 1


def test_eval_table_is_readable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    out = io.StringIO()
    assert main(["eval", str(DATA / "eval" / "dev.yaml")], out) == 0
    assert "hit@1" in out.getvalue() and "urgent_recall" in out.getvalue()


def test_real_process_entry_points() -> None:
    entry_point = str(Path(sys.executable).parent / "patient-bot")  # installed next to this interpreter
    for command in ([sys.executable, "-m", "bot", "ask", "what is osteopenia"], [entry_point, "ask", "--json", "what is osteopenia"]):
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        assert "osteopenia" in result.stdout.lower()


def test_bad_config_exits_2_with_a_message(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("default_timezone: Nowhere/Land\n")
    result = subprocess.run([sys.executable, "-m", "bot", "--config", str(config), "ask", "x"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2 and "default_timezone" in result.stderr
