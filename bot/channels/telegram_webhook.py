"""Webhook mode: PTB's webhook server, a mandatory secret token, and refusals that are logged.

Telegram sends the secret in ``X-Telegram-Bot-Api-Secret-Token``; PTB answers 403 to a request without
it or with a wrong one but only logs that at DEBUG level. ``SecretRefusalLog`` raises those records to
WARNING (without the presented token), so an operator sees probing in the normal logs.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram.ext import Application

from bot.app import Runtime
from bot.config import Settings, check_webhook

WEBHOOK_LOGGER = "telegram.ext.Updater"  # PTB names the webhook handler's logger after the Updater
_REFUSALS = ("Request did not include the secret token", "Request had the wrong secret token")


class SecretRefusalLog(logging.Filter):
    """Let through only secret-token refusals, raised to WARNING and with the presented token removed."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite refusal records; drop the webhook handler's other DEBUG chatter."""
        message = str(record.msg)
        if message.startswith(_REFUSALS):
            record.msg = "webhook request refused: " + ("missing" if "did not" in message else "wrong") + " secret token"
            record.args = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.event = "webhook_refused"
            return True
        return record.levelno >= logging.INFO


def install_refusal_logging() -> None:
    """Make PTB's webhook handler report secret-token refusals at WARNING."""
    logger = logging.getLogger(WEBHOOK_LOGGER)
    logger.setLevel(logging.DEBUG)
    if not any(isinstance(f, SecretRefusalLog) for f in logger.filters):
        logger.addFilter(SecretRefusalLog())


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Return PTB ``run_webhook``/``start_webhook`` arguments; raise ConfigError when one is missing."""
    check_webhook(settings)
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": settings.webhook_path,
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret_token,
    }


def run_webhook(app: Application, settings: Settings, runtime: Runtime, allowed: list[str]) -> int:  # type: ignore[type-arg]
    """Run the bot in webhook mode until SIGINT/SIGTERM; return the exit code."""
    options = webhook_options(settings)
    install_refusal_logging()
    app.run_webhook(allowed_updates=allowed, drop_pending_updates=False, **options)
    return 0
