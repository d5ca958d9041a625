"""The core never imports Telegram: only bot/channels/telegram*.py may."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = ["bot.assistant", "bot.replies", "bot.knowledge.base", "bot.knowledge.glossary", "bot.knowledge.formats",
        "bot.knowledge_check", "bot.content", "bot.safety.triage", "bot.evaluation",
        "bot.cli", "bot.config", "bot.channels.console", "bot.app"]


def test_core_imports_with_telegram_blocked() -> None:
    code = "import sys; sys.modules['telegram'] = None\n" + "\n".join(f"import {m}" for m in CORE)
    code += "\nimport pkgutil, importlib, bot.reminders\n"
    code += "[importlib.import_module(m.name) for m in pkgutil.walk_packages(bot.reminders.__path__, 'bot.reminders.')]\n"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_no_core_file_mentions_telegram_imports() -> None:
    for path in (ROOT / "bot").rglob("*.py"):
        if path.parent.name == "channels" and path.name.startswith("telegram"):
            continue
        text = path.read_text()
        assert "import telegram" not in text and "from telegram" not in text, path
