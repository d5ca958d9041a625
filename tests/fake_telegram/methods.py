"""Bot API method implementations of the fake server (everything except ``getUpdates``).

Handlers receive already-decoded, already-validated parameters (see
:mod:`.validation`) plus the parsed text/caption, and either return the ``result`` value
or raise :class:`~tests.fake_telegram.errors.ApiError` for state-dependent failures such as
"message to edit not found".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .errors import bad_request
from .spec import Method
from .state import StateBase, StoredFile, UploadedFile
from .validation import check_callback_answer, check_commands, check_photo, check_secret_token

Formatted = tuple[str, list[dict[str, Any]]]
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass
class Prepared:
    """A validated request: spec entry, typed params, parsed text and caption."""

    method: Method
    params: dict[str, Any]
    text: Formatted | None = None
    caption: Formatted | None = None


class MethodsMixin(StateBase):
    """Method handlers of :class:`~tests.fake_telegram.FakeTelegramServer`."""

    def _handlers(self) -> dict[str, Callable[[Prepared], Any]]:
        return {
            "getMe": lambda req: dict(
                self.bot_user,
                can_join_groups=True,
                can_read_all_group_messages=False,
                supports_inline_queries=False,
            ),
            "sendMessage": self._send_message,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback,
            "sendChatAction": self._send_chat_action,
            "setMyCommands": self._set_commands,
            "getMyCommands": lambda req: self.commands.get(self._commands_key(req.params), []),
            "deleteMyCommands": self._delete_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._webhook_info,
            "setChatMenuButton": self._set_menu_button,
            "getChatMenuButton": lambda req: self.menu_buttons.get(req.params.get("chat_id"), {"type": "default"}),
            "getFile": self._get_file,
            "close": lambda req: True,
            "logOut": lambda req: True,
        }

    def _call_method(self, req: Prepared) -> Any:
        handler = self._handlers().get(req.method.name)
        if handler is not None:
            return handler(req)
        if req.method.returns == ("Message",) and "chat_id" in req.params:
            return self._store_sent(req, {})  # e.g. sendSticker: a plain message is enough
        return True

    # -- sending ----------------------------------------------------------------------

    def _store_sent(self, req: Prepared, content: dict[str, Any], extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """Create the bot's Message object and its test-visible record."""
        params = req.params
        chat_id = self._resolve_chat_id(params["chat_id"])
        reply_to, stub = self._reply_target(params), None
        if reply_to is not None:
            stub = self._reply_stub(chat_id, reply_to[0])
            if stub is None and not reply_to[1]:
                raise bad_request("message to be replied not found")
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id),
            "from": self.bot_user,
            "chat": self._chat(chat_id),
            "date": self._now(),
            **content,
        }
        if stub is not None:
            message["reply_to_message"] = stub
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup  # only inline keyboards are echoed back by Telegram
        text, ents = req.text or req.caption or (None, [])
        record: dict[str, Any] = {
            "chat_id": chat_id,
            "message_id": message["message_id"],
            "method": req.method.name,
            "text": params.get("text"),
            "caption": params.get("caption"),
            "parse_mode": params.get("parse_mode"),
            "plain_text": text,
            "entities": ents,
            "reply_markup": markup,
            "deleted": False,
            "edits": 0,
            "message": message,
            **(extra or {}),
        }
        self._messages[(chat_id, message["message_id"])] = message
        self._sent.append(record)
        self._sent_index[(chat_id, message["message_id"])] = record
        return message

    @staticmethod
    def _reply_target(params: dict[str, Any]) -> tuple[int, bool] | None:
        """(message id, allow missing) from reply_parameters or the legacy reply_to_message_id."""
        rp = params.get("reply_parameters")
        if isinstance(rp, dict) and "message_id" in rp:
            return int(rp["message_id"]), bool(rp.get("allow_sending_without_reply"))
        if params.get("reply_to_message_id") is not None:
            return int(params["reply_to_message_id"]), bool(params.get("allow_sending_without_reply"))
        return None

    def _send_message(self, req: Prepared) -> dict[str, Any]:
        assert req.text is not None
        visible, ents = req.text
        content: dict[str, Any] = {"text": visible}
        if ents:
            content["entities"] = ents
        return self._store_sent(req, content)

    def _caption_content(self, req: Prepared) -> dict[str, Any]:
        if not req.caption or not req.caption[0]:
            return {}
        content: dict[str, Any] = {"caption": req.caption[0]}
        if req.caption[1]:
            content["caption_entities"] = req.caption[1]
        return content

    def _input_file(self, req: Prepared, field: str, kind: str) -> tuple[StoredFile, str, str]:
        """Resolve an InputFile parameter -> (stored file, file name, mime type)."""
        value = req.params.get(field)
        if isinstance(value, str) and value.startswith("attach://"):
            value = req.params.get(value.removeprefix("attach://"))
        if isinstance(value, UploadedFile):
            if not value.data:
                raise bad_request("file must be non-empty")
            return self._store_file(value.data, kind, value.filename), value.filename, value.content_type
        if isinstance(value, str) and value in self._files:
            return self._files[value], "", ""
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            # Telegram would download the URL; the fake never leaves 127.0.0.1.
            return self._store_file(b"", kind, value.rsplit("/", 1)[-1]), value.rsplit("/", 1)[-1], ""
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _send_document(self, req: Prepared) -> dict[str, Any]:
        stored, name, mime = self._input_file(req, "document", "document")
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": name,
            "mime_type": mime or "application/octet-stream",
            "file_size": len(stored.data),
        }
        extra = {"document": {"file_name": name, "mime_type": mime, "data": stored.data, "file_id": stored.file_id}}
        return self._store_sent(req, {"document": document, **self._caption_content(req)}, extra)

    def _send_photo(self, req: Prepared) -> dict[str, Any]:
        stored, name, _ = self._input_file(req, "photo", "photo")
        # An uploaded file is checked as Telegram checks it; a URL or file_id stands for a valid photo.
        raw = req.params.get("photo")
        if isinstance(raw, str) and raw.startswith("attach://"):
            raw = req.params.get(raw.removeprefix("attach://"))
        width, height = check_photo(stored.data) if isinstance(raw, UploadedFile) else (800, 600)
        photo = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": width,
                "height": height,
                "file_size": len(stored.data),
            }
        ]
        extra = {"photo": {"file_name": name, "data": stored.data, "file_id": stored.file_id}}
        return self._store_sent(req, {"photo": photo, **self._caption_content(req)}, extra)

    def _send_chat_action(self, req: Prepared) -> bool:
        if req.params["action"] not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._resolve_chat_id(req.params["chat_id"])
        return True

    # -- editing and deleting ---------------------------------------------------------

    def _editable(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """The record of the bot message an edit targets; ``None`` for inline messages."""
        if params.get("inline_message_id"):
            return None
        if params.get("chat_id") is None:
            raise bad_request("chat_id is empty")
        if params.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        key = (self._resolve_chat_id(params["chat_id"]), int(params["message_id"]))
        record = self._sent_index.get(key)
        if record is None or record["deleted"]:
            if key in self._messages:
                raise bad_request("message can't be edited")
            raise bad_request("message to edit not found")
        return record

    def _edit_message_text(self, req: Prepared) -> dict[str, Any] | bool:
        record = self._editable(req.params)
        if record is None:
            return True
        if record["plain_text"] is None or record["method"] != "sendMessage":
            raise bad_request("there is no text in the message to edit")
        assert req.text is not None
        visible, ents = req.text
        markup = req.params.get("reply_markup")
        # Omitting reply_markup removes the keyboard, so it is part of "modified".
        if (visible, ents, markup) == (record["plain_text"], record["entities"], record["reply_markup"]):
            raise bad_request(NOT_MODIFIED)
        record.update(
            text=req.params["text"],
            parse_mode=req.params.get("parse_mode"),
            plain_text=visible,
            entities=ents,
            reply_markup=markup,
            edits=record["edits"] + 1,
        )
        message = record["message"]
        message.update(text=visible, edit_date=self._now())
        self._set_message_extras(message, ents, markup)
        return message

    def _edit_reply_markup(self, req: Prepared) -> dict[str, Any] | bool:
        record = self._editable(req.params)
        if record is None:
            return True
        markup = req.params.get("reply_markup")
        if markup == record["reply_markup"]:
            raise bad_request(NOT_MODIFIED)
        record.update(reply_markup=markup, edits=record["edits"] + 1)
        message = record["message"]
        message["edit_date"] = self._now()
        self._set_message_extras(message, message.get("entities"), markup)
        return message

    @staticmethod
    def _set_message_extras(message: dict[str, Any], ents: Any, markup: Any) -> None:
        for key, value in (("entities", ents), ("reply_markup", markup)):
            if value:
                message[key] = value
            else:
                message.pop(key, None)

    def _delete_message(self, req: Prepared) -> bool:
        key = (self._resolve_chat_id(req.params["chat_id"]), int(req.params["message_id"]))
        if key not in self._messages:
            raise bad_request("message to delete not found")
        del self._messages[key]
        if key in self._sent_index:
            self._sent_index[key]["deleted"] = True
        return True

    # -- callbacks, commands, webhook, menu, files ------------------------------------

    def _answer_callback(self, req: Prepared) -> bool:
        check_callback_answer(req.params)
        query_id = str(req.params["callback_query_id"])
        if query_id not in self._open_callbacks:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        self._open_callbacks.discard(query_id)  # a query can be answered once
        return True

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _set_commands(self, req: Prepared) -> bool:
        self.commands[self._commands_key(req.params)] = check_commands(req.params["commands"])
        return True

    def _delete_commands(self, req: Prepared) -> bool:
        self.commands.pop(self._commands_key(req.params), None)
        return True

    def _set_webhook(self, req: Prepared) -> bool:
        params = req.params
        url = str(params["url"])
        check_secret_token(params.get("secret_token"))
        if url:
            parts = urlsplit(url)
            # Telegram demands HTTPS; plain HTTP is allowed for loopback only, as a test convenience.
            if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
                raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if params.get("drop_pending_updates"):
            self._pending.clear()
        self.webhook = (
            {
                "url": url,
                "secret_token": params.get("secret_token"),
                "max_connections": params.get("max_connections", 40),
                "allowed_updates": params.get("allowed_updates"),
            }
            if url
            else {}
        )
        self._wake()  # long polls in progress must notice the webhook
        return True

    def _delete_webhook(self, req: Prepared) -> bool:
        if req.params.get("drop_pending_updates"):
            self._pending.clear()
        self.webhook = {}
        return True

    def _webhook_info(self, req: Prepared) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook:
            info["max_connections"] = self.webhook["max_connections"]
            if self.webhook.get("last_error_date"):
                info["last_error_date"] = self.webhook["last_error_date"]
                info["last_error_message"] = self.webhook["last_error_message"]
            if self.webhook.get("allowed_updates"):
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    def _set_menu_button(self, req: Prepared) -> bool:
        chat_id = req.params.get("chat_id")
        self.menu_buttons[None if chat_id is None else int(chat_id)] = req.params.get("menu_button") or {"type": "default"}
        return True

    def _get_file(self, req: Prepared) -> dict[str, Any]:
        stored = self._files.get(str(req.params["file_id"]))
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }
