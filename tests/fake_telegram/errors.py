"""Error type raised by the fake server's method handlers.

Each error carries the HTTP status and Telegram-style description, plus a ``kind`` that
tells the server which list to record it in: only ``"rejection"`` means "the bot sent
something Telegram would refuse"; throttling, injected faults, blocked chats and
polling conflicts are expected conditions a test provokes on purpose.
"""

from __future__ import annotations

from typing import Any, Literal

ErrorKind = Literal["rejection", "throttled", "injected", "forbidden", "conflict"]


class ApiError(Exception):
    """A failed Bot API call, rendered as ``{"ok": false, "error_code": ..., ...}``."""

    def __init__(
        self,
        error_code: int,
        description: str,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        kind: ErrorKind = "rejection",
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id
        self.kind: ErrorKind = kind

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram would answer with."""
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        if self.migrate_to_chat_id is not None:
            body["parameters"] = {"migrate_to_chat_id": self.migrate_to_chat_id}
        return body


def bad_request(detail: str) -> ApiError:
    """A 400 with Telegram's ``Bad Request:`` prefix."""
    return ApiError(400, f"Bad Request: {detail}")
