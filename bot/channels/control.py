"""Operator control of a running bot: ``patient-bot reload`` re-reads knowledge/ without a restart.

The running bot writes its process id next to its database; ``reload`` first validates the knowledge
folder in this process (so a broken file is reported here and never reaches the bot), then sends the
bot SIGHUP, on which it swaps in freshly loaded knowledge (``Assistant.reload``).
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.errors import KnowledgeError


def pid_file(settings: Settings) -> Path:
    """Return where the running bot records its process id (beside its database file)."""
    return settings.database.with_suffix(".pid")


def write_pid(settings: Settings) -> None:
    """Record this process as the running bot."""
    path = pid_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(os.getpid()))


def remove_pid(settings: Settings) -> None:
    """Forget the pid file if it is still ours."""
    path = pid_file(settings)
    with contextlib.suppress(OSError, ValueError):
        if int(path.read_text()) == os.getpid():
            path.unlink()


def request_reload(settings: Settings, out: TextIO) -> int:
    """Validate knowledge/, then signal the running bot to reload it; return the exit code."""
    from bot.app import load_settings_content

    try:
        knowledge = load_settings_content(settings).knowledge
    except KnowledgeError as error:
        out.write(f"knowledge is invalid, nothing reloaded: {error}\n")
        return 2
    out.write(f"knowledge is valid: {len(knowledge.passages)} passages, {len(knowledge.glossary.entries)} terms\n")
    try:
        pid = int(pid_file(settings).read_text())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError):
        out.write(f"no running bot found (no live process in {pid_file(settings)}, which sits beside the database "
                  "file: give this command the running bot's config, or the same PATIENT_BOT_DATABASE)\n")
        return 1
    out.write(f"asked the bot (pid {pid}) to reload\n")
    return 0
