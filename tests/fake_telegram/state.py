"""Shared state of the fake server: chats, messages, files and the update queue.

Kept apart from the HTTP layer so that the method handlers (:mod:`.methods`) and the
test-side update builders (:mod:`.updates`) operate on one consistent picture of the
"Telegram world": a callback query can only point at a message the bot really sent, and
an edit can only target a stored message.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass
from typing import Any

from .errors import bad_request

# Update kinds Telegram withholds unless explicitly listed in allowed_updates.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class StoredFile:
    """A file known to the fake (uploaded by the bot or attached to a pushed message)."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes


class StateBase:
    """Attributes and helpers shared by the server's mixins."""

    def _init_state(self, token: str) -> None:
        self.token = token
        prefix = token.split(":", 1)[0]
        # The bot's user id is the token's numeric prefix, as on Telegram.
        self.bot_user: dict[str, Any] = {
            "id": int(prefix) if prefix.isdigit() else 123456,
            "is_bot": True,
            "first_name": "TestBot",
            "username": "test_bot",
        }
        self._chats: dict[int, dict[str, Any]] = {}
        self._last_message_id: dict[int, int] = {}
        # Every message in the fake world (pushed by "users" or sent by the bot).
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        # The bot's own messages: records exposed through sent_messages(), in send order.
        self._sent: list[dict[str, Any]] = []
        self._sent_index: dict[tuple[int, int], dict[str, Any]] = {}
        self._sent_mark = 0  # sent_messages() hides records from before clear()
        self._pending: list[dict[str, Any]] = []  # updates not yet confirmed via offset
        self._next_update_id = 100_000_001
        self._allowed_updates: frozenset[str] | None = None
        self._update_event = asyncio.Event()
        self._open_callbacks: set[str] = set()
        self._callback_ids = itertools.count(4_000_000_000_000_000_001)
        self._file_ids = itertools.count(1)
        self._files: dict[str, StoredFile] = {}
        self.webhook: dict[str, Any] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.forbidden_chats: set[int] = set()
        self.migrated_chats: dict[int, int] = {}  # a group upgraded to a supergroup: old id -> new id

    @staticmethod
    def _now() -> int:
        return int(time.time())

    # -- chats and messages -------------------------------------------------------

    def _chat(self, chat_id: int) -> dict[str, Any]:
        """The chat object for ``chat_id``; chats never seen in an update are synthesised."""
        if chat_id not in self._chats:
            if chat_id > 0:
                self._chats[chat_id] = {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
            else:
                kind = "supergroup" if str(chat_id).startswith("-100") else "group"
                self._chats[chat_id] = {"id": chat_id, "type": kind, "title": f"Chat {chat_id}"}
        return self._chats[chat_id]

    def _resolve_chat_id(self, value: Any) -> int:
        """Map a ``chat_id`` parameter (int or ``@username``) to a numeric chat id."""
        if isinstance(value, bool):
            raise bad_request("chat not found")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.startswith("@"):
            for chat in self._chats.values():
                if chat.get("username", "").lower() == value[1:].lower():
                    return int(chat["id"])
        raise bad_request("chat not found")

    def _next_message_id(self, chat_id: int) -> int:
        # Message ids are per chat and shared by both sides of the conversation.
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def _reply_stub(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """The replied-to message as embedded in a reply (without its own reply)."""
        original = self._messages.get((chat_id, message_id))
        if original is None:
            return None
        return {k: v for k, v in original.items() if k != "reply_to_message"}

    # -- files ----------------------------------------------------------------------

    def _store_file(self, data: bytes, kind: str, filename: str = "") -> StoredFile:
        n = next(self._file_ids)
        suffix = f"_{filename}" if filename else ""
        stored = StoredFile(f"{kind.upper()}-FILE-{n:06d}", f"U{n:06d}", f"{kind}s/file_{n}{suffix}", data)
        self._files[stored.file_id] = stored
        return stored

    # -- update queue ---------------------------------------------------------------

    def _wake(self) -> None:
        """Wake every coroutine waiting for an update (broadcast, safe from sync code)."""
        event, self._update_event = self._update_event, asyncio.Event()
        event.set()

    def _enqueue(self, update: dict[str, Any]) -> dict[str, Any]:
        if "update_id" not in update:
            update = {"update_id": self._next_update_id, **update}
        self._next_update_id = max(self._next_update_id, int(update["update_id"])) + 1
        self._pending.append(update)
        self._wake()
        return update

    def _confirm(self, offset: int) -> None:
        """Forget updates the bot confirmed (Telegram semantics of ``getUpdates(offset)``)."""
        if offset < 0:
            self._pending = self._pending[offset:]  # "the last -offset updates"
        elif offset:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` pending updates, dropping kinds the bot did not subscribe to."""
        allowed = self._allowed_updates

        def wanted(update: dict[str, Any]) -> bool:
            kind = next((k for k in update if k != "update_id"), "")
            return kind in allowed if allowed else kind not in OPT_IN_UPDATES

        self._pending = [u for u in self._pending if wanted(u)]
        return self._pending[:limit]
