"""`patient-bot reload`: validate knowledge here, then signal the running bot; and the in-process swap."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bot.app import Runtime, build_runtime
from bot.assistant import Assistant
from bot.channels.control import pid_file, request_reload
from bot.config import Settings
from bot.content import Content, load_content
from bot.knowledge.base import KnowledgeBase
from bot.models import Incoming
from tests.clinic_support import add_article, knowledge_copy, replace_in

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"


def test_reload_signals_the_running_bot(tmp_path: Path) -> None:
    settings = Settings(knowledge_dir=KNOWLEDGE, database=tmp_path / "bot.sqlite3")
    marker = tmp_path / "hup"
    code = ("import signal, sys, time\n"
            "signal.signal(signal.SIGHUP, lambda *a: (open(sys.argv[1], 'w').write('hup'), sys.exit(0)))\n"
            "open(sys.argv[1] + '.ready', 'w').close()\ntime.sleep(30)\n")
    child = subprocess.Popen([sys.executable, "-c", code, str(marker)])
    try:
        while not Path(f"{marker}.ready").exists():
            time.sleep(0.01)
        pid_file(settings).write_text(str(child.pid))
        out = io.StringIO()
        assert request_reload(settings, out) == 0
        assert child.wait(timeout=10) == 0 and marker.read_text() == "hup"
        assert "knowledge is valid" in out.getvalue()
    finally:
        child.kill()
        child.wait()


def test_reload_without_a_bot_or_with_broken_knowledge(tmp_path: Path) -> None:
    out = io.StringIO()
    assert request_reload(Settings(knowledge_dir=KNOWLEDGE, database=tmp_path / "bot.sqlite3"), out) == 1
    assert "no running bot" in out.getvalue()
    broken = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, broken)
    (broken / "safety.yaml").write_text("urgent: [")
    out = io.StringIO()
    assert request_reload(Settings(knowledge_dir=broken, database=tmp_path / "bot.sqlite3"), out) == 2
    assert "safety.yaml" in out.getvalue()


def test_assistant_reload_keeps_old_knowledge_on_failure(knowledge: KnowledgeBase, assistant: Assistant, tmp_path: Path) -> None:
    broken = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, broken)
    local = Assistant(load_content(KNOWLEDGE), replace(assistant.settings), reload_content=lambda: load_content(broken))
    knowledge = local.knowledge
    (broken / "glossary.yaml").write_text("entries: 3\n")
    reply = local.reload()
    assert "Reload failed" in reply.plain_text and local.knowledge is knowledge
    shutil.copy(KNOWLEDGE / "glossary.yaml", broken / "glossary.yaml")
    assert "reloaded" in local.reload().plain_text and local.knowledge is not knowledge


# -- a reload re-reads everything, refuses a broken edit, and never stops the answers ---------------------

ADMIN = 7


def _runtime(knowledge: Path, tmp_path: Path) -> Runtime:
    return build_runtime(Settings(knowledge_dir=knowledge, database=tmp_path / "bot.sqlite3", admin_ids=(ADMIN,)))


def _say(runtime: Runtime, text: str, user: int = ADMIN) -> str:
    now = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
    runtime.assistant.deps.services.users.upsert(user, user, now)  # type: ignore[union-attr]
    runtime.assistant.deps.services.users.accept_disclaimer(user, now)  # type: ignore[union-attr]
    return "\n".join(reply.plain_text for reply in runtime.assistant.handle(Incoming(user, user, text), now))


def test_reload_changes_messages_titles_glossary_and_reminder_texts(tmp_path: Path) -> None:
    knowledge = knowledge_copy(tmp_path)
    runtime = _runtime(knowledge, tmp_path)
    try:
        assert "What I can do" in _say(runtime, "/help")
        assert "From: Monitoring bone density while taking anastrozole" in _say(runtime, "how often do I need a DEXA scan")
        assert "precursor state" in _say(runtime, "/glossary osteopenia")
        assert "You have no active reminders" in _say(runtime, "/reminders")
        replace_in(knowledge / "messages.yaml", 'help_title: "What I can do"', 'help_title: "How Riverside Clinic\'s bot helps"')
        replace_in(knowledge / "articles.yaml", "Monitoring bone density while taking anastrozole", "Checking your bones on anastrozole")
        replace_in(knowledge / "glossary.yaml", "representing a precursor state of increased skeletal fragility.",
                   "which the clinic explains at your first visit.")
        replace_in(knowledge / "reminders.yaml", "You have no active reminders.", "Nothing is booked yet.")
        assert "Knowledge reloaded" in _say(runtime, "/reload")
        assert "How Riverside Clinic's bot helps" in _say(runtime, "/help")
        assert "From: Checking your bones on anastrozole" in _say(runtime, "how often do I need a DEXA scan")
        glossary = _say(runtime, "/glossary osteopenia")
        assert "the clinic explains at your first visit" in glossary and "precursor state" not in glossary
        assert "Nothing is booked yet" in _say(runtime, "/reminders")
    finally:
        runtime.database.close()  # type: ignore[union-attr]


def test_a_markdown_article_is_answered_first_after_reload_without_a_restart(tmp_path: Path) -> None:
    knowledge = knowledge_copy(tmp_path)
    runtime = _runtime(knowledge, tmp_path)
    try:
        assert "Riverside" not in _say(runtime, "when is the imaging desk open on friday")
        add_article(knowledge, "dexa_booking.md")
        assert "Knowledge reloaded" in _say(runtime, "/reload")
        for question, words in [("when is the imaging desk open on friday", "8:30 to 13:00"),
                                ("what should I wear for my dexa scan", "loose clothes"),
                                ("how long until I get my scan results", "within two weeks")]:
            [reply, *_] = runtime.assistant.ask(question)
            assert reply.passages and reply.passages[0].passage.article == "100", question
            assert words in reply.plain_text
            assert "From: Booking your DEXA scan at Riverside Clinic" in reply.plain_text and "(reviewed 2026-01-15)" in reply.plain_text
    finally:
        runtime.database.close()  # type: ignore[union-attr]


def test_a_broken_edit_is_refused_and_the_running_content_kept(tmp_path: Path) -> None:
    knowledge = knowledge_copy(tmp_path)
    runtime = _runtime(knowledge, tmp_path)
    try:
        before = runtime.assistant.content.current
        add_article(knowledge, "dexa_booking.md")
        replace_in(knowledge / "articles.yaml", "    reviewed: 2026-01-15\n", "    reviewed: next tuesday\n")
        replace_in(knowledge / "messages.yaml", 'help_title: "What I can do"', 'help_title: "Changed"')
        reply = _say(runtime, "/reload")
        assert "Reload failed, the previous knowledge is still in use" in reply and "articles.yaml: 100: 'reviewed'" in reply
        assert runtime.assistant.content.current is before
        assert "What I can do" in _say(runtime, "/help")  # nothing of the broken version was taken
        assert "Riverside" not in _say(runtime, "when is the imaging desk open on friday")
    finally:
        runtime.database.close()  # type: ignore[union-attr]


def test_answers_keep_flowing_from_the_old_content_while_a_reload_is_built(tmp_path: Path) -> None:
    knowledge = knowledge_copy(tmp_path)
    add_article(knowledge, "dexa_booking.md")
    started, release = threading.Event(), threading.Event()

    def slow_load() -> Content:
        started.set()
        assert release.wait(30)
        return load_content(knowledge)

    old = load_content(KNOWLEDGE)
    assistant = Assistant(old, Settings(knowledge_dir=KNOWLEDGE), reload_content=slow_load)
    worker = threading.Thread(target=assistant.reload)
    worker.start()
    try:
        assert started.wait(30)
        [reply, *_] = assistant.ask("what is osteopenia")  # answered while the reload is being built
        assert reply.kind.value == "answer" and assistant.content.current is old
    finally:
        release.set()
        worker.join(30)
    assert assistant.content.current is not old and "100" in assistant.knowledge.articles
    assert assistant.is_slow(Incoming(1, 1, "/reload")) and not assistant.is_slow(Incoming(1, 1, "what is /reload"))
