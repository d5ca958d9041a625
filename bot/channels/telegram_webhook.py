"""Webhook mode: its settings (a mandatory secret token and public URL), and a watch that the webhook
Telegram holds is still this instance's. The HTTP server itself is ``telegram_webhook_server.py``.

``WebhookWatch`` asks Telegram (``getWebhookInfo``) every ``health_check_seconds`` whether its webhook
is still ours: the same URL, and no delivery refused with 403 since we registered it (what happens when
someone registered the same URL with another secret: Telegram's updates then bounce off our secret
check, and only Telegram's ``last_error_message`` tells). Secrets cannot be read back from Telegram, so
this is the one observable sign. /healthz reports the answer; the bot does not re-register by itself
(two deployments doing that would take the webhook from each other forever).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from telegram.error import TelegramError

from bot.config import Settings, check_webhook

log = logging.getLogger("bot.telegram")
def webhook_options(settings: Settings) -> dict[str, Any]:
    """Return the webhook settings (listen, port, url_path, webhook_url, secret_token); raise ConfigError
    when the secret or the public URL is missing."""
    check_webhook(settings)
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": settings.webhook_path,
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret_token,
    }


class WebhookWatch:
    """Check that the webhook Telegram holds is ours (see the module docstring); ``ok`` is None until known."""

    def __init__(self, bot: Any, url: str, interval: float, registered_at: datetime | None = None) -> None:
        """Watch ``bot``'s webhook, expected at ``url``, registered by us at ``registered_at`` (default now)."""
        self.bot = bot
        self.url = url
        self.interval = interval
        # Telegram's error dates are whole seconds (rounded down): an error in the second we registered counts.
        self.registered_at = (registered_at or datetime.now(UTC)).replace(microsecond=0)
        self.ok: bool | None = None
        self.problem: str | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Check now and then every ``interval`` seconds."""
        self._task = asyncio.create_task(self._run(), name="webhook-watch")

    def stop(self) -> None:
        """Stop checking."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TelegramError):  # Telegram unreachable: keep the last answer
                await self.check()
            await asyncio.sleep(self.interval)

    async def check(self) -> bool:
        """Ask Telegram once; return whether the webhook is ours (and log when that changes)."""
        info = await self.bot.get_webhook_info()
        problem = None
        if info.url != self.url:
            problem = "Telegram's webhook points elsewhere: " + (info.url or "none is set")
        else:
            error_at = info.last_error_date
            if error_at is not None and error_at.tzinfo is None:
                error_at = error_at.replace(tzinfo=UTC)
            if error_at is not None and error_at >= self.registered_at and "403" in (info.last_error_message or ""):
                problem = ("Telegram's deliveries are refused (403): the webhook was registered again with "
                           "another secret token")
        ok = problem is None
        if not ok and self.ok is not False:
            log.error("the webhook is not this instance's: %s", problem, extra={"event": "webhook_not_ours"})
        elif ok and self.ok is False:
            log.warning("the webhook is this instance's again", extra={"event": "webhook_ours"})
        self.ok, self.problem = ok, problem
        return ok
