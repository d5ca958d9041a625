"""The console chat, driven through stdin/stdout in a real subprocess, and its renderer."""

from __future__ import annotations

import io
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.channels.console import render_plain
from bot.cli import main
from bot.models import Block, Button, Reply, ReplyKind, Style

ROOT = Path(__file__).resolve().parents[1]


def _chat(tmp_path: Path, lines: list[str], *args: str, command: str = "chat") -> str:
    env = {**os.environ, "PATIENT_BOT_DATABASE": str(tmp_path / "console.sqlite3")}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    result = subprocess.run(
        [sys.executable, "-m", "bot", *([command] if command else []), *args],
        input="\n".join(lines) + "\n", capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_start_question_glossary_and_buttons_as_numbers(tmp_path: Path) -> None:
    out = _chat(tmp_path, ["/start", "1", "how often do i need a dexa on arimidex??", "/glossary bmd", "/glossary", "2"])
    assert "[1] I understand" in out and "Thank you" in out
    assert re.search(r"every (1-2|one to two|two) years", out) and "From: " in out
    assert "BONE DENSITY" in out and "BMD" in out
    assert "GLOSSARY: B" in out and "Page 1 of" in out  # "2" pressed the second letter button


def test_bare_command_without_token_in_a_terminal_starts_console_with_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("PATIENT_BOT_DATABASE", str(tmp_path / "console.sqlite3"))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setattr(sys, "stdin", Terminal("/help\n"))
    out = io.StringIO()
    assert main([], out) == 0
    text = out.getvalue()
    assert text.startswith("Running as a console chat") and "/glossary" in text
    assert f"saved in {(tmp_path / 'console-files').resolve()}" in " ".join(text.split())  # the stated folder


def test_run_without_token_and_without_a_terminal_fails_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "PATIENT_BOT_DATABASE": str(tmp_path / "console.sqlite3")}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    for command in ([], ["run"]):
        result = subprocess.run([sys.executable, "-m", "bot", *command], stdin=subprocess.DEVNULL, capture_output=True,
                                text=True, cwd=tmp_path, env=env, timeout=60, check=False)
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.count("\n") == 1 and "TELEGRAM_BOT_TOKEN is not set" in result.stderr


def test_calendar_files_go_to_the_stated_folder_not_the_current_one(tmp_path: Path) -> None:
    out = _chat(tmp_path, ["/start", "1", "/remind 2027-03-14 DEXA scan", "/calendar 1"])
    folder = tmp_path / "console-files" / "1"  # beside the database (console_files_dir changes it), per user
    assert f"saved {folder}" in out and [p.suffix for p in folder.iterdir()] == [".ics"]
    assert not list(tmp_path.glob("*.ics"))


def test_reminder_set_in_console_is_a_row_in_the_database(tmp_path: Path) -> None:
    out = _chat(tmp_path, ["/start", "1", "/remind 2027-03-14 DEXA scan", "/reminders"], "--user-id", "777")
    assert "14 March 2027" in out and "#1" in out
    rows = sqlite3.connect(tmp_path / "console.sqlite3").execute(
        "SELECT user_id, chat_id, label, event_date FROM reminders").fetchall()
    assert rows == [(777, 777, "DEXA scan", "2027-03-14")]


def test_bad_input_gets_kind_replies(tmp_path: Path) -> None:
    out = _chat(tmp_path, ["/start", "1", "/nonsense", "<b>&</b>", "\x00\x01", "9" * 5000, "/remind 31/02/2027 scan"])
    assert "don't know the command /nonsense" in out
    assert "Traceback" not in out
    assert "isn't a real date" in out  # an impossible date is explained, not accepted


def test_render_plain_numbers_buttons_and_marks_emphasis() -> None:
    reply = Reply(ReplyKind.ANSWER, (Block("One. Two.", Style.QUOTE, emphasis="Two."), Block("src", Style.SOURCE)),
                  ((Button("More", "m:1"), Button("Define", "g:x")),))
    text = render_plain(reply, first_number=3)
    assert "**Two.**" in text and "[3] More" in text and "[4] Define" in text and "— src" in text


def test_did_you_mean_buttons_are_numbered_choices_in_the_console(tmp_path: Path) -> None:
    out = _chat(tmp_path, ["/start", "1", "how often do I need a DEXA scan?", "1"])
    assert "may fit better" in out and "[1] › " in out
    after = out.rsplit("[1] › ", 1)[1]
    assert "MORE FROM THE ARTICLES" in after and "From: " in after  # "1" opened the offered passage


def test_pictures_and_files_go_to_the_users_folder_with_a_text_version_and_forget_removes_them(tmp_path: Path) -> None:
    lines = ["/start", "1", "/tablet 08:00", "/tablets", "1", "/tablets", "/dexa 2026-03-14 hip -1.2", "/dexa",
             "/export", "/forget", "1"]
    out = _chat(tmp_path, lines, "--user-id", "321")
    folder = tmp_path / "console-files" / "321"  # beside the database, a folder per user
    for name in ("tablets-", "dexa-", "my-record-"):
        assert f"saved {folder}/{name}" in out, name
    assert "One line per week, Monday first" in out and "[picture: tablets-" in out  # the text version
    assert "deleted" in out
    assert not folder.exists()  # /forget removed every file the console wrote for this user
    rows = sqlite3.connect(tmp_path / "console.sqlite3").execute(
        "SELECT (SELECT COUNT(*) FROM doses) + (SELECT COUNT(*) FROM dexa_results) + (SELECT COUNT(*) FROM tablet_schedules)"
    ).fetchone()
    assert rows == (0,)
