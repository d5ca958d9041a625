"""`patient-bot reload`: validate knowledge here, then signal the running bot; and the in-process swap."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from bot.assistant import Assistant
from bot.channels.control import pid_file, request_reload
from bot.config import Settings
from bot.content import load_content
from bot.knowledge.base import KnowledgeBase

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
