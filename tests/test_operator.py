"""The operator's side: settings checked at start-up, /privacy, /stats, `eval`, `knowledge check|init`,
and CLI output into a closed pipe."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import Runtime, build_runtime
from bot.assistant import Assistant
from bot.cli import ask_json, main
from bot.config import Settings, check_for_telegram, load_settings
from bot.errors import ConfigError
from bot.models import Incoming
from tests.clinic_support import CLINIC, KNOWLEDGE, add_article, knowledge_copy, replace_in

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
ADMIN, ALICE, BOB = 7, 101, 202


def _cli(argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    out = io.StringIO()
    code = main(argv, out)
    return code, out.getvalue(), capsys.readouterr().err


# -- settings and /privacy ------------------------------------------------------------------------------


def test_telegram_needs_an_operator_named_once_at_start_up() -> None:
    with pytest.raises(ConfigError, match="operator_name and operator_contact: required on Telegram.*PATIENT_BOT_OPERATOR_NAME"):
        check_for_telegram(Settings(telegram_token="1:x"), webhook=False)
    with pytest.raises(ConfigError, match="operator_contact: required"):
        check_for_telegram(Settings(telegram_token="1:x", operator_name="Riverside Clinic"), webhook=False)
    with pytest.raises(ConfigError, match="webhook_secret_token"):
        check_for_telegram(Settings(telegram_token="1:x", operator_name="R", operator_contact="c"), webhook=True)
    check_for_telegram(Settings(telegram_token="1:x", operator_name="R", operator_contact="c"), webhook=False)


def test_run_with_a_token_but_no_operator_exits_with_one_line(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "TELEGRAM_BOT_TOKEN": "123:fake", "PATIENT_BOT_DATABASE": str(tmp_path / "x.db")}
    result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "operator_name and operator_contact: required on Telegram" in result.stderr and "123:fake" not in result.stderr


def test_privacy_names_the_operator_or_says_it_is_not_configured(assistant: Assistant) -> None:
    def privacy(settings: Settings) -> str:
        local = Assistant(assistant.content, settings)
        return "\n".join(r.plain_text for r in local.handle(Incoming(1, 1, "/privacy"), NOW))

    unset = privacy(Settings(knowledge_dir=KNOWLEDGE))
    assert "Who runs this bot: not configured" in unset and "operator_name" in unset
    named = privacy(Settings(knowledge_dir=KNOWLEDGE, operator_name="Riverside Clinic", operator_contact="01632 960 000"))
    assert "This bot is run by Riverside Clinic. Contact: 01632 960 000." in named and "not configured" not in named


def test_settings_limits_and_paths_relative_to_the_config_file(tmp_path: Path) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    config = folder / "bot.yaml"
    config.write_text("knowledge_dir: clinic-knowledge\ndatabase: data/bot.sqlite3\n")
    settings = load_settings({}, config)
    assert settings.knowledge_dir == folder / "clinic-knowledge" and settings.database == folder / "data" / "bot.sqlite3"
    assert load_settings({"PATIENT_BOT_KNOWLEDGE": "/srv/k"}, config).knowledge_dir == Path("/srv/k")
    for text, key in [("health_port: 70000\n", "health_port: must be at most 65535"),
                      ("reminder_offsets_days: [1, 2, 3, 4, 5, 6]\n", "reminder_offsets_days: expected 1 to 5 offsets"),
                      ("operator_name: '  '\n", "operator_name: must not be empty")]:
        config.write_text(text)
        with pytest.raises(ConfigError, match=key):
            load_settings({}, config)
    with pytest.raises(ConfigError, match="config file not found: .*PATIENT_BOT_CONFIG"):
        load_settings({"PATIENT_BOT_CONFIG": str(tmp_path / "missing.yaml")})


# -- /stats ---------------------------------------------------------------------------------------------


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    built = build_runtime(Settings(knowledge_dir=KNOWLEDGE, database=tmp_path / "bot.sqlite3", admin_ids=(ADMIN,),
                                   default_timezone="Europe/London"))
    yield built
    assert built.database is not None
    built.database.close()


def _say(runtime: Runtime, user: int, text: str, now: datetime = NOW) -> str:
    return "\n".join(reply.plain_text for reply in runtime.assistant.handle(Incoming(user, user, text), now))


def test_stats_windows_percentages_and_counts_that_match_what_users_did(runtime: Runtime) -> None:
    for user in (ALICE, BOB, ADMIN):
        _say(runtime, user, "I understand")
    assert "From:" in _say(runtime, ALICE, "how often do I need a DEXA scan")
    assert "From:" in _say(runtime, BOB, "what is osteopenia")
    assert "don't cover" in _say(runtime, BOB, "what's a good pizza dough recipe")
    _say(runtime, ALICE, "/remind 2027-03-14 DEXA scan")
    _say(runtime, ALICE, "/remind 2027-04-02 blood test")
    assert "Cancelled" in _say(runtime, ALICE, "/cancel 1") and "Cancelled" in _say(runtime, ALICE, "/cancel 2")
    _say(runtime, BOB, "what is a T-score", NOW - timedelta(days=3))  # three days ago: in 7 and 30 days only
    stats = _say(runtime, ADMIN, "/stats")
    assert "Today · last 7 days · last 30 days" in stats
    assert "Messages answered: 3 · 4 · 4" in stats
    assert "answered from the articles: 2 (67%) · 3 (75%) · 3 (75%)" in stats
    assert "not covered by the articles: 1 (33%) · 1 (25%) · 1 (25%)" in stats
    assert "Reminders set: 2 · 2 · 2" in stats
    assert "Reminders cancelled: 2 · 2 · 2" in stats  # two reminders, not their six messages
    assert "New users: 3 · 3 · 3" in stats and "Now: 3 users, 0 active reminders." in stats
    tomorrow = _say(runtime, ADMIN, "/stats", NOW + timedelta(days=1))
    assert "Messages answered: 0 · 4 · 4" in tomorrow and "answered from the articles: 0 (–) · 3 (75%)" in tomorrow
    assert "0.6667" not in stats and "no_match_rate" not in stats


# -- patient-bot eval -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "problem"),
    [("- {question: hi, kind: answer}\n", r"item 1: an answer item needs 'expect_any'"),
     ("- {id: q1, question: hi, kind: answer, expect_any: [x]}\n- {id: q2, question: '', kind: no_match}\n",
      r"item 2 \(id q2\): 'question' must be a non-empty string"),
     ("- {question: hi, kind: maybe}\n", r"item 1: 'kind' must be one of answer, no_match"),
     ("- {query: bmd, expect_term: bmd}\n- {query: dexa}\n", r"item 2: 'expect_term' must be a term or null"),
     ("- {question: hi, kind: no_match}\n- just a string\n", r"item 2: expected a mapping like the first item"),
     ("kind: answer\n", r"expected a non-empty YAML list"),
     ("- [unclosed\n", r"not valid YAML")],
)
def test_eval_refuses_a_bad_file_naming_file_and_item(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], content: str, problem: str
) -> None:
    path = tmp_path / "set.yaml"
    path.write_text(content)
    code, out, err = _cli(["eval", str(path)], monkeypatch, capsys)
    assert code == 2 and out == "" and "Traceback" not in err
    assert f"eval file {path}" in err and err.count("\n") == 1
    assert re.search(problem, err), err


def test_eval_help_documents_the_formats(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["eval", "--help"])
    text = capsys.readouterr().out
    for words in ("messages:", "expect_any", "safety:", "glossary:", "expect_term", "questions:", "one question per line",
                  "ranks", "n/a"):
        assert words in text, words


def test_eval_prints_answers_for_a_plain_question_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, content in [("q.txt", "what is osteopenia\n\n# a comment\nhow often do i need a dexa scan\n"),
                          ("q.yaml", "- what is osteopenia\n- how often do i need a dexa scan\n")]:
        (tmp_path / name).write_text(content)
        code, out, err = _cli(["eval", str(tmp_path / name)], monkeypatch, capsys)
        assert code == 0, err
        assert out.startswith("1. what is osteopenia\n") and "2. how often do i need a dexa scan" in out
        assert "comment" not in out and out.count("From: ") >= 2


def test_eval_numbers_ranks_from_one_and_shows_empty_categories_as_n_a(
    tmp_path: Path, assistant: Assistant, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    passages = ask_json(assistant.ask("what is osteopenia"))["passages"]
    second = passages[1]["text"][:40]  # a phrase only the second passage shown holds
    path = tmp_path / "set.yaml"
    path.write_text(f"- {{id: r2, question: what is osteopenia, kind: answer, expect_any: [{second!r}]}}\n")
    code, out, err = _cli(["eval", str(path)], monkeypatch, capsys)
    assert code == 0, err
    assert "miss r2: 'what is osteopenia' -> answer, rank 2" in out
    assert "mrr@3" in out and "0.500" in out
    assert re.search(r"\nurgent_recall +n/a  \(n=0\)\n", out) and "0.000  (n=0)" not in out


# -- knowledge check and init ---------------------------------------------------------------------------


def test_knowledge_check_reports_per_article_and_exits_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    knowledge = knowledge_copy(tmp_path)
    add_article(knowledge, "dexa_booking.md")
    questions = tmp_path / "questions.txt"
    questions.write_text("when is the imaging desk open on friday\nwhat's a good pizza dough recipe\n")
    code, out, err = _cli(["knowledge", "check", str(knowledge), "--questions", str(questions)], monkeypatch, capsys)
    assert code == 0, err
    assert f"knowledge folder: {knowledge}" in out
    assert "100 'Booking your DEXA scan at Riverside Clinic' (markdown, articles/dexa_booking.md, reviewed 2026-01-15)" in out
    assert "  passages: 10\n" in out and "  shortest: 3 words, 100-009" in out and "  longest: 35 words, 100-002" in out
    assert "suspected captions dropped: 13; navigation lines dropped: 1" in out  # article 000's page furniture
    assert "is defined in an article's glossary but missing from glossary.yaml" in out
    assert "passages without patient questions (passage_questions.yaml): 10" in out
    assert ("when is the imaging desk open on friday\n  -> 100 Booking your DEXA scan at Riverside Clinic › "
            "Opening hours of the imaging desk (100-008)") in out
    assert "what's a good pizza dough recipe\n  -> not covered by the articles" in out
    assert _cli(["knowledge", "check", str(knowledge), "--strict"], monkeypatch, capsys)[0] == 1  # it has warnings


def test_knowledge_check_flags_suspicious_lines_and_exits_2_on_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    knowledge = knowledge_copy(tmp_path)
    add_article(knowledge, "dexa_booking.md")
    article = knowledge / "articles" / "dexa_booking.md"
    article.write_text(article.read_text() + "\nBack to top\n\nShare this\n")
    code, out, _ = _cli(["knowledge", "check", str(knowledge)], monkeypatch, capsys)
    assert code == 0 and "warning: 100-011 looks like a navigation line, not knowledge: \"Back to top\"" in out
    replace_in(knowledge / "glossary.yaml", 'source: "002"}\n  - id: osteoporosis', 'source: "207"}\n  - id: osteoporosis')
    code, out, _ = _cli(["knowledge", "check", str(knowledge)], monkeypatch, capsys)
    assert code == 2
    assert "error: glossary.yaml: osteopenia: source '207' is not an article id in articles.yaml" in out


def test_knowledge_init_copies_the_defaults_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "clinic"
    code, out, _ = _cli(["knowledge", "init", str(target)], monkeypatch, capsys)
    assert code == 0 and f"PATIENT_BOT_KNOWLEDGE={target}" in out
    assert (target / "articles.yaml").read_text() == (KNOWLEDGE / "articles.yaml").read_text()
    assert (target / "models" / "safety.npz").is_file() and not list(target.rglob("__pycache__"))
    code, _, err = _cli(["knowledge", "init", str(target)], monkeypatch, capsys)
    assert code == 2 and "already exists and is not an empty folder" in err
    assert CLINIC.is_dir()


# -- a closed pipe ----------------------------------------------------------------------------------------


def test_cli_output_into_a_closed_pipe_ends_quietly() -> None:
    questions = "what is osteopenia\n" * 400  # far more output than a pipe buffer holds
    reader = "import sys; sys.stdin.buffer.read(100)"  # like `head -c 100`: reads a little, then exits
    pipeline = (f"{sys.executable} -m bot ask | {sys.executable} -c '{reader}'; "
                "echo \"status=${PIPESTATUS[0]}\" >&2")
    result = subprocess.run(["bash", "-c", pipeline], cwd=ROOT, input=questions, capture_output=True, text=True,
                            timeout=120, check=False)
    assert "Traceback" not in result.stderr and "BrokenPipeError" not in result.stderr, result.stderr
    assert "status=141" in result.stderr
