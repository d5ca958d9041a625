"""Tests of the fake Telegram Bot API server (tests/fake_telegram).

Two halves: raw HTTP requests proving the fake rejects what Telegram rejects (and accepts
what it accepts), then the real python-telegram-bot ``Application`` running against it by
long polling and by webhook, including callback queries and 429 retries.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, NetworkError
from telegram.ext import AIORateLimiter, Application, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.fake_telegram import FakeTelegramServer

TOKEN = "123456:TEST-TOKEN"
KEYBOARD = {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]}


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer(TOKEN) as srv:
        yield srv


async def api(srv: FakeTelegramServer, method: str, *, token: str = TOKEN, **params: Any) -> tuple[int, dict[str, Any]]:
    """POST a JSON request like any Bot API client would; returns (status, body)."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{srv.url}/bot{token}/{method}", json=params) as resp,
    ):
        return resp.status, await resp.json()


async def send(srv: FakeTelegramServer, text: str, **params: Any) -> tuple[int, dict[str, Any]]:
    return await api(srv, "sendMessage", chat_id=1001, text=text, **params)


def build_app(srv: FakeTelegramServer, **builder_options: Any) -> Application:  # type: ignore[type-arg]
    builder = Application.builder().token(TOKEN).base_url(f"{srv.url}/bot").base_file_url(f"{srv.url}/file/bot")
    if "rate_limiter" in builder_options:
        builder = builder.rate_limiter(builder_options["rate_limiter"])
    return builder.build()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- protocol basics --------------------------------------------------------------------


async def test_wrong_token_is_unauthorized(server: FakeTelegramServer) -> None:
    status, body = await api(server, "getMe", token="999:WRONG")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})


async def test_unknown_method_is_not_found_and_names_are_case_insensitive(server: FakeTelegramServer) -> None:
    status, body = await api(server, "sendMessagee", chat_id=1, text="x")
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert [r.description for r in server.rejections] == ["Not Found"]
    status, body = await api(server, "GETME")
    assert status == 200
    assert body["result"] == {
        "id": 123456,
        "is_bot": True,
        "first_name": "TestBot",
        "username": "test_bot",
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }
    assert server.calls_to("getMe")[0].method == "getMe"


async def test_missing_required_parameter(server: FakeTelegramServer) -> None:
    status, body = await api(server, "sendMessage", text="hi")
    assert status == 400
    assert body["description"] == "Bad Request: chat_id is empty"
    status, body = await api(server, "sendMessage", chat_id=5)
    assert body["description"] == "Bad Request: message text is empty"


async def test_ill_typed_values_are_bad_requests(server: FakeTelegramServer) -> None:
    status, body = await api(server, "deleteMessage", chat_id=1001, message_id="abc")
    assert status == 400 and body["description"].startswith("Bad Request: ")
    assert len(server.rejections) == 1


async def test_other_spec_methods_answer_true(server: FakeTelegramServer) -> None:
    assert await api(server, "setMyDescription", description="Bone health helper") == (
        200,
        {"ok": True, "result": True},
    )


async def test_form_and_multipart_bodies_are_decoded_by_field_type(server: FakeTelegramServer) -> None:
    form = {"chat_id": "1001", "text": "123", "reply_markup": json.dumps(KEYBOARD)}
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{server.url}/bot{TOKEN}/sendMessage", data=form) as resp:
            assert resp.status == 200
        data = aiohttp.FormData()
        data.add_field("chat_id", "1001")
        data.add_field("caption", "<b>Your report</b>")
        data.add_field("parse_mode", "HTML")
        data.add_field("document", b"%PDF-1.4 hello", filename="report.pdf", content_type="application/pdf")
        async with session.post(f"{server.url}/bot{TOKEN}/sendDocument", data=data) as resp:
            body = await resp.json()
    assert body["ok"], body
    assert body["result"]["document"]["file_name"] == "report.pdf"
    assert body["result"]["caption"] == "Your report"
    text_msg, doc_msg = server.sent_messages(1001)
    assert text_msg["text"] == "123" and text_msg["reply_markup"] == KEYBOARD  # text stays a string
    assert doc_msg["document"]["data"] == b"%PDF-1.4 hello"
    assert server.rejections == []


# -- text, caption and keyboard limits --------------------------------------------------


async def test_text_over_4096_is_rejected(server: FakeTelegramServer) -> None:
    status, body = await send(server, "a" * 4097)
    assert (status, body["description"]) == (400, "Bad Request: message is too long")
    assert server.rejections[0].method == "sendMessage"


async def test_text_limit_counts_utf16_units(server: FakeTelegramServer) -> None:
    status, _ = await send(server, "😀" * 2049)  # 2049 code points, 4098 UTF-16 units
    assert status == 400
    status, _ = await send(server, "😀" * 2048)
    assert status == 200


async def test_4096_visible_characters_with_entities_are_fine(server: FakeTelegramServer) -> None:
    text = "<b>" + "a" * 4000 + "</b>" + "&amp;" * 90 + "<i>" + "b" * 6 + "</i>"
    assert len(text) > 4096
    status, body = await send(server, text, parse_mode="HTML")
    assert status == 200, body
    assert len(body["result"]["text"]) == 4096
    assert body["result"]["entities"][0] == {"type": "bold", "offset": 0, "length": 4000}


async def test_empty_text_after_parsing_is_rejected(server: FakeTelegramServer) -> None:
    status, body = await send(server, "<b> </b>\n", parse_mode="HTML")
    assert (status, body["description"]) == (400, "Bad Request: message text is empty")


async def test_caption_over_1024_is_rejected(server: FakeTelegramServer) -> None:
    status, body = await api(server, "sendPhoto", chat_id=1001, photo="https://example.org/x.jpg", caption="c" * 1025)
    assert (status, body["description"]) == (400, "Bad Request: message caption is too long")


@pytest.mark.parametrize(
    ("button", "description"),
    [
        ({"text": "Go", "callback_data": "x" * 65}, "Bad Request: BUTTON_DATA_INVALID"),
        ({"text": "Go", "callback_data": "é" * 33}, "Bad Request: BUTTON_DATA_INVALID"),  # 66 bytes
        ({"text": "Go", "callback_data": ""}, "Text buttons are not allowed"),
        ({"text": "", "callback_data": "ok"}, "Text must be non-empty"),
        ({"text": "Go"}, "Text buttons are not allowed"),
    ],
)
async def test_bad_inline_buttons_are_rejected(server: FakeTelegramServer, button: dict[str, str], description: str) -> None:
    status, body = await send(server, "pick", reply_markup={"inline_keyboard": [[button]]})
    assert status == 400
    assert description in body["description"]
    assert len(server.rejections) == 1


async def test_64_byte_callback_data_is_fine_and_checked_in_edits_too(server: FakeTelegramServer) -> None:
    keyboard = {"inline_keyboard": [[{"text": "Go", "callback_data": "x" * 64}]]}
    status, body = await send(server, "pick", reply_markup=keyboard)
    assert status == 200
    message_id = body["result"]["message_id"]
    too_long = {"inline_keyboard": [[{"text": "Go", "callback_data": "y" * 65}]]}
    status, body = await api(server, "editMessageReplyMarkup", chat_id=1001, message_id=message_id, reply_markup=too_long)
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")


# -- HTML parse mode ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("salt & pepper", 'Character "&" at byte offset 5'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("a > b", 'Character ">" at byte offset 2'),
        ('<a href="x" onclick="y">link</a>', 'Unsupported attribute "onclick" in tag "a"'),
        ('<span class="bold">x</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Unclosed start tag at byte offset 0"),
    ],
)
async def test_invalid_html_is_rejected(server: FakeTelegramServer, text: str, detail: str) -> None:
    status, body = await send(server, text, parse_mode="HTML")
    assert status == 400
    assert body["description"].startswith("Bad Request: can't parse entities: ")
    assert detail in body["description"]
    assert server.rejections[0].params["text"] == text


@pytest.mark.parametrize(
    ("text", "visible"),
    [
        (
            "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike>"
            '<del>d</del><a href="https://example.org/?a=1&amp;b=2">l</a><code>c</code>'
            '<pre>p</pre><pre><code class="language-python">x = 1</code></pre><blockquote>q</blockquote>'
            '<blockquote expandable>e</blockquote><tg-spoiler>t</tg-spoiler><span class="tg-spoiler">p</span>',
            "bsieunskdlcpx = 1qetp",
        ),
        ("<b>bold <i>both <u>all</u></i></b>", "bold both all"),
        ("Tom &amp; Jerry &lt;3 &quot;x&quot;", 'Tom & Jerry <3 "x"'),
        ("smile &#128512; &#x1F600;", "smile 😀 😀"),
        ("<B>upper case tags</B>", "upper case tags"),
    ],
)
async def test_valid_html_is_accepted(server: FakeTelegramServer, text: str, visible: str) -> None:
    status, body = await send(server, text, parse_mode="HTML")
    assert status == 200, body
    assert body["result"]["text"] == visible
    assert server.sent_messages()[0]["plain_text"] == visible
    assert server.rejections == []


async def test_html_entities_have_utf16_offsets(server: FakeTelegramServer) -> None:
    _, body = await send(server, '😀 <b>x</b> <pre><code class="language-py">y</code></pre>', parse_mode="HTML")
    assert body["result"]["entities"] == [
        {"type": "bold", "offset": 3, "length": 1},
        {"type": "pre", "offset": 5, "length": 1, "language": "py"},
    ]


# -- editing and deleting ----------------------------------------------------------------


async def test_edit_rules(server: FakeTelegramServer) -> None:
    _, body = await send(server, "<b>Hi</b>", parse_mode="HTML", reply_markup=KEYBOARD)
    mid = body["result"]["message_id"]
    status, body = await api(server, "editMessageText", chat_id=1001, message_id=mid + 5, text="x")
    assert (status, body["description"]) == (400, "Bad Request: message to edit not found")
    same = {"chat_id": 1001, "message_id": mid, "text": "<b>Hi</b>", "parse_mode": "HTML"}
    status, body = await api(server, "editMessageText", **same, reply_markup=KEYBOARD)
    assert status == 400
    assert body["description"].startswith("Bad Request: message is not modified: ")
    # Same text without reply_markup is a modification: Telegram drops the keyboard.
    status, body = await api(server, "editMessageText", **same)
    assert status == 200
    assert "reply_markup" not in body["result"]
    assert server.sent_messages()[0]["reply_markup"] is None
    assert server.sent_messages()[0]["edits"] == 1
    assert len(server.rejections) == 2


async def test_delete_message(server: FakeTelegramServer) -> None:
    _, body = await send(server, "bye")
    mid = body["result"]["message_id"]
    assert (await api(server, "deleteMessage", chat_id=1001, message_id=mid))[0] == 200
    status, body = await api(server, "deleteMessage", chat_id=1001, message_id=mid)
    assert (status, body["description"]) == (400, "Bad Request: message to delete not found")
    assert server.sent_messages()[0]["deleted"] is True


# -- getUpdates semantics ----------------------------------------------------------------


async def test_get_updates_offset_limit_and_long_poll(server: FakeTelegramServer) -> None:
    first = server.push_message("/start")
    server.push_sticker()
    server.push_message("hello")
    _, body = await api(server, "getUpdates", limit=2)
    assert [u["update_id"] for u in body["result"]] == [first["update_id"], first["update_id"] + 1]
    assert body["result"][0]["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    _, body = await api(server, "getUpdates", offset=first["update_id"] + 2)
    assert [u["message"]["text"] for u in body["result"]] == ["hello"]
    _, body = await api(server, "getUpdates", offset=first["update_id"] + 3, timeout=0)
    assert body["result"] == []  # confirmed updates are gone

    poll = asyncio.create_task(api(server, "getUpdates", offset=first["update_id"] + 3, timeout=10))
    await server.wait_until_polling()
    started = time.monotonic()
    server.push_voice()
    _, body = await poll
    assert time.monotonic() - started < 1.0  # woken by the push, not by the timeout
    assert "voice" in body["result"][0]["message"]


async def test_get_updates_times_out_with_empty_list(server: FakeTelegramServer) -> None:
    started = time.monotonic()
    assert await api(server, "getUpdates", timeout=1) == (200, {"ok": True, "result": []})
    assert 0.9 < time.monotonic() - started < 3


async def test_stop_ends_pending_long_poll(server: FakeTelegramServer) -> None:
    poll = asyncio.create_task(api(server, "getUpdates", timeout=30))
    await server.wait_until_polling()
    started = time.monotonic()
    await server.stop()
    assert await poll == (200, {"ok": True, "result": []})
    assert time.monotonic() - started < 1.5


async def test_get_updates_conflicts_with_webhook(server: FakeTelegramServer) -> None:
    assert (await api(server, "setWebhook", url="https://example.org/hook"))[0] == 200
    status, body = await api(server, "getUpdates")
    assert status == 409
    assert body["description"].startswith("Conflict: can't use getUpdates method while webhook is active")


async def test_wait_for_calls_timeout_lists_recent_calls(server: FakeTelegramServer) -> None:
    await api(server, "getMe")
    with pytest.raises(TimeoutError, match=r"(?s)expected 1 sendMessage call\(s\).*getMe -> 200"):
        await server.wait_for_calls("sendMessage", 1, timeout=0.05)


async def test_newer_get_updates_terminates_older_one(server: FakeTelegramServer) -> None:
    older = asyncio.create_task(api(server, "getUpdates", timeout=10))
    await server.wait_until_polling()
    assert await api(server, "getUpdates", timeout=0) == (200, {"ok": True, "result": []})
    status, body = await older
    assert status == 409 and body["description"].startswith("Conflict: terminated by other getUpdates")
    assert len(server.conflicts) == 1 and server.rejections == []


async def test_push_helpers_build_realistic_updates(server: FakeTelegramServer) -> None:
    group = server.push_message("/help@test_bot now", chat_type="supergroup", user_id=7, username="ann")
    message = group["message"]
    assert message["chat"]["id"] < 0 and message["chat"]["type"] == "supergroup" and "title" in message["chat"]
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 14}]
    first = server.push_message("hello")["message"]
    reply = server.push_message("again", reply_to_message_id=first["message_id"])["message"]
    assert reply["reply_to_message"]["text"] == "hello"
    edited = server.push_edited_message(first["message_id"], "hello!")
    assert edited["edited_message"]["text"] == "hello!" and "edit_date" in edited["edited_message"]
    assert server.push_photo("look")["message"]["photo"][-1]["width"] == 1280
    with pytest.raises(ValueError, match="has no message"):
        server.push_callback("yes", message_id=999)
    _, body = await send(server, "pick", reply_markup=KEYBOARD)
    with pytest.raises(ValueError, match="not on message"):
        server.push_callback("no", message_id=body["result"]["message_id"])
    callback = server.push_callback("yes", message_id=body["result"]["message_id"])
    query_id = callback["callback_query"]["id"]
    assert (await api(server, "answerCallbackQuery", callback_query_id=query_id))[0] == 200
    status, _ = await api(server, "answerCallbackQuery", callback_query_id=query_id)
    assert status == 400  # a query can only be answered once
    ids = [u["update_id"] for u in (await api(server, "getUpdates"))[1]["result"]]
    assert ids == sorted(ids) and len(ids) == 6


async def test_commands_webhook_info_and_menu_via_ptb(server: FakeTelegramServer) -> None:
    async with Bot(TOKEN, base_url=f"{server.url}/bot") as bot:
        await bot.set_my_commands([("start", "Start"), ("help", "Help")])
        assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
        await bot.delete_my_commands()
        assert await bot.get_my_commands() == ()
        with pytest.raises(BadRequest, match="Bot_command_invalid"):  # PTB capitalize()s
            await bot.set_my_commands([("Bad Command", "x")])
        await bot.set_webhook("https://example.org/hook", secret_token="abc")
        info = await bot.get_webhook_info()
        assert info.url == "https://example.org/hook"
        await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""
        assert await bot.set_chat_menu_button()
        assert await bot.send_chat_action(1001, "typing")
    assert len(server.rejections) == 1


# -- throttling and injected failures ----------------------------------------------------


async def test_rate_limit_answers_429_and_is_not_a_rejection() -> None:
    async with FakeTelegramServer(TOKEN, rate_limit_per_second=2) as srv:
        assert (await send(srv, "1"))[0] == 200
        assert (await send(srv, "2"))[0] == 200
        status, body = await send(srv, "3")
    assert (status, body) == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        },
    )
    assert len(srv.throttled) == 1 and srv.rejections == []


async def test_injected_failures_and_blocked_chats_reach_ptb(server: FakeTelegramServer) -> None:
    server.fail_next("sendMessage", 502, "Bad Gateway")
    server.forbidden_chats.add(777)
    async with Bot(TOKEN, base_url=f"{server.url}/bot") as bot:
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(1001, "x")
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(777, "x")
        with pytest.raises(BadRequest, match=r"^Message to edit not found$"):
            await bot.edit_message_text("x", chat_id=1001, message_id=99)
        assert (await bot.send_message(1001, "x")).text == "x"
    assert len(server.injected) == 2
    assert [r.description for r in server.rejections] == ["Bad Request: message to edit not found"]


async def test_files_round_trip_through_ptb(server: FakeTelegramServer) -> None:
    update = server.push_document("labs.pdf", data=b"%PDF-1.4 labs")
    file_id = update["message"]["document"]["file_id"]
    async with Bot(TOKEN, base_url=f"{server.url}/bot", base_file_url=f"{server.url}/file/bot") as bot:
        tg_file = await bot.get_file(file_id)
        assert bytes(await tg_file.download_as_bytearray()) == b"%PDF-1.4 labs"
        sent = await bot.send_document(1001, b"col1,col2\n1,2\n", filename="export.csv", caption="Export")
    assert sent.document is not None and sent.document.file_name == "export.csv"
    record = server.sent_messages()[-1]
    assert record["document"]["data"] == b"col1,col2\n1,2\n"
    assert server.rejections == []


# -- the real python-telegram-bot Application ----------------------------------------


async def start_handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="yes")]])
    await update.effective_message.reply_html("<b>Welcome</b> &amp; hello", reply_markup=markup)


async def button_handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Noted")
    await query.edit_message_text(f"You chose <i>{query.data}</i>", parse_mode="HTML")


async def test_ptb_application_long_polling(server: FakeTelegramServer) -> None:
    app = build_app(server)
    app.add_handler(CommandHandler("start", start_handler))
    server.push_message("/start")
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=1)  # type: ignore[union-attr]
        await server.wait_for_calls("sendMessage", 1)
        await app.updater.stop()  # type: ignore[union-attr]
        await app.stop()
    (message,) = server.sent_messages(1001)
    assert message["plain_text"] == "Welcome & hello"
    assert message["parse_mode"] == "HTML"
    assert message["reply_markup"] == KEYBOARD
    assert server.rejections == []
    # PTB confirmed the update on shutdown: nothing is left for the next poller.
    assert server._deliverable(100) == []


async def test_ptb_callback_query_round_trip(server: FakeTelegramServer) -> None:
    app = build_app(server)
    app.add_handler(CommandHandler("start", start_handler))
    app.add_handler(CallbackQueryHandler(button_handler))
    server.push_message("/start")
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=1)  # type: ignore[union-attr]
        await server.wait_for_calls("sendMessage", 1)
        message_id = server.sent_messages()[0]["message_id"]
        server.push_callback("yes", message_id=message_id)
        await server.wait_for_calls("editMessageText", 1)
        await app.updater.stop()  # type: ignore[union-attr]
        await app.stop()
    assert server.calls_to("answerCallbackQuery")[0].params["text"] == "Noted"
    record = server.sent_messages()[0]
    assert (record["plain_text"], record["edits"], record["reply_markup"]) == ("You chose yes", 1, None)
    assert server.rejections == []


async def test_ptb_rate_limiter_retries_after_429(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22.2+ warns (PTBDeprecationWarning, an error under our filterwarnings) while
    # *constructing* RetryAfter unless time periods are opted into timedelta.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")

    async def chatty(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, "one")
        await context.bot.send_message(update.effective_chat.id, "two")  # throttled, then retried

    async with FakeTelegramServer(TOKEN, rate_limit_per_second=1) as srv:
        app = build_app(srv, rate_limiter=AIORateLimiter(max_retries=2))
        app.add_handler(CommandHandler("start", chatty))
        srv.push_message("/start")
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0.0, timeout=1)  # type: ignore[union-attr]
            await srv.wait_for_calls("sendMessage", 3)
            await app.updater.stop()  # type: ignore[union-attr]
            await app.stop()
    assert [m["text"] for m in srv.sent_messages()] == ["one", "two"]
    assert [c.status for c in srv.calls_to("sendMessage")] == [200, 429, 200]
    assert len(srv.throttled) == 1 and srv.rejections == []


async def test_ptb_webhook_delivery_checks_secret(server: FakeTelegramServer) -> None:
    port = free_port()
    app = build_app(server)
    app.add_handler(CommandHandler("start", start_handler))
    async with app:
        await app.start()
        await app.updater.start_webhook(  # type: ignore[union-attr]
            listen="127.0.0.1",
            port=port,
            url_path="hook",
            webhook_url=f"http://127.0.0.1:{port}/hook",
            secret_token="s3cret",
        )
        assert server.webhook["url"] == f"http://127.0.0.1:{port}/hook"
        assert server.webhook["secret_token"] == "s3cret"
        server.push_message("/start")
        assert await server.deliver_webhook(secret_token="wrong") == 403
        assert await server.deliver_webhook(secret_token=None) == 403
        assert await server.deliver_webhook() == 200  # the refused update was kept for a retry
        await server.wait_for_calls("sendMessage", 1)
        await app.updater.stop()  # type: ignore[union-attr]
        await app.stop()
    assert server.sent_messages()[0]["plain_text"] == "Welcome & hello"
    assert [status for _, status in server.webhook_deliveries] == [403, 403, 200]
    assert server.rejections == []
