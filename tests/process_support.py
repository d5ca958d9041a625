"""The real `patient-bot run` as a subprocess against the fake Bot API: for tests and benchmarks/bench_durability.py.

``start_bot`` writes a config file (any extra settings), starts ``python -m bot run`` with the fake
server's URL and token in its environment, and keeps its stderr (JSON log lines) in a file. Helpers
consent users directly in the database (as the benchmarks do, skipping the /start conversation),
read /healthz, make the database file read-only the way that binds even root (``chattr +i``; plain
``chmod`` for other users), and count what the fake server answered.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.storage import Database, UserRepository

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class BotProcess:
    """A running bot process, its log file and settings file."""

    process: subprocess.Popen[bytes]
    log: Path
    started: float
    health_port: int

    def lines(self) -> list[dict[str, Any]]:
        """Return the JSON log lines written so far (non-JSON lines as {"raw": line})."""
        result = []
        for line in self.log.read_text(errors="replace").splitlines():
            try:
                result.append(json.loads(line))
            except ValueError:
                result.append({"raw": line})
        return result

    def events(self, name: str) -> list[dict[str, Any]]:
        """Return the log lines with ``event == name``."""
        return [line for line in self.lines() if line.get("event") == name]


def start_bot(
    tg: Any, workdir: Path, database: Path, name: str, *, args: tuple[str, ...] = (),
    env: dict[str, str] | None = None, **settings: Any,
) -> BotProcess:
    """Start `python -m bot run` against the fake server ``tg``; ``settings`` go into its config file.

    Its output goes through a pipe (copied to ``<name>.log`` by a thread), so ``fill_disk`` can forbid
    it to grow files without silencing its logs.
    """
    health_port = int(settings.pop("health_port", 0))
    config = workdir / f"{name}.yaml"
    values = {"knowledge_dir": str(KNOWLEDGE), "log_level": "INFO", "health_port": health_port,
              "operator_name": "Test Clinic", "operator_contact": "reception@example.org", **settings}
    config.write_text("".join(f"{key}: {json.dumps(value)}\n" for key, value in values.items()), encoding="utf-8")
    environment = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_API_BASE_URL": f"{tg.url}/bot",
        "PATIENT_BOT_DATABASE": str(database),
        "PATIENT_BOT_CONFIG": str(config),
        "PTB_TIMEDELTA": "1",
        **(env or {}),
    }

    log = workdir / f"{name}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", *args], cwd=ROOT, env=environment, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )

    def copy() -> None:
        assert process.stdout is not None
        with process.stdout, log.open("ab") as handle:
            for line in process.stdout:
                handle.write(line)
                handle.flush()

    log.touch()
    threading.Thread(target=copy, daemon=True).start()
    return BotProcess(process, log, time.monotonic(), health_port)


def fill_disk(bot: BotProcess, full: bool = True) -> None:
    """Let the bot process grow no file any more (RLIMIT_FSIZE 0, as a full disk; binds root too), or undo it.

    Like a real full disk, rewriting space a file already has still works; growing it fails (SQLite:
    "disk I/O error" or "database or disk is full").
    """
    _, hard = resource.prlimit(bot.process.pid, resource.RLIMIT_FSIZE)
    resource.prlimit(bot.process.pid, resource.RLIMIT_FSIZE, (0 if full else hard, hard))


def consent_users(database: Path, user_ids: list[int]) -> None:
    """Create users who accepted the disclaimer (what /start + "I understand" would store)."""
    now = datetime.now(UTC) - timedelta(minutes=1)
    with Database(database) as db, db.transaction():
        users = UserRepository(db)
        for user_id in user_ids:
            users.upsert(user_id, user_id, now)
            users.accept_disclaimer(user_id, now)


def query(database: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run a read-only query on the database file."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        return [tuple(row) for row in conn.execute(sql, params)]


async def wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    """Poll ``condition`` without blocking the event loop (the fake server shares it)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(step)
    return True


async def wait_exit(process: subprocess.Popen[bytes], timeout: float) -> int | None:
    """Wait for the process to exit without blocking the event loop; None if it is still running."""
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    return process.poll()


async def healthz(port: int) -> tuple[int, dict[str, Any]]:
    """GET /healthz; (0, {}) when nothing answers."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return 0, {}
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


async def wait_health(port: int, expected: int, timeout: float) -> bool:
    """Poll /healthz until it answers ``expected``; False after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (await healthz(port))[0] == expected:
            return True
        await asyncio.sleep(0.3)
    return False


async def stop(bot: BotProcess, timeout: float = 15.0) -> int | None:
    """SIGTERM the bot and wait for its exit code (SIGKILL after ``timeout``)."""
    if bot.process.poll() is None:
        bot.process.terminate()
    code = await wait_exit(bot.process, timeout)
    if code is None:
        bot.process.kill()
        code = await wait_exit(bot.process, 5)
    return code


def can_make_read_only() -> bool:
    """Return True when ``make_read_only`` binds this user (root needs chattr, i.e. CAP_LINUX_IMMUTABLE)."""
    return os.geteuid() != 0 or shutil.which("chattr") is not None


def make_read_only(path: Path, read_only: bool = True) -> None:
    """Make a file unwritable for this process and its children (root: the immutable flag; else chmod)."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i" if read_only else "-i", str(path)], check=True)
    else:
        path.chmod(0o444 if read_only else 0o644)


def texts_to(tg: Any, chat_id: int) -> list[str]:
    """Return the plain texts the bot sent to a chat."""
    return [m.get("plain_text") or "" for m in tg.sent_messages(chat_id)]
