"""Fake Telegram Bot API server (aiohttp, 127.0.0.1 only) for end-to-end bot tests.

The real python-telegram-bot ``Application`` talks to it through
``ApplicationBuilder().base_url(f"{server.url}/bot").base_file_url(f"{server.url}/file/bot")``.
The server validates requests the way Telegram does (see :mod:`.validation`), records
every call, and offers test hooks: ``push_*`` updates (:mod:`.updates`), error injection,
rate limiting, blocked chats and webhook delivery.

Request pipeline: token -> method lookup -> parameter decoding -> validation (rejections)
-> injected failure -> blocked chat -> rate limit -> handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import time
from collections import deque
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from .errors import ApiError, bad_request
from .methods import LOOPBACK_HOSTS, MethodsMixin, Prepared
from .spec import Method, decode_params, find_method
from .state import UploadedFile
from .updates import UpdatesMixin
from .validation import check_caption, check_reply_markup, check_required, check_text

WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
TEXT_METHODS = frozenset({"sendMessage", "editMessageText"})


@dataclass
class Call:
    """One HTTP request to the Bot API, recorded after it was answered."""

    method: str
    params: dict[str, Any]
    time: float
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class Failure:
    """A refused call: in ``rejections``, ``throttled``, ``injected`` or ``conflicts``."""

    method: str
    params: dict[str, Any]
    description: str
    error_code: int = 400


@dataclass
class _Injection:
    error: ApiError
    remaining: int


class _Default(enum.Enum):
    REGISTERED = enum.auto()  # deliver_webhook: use the secret token given to setWebhook


class FakeTelegramServer(UpdatesMixin, MethodsMixin):
    """A Telegram Bot API look-alike listening on a random 127.0.0.1 port.

    Recorded for assertions: ``calls`` (every answered request), ``rejections`` (what
    Telegram would refuse: bad input, unknown method, wrong token - assert it is empty),
    ``throttled`` (429s from ``rate_limit_per_second``, ``chat_interval`` and ``group_per_minute``), ``injected`` (``fail_next`` and
    ``forbidden_chats`` answers), ``conflicts`` (a getUpdates superseded by a newer one)
    and ``webhook_deliveries``. ``strict_html=False`` tolerates bare ``&``/``>`` and
    unknown attributes like tdlib does.
    """

    rate_limited_methods: ClassVar[frozenset[str]] = frozenset({"sendMessage", "sendDocument", "sendPhoto"})

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        rate_limit_per_second: float | None = None,
        chat_interval: float | None = None,
        group_per_minute: int | None = None,
        strict_html: bool = True,
    ) -> None:
        self._init_state(token)
        self.rate_limit_per_second = rate_limit_per_second
        # Telegram's per-chat limits (Bot API FAQ): about one message per second in a chat, 20 per minute in
        # a group. Enforced strictly, as sliding windows over the times this server accepted sends.
        self.chat_interval = chat_interval
        self.group_per_minute = group_per_minute
        self._chat_sends: dict[int, deque[float]] = {}
        self.chat_throttled = 0  # how many of ``throttled`` were per-chat or per-group refusals
        self.strict_html = strict_html
        self.calls: list[Call] = []
        self.rejections: list[Failure] = []
        self.throttled: list[Failure] = []
        self.injected: list[Failure] = []
        self.conflicts: list[Failure] = []
        self.webhook_deliveries: list[tuple[dict[str, Any], int]] = []
        self._calls_event = asyncio.Event()
        self._injections: dict[str, list[_Injection]] = {}
        self._recent_sends: deque[float] = deque()
        self._poll_generation = 0
        self._parked = 0  # getUpdates calls currently waiting for an update
        self._parked_event = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._port = 0

    # -- lifecycle --------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:43125``."""
        if not self._port:
            raise RuntimeError("server not started")
        return f"http://127.0.0.1:{self._port}"

    async def start(self) -> None:
        """Bind to a free 127.0.0.1 port and start serving."""
        app = web.Application(client_max_size=60 * 1024 * 1024)  # sendDocument allows 50 MB
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # handler_cancellation: a long poll whose client went away (PTB cancels it on
        # shutdown) is cancelled instead of lingering until its timeout.
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=2.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = int(self._runner.addresses[0][1])
        self._closing = False

    async def stop(self) -> None:
        """Answer pending long polls with ``[]`` and shut down."""
        self._closing = True
        self._wake()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegramServer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # -- HTTP layer -------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        params: dict[str, Any] = {}
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            spec = find_method(name)
            if spec is None:
                raise ApiError(404, "Not Found")
            name = spec.name
            params = await self._read_params(request)
            params = decode_params(spec, params)
            try:
                result = await self._execute(spec, params)
            except (ValueError, TypeError, KeyError) as exc:
                # Ill-typed values (e.g. message_id="abc") get a 400 from Telegram, not a crash.
                raise bad_request(f"invalid parameter value: {exc}") from exc
            body: dict[str, Any] = {"ok": True, "result": result}
            status = 200
        except ApiError as err:
            body, status = err.payload(), err.error_code
            failure = Failure(name, params, err.description, err.error_code)
            {
                "rejection": self.rejections,
                "throttled": self.throttled,
                "injected": self.injected,
                "forbidden": self.injected,
                "conflict": self.conflicts,
            }[err.kind].append(failure)
        self.calls.append(Call(name, params, time.monotonic(), status, body))
        event, self._calls_event = self._calls_event, asyncio.Event()
        event.set()
        return web.json_response(body, status=status)

    @staticmethod
    async def _read_params(request: web.Request) -> dict[str, Any]:
        """Merge query string and JSON / urlencoded / multipart body into one dict."""
        raw: dict[str, Any] = dict(request.query)
        if not request.can_read_body:
            return raw
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse request JSON object") from None
            if not isinstance(body, dict):
                raise bad_request("request JSON must be an object")
            raw.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    with value.file:
                        raw[key] = UploadedFile(value.filename, value.content_type, value.file.read())
                else:
                    raw[key] = value
        return raw

    async def _handle_file(self, request: web.Request) -> web.Response:
        """File downloads (``base_file_url``) for paths handed out by getFile."""
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").payload(), status=401)
        path = request.match_info["path"]
        for stored in self._files.values():
            if stored.file_path == path:
                return web.Response(body=stored.data, content_type="application/octet-stream")
        return web.json_response(ApiError(404, "Not Found").payload(), status=404)

    # -- pipeline ---------------------------------------------------------------------

    async def _execute(self, spec: Method, params: dict[str, Any]) -> Any:
        req = self._validate(spec, params)
        self._maybe_inject(spec.name)
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int) and chat_id in self.forbidden_chats:
            reason = "bot was blocked by the user" if chat_id > 0 else "bot was kicked from the group chat"
            raise ApiError(403, f"Forbidden: {reason}", kind="forbidden")
        if isinstance(chat_id, int) and chat_id in self.migrated_chats:
            # Telegram's answer for a group that became a supergroup: 400 with the new id.
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                           migrate_to_chat_id=self.migrated_chats[chat_id], kind="injected")
        self._check_rate(spec.name)
        self._check_chat_rate(spec.name, chat_id)
        if spec.name == "getUpdates":
            return await self._get_updates(params)
        return self._call_method(req)

    def _validate(self, spec: Method, params: dict[str, Any]) -> Prepared:
        """Checks that do not depend on state: required fields, markup, text and caption."""
        check_required(spec, params)
        check_reply_markup(params.get("reply_markup"))
        req = Prepared(spec, params)
        if spec.name in TEXT_METHODS:
            req.text = check_text(params, strict_html=self.strict_html)
        if "caption" in spec.fields:
            req.caption = check_caption(params, strict_html=self.strict_html)
        return req

    def _maybe_inject(self, method: str) -> None:
        queue = self._injections.get(method)
        if not queue:
            return
        injection = queue[0]
        injection.remaining -= 1
        if injection.remaining <= 0:
            queue.pop(0)
        raise injection.error

    def _check_rate(self, method: str) -> None:
        rate = self.rate_limit_per_second
        if rate is None or method not in self.rate_limited_methods:
            return
        # Sliding window: `rate` sends per second, or one send per 1/rate seconds if rate < 1.
        window, allowed = (1.0, int(rate)) if rate >= 1 else (1.0 / rate, 1)
        now = time.monotonic()
        while self._recent_sends and self._recent_sends[0] <= now - window:
            self._recent_sends.popleft()
        if len(self._recent_sends) >= allowed:
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1, kind="throttled")
        self._recent_sends.append(now)

    def _check_chat_rate(self, method: str, chat_id: object) -> None:
        if method not in self.rate_limited_methods or not isinstance(chat_id, int):
            return
        if self.chat_interval is None and self.group_per_minute is None:
            return
        now = time.monotonic()
        sends = self._chat_sends.setdefault(chat_id, deque())
        while sends and sends[0] <= now - 60.0:
            sends.popleft()
        if self.chat_interval is not None and sends and now - sends[-1] < self.chat_interval:
            self.chat_throttled += 1
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1, kind="throttled")
        if chat_id < 0 and self.group_per_minute is not None and len(sends) >= self.group_per_minute:
            wait = max(1, int(sends[0] + 60.0 - now + 0.999))
            self.chat_throttled += 1
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait, kind="throttled")
        sends.append(now)

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Long polling with Telegram's offset/limit/timeout semantics."""
        if self.webhook:
            raise ApiError(409, WEBHOOK_CONFLICT)
        self._confirm(int(params.get("offset") or 0))
        if params.get("allowed_updates") is not None:
            self._allowed_updates = frozenset(params["allowed_updates"]) or None
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(float(params.get("timeout") or 0), 0.0)
        # A newer getUpdates terminates an older one (409), as Telegram does.
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()
        while True:
            event = self._update_event
            if generation != self._poll_generation:
                raise ApiError(409, POLL_CONFLICT, kind="conflict")
            if self.webhook:
                raise ApiError(409, WEBHOOK_CONFLICT)
            batch = self._deliverable(limit)
            remaining = deadline - loop.time()
            if batch or self._closing or remaining <= 0:
                return batch
            self._parked += 1
            parked, self._parked_event = self._parked_event, asyncio.Event()
            parked.set()
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), remaining)
            finally:
                self._parked -= 1

    # -- test-side API ----------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        """Recorded calls of ``method`` (any letter case)."""
        spec = find_method(method)
        name = spec.name if spec else method
        return [c for c in self.calls if c.method == name]

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Records of messages the bot sent since the last :meth:`clear`, in order.

        Keys: chat_id, message_id, method, text (as sent), caption, parse_mode, plain_text
        (after entity parsing), entities, reply_markup, deleted, edits, message (the Message
        object as Telegram returned it) and, for files, document/photo with name and bytes.
        Edits update the record in place.
        """
        return [r for r in self._sent[self._sent_mark :] if chat_id is None or r["chat_id"] == chat_id]

    async def wait_for_calls(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until at least ``count`` calls of ``method`` were answered; return them."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._calls_event
            calls = self.calls_to(method)
            if len(calls) >= count:
                return calls
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = "\n".join(
                    f"  {c.method} -> {c.status} {c.response.get('description', '')}" for c in self.calls[-15:]
                )
                raise TimeoutError(
                    f"expected {count} {method} call(s) within {timeout}s, got {len(calls)}; "
                    f"rejections={self.rejections}; recent calls:\n{recent or '  (none)'}"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def wait_until_polling(self, timeout: float = 5.0) -> None:
        """Wait until a getUpdates long poll is parked, i.e. the bot is idle and listening."""
        async with asyncio.timeout(timeout):
            while not self._parked:
                await self._parked_event.wait()

    def clear(self) -> None:
        """Forget recorded calls/failures and hide earlier sent messages (chat state is kept)."""
        for recorded in (self.calls, self.rejections, self.throttled, self.injected, self.conflicts):
            recorded.clear()
        self.webhook_deliveries.clear()
        self._sent_mark = len(self._sent)

    def fail_next(
        self, method: str, error_code: int, description: str, retry_after: int | None = None, times: int = 1
    ) -> None:
        """Make the next ``times`` valid calls of ``method`` fail with this error."""
        spec = find_method(method)
        if spec is None:
            raise ValueError(f"unknown Bot API method {method!r}")
        error = ApiError(error_code, description, retry_after=retry_after, kind="injected")
        self._injections.setdefault(spec.name, []).append(_Injection(error, times))

    async def deliver_webhook(
        self,
        update: dict[str, Any] | None = None,
        *,
        secret_token: str | Literal[_Default.REGISTERED] | None = _Default.REGISTERED,
    ) -> int:
        """POST ``update`` (default: the next queued one) to the webhook; return the HTTP status.

        Like Telegram, a queued update whose delivery fails stays queued for a retry.
        """
        url = self.webhook.get("url")
        if not url:
            raise RuntimeError("no webhook set; the bot must call setWebhook first")
        if urlsplit(url).hostname not in LOOPBACK_HOSTS:
            raise RuntimeError(f"refusing to deliver to non-loopback webhook {url}")
        from_queue = update is None
        if update is None:
            if not self._pending:
                raise LookupError("no queued update to deliver; push one first")
            update = self._pending.pop(0)
        token = self.webhook.get("secret_token") if secret_token is _Default.REGISTERED else secret_token
        headers = {"X-Telegram-Bot-Api-Secret-Token": token} if token else {}
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, json=update, headers=headers) as resp,
        ):
            await resp.read()
            status, reason = resp.status, resp.reason
        if not 200 <= status < 300:
            # As Telegram does: getWebhookInfo reports the last failed delivery.
            self.webhook["last_error_date"] = int(time.time())
            self.webhook["last_error_message"] = f"Wrong response from the webhook: {status} {reason}"
            if from_queue:
                self._pending.insert(0, update)
        self.webhook_deliveries.append((update, status))
        return status
