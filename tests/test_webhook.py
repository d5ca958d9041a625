"""Webhook mode end to end (updates delivered by the fake server to PTB's webhook server) and /healthz."""

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
from bot.channels.telegram_webhook import install_refusal_logging, webhook_options
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


async def test_webhook_delivers_updates_and_refuses_wrong_secrets(tmp_path: Path) -> None:
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
        install_refusal_logging()
        try:
            async with app:
                await app.post_init(app)
                await app.start()
                options = webhook_options(settings)
                await app.updater.start_webhook(**{k: v for k, v in options.items()})
                assert tg.webhook and tg.webhook["url"] == settings.webhook_url
                update = tg.push_message("/help", user_id=1001)
                assert await tg.deliver_webhook(update, secret_token="wrong") == 403
                assert await tg.deliver_webhook(update, secret_token=None) == 403
                assert tg.sent_messages(1001) == []
                assert await tg.deliver_webhook(update) == 200
                await tg.wait_for_calls("sendMessage", 1)
                assert "/glossary" in tg.sent_messages(1001)[0]["plain_text"]
                await app.updater.stop()
                await app.stop()
                await app.post_stop(app)
            await app.post_shutdown(app)
        finally:
            logging.getLogger().removeHandler(handler)
    refusals = [json.loads(line) for line in stream.getvalue().splitlines() if "refused" in line]
    assert len(refusals) == 2 and all(r["level"] == "WARNING" for r in refusals)
    assert "wrong" not in json.dumps([r["message"] for r in refusals if "missing" in r["message"]])
    assert tg.rejections == []


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
