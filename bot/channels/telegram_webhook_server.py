"""The webhook's HTTP server: the secret and the size checked before the body is read, 400 for bodies
that are not a Telegram update, and logs that never hold what a user wrote.

Built on tornado (already installed with python-telegram-bot's webhook extra) rather than PTB's own
webhook handler, which reads the whole body before checking the secret, answers 500 to malformed JSON
or invalid UTF-8, and logs an update it cannot parse at CRITICAL *with* the update (the sender's name,
username and text). Here, in order:

1. only ``POST`` to the webhook path (405 otherwise);
2. ``X-Telegram-Bot-Api-Secret-Token`` compared in constant time: 403 (logged at WARNING as missing or
   wrong, never with the value presented);
3. ``Content-Length`` above ``MAX_BODY`` bytes: 413 before a byte of the body is read; a body that
   grows past it while streaming: 413;
4. invalid UTF-8, malformed JSON, or JSON that is not an update: 400, logged by kind only;
5. the update is handed to ``update_queue.put`` (the durable inbox) and only then answered 200, so
   Telegram redelivers anything not yet stored.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from http import HTTPStatus
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web
from telegram import Update
from telegram.ext import ExtBot

log = logging.getLogger("bot.webhook")
MAX_BODY = 1 << 20  # 1 MiB: Telegram updates are a few KB; a larger body is not one
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    """One webhook request: checks, then the update into the queue."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, bot: Any, update_queue: asyncio.Queue[object], secret: str) -> None:
        """Per request: the bot (to build the Update), the queue, the expected secret."""
        self.bot, self.update_queue, self.secret = bot, update_queue, secret
        self.body = bytearray()
        self.refused = False

    def _refuse(self, status: HTTPStatus, event: str, message: str) -> None:
        self.refused = True
        log.warning(message, extra={"event": event, "status": int(status)})
        self.set_status(int(status))
        self.finish()

    def prepare(self) -> None:
        """Headers only: the secret and the declared size, before the body is read."""
        presented = self.request.headers.get(SECRET_HEADER, "")
        if not presented or not hmac.compare_digest(presented.encode(), self.secret.encode()):
            kind = "missing" if not presented else "wrong"
            self._refuse(HTTPStatus.FORBIDDEN, "webhook_refused", f"webhook request refused: {kind} secret token")
            return
        declared = self.request.headers.get("Content-Length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "webhook_too_large", "webhook request refused: body too large")
            return
        if self.request.connection is not None:
            self.request.connection.set_max_body_size(MAX_BODY)  # type: ignore[attr-defined]

    def data_received(self, chunk: bytes) -> None:
        """Collect the body, refusing it once it passes ``MAX_BODY``."""
        if self.refused:
            return
        self.body.extend(chunk)
        if len(self.body) > MAX_BODY:
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "webhook_too_large", "webhook request refused: body too large")

    async def post(self) -> None:
        """Parse the update, queue it (stored durably), then answer 200."""
        if self.refused:
            return
        try:
            data = json.loads(bytes(self.body).decode("utf-8"))
        except UnicodeDecodeError:
            self._refuse(HTTPStatus.BAD_REQUEST, "webhook_bad_body", "webhook request refused: body is not UTF-8")
            return
        except json.JSONDecodeError:
            self._refuse(HTTPStatus.BAD_REQUEST, "webhook_bad_body", "webhook request refused: body is not JSON")
            return
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            self._refuse(HTTPStatus.BAD_REQUEST, "webhook_bad_body", "webhook request refused: not a Telegram update")
            return
        try:
            update = Update.de_json(data, self.bot)
        except Exception as error:  # PTB raises many types for odd shapes; the update's content is never logged
            log.warning("webhook request refused: update could not be read",
                        extra={"event": "webhook_bad_update", "error": type(error).__name__})
            self.set_status(int(HTTPStatus.BAD_REQUEST))
            self.refused = True
            return
        if isinstance(self.bot, ExtBot):
            self.bot.insert_callback_data(update)
        await self.update_queue.put(update)
        self.set_status(int(HTTPStatus.OK))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """An empty body for every error (tornado's default page names the server and the exception)."""
        self.finish()

    def log_exception(self, *args: Any, **kwargs: Any) -> None:
        """Tornado's own exception log holds the request; ours above already said what happened."""


class _Application(tornado.web.Application):
    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """No access log: our refusal lines say what matters, without paths or headers."""


class WebhookServer:
    """Listen on ``listen``:``port`` for Telegram's POSTs to ``path``."""

    def __init__(self, bot: Any, update_queue: asyncio.Queue[object], *, path: str, secret: str) -> None:
        """Serve ``/path`` for ``bot``; updates go to ``update_queue``."""
        route = "/" + path.strip("/")
        shared = {"bot": bot, "update_queue": update_queue, "secret": secret}
        self.application = _Application([(rf"{route}/?", UpdateHandler, shared)])
        self._server: tornado.httpserver.HTTPServer | None = None

    def start(self, listen: str, port: int) -> int:
        """Bind and serve; return the port (useful with 0). OSError (e.g. the port is taken) propagates."""
        server = tornado.httpserver.HTTPServer(self.application, max_body_size=MAX_BODY, xheaders=False)
        sockets = tornado.netutil.bind_sockets(port, address=listen)
        server.add_sockets(sockets)
        self._server = server
        return int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop accepting and close open connections."""
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None
