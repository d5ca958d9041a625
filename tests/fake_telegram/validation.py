"""Content checks Telegram applies before executing a method.

Every check raises :class:`~tests.fake_telegram.errors.ApiError` with Telegram's wording
where it is known (``message is too long``, ``BUTTON_DATA_INVALID``, ``can't parse
entities: ...``); where Telegram's exact text is not documented the wording is close
and always starts with ``Bad Request:``.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import bad_request
from .html_check import EntityParseError, parse_html, trim, utf16_len
from .spec import Method, missing_required

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
# Exactly one of these must accompany an inline button's text.
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def check_required(method: Method, params: dict[str, Any]) -> None:
    """Reject calls lacking a parameter the spec marks as required."""
    missing = missing_required(method, params)
    if not missing:
        return
    name = missing[0]
    raise bad_request("message text is empty" if name == "text" else f"{name} is empty")


def formatted(text: Any, parse_mode: Any, entities: Any, *, strict_html: bool) -> tuple[str, list[dict[str, Any]]]:
    """Visible text and entities of a text/caption after entity parsing and trimming."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    mode = (parse_mode or "").lower() if isinstance(parse_mode, str) else ""
    if mode == "html":
        try:
            visible, ents = parse_html(text, strict=strict_html)
        except EntityParseError as err:
            raise bad_request(f"can't parse entities: {err}") from None
    elif mode in ("", "none"):
        visible, ents = text, list(entities) if isinstance(entities, list) else []
    elif mode in ("markdown", "markdownv2"):
        # Markdown is not parsed by this fake: count the raw text (an upper bound).
        visible, ents = text, []
    else:
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    return trim(visible, ents)


def check_text(params: dict[str, Any], *, strict_html: bool) -> tuple[str, list[dict[str, Any]]]:
    """Validate a message ``text`` (1-4096 UTF-16 units after parsing)."""
    visible, ents = formatted(params.get("text"), params.get("parse_mode"), params.get("entities"), strict_html=strict_html)
    if not visible:
        raise bad_request("message text is empty")
    if utf16_len(visible) > MAX_TEXT:
        raise bad_request("message is too long")
    return visible, ents


def check_caption(params: dict[str, Any], *, strict_html: bool) -> tuple[str, list[dict[str, Any]]]:
    """Validate an optional ``caption`` (0-1024 UTF-16 units after parsing)."""
    if params.get("caption") is None:
        return "", []
    visible, ents = formatted(
        params["caption"], params.get("parse_mode"), params.get("caption_entities"), strict_html=strict_html
    )
    if utf16_len(visible) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return visible, ents


def check_reply_markup(markup: Any) -> None:
    """Validate any of the four reply markup kinds; inline keyboards are checked in depth."""
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
        for row in rows:
            for button in row:
                _check_inline_button(button)
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
        for row in rows:
            for button in row:
                text = button.get("text") if isinstance(button, dict) else button
                if not isinstance(text, str) or not text:
                    raise bad_request("keyboard button text must be non-empty")
    elif not (markup.get("remove_keyboard") or markup.get("force_reply")):
        raise bad_request("can't parse reply keyboard markup JSON object")


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str) or not button["text"].strip():
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    actions = [key for key in _BUTTON_ACTIONS if key in button]
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str):
            raise bad_request("BUTTON_DATA_INVALID")
        if not data:
            # Telegram's (misleading) answer for callback_data="" is the no-action error.
            actions.remove("callback_data")
        elif len(data.encode("utf-8")) > MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    if not actions:
        raise bad_request("can't parse InlineKeyboardButton: Text buttons are not allowed in the inline keyboard")
    if len(actions) > 1:
        raise bad_request(f"can't parse inline keyboard button: only one of {actions} may be specified")
    url = button.get("url")
    if url is not None and not (isinstance(url, str) and re.match(r"(https?|tg)://\S+$", url)):
        raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def check_commands(commands: Any) -> list[dict[str, str]]:
    """Validate a ``setMyCommands`` list; returns the normalised commands."""
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    result = []
    for cmd in commands:
        if not isinstance(cmd, dict):
            raise bad_request("can't parse BotCommand")
        name, desc = cmd.get("command"), cmd.get("description")
        if not isinstance(name, str) or not _COMMAND_RE.fullmatch(name.lower()):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(desc, str) or not 1 <= len(desc.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID" if desc else "command description is empty")
        result.append({"command": name.lower(), "description": desc})
    return result


def check_secret_token(token: Any) -> None:
    """Webhook secret tokens are 1-256 characters of ``A-Z a-z 0-9 _ -``."""
    if token is not None and not (isinstance(token, str) and _SECRET_RE.fullmatch(token)):
        raise bad_request("secret token contains unallowed characters")


def check_callback_answer(params: dict[str, Any]) -> None:
    """``answerCallbackQuery`` text is limited to 200 characters."""
    text = params.get("text")
    if isinstance(text, str) and utf16_len(text) > MAX_CALLBACK_ANSWER:
        raise bad_request("MESSAGE_TOO_LONG")


MAX_PHOTO_BYTES = 10 * 1024 * 1024  # sendPhoto: "The photo must be at most 10 MB in size."
MAX_PHOTO_SIDES = 10_000  # "The photo's width and height must not exceed 10000 in total."
MAX_PHOTO_RATIO = 20  # "Width and height ratio must be at most 20."


def image_size(data: bytes) -> tuple[int, int] | None:
    """Return (width, height) of a PNG or JPEG, or None when the bytes are neither."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24 and data[12:16] == b"IHDR":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data.startswith(b"\xff\xd8"):
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                return None
            marker = data[index + 1]
            length = int.from_bytes(data[index + 2 : index + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start-of-frame segment
                return int.from_bytes(data[index + 7 : index + 9], "big"), int.from_bytes(data[index + 5 : index + 7], "big")
            index += 2 + length
    return None


def check_photo(data: bytes) -> tuple[int, int]:
    """Validate an uploaded photo as Telegram does (size, dimensions, ratio); return its (width, height)."""
    if len(data) > MAX_PHOTO_BYTES:
        raise bad_request("file is too big")
    size = image_size(data)
    if size is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    width, height = size
    if not width or not height or width + height > MAX_PHOTO_SIDES or max(width, height) > MAX_PHOTO_RATIO * min(width, height):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    return width, height
