"""The console channel: the same assistant as Telegram, as a chat in the terminal.

Renders replies as plain text; buttons become numbered choices the user can type ("2" presses the
second button of the last reply that had buttons). Files and pictures (a calendar, a chart, a PDF,
a zip) are written to the user's folder under ``console_files`` (``UserFiles``: /forget deletes it) and
the path is printed; a picture's text version is printed too, since a terminal cannot show it. With
piped stdin it reads one message per line, prints the replies and exits at the end of input, so it can
be scripted. Reminders that fall due while the chat is open are printed by the same delivery loop that
serves Telegram.
"""

from __future__ import annotations

import asyncio
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.config import Settings
from bot.models import AttachmentKind, Button, Incoming, Reply, Style
from bot.storage.files import UserFiles

if TYPE_CHECKING:  # the runtime is built only when a chat starts (keeps `render_plain` imports light)
    from bot.app import Runtime

WIDTH = 100


def _now() -> datetime:
    return datetime.now(UTC)


def render_plain(reply: Reply, first_number: int = 1) -> str:
    """Return a reply as terminal text; buttons numbered from ``first_number``."""
    lines: list[str] = []
    for block in reply.blocks:
        text = block.text
        if block.style is Style.TITLE:
            lines.append(text.upper() if len(text) < 40 else text)
        elif block.style is Style.QUOTE:
            if block.emphasis and block.emphasis in text:
                text = text.replace(block.emphasis, f"**{block.emphasis}**", 1)
            lines.append(textwrap.fill(text, WIDTH, initial_indent="  │ ", subsequent_indent="  │ "))
        elif block.style is Style.ITEM:
            lines.append(textwrap.fill(text, WIDTH, initial_indent="  • ", subsequent_indent="    "))
        elif block.style in (Style.SOURCE, Style.FOOTER):
            lines.append(f"  ({text})" if block.style is Style.FOOTER else f"  — {text}")
        else:
            lines.append(textwrap.fill(text, WIDTH))
    choices: list[str] = []
    for row in reply.buttons:
        for button in row:
            choices.append(f"  [{first_number + len(choices)}] {button.label}")
    if reply.attachment is not None:
        kind = "picture" if reply.attachment.kind is AttachmentKind.PHOTO else "file"
        choices.append(f"  [{kind}: {reply.attachment.filename}, {len(reply.attachment.content)} bytes]")
    if choices:
        lines.append("\n".join(choices))
    return "\n\n".join(line for line in lines if line)


class ConsoleSession:
    """One console user's conversation: routes lines to the assistant and remembers shown buttons."""

    def __init__(self, runtime: Runtime, user_id: int, out: TextIO, files: UserFiles | None = None) -> None:
        """Wrap a runtime (assistant + services) for one user writing to ``out``; files are saved in ``files``."""
        self.runtime = runtime
        self.assistant = runtime.assistant
        self.user_id = user_id
        self.out = out
        self.buttons: list[Button] = []
        self.files = files

    @property
    def folder(self) -> Path | None:
        """The folder this user's files are saved in, if the session saves files."""
        return self.files.folder(self.user_id) if self.files is not None else None

    def show(self, replies: list[Reply]) -> None:
        """Print replies; the buttons of this batch become the numbered choices."""
        shown: list[Button] = []
        for reply in replies:
            self.out.write(render_plain(reply, first_number=len(shown) + 1) + "\n\n")
            shown.extend(button for row in reply.buttons for button in row)
            attachment = reply.attachment
            if attachment is not None:
                if attachment.kind is AttachmentKind.PHOTO and attachment.alt_text:
                    self.out.write(textwrap.indent(attachment.alt_text, "  ") + "\n\n")
                if self.files is not None:
                    path = self.files.save(self.user_id, attachment.filename, attachment.content)
                    self.out.write(f"  saved {path}\n\n")
        if shown:
            self.buttons = shown
        self.out.flush()

    def feed(self, line: str, now: datetime) -> None:
        """Handle one typed line: a button number or a message."""
        text = line.strip()
        if text.isascii() and text.isdigit() and len(text) <= 4 and self.buttons and 1 <= int(text) <= len(self.buttons):
            pressed = self.buttons[int(text) - 1]
            if pressed.private_start is not None:  # a link to the private chat: the console is one already
                line = f"/start {pressed.private_start}"
            else:
                self.show(self.assistant.handle_button(self.user_id, self.user_id, pressed.data, now))
                return
        self.show(self.assistant.handle(Incoming(self.user_id, self.user_id, line), now))


class ConsoleSender:
    """Deliver due reminders to the console user (the delivery loop's Sender for this channel)."""

    def __init__(self, session: ConsoleSession) -> None:
        """Print through the session."""
        self.session = session

    async def send(self, chat_id: int, reply: Reply) -> None:
        """Print a reminder when it is for this console user; others are not ours to show."""
        if chat_id == self.session.user_id:
            self.session.show([reply])


async def _chat(settings: Settings, stdin: TextIO, out: TextIO, user_id: int, notice: bool) -> int:
    from bot.app import build_runtime

    runtime = build_runtime(settings)
    # Files (a /calendar .ics, the record's pictures) go to the stated folder, a folder per user.
    session = ConsoleSession(runtime, user_id, out, files=runtime.files)
    if notice:
        out.write(runtime.assistant.texts.get("console_notice", files=session.folder) + "\n\n")
    interactive = stdin.isatty()
    # A running Telegram bot holds the database's lease: then this chat works on the same data but leaves
    # reminder delivery to that bot (their notices are for Telegram, not for this console).
    deliver = runtime.acquire_lease() is None
    await runtime.start(ConsoleSender(session), deliver=deliver)
    loop = asyncio.get_running_loop()
    try:
        while True:
            if interactive:
                out.write("you> ")
                out.flush()
            line = await loop.run_in_executor(None, stdin.readline)
            if not line:
                break
            if line.strip():
                session.feed(line.rstrip("\n"), runtime.clock())
    finally:
        await runtime.stop()
    return 0


def run_console(settings: Settings, stdin: TextIO, out: TextIO, user_id: int = 1, notice: bool = False) -> int:
    """Run the console chat until end of input; return the exit code."""
    try:
        return asyncio.run(_chat(settings, stdin or sys.stdin, out, user_id, notice))
    except KeyboardInterrupt:
        out.write("\n")
        return 0
