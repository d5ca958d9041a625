"""The Telegram bot process from start to exit: the lease first, then Telegram; a stop within seconds.

Start, in this order:

1. Open the database and take the instance lease (``bot/storage/lease.py``) **before any call to
   Telegram**. Another live holder: one line on stderr, exit code 3, nothing touched (no ``getMe``, no
   ``setWebhook``, no PID file). With ``--standby`` the process waits for the lease instead (still
   without touching Telegram) and takes over when the holder stops or its lease expires.
   A database that cannot be written cannot hold a lease: the bot starts degraded, answering, and the
   storage monitor takes the lease once writing works (or stops the bot, if another instance has it).
2. Load knowledge, build the application, ``getMe``, ``post_init`` (command menu, replay of unfinished
   updates, reminder delivery, PID file, /healthz), then polling or the webhook.

Stop, on SIGTERM or SIGINT (``docker stop`` allows 10 s), each step bounded by ``stop_grace_seconds``:

1. Stop fetching (polling: a last ``getUpdates`` confirms the offset of what was fetched, all of which
   is in the inbox; webhook: the server closes).
2. Take queued updates nobody started on out of the queue: they are pending in the inbox and handled
   at the next start. Handlers already running finish (they only compute and record).
3. The outbox finishes the message in hand; unsent replies stay recorded for the next start.
4. Reminder delivery finishes its message in hand, the lease is released (a standby takes over at
   once), the database and the PID file are closed and removed. Exit code 0.

A lease lost while running (another instance took it after this one could not renew it) stops the bot
the same way with exit code 3.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import signal
import sys
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta

from bot.app import build_runtime, open_database, utc_now
from bot.channels.telegram import App, build_application
from bot.channels.telegram_webhook import WebhookWatch, webhook_options
from bot.channels.telegram_webhook_server import WebhookServer
from bot.config import Settings
from bot.errors import ConfigError
from bot.logs import configure_logging
from bot.storage import Database, Lease, LeaseHolder, is_storage_failure

log = logging.getLogger("bot.telegram")
EXIT_LEASE = 3
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


def _take_lease(database: Database, lease: Lease) -> LeaseHolder | None:
    """Try the lease once; None when taken or when the database cannot be written (degraded start)."""
    if database.open_error is not None:
        return None
    try:
        return lease.acquire(utc_now())
    except Exception as error:
        if not is_storage_failure(error):
            raise
        return None  # the storage guard reports it once the runtime is built


async def _wait_for_lease(database: Database, lease: Lease, stop: asyncio.Event) -> LeaseHolder | None:
    """Standby: retry until the lease is ours (None) or a stop signal comes (the holder)."""
    holder = _take_lease(database, lease)
    if holder is not None:
        log.warning("standby: waiting for the database lease (held by %s)", holder.describe(),
                    extra={"event": "standby"})
    interval = max(0.5, min(5.0, lease.ttl.total_seconds() / 3))
    while holder is not None and not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
        holder = _take_lease(database, lease)
    if holder is None:
        log.warning("took the database lease", extra={"event": "lease_taken"})
    return holder


def run(settings: Settings, *, webhook: bool = False, standby: bool = False) -> int:
    """Run the bot until SIGTERM/SIGINT (exit 0) or a lost lease (3); 3 at once when another bot runs."""
    configure_logging(settings.log_level, settings.telegram_token, settings.log_hash_key,
                      debug_text=settings.debug_log_text)
    if webhook:
        webhook_options(settings)  # a missing secret or URL is a config error before anything starts
    return asyncio.run(_main(settings, webhook, standby))


async def _main(settings: Settings, webhook: bool, standby: bool) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    database = open_database(settings)
    lease = Lease(database, timedelta(seconds=settings.lease_seconds))
    holder = await _wait_for_lease(database, lease, stop) if standby else _take_lease(database, lease)
    if holder is not None:
        database.close()
        if stop.is_set():
            return 0
        sys.stderr.write(
            f"patient-bot: another instance holds the database lease ({holder.describe()}); not starting "
            "(use --standby to wait for it)\n"
        )
        return EXIT_LEASE
    runtime = build_runtime(settings, database)
    runtime.lease = lease
    if not lease.held:
        runtime.check_now()  # degraded start: the guard logs why; takes the lease if it can now
    app = build_application(settings, runtime)
    return await _serve(app, settings, runtime.lease_lost, stop, webhook)


async def _serve(app: App, settings: Settings, lease_lost: asyncio.Event, stop: asyncio.Event, webhook: bool) -> int:
    if webhook:  # bind first: a taken port is one clear error before anything is asked of Telegram
        options = webhook_options(settings)
        server = WebhookServer(app.bot, app.update_queue, path=options["url_path"], secret=options["secret_token"])
        try:
            server.start(options["listen"], options["port"])
        except OSError as error:
            busy = error.errno == errno.EADDRINUSE
            why = "it is already in use (another program, or a second bot)" if busy else error.strerror
            raise ConfigError(
                f"webhook_port: cannot listen on {options['listen']} port {options['port']}: {why}; "
                "set webhook_port in the config file"
            ) from None
        app.bot_data.webhook_server = server
    await app.initialize()
    try:
        await app.post_init(app)  # type: ignore[misc]  # set in build_application
        if webhook:
            registered = datetime.now(UTC)
            await app.bot.set_webhook(options["webhook_url"], secret_token=options["secret_token"],
                                      allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
            watch = WebhookWatch(app.bot, options["webhook_url"], settings.health_check_seconds, registered)
            app.bot_data.webhook = watch
            watch.start()
        else:
            await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)  # type: ignore[union-attr]
        await app.start()
        stopped = asyncio.ensure_future(stop.wait())
        lost = asyncio.ensure_future(lease_lost.wait())
        await asyncio.wait({stopped, lost}, return_when=asyncio.FIRST_COMPLETED)
        for waiter in (stopped, lost):
            waiter.cancel()
    finally:
        await _shutdown(app, settings)
    return EXIT_LEASE if lease_lost.is_set() else 0


async def _shutdown(app: App, settings: Settings) -> None:
    """Stop within ``stop_grace_seconds`` (+ a little): see the module docstring."""
    started = time.monotonic()
    budget = settings.stop_grace_seconds

    async def step(name: str, action: Awaitable[object]) -> None:
        remaining = max(0.5, budget - (time.monotonic() - started))
        try:
            await asyncio.wait_for(action, remaining)
        except TimeoutError:
            log.warning("stop: %s took too long, moving on", name, extra={"event": "stop_slow"})
        except Exception as error:  # stopping must go on whatever happens
            log.warning("stop: %s failed", name, extra={"event": "stop_failed", "error": type(error).__name__})

    updater = app.updater
    if updater is not None and updater.running:
        await step("fetching", updater.stop())
    server = app.bot_data.webhook_server
    if server is not None:
        await step("webhook server", server.stop())
    queue = app.bot_data.queue
    if queue is not None:
        left = queue.drain()
        if left:
            log.info("%d updates left for the next start", left, extra={"event": "stopped_with_work", "count": left})
    if app.running:
        await step("handlers", app.stop())
        if app.post_stop is not None:
            await step("background work", app.post_stop(app))
    await step("shutdown", app.shutdown())
    if app.post_shutdown is not None:
        await step("pid file", app.post_shutdown(app))
    log.info("bot stopped", extra={"event": "stopped", "seconds": round(time.monotonic() - started, 2)})
