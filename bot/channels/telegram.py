"""The Telegram channel: python-telegram-bot handlers that extract, call the assistant, render and send.

Owns everything Telegram-specific: the Application (builder, the durable update queue, per-chat pacing
in front of the bot-wide rate limiter, command menu and replay of unfinished updates in post_init, error
handler), deciding whether a group message is addressed to the bot, and mapping PTB errors to the
delivery loop's core exceptions. Handlers stay a few lines each: they hand the update to ``UpdateWork``
(``telegram_updates.py``: applied once, replies recorded with it) whose replies go out through the
``Outbox`` (``telegram_outbox.py``: per chat, in order, recorded as sent). Starting and stopping the
process (lease, signals, graceful stop) is ``telegram_run.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from telegram import (
    BotCommand,
    CallbackQuery,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackContext,
    CallbackQueryHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.app import Runtime
from bot.assistant import Record
from bot.channels.control import remove_pid, write_pid
from bot.channels.health import start_health_server
from bot.channels.telegram_outbox import Outbox
from bot.channels.telegram_pacing import ChatPacer, PacedRateLimiter
from bot.channels.telegram_send import send_replies
from bot.channels.telegram_updates import DurableUpdateQueue, UpdateWork
from bot.channels.telegram_webhook import WebhookWatch
from bot.channels.telegram_webhook_server import WebhookServer
from bot.config import Settings
from bot.errors import ConfigError
from bot.logs import user_ref
from bot.models import Incoming, Reply

log = logging.getLogger("bot.telegram")
SEND_CONNECTIONS = 8
POOL_TIMEOUT = 30.0  # seconds a send may wait for a free connection before it counts as a network error
OUTBOX_GRACE = 3.0  # seconds, at stop, for the outbox's messages in hand (the rest waits for the next start)


def addressed_to_bot(message: Message, bot_username: str | None, bot_id: int) -> tuple[bool, str]:
    """Return whether a message is for the bot, and its text without the bot's @mention.

    In private chats everything is. In groups only commands (not those aimed at another bot), mentions
    of the bot and replies to the bot's own messages are, so the bot never chimes in uninvited.
    """
    text = message.text or ""
    if message.chat.type == ChatType.PRIVATE:
        return True, text
    mention = f"@{bot_username}" if bot_username else None
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        target = command.partition("@")[2]
        return (not target or (bot_username is not None and target.lower() == bot_username.lower())), text
    if mention and mention.lower() in text.lower():
        start = text.lower().index(mention.lower())
        return True, (text[:start] + text[start + len(mention):]).strip()
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and reply.from_user.id == bot_id:
        return True, text
    return False, text


class BotData:
    """The application's shared data (PTB's ``bot_data``), typed: runtime, update work, health server."""

    def __init__(self) -> None:
        """Start empty; ``build_application`` sets the runtime and the update work."""
        self.runtime: Runtime | None = None
        self.work: UpdateWork | None = None
        self.outbox: Outbox | None = None
        self.queue: DurableUpdateQueue | None = None
        self.health: asyncio.Server | None = None
        self.webhook: WebhookWatch | None = None
        self.webhook_server: WebhookServer | None = None


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """PTB's callback context with the runtime and the update work as typed attributes."""

    @property
    def runtime(self) -> Runtime:
        """Return the running bot's runtime."""
        runtime = self.bot_data.runtime
        assert runtime is not None, "build_application sets the runtime"
        return runtime

    @property
    def work(self) -> UpdateWork:
        """Return the update work (durable handling and sending)."""
        work = self.bot_data.work
        assert work is not None, "build_application sets the update work"
        return work


App = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], BotData, Any]


# Telegram's stand-in senders: service notifications, GroupAnonymousBot (every anonymous admin of every
# group) and Channel_Bot (posts on behalf of a channel). None of them is one person.
SHARED_SENDERS = frozenset({777000, 1087968824, 136817688})


def is_person(message: Message) -> bool:
    """Return True when a message comes from one real, non-bot Telegram user speaking as themselves.

    An anonymous admin's message carries the group in ``sender_chat`` and GroupAnonymousBot in ``from``;
    a channel's carries the channel; bots and missing senders are not people either.
    """
    user = message.from_user
    return (
        user is not None and not user.is_bot and message.sender_chat is None and user.id not in SHARED_SENDERS
    )


def _incoming(update: Update, context: BotContext) -> Incoming | None:
    message = update.effective_message
    if message is None:
        return None
    user = message.from_user
    person = is_person(message)
    if user is None and message.sender_chat is None:
        return None
    # Not a person: key by the chat, so nothing can ever be looked up under a shared sender id.
    user_id = user.id if person and user is not None else message.chat.id
    is_group = message.chat.type != ChatType.PRIVATE
    addressed, text = addressed_to_bot(message, context.bot.username, context.bot.id)
    return Incoming(user_id, message.chat.id, text, first_name=(user.first_name or "") if person and user else "",
                    is_group=is_group, addressed_to_bot=addressed, is_person=person, message_id=message.message_id,
                    edited=update.edited_message is not None)


async def on_text(update: Update, context: BotContext) -> None:
    """Answer a text message or command (edited messages are answered like new ones)."""
    incoming = _incoming(update, context)
    if incoming is None:
        context.work.finish(update.update_id)
        return
    runtime = context.runtime
    now = runtime.clock()
    if runtime.assistant.is_slow(incoming):  # /reload: built in a worker thread, answers keep flowing
        replies = await asyncio.to_thread(runtime.assistant.handle, incoming, now)
        _log_event("message", incoming, replies, runtime)
        context.work.handle(update, incoming.chat_id, lambda record: replies)
        return

    def compute(record: Record) -> list[Reply]:
        replies = runtime.assistant.handle(incoming, now, record)
        _log_event("message", incoming, replies, runtime)
        return replies

    context.work.handle(update, incoming.chat_id, compute)


async def on_other(update: Update, context: BotContext) -> None:
    """Answer stickers, photos, voice notes and files with a kind "text only" note."""
    incoming = _incoming(update, context)
    if incoming is None:
        context.work.finish(update.update_id)
        return
    assistant = context.runtime.assistant
    context.work.handle(update, incoming.chat_id, lambda record: assistant.non_text(incoming))


async def on_button(update: Update, context: BotContext) -> None:
    """Answer a button press: validate through the core, queue the edit or reply; always stop the spinner."""
    query: CallbackQuery | None = update.callback_query
    if query is None or query.from_user is None:
        context.work.finish(update.update_id)
        return
    message = query.message if isinstance(query.message, Message) else None
    chat_id = message.chat.id if message is not None else query.from_user.id
    runtime, user_id = context.runtime, query.from_user.id
    now = runtime.clock()
    notices: list[str] = []

    def compute(record: Record) -> list[Reply]:
        def keep(replies: list[Reply]) -> None:
            record([r for r in replies if r.blocks])

        replies = runtime.assistant.handle_button(user_id, chat_id, query.data or "", now, keep)
        notices.extend(r.notice for r in replies if r.notice)
        return [r for r in replies if r.blocks]

    context.work.handle(update, chat_id, compute, pressed=message.message_id if message is not None else None)
    with contextlib.suppress(TelegramError):  # a query too old to answer: the reply still goes out
        await query.answer(notices[0] if notices else None)


async def on_migrate(update: Update, context: BotContext) -> None:
    """A group became a supergroup (Telegram's service message in the old group): move its chat id."""
    message = update.effective_message
    if message is not None and message.migrate_to_chat_id is not None:
        context.runtime.move_chat(message.chat.id, message.migrate_to_chat_id)
    context.work.finish(update.update_id)


async def on_unhandled(update: object, context: BotContext) -> None:
    """An update no handler takes (a service message...): nothing to answer, so it is done."""
    if isinstance(update, Update):
        context.work.finish(update.update_id)


async def on_error(update: object, context: BotContext) -> None:
    """Log an error without message text or names, apologise to the user, and close the update."""
    error = context.error
    log.error("handler error", extra={"event": "error", "error": type(error).__name__ if error else None})
    if isinstance(update, Update):
        context.work.finish(update.update_id)  # never replayed: it would fail the same way
        if update.effective_chat is not None:
            runtime = context.runtime
            try:
                await context.bot.send_message(update.effective_chat.id, runtime.assistant.texts.get("error"))
            except TelegramError:
                log.warning("could not send apology", extra={"event": "apology_failed"})


def _log_event(event: str, incoming: Incoming, replies: list[Reply], runtime: Runtime) -> None:
    extra: dict[str, Any] = {"event": event, "user": user_ref(incoming.user_id),
                             "kind": replies[0].kind.value if replies else "ignored"}
    if runtime.assistant.settings.debug_log_text:
        extra["text"] = incoming.text
    log.info("handled", extra=extra)


def _reload(runtime: Runtime) -> None:
    reply = runtime.assistant.reload()
    log.warning("knowledge reload: %s", reply.plain_text[:200], extra={"event": "reload"})


def _reload_on_signal(runtime: Runtime) -> None:
    """Reload the content on SIGHUP (sent by `patient-bot reload`) in a worker thread, so messages keep
    being answered from the old content meanwhile; failures keep the old content (and are logged)."""
    asyncio.get_running_loop().run_in_executor(None, _reload, runtime)


class TelegramSender:
    """The delivery loop's Sender for Telegram: maps PTB errors to the core's delivery exceptions."""

    def __init__(self, bot: Any, runtime: Runtime | None = None) -> None:
        """Send through a PTB Bot; with the runtime, a migrated group's chat id is moved."""
        self.bot = bot
        self.runtime = runtime

    async def send(self, chat_id: int, reply: Reply) -> None:
        """Send one reminder notice; raise RetryLater, TransientSendError or RecipientBlocked."""
        from bot.reminders.delivery import RecipientBlocked, RetryLater, TransientSendError

        try:
            await send_replies(self.bot, chat_id, [reply], runtime=self.runtime)
        except RetryAfter as error:
            retry = error.retry_after
            raise RetryLater(retry.total_seconds() if hasattr(retry, "total_seconds") else float(retry)) from None
        except Forbidden:
            raise RecipientBlocked() from None
        except BadRequest as error:
            if "chat not found" in str(error).lower():
                raise RecipientBlocked() from None
            raise TransientSendError(type(error).__name__) from None
        except (TimedOut, NetworkError) as error:
            raise TransientSendError(type(error).__name__) from None


def build_application(settings: Settings, runtime: Runtime) -> App:
    """Return the configured PTB Application (not started)."""
    context_types = ContextTypes(context=BotContext, bot_data=BotData)
    builder = ApplicationBuilder().token(settings.telegram_token or "").context_types(context_types)
    if settings.telegram_api_base_url:
        base = settings.telegram_api_base_url.rstrip("/")
        builder = builder.base_url(base).base_file_url(base.removesuffix("/bot") + "/file/bot")
    overall = None
    if settings.telegram_max_per_second > 0:
        # group_max_rate=0: groups are paced by ChatPacer's stricter window (20 in any minute).
        overall = AIORateLimiter(overall_max_rate=settings.telegram_max_per_second, group_max_rate=0, max_retries=3)
    pacer = ChatPacer(settings.telegram_chat_seconds, settings.telegram_group_per_minute)
    builder = builder.rate_limiter(PacedRateLimiter(pacer, overall))  # type: ignore[arg-type]  # PTB types it for BaseRateLimiter[None]
    queue: DurableUpdateQueue | None = None
    if runtime.inbox is not None and runtime.guard is not None:
        queue = DurableUpdateQueue(runtime.inbox, runtime.guard, runtime.clock)
        builder = builder.update_queue(queue)

    async def post_init(app: App) -> None:
        texts = runtime.assistant.texts
        commands = [BotCommand(c.name, c.description) for c in texts.commands if not c.admin]
        await app.bot.set_my_commands(commands)
        if queue is not None and work is not None:
            work.replay(queue, app.bot)  # before the first fetch: unfinished updates first, oldest first
        await runtime.start(TelegramSender(app.bot, runtime))
        with contextlib.suppress(NotImplementedError, RuntimeError):  # no signals on some platforms
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, _reload_on_signal, runtime)
        write_pid(settings)
        if settings.health_port:
            try:
                app.bot_data.health = await start_health_server(
                    settings.webhook_listen, settings.health_port, lambda: health_report(runtime, app.bot_data)
                )
            except OSError as error:  # one clear line rather than a traceback (a second bot, another program)
                raise ConfigError(
                    f"health_port: cannot listen on {settings.webhook_listen} port {settings.health_port}: "
                    f"{error.strerror}; set health_port in the config file (0 turns /healthz off)"
                ) from None
        log.info("bot started", extra={"event": "started", "mode": "telegram"})

    async def post_stop(app: App) -> None:
        left = await outbox.close(min(OUTBOX_GRACE, settings.stop_grace_seconds))
        if left:
            log.info("%d replies left for the next start", left, extra={"event": "stopped_with_work", "count": left})
        watch = app.bot_data.webhook
        if watch is not None:
            watch.stop()
        health = app.bot_data.health
        if health is not None:
            health.close()
            await health.wait_closed()
        await runtime.stop()

    async def post_shutdown(app: App) -> None:
        remove_pid(settings)

    builder = builder.post_init(post_init).post_stop(post_stop).post_shutdown(post_shutdown)
    # A second getUpdates connection lets shutdown confirm the last offset while a long poll is still
    # open, instead of waiting the poll out (PTB uses one connection by default).
    builder = builder.get_updates_connection_pool_size(2)
    # httpx/httpcore scan their whole pool for every request state change, so PTB's default of 256
    # connections costs CPU on every message once many are open (encode/httpcore#1035). A few
    # keep-alive connections carry ~30 messages/s to Telegram; a request waits for a free one instead.
    builder = builder.connection_pool_size(SEND_CONNECTIONS).pool_timeout(POOL_TIMEOUT)
    app: App = builder.concurrent_updates(settings.telegram_concurrency).build()
    outbox = Outbox(app.bot, runtime.inbox, runtime.guard, runtime.clock, moved=runtime.move_chat)
    work = UpdateWork(runtime.inbox, runtime.guard, outbox, runtime.clock) if runtime.inbox and runtime.guard else None
    app.bot_data.runtime = runtime
    app.bot_data.outbox = outbox
    app.bot_data.queue = queue
    app.bot_data.work = work
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate))
    app.add_handler(MessageHandler(filters.TEXT & filters.UpdateType.MESSAGES, on_text))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(~filters.TEXT & filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL, on_other))
    app.add_handler(TypeHandler(Update, on_unhandled))  # last: only what no handler above took
    app.add_error_handler(on_error)
    return app


def health_report(runtime: Runtime, data: BotData) -> dict[str, Any]:
    """Return /healthz's body: the runtime's checks, replies waiting to go out and, with a webhook, its owner."""
    report = runtime.health()
    if data.outbox is not None:
        report["chats_with_replies_waiting"] = data.outbox.busy_chats
    if data.webhook is not None:
        report["webhook"] = data.webhook.ok
        if data.webhook.problem:
            report["webhook_problem"] = data.webhook.problem
    return report


def run_telegram(settings: Settings, webhook: bool = False, standby: bool = False) -> int:
    """Run the bot on Telegram until SIGINT/SIGTERM; return the exit code (see ``telegram_run``)."""
    from bot.channels.telegram_run import run

    return run(settings, webhook=webhook, standby=standby)
