"""Webhook mode end to end (updates delivered by the fake server to our webhook server) and /healthz."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import socket
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import build_runtime
from bot.channels.health import start_health_server
from bot.channels.telegram import build_application
from bot.channels.telegram_webhook import webhook_options
from bot.channels.telegram_webhook_server import WebhookServer
from bot.config import Settings
from bot.errors import ConfigError
from bot.logs import configure_logging
from tests.e2e_support import KNOWLEDGE
from tests.fake_telegram import FakeTelegramServer


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_webhook_needs_a_secret_and_a_url() -> None:
    with pytest.raises(ConfigError, match="webhook_secret_token"):
        webhook_options(Settings(webhook_url="https://x/telegram"))
    with pytest.raises(ConfigError, match="webhook_url"):
        webhook_options(Settings(webhook_secret_token="s"))


async def _post(port: int, body: bytes, *, secret: str | None = "s3cret-token", length: int | None = None,
                path: str = "/telegram") -> int:
    """POST raw bytes to the webhook; return the status (a refused oversized body may close early)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    headers = [f"POST {path} HTTP/1.1", "Host: x", "Content-Type: application/json",
               f"Content-Length: {len(body) if length is None else length}"]
    if secret is not None:
        headers.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
    writer.write(("\r\n".join(headers) + "\r\n\r\n").encode())
    try:
        writer.write(body)
        await writer.drain()
    except ConnectionError:
        pass
    status_line = await reader.readline()
    writer.close()
    return int(status_line.split()[1])


async def test_webhook_delivers_updates_and_refuses_what_is_not_one(tmp_path: Path) -> None:
    port = _free_port()
    stream = io.StringIO()
    async with FakeTelegramServer() as tg:
        settings = Settings(
            telegram_token=tg.token, telegram_api_base_url=f"{tg.url}/bot", knowledge_dir=KNOWLEDGE,
            database=tmp_path / "bot.sqlite3", health_port=0, webhook_listen="127.0.0.1", webhook_port=port,
            webhook_url=f"http://127.0.0.1:{port}/telegram", webhook_secret_token="s3cret-token",
        )
        runtime = build_runtime(settings)
        app = build_application(settings, runtime)
        handler = configure_logging("INFO", tg.token, None, stream)
        server = WebhookServer(app.bot, app.update_queue, path="telegram", secret="s3cret-token")
        try:
            async with app:
                await app.post_init(app)
                await app.start()
                server.start("127.0.0.1", port)
                await app.bot.set_webhook(settings.webhook_url or "", secret_token="s3cret-token")
                assert tg.webhook and tg.webhook["url"] == settings.webhook_url
                update = tg.push_message("/help", user_id=1001, first_name="Zebedee")
                assert await tg.deliver_webhook(update, secret_token="wrong") == 403
                assert await tg.deliver_webhook(update, secret_token=None) == 403
                assert tg.sent_messages(1001) == []
                assert await tg.deliver_webhook(update) == 200
                await tg.wait_for_calls("sendMessage", 1)
                assert "/glossary" in tg.sent_messages(1001)[0]["plain_text"]
                # Bodies that are not an update: 400, never 500, and nothing of them in the logs.
                assert await _post(port, b"{not json") == 400
                assert await _post(port, b"\xff\xfe\x00garbage") == 400
                assert await _post(port, b'[1, 2]') == 400
                odd = {"update_id": 5, "message": {"message_id": "x", "from": {"first_name": "Zebedee"}, "text": "secret"}}
                assert await _post(port, json.dumps(odd).encode()) == 400
                # Size: refused from the header, before the body is read; and the secret comes first.
                assert await _post(port, b"", length=20 * 1024 * 1024) == 413
                assert await _post(port, b"", length=20 * 1024 * 1024, secret="wrong") == 403
                assert await _post(port, b"{}", path="/other") == 404
                await server.stop()
                await app.stop()
                await app.post_stop(app)
            await app.post_shutdown(app)
        finally:
            logging.getLogger().removeHandler(handler)
    logged = stream.getvalue()
    refusals = [json.loads(line) for line in logged.splitlines() if "refused" in line]
    assert len(refusals) >= 7 and all(r["level"] == "WARNING" for r in refusals)
    assert "wrong" not in json.dumps([r["message"] for r in refusals if "missing" in r["message"]])
    assert "Zebedee" not in logged and "secret\"" not in logged and "CRITICAL" not in logged
    assert tg.rejections == []


def test_a_busy_port_is_one_clear_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = tmp_path / "config.yaml"
        config.write_text(
            f"webhook_url: https://example.invalid/telegram\nwebhook_listen: 127.0.0.1\nwebhook_port: {port}\n"
            "health_port: 0\noperator_name: Test clinic\noperator_contact: test@example.invalid\n"
        )
        env = {"PATH": "/usr/bin:/bin", "TELEGRAM_BOT_TOKEN": "123:abc", "PATIENT_BOT_DATABASE": str(tmp_path / "b.db"),
               "PATIENT_BOT_WEBHOOK_SECRET": "s", "PATIENT_BOT_CONFIG": str(config),
               "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot"}
        done = subprocess.run([sys.executable, "-m", "bot", "run", "--webhook"], env=env, capture_output=True,
                              text=True, timeout=60, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert f"port {port}" in done.stderr and "in use" in done.stderr


async def test_health_endpoint_reports_knowledge_and_database() -> None:
    async def get(port: int, path: str) -> tuple[int, dict[str, object]]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        await writer.drain()
        data = await reader.read()
        writer.close()
        head, _, body = data.partition(b"\r\n\r\n")
        return int(head.split()[1]), json.loads(body)

    port = _free_port()
    state: dict[str, object] = {"knowledge": True, "database": True}
    server = await start_health_server("127.0.0.1", port, lambda: dict(state))
    try:
        assert await get(port, "/healthz") == (200, {"status": "ok", "knowledge": True, "database": True})
        state["database"] = False
        state["database_problem"] = "database or disk is full"
        status, body = await get(port, "/healthz")
        assert status == 503 and body["status"] == "degraded" and body["database"] is False
        assert body["database_problem"] == "database or disk is full"
        state.update(database=True, webhook=False)
        assert (await get(port, "/healthz"))[0] == 503
        assert (await get(port, "/other"))[0] == 404
    finally:
        server.close()
        await server.wait_closed()


def test_runtime_database_check(tmp_path: Path) -> None:
    runtime = build_runtime(replace(Settings(knowledge_dir=KNOWLEDGE), database=tmp_path / "x.sqlite3"))
    assert runtime.database_ok()
    runtime.database.close()
