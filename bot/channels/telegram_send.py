"""Sending replies straight to Telegram, for reminder notices (the delivery loop's ``TelegramSender``).

Answers to messages go through the durable outbox (``telegram_outbox.py``); a reminder notice is one
reply sent when it is due, with the delivery loop's own retries and records. A file goes as a photo or a
document with the reply's text as its caption when that fits, and a group that became a supergroup is
followed to its new id.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated

from bot.app import Runtime
from bot.channels.telegram_html import MAX_CAPTION, render_reply
from bot.channels.telegram_outbox import caption_html, keyboard
from bot.models import Attachment, AttachmentKind, Reply

log = logging.getLogger("bot.telegram")


async def send_replies(
    bot: Any, chat_id: int, replies: list[Reply], pressed: Message | None = None, runtime: Runtime | None = None
) -> None:
    """Send replies in order; a reply marked ``edit`` replaces the pressed message when it fits in one.

    A group upgraded to a supergroup answers ChatMigrated with its new id: the runtime moves the chat
    and the replies go to the new id.
    """
    try:
        await _send_replies(bot, chat_id, replies, pressed)
    except ChatMigrated as migrated:
        if runtime is not None:
            runtime.move_chat(chat_id, migrated.new_chat_id)
        await _send_replies(bot, migrated.new_chat_id, replies, None)


async def _send_replies(bot: Any, chat_id: int, replies: list[Reply], pressed: Message | None) -> None:
    """Send the replies (see ``send_replies``).

    A file goes as a photo (``AttachmentKind.PHOTO``) or a document, with the reply's text as its caption
    when that fits Telegram's 1,024 characters; otherwise the text goes first and the file follows with
    its own short caption.
    """
    username = getattr(bot, "username", None)
    for reply in replies:
        attachment = reply.attachment
        if attachment is not None and not reply.edit:
            captions = render_reply(reply, limit=MAX_CAPTION)
            if len(captions) == 1:
                only = captions[0]
                await _send_file(bot, chat_id, attachment, only.html, keyboard(only.buttons, username))
                continue
        messages = render_reply(reply)
        if reply.edit and pressed is not None and len(messages) == 1:
            try:
                only = messages[0]
                markup = keyboard(only.buttons, username)
                await pressed.edit_text(only.html, parse_mode=ParseMode.HTML, reply_markup=markup)
                continue
            except BadRequest as error:  # "message is not modified" or too old to edit: send anew
                log.info("edit failed, sending instead", extra={"event": "edit_failed", "error": type(error).__name__})
        for message in messages:
            markup = keyboard(message.buttons, username)
            await bot.send_message(chat_id, message.html, parse_mode=ParseMode.HTML, reply_markup=markup)
        if attachment is not None:
            await _send_file(bot, chat_id, attachment, caption_html(attachment.caption), None)


async def _send_file(bot: Any, chat_id: int, attachment: Attachment, caption: str | None, markup: Any) -> None:
    if attachment.kind is AttachmentKind.PHOTO:
        await bot.send_photo(chat_id, photo=attachment.content, filename=attachment.filename, caption=caption,
                             parse_mode=ParseMode.HTML, reply_markup=markup)
    else:
        await bot.send_document(chat_id, document=attachment.content, filename=attachment.filename, caption=caption,
                                parse_mode=ParseMode.HTML, reply_markup=markup)
