"""Test-side builders for incoming updates (what a Telegram user "does").

Each ``push_*`` method builds a realistic ``Update`` dict, registers the message/chat in
the fake's state (so replies, edits and callback queries can refer to it), queues it for
``getUpdates``/``deliver_webhook`` and returns it.
"""

from __future__ import annotations

from typing import Any, Literal

from .html_check import utf16_len
from .state import StateBase

ChatType = Literal["private", "group", "supergroup"]


class UpdatesMixin(StateBase):
    """``push_*`` methods of :class:`~tests.fake_telegram.FakeTelegramServer`."""

    def _origin(
        self, user_id: int, chat_id: int | None, first_name: str, username: str | None, chat_type: ChatType
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """(from user, chat) for a message sent by ``user_id``; registers both."""
        user: dict[str, Any] = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": "en",
        }
        if username:
            user["username"] = username
        if chat_type == "private":
            cid = user_id if chat_id is None else chat_id
            chat: dict[str, Any] = {"id": cid, "type": "private", "first_name": first_name}
            if username:
                chat["username"] = username
        else:
            # Group ids are negative; supergroups use the -100... range like Telegram.
            default = -1_001_000_000_000 - user_id if chat_type == "supergroup" else -4_000_000_000 - user_id
            cid = default if chat_id is None else chat_id
            if cid >= 0:
                raise ValueError(f"{chat_type} chats need a negative chat_id, got {cid}")
            chat = {"id": cid, "type": chat_type, "title": f"Test {chat_type} {-cid}"}
        self._chats[cid] = chat
        return user, chat

    def _new_message(
        self,
        user_id: int,
        chat_id: int | None,
        first_name: str,
        username: str | None,
        chat_type: ChatType,
        reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        user, chat = self._origin(user_id, chat_id, first_name, username, chat_type)
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat["id"]),
            "from": user,
            "chat": chat,
            "date": self._now(),
        }
        if reply_to_message_id is not None:
            stub = self._reply_stub(chat["id"], reply_to_message_id)
            if stub is None:
                raise ValueError(f"no message {reply_to_message_id} in chat {chat['id']} to reply to")
            message["reply_to_message"] = stub
        self._messages[(chat["id"], message["message_id"])] = message
        return message

    def push_message(
        self,
        text: str,
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        first_name: str = "Ann",
        username: str | None = None,
        chat_type: ChatType = "private",
        reply_to_message_id: int | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Queue a text message update; ``/command`` texts get a ``bot_command`` entity."""
        message = self._new_message(user_id, chat_id, first_name, username, chat_type, reply_to_message_id)
        message["text"] = text
        if entities is None and text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
        if entities:
            message["entities"] = entities
        return self._enqueue({"message": message})

    def push_sticker(
        self,
        emoji: str = "👍",
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        first_name: str = "Ann",
        username: str | None = None,
        chat_type: ChatType = "private",
    ) -> dict[str, Any]:
        """Queue a sticker message."""
        message = self._new_message(user_id, chat_id, first_name, username, chat_type)
        stored = self._store_file(b"RIFF....WEBP", "sticker")
        message["sticker"] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": len(stored.data),
        }
        return self._enqueue({"message": message})

    def push_photo(
        self,
        caption: str | None = None,
        *,
        data: bytes = b"\xff\xd8\xff\xe0 fake jpeg",
        user_id: int = 1001,
        chat_id: int | None = None,
        first_name: str = "Ann",
        username: str | None = None,
        chat_type: ChatType = "private",
    ) -> dict[str, Any]:
        """Queue a photo message (two sizes, like Telegram's thumbnails + original)."""
        message = self._new_message(user_id, chat_id, first_name, username, chat_type)
        small, large = self._store_file(data[:64], "photo"), self._store_file(data, "photo")
        message["photo"] = [
            {
                "file_id": small.file_id,
                "file_unique_id": small.file_unique_id,
                "width": 90,
                "height": 90,
                "file_size": len(small.data),
            },
            {
                "file_id": large.file_id,
                "file_unique_id": large.file_unique_id,
                "width": 1280,
                "height": 960,
                "file_size": len(large.data),
            },
        ]
        if caption is not None:
            message["caption"] = caption
        return self._enqueue({"message": message})

    def push_voice(
        self,
        duration: int = 3,
        *,
        data: bytes = b"OggS fake opus",
        user_id: int = 1001,
        chat_id: int | None = None,
        first_name: str = "Ann",
        username: str | None = None,
        chat_type: ChatType = "private",
    ) -> dict[str, Any]:
        """Queue a voice note."""
        message = self._new_message(user_id, chat_id, first_name, username, chat_type)
        stored = self._store_file(data, "voice")
        message["voice"] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(data),
        }
        return self._enqueue({"message": message})

    def push_document(
        self,
        file_name: str = "report.pdf",
        *,
        data: bytes = b"%PDF-1.4 fake",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        user_id: int = 1001,
        chat_id: int | None = None,
        first_name: str = "Ann",
        username: str | None = None,
        chat_type: ChatType = "private",
    ) -> dict[str, Any]:
        """Queue a document message; its bytes are downloadable via getFile."""
        message = self._new_message(user_id, chat_id, first_name, username, chat_type)
        stored = self._store_file(data, "document", file_name)
        message["document"] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        if caption is not None:
            message["caption"] = caption
        return self._enqueue({"message": message})

    def push_edited_message(
        self, message_id: int, new_text: str, *, user_id: int = 1001, chat_id: int | None = None
    ) -> dict[str, Any]:
        """Queue an ``edited_message`` for a message previously pushed by the user."""
        cid = user_id if chat_id is None else chat_id
        original = self._messages.get((cid, message_id))
        if original is None or original["from"]["id"] != user_id:
            raise ValueError(f"user {user_id} has no message {message_id} in chat {cid} to edit")
        original.update(text=new_text, edit_date=self._now())
        original.pop("entities", None)
        return self._enqueue({"edited_message": dict(original)})

    def push_callback(
        self,
        data: str,
        *,
        user_id: int = 1001,
        message_id: int,
        chat_id: int | None = None,
        first_name: str = "Ann",
        force: bool = False,
    ) -> dict[str, Any]:
        """Queue a ``callback_query`` for a button on a message the bot sent.

        Real clients can only send ``data`` present in the message's inline keyboard, so
        anything else raises ``ValueError`` unless ``force=True`` (to simulate stale data).
        """
        cid = user_id if chat_id is None else chat_id
        record = self._sent_index.get((cid, message_id))
        if record is None or record["deleted"]:
            raise ValueError(f"the bot has no message {message_id} in chat {cid}")
        markup = record.get("reply_markup") or {}
        buttons = [b.get("callback_data") for row in markup.get("inline_keyboard", []) for b in row]
        if data not in buttons and not force:
            raise ValueError(f"callback_data {data!r} is not on message {message_id}; buttons carry {buttons}")
        query_id = str(next(self._callback_ids))
        self._open_callbacks.add(query_id)
        user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
        query = {
            "id": query_id,
            "from": user,
            "message": dict(record["message"]),
            "chat_instance": str(abs(hash((self.bot_user["id"], cid))) % 10**18),
            "data": data,
        }
        return self._enqueue({"callback_query": query})

    def push_as(
        self, text: str, *, chat_id: int, sender: dict[str, Any] | None, sender_chat: dict[str, Any] | None = None,
        chat_type: ChatType = "supergroup",
    ) -> dict[str, Any]:
        """Queue a text message with any ``from`` and ``sender_chat``: an anonymous admin (``from`` is
        GroupAnonymousBot, ``sender_chat`` the group), a channel post in a linked group, or a bot."""
        chat = self._chats.setdefault(chat_id, {"id": chat_id, "type": chat_type, "title": f"Chat {chat_id}"})
        message: dict[str, Any] = {"message_id": self._next_message_id(chat_id), "chat": chat, "date": self._now(),
                                   "text": text}
        if sender is not None:
            message["from"] = sender
        if sender_chat is not None:
            message["sender_chat"] = sender_chat
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(text.split()[0])}]
        self._messages[(chat_id, message["message_id"])] = message
        return self._enqueue({"message": message})

    def migrate_group(self, old_chat_id: int, new_chat_id: int) -> None:
        """Upgrade a group to a supergroup as Telegram does: service messages in both chats, and from now
        on any send to the old id fails with ``migrate_to_chat_id``."""
        self.migrated_chats[old_chat_id] = new_chat_id
        old = self._chats.get(old_chat_id, {"id": old_chat_id, "type": "group", "title": "Group"})
        new = {"id": new_chat_id, "type": "supergroup", "title": old.get("title", "Group")}
        self._chats[new_chat_id] = new
        admin = {"id": 1001, "is_bot": False, "first_name": "Ann"}
        self._enqueue({"message": {"message_id": self._next_message_id(old_chat_id), "from": admin, "chat": old,
                                   "date": self._now(), "migrate_to_chat_id": new_chat_id}})
        self._enqueue({"message": {"message_id": self._next_message_id(new_chat_id), "from": admin, "chat": new,
                                   "date": self._now(), "migrate_from_chat_id": old_chat_id}})

    def push_update(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Queue an arbitrary update; ``update_id`` is assigned when missing."""
        return self._enqueue(dict(raw))
