"""Telegram HTML rendering: escaped content, allowed tags, limits, splitting (checked by the fake server's parser)."""

from __future__ import annotations

import pytest

from bot.assistant import Assistant
from bot.channels.telegram_html import MAX_TEXT, render_reply, visible_length
from bot.models import Block, Button, Reply, ReplyKind, Style
from tests.fake_telegram.html_check import parse_html, utf16_len


def _check(reply: Reply) -> list[str]:
    plains = []
    for message in render_reply(reply):
        plain, _ = parse_html(message.html)  # raises on anything Telegram would reject
        assert 1 <= utf16_len(plain) <= MAX_TEXT
        for row in message.buttons:
            for button in row:
                assert 1 <= len(button.data.encode()) <= 64
        plains.append(plain)
    return plains


def test_content_is_escaped_and_emphasis_bold() -> None:
    reply = Reply(ReplyKind.ANSWER, (Block("a < b & c > d <script>", Style.QUOTE, emphasis="c > d"), Block("x", Style.SOURCE)))
    [message] = render_reply(reply)
    assert message.html == "<blockquote>a &lt; b &amp; <b>c &gt; d</b> &lt;script&gt;</blockquote>\n\n<i>x</i>"
    _check(reply)


def test_long_reply_is_split_at_block_boundaries_with_buttons_on_the_last() -> None:
    blocks = tuple(Block(f"Paragraph {i}. " + "word " * 300, Style.QUOTE) for i in range(10))
    reply = Reply(ReplyKind.ANSWER, blocks, ((Button("More", "m:001-001"),),))
    messages = render_reply(reply)
    assert len(messages) > 1
    assert all(not m.buttons for m in messages[:-1]) and messages[-1].buttons
    plains = _check(reply)
    assert "".join(plains).count("Paragraph") == 10


def test_single_huge_block_is_split_inside_tags_never_through_them() -> None:
    text = ("Sentence with <tags> & amps. " * 800) + "x" * 5000
    plains = _check(Reply(ReplyKind.ANSWER, (Block(text, Style.QUOTE, emphasis="Sentence with"),)))
    assert len(plains) > 3


def test_utf16_counting_for_emoji() -> None:
    reply = Reply(ReplyKind.ANSWER, (Block("😀" * 3000),))
    for message in render_reply(reply):
        assert visible_length(message.plain) <= MAX_TEXT
    _check(reply)


def test_invalid_callback_data_is_dropped() -> None:
    reply = Reply(ReplyKind.INFO, (Block("x"),), ((Button("ok", "a" * 65), Button("fine", "g:x")),))
    [message] = render_reply(reply)
    assert [b.data for row in message.buttons for b in row] == ["g:x"]


@pytest.mark.parametrize("question", ["how often dexa on arimidex", "what is osteopenia", "i can't breathe",
                                      "can i stop my anastrozole", "pizza", "<b>bone</b> & <i>loss</i>"])
def test_real_replies_render_valid(assistant: Assistant, question: str) -> None:
    for reply in assistant.ask(question):
        _check(reply)
