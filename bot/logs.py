"""Structured, privacy-safe logging: one JSON object per line, no message text, names or token.

Owns the log format, the keyed hash that replaces user ids (so one user's events can be followed without
knowing who they are), and a redaction filter that removes the bot token from every record (httpx logs
request URLs, which contain it). Message text is logged only with the explicit debug switch, which
warns loudly at start-up.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

_FIELDS = ("event", "user", "chat", "kind", "command", "error", "count", "seconds", "status", "mode")
_hash_key = secrets.token_bytes(32)


def set_hash_key(key: str | None) -> None:
    """Use a configured key for user-id hashes (stable across restarts); a random one otherwise."""
    global _hash_key
    _hash_key = key.encode("utf-8") if key else secrets.token_bytes(32)


def user_ref(user_id: int | None) -> str | None:
    """Return a short keyed hash of a user or chat id, never the id itself."""
    if user_id is None:
        return None
    return hmac.new(_hash_key, str(user_id).encode(), hashlib.sha256).hexdigest()[:16]


class JsonFormatter(logging.Formatter):
    """Format records as one JSON object per line with a fixed set of safe fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the JSON line for a record."""
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                data[name] = value
        text = getattr(record, "text", None)
        if text is not None:
            data["text"] = text  # only set when debug_log_text is on
        if record.exc_info and record.exc_info[0] is not None:
            data["exception"] = record.exc_info[0].__name__  # the type only: messages can hold user text
        return json.dumps(data, ensure_ascii=False)


class RedactFilter(logging.Filter):
    """Replace secrets (the bot token) wherever they appear in a record."""

    def __init__(self, secrets_to_hide: list[str]) -> None:
        """Hide each non-empty string in ``secrets_to_hide``."""
        super().__init__()
        self.secrets = [s for s in secrets_to_hide if s]

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message without the secrets; never drop the record."""
        if self.secrets:
            message = record.getMessage()
            for secret in self.secrets:
                message = message.replace(secret, "<redacted>")
            record.msg, record.args = message, None
        return True


def configure_logging(
    level: str = "INFO",
    token: str | None = None,
    hash_key: str | None = None,
    stream: TextIO | None = None,
    debug_text: bool = False,
) -> logging.Handler:
    """Send all logs as JSON lines to ``stream`` (stderr), redacting the token; return the handler.

    ``debug_text`` (the explicit ``debug_log_text`` switch) is announced with a warning at start-up,
    because it puts health information into the logs.
    """
    set_hash_key(hash_key)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactFilter([token or ""]))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token; PTB logs whole updates
    # (names, message text) at DEBUG. Libraries never log below INFO here, whatever our own level.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("telegram").setLevel(max(logging.INFO, logging.getLevelName(level)))
    if debug_text:
        logging.getLogger("bot").warning(
            "debug_log_text is ON: message texts are written to the logs; never use this in production",
            extra={"event": "debug_text_on"},
        )
    return handler
