"""The running pieces: reminder commands reached through the built runtime, and start/stop of delivery."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import Runtime, build_runtime
from bot.config import Settings
from bot.models import Incoming, Reply, ReplyKind
from bot.reminders.service import Reminders
from tests.reminder_support import press

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
ME = Incoming(user_id=7, chat_id=7, text="")


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    built = build_runtime(
        Settings(knowledge_dir=ROOT / "knowledge", database=tmp_path / "bot.sqlite3", default_timezone="Europe/London")
    )
    yield built
    if built.database is not None:
        built.database.close()


def reminders(runtime: Runtime) -> Reminders:
    assert runtime.reminders is not None
    return runtime.reminders


def test_commands_by_id(runtime: Runtime) -> None:
    svc = reminders(runtime)
    created = svc.remind(ME, "2027-03-14 DEXA scan", NOW)
    reminder_id = svc.ctx.reminders.active(7)[0].id
    assert f"#{reminder_id}" in created[0].plain_text
    usage = svc.management.cancel_command(ME, "", NOW)[0]
    assert "/cancel 12" in usage.plain_text and f"r:cancel:{reminder_id}" in [b.data for r in usage.buttons for b in r]
    ics = svc.management.calendar_command(ME, f"#{reminder_id}", NOW)[0]
    assert ics.attachment is not None
    assert "Cancelled" in svc.management.cancel_command(ME, str(reminder_id), NOW)[0].plain_text
    assert svc.management.listing(ME, "", NOW)[0].kind is ReplyKind.REMINDER
    assert "Europe/Paris" in svc.preferences.timezone(ME, "paris", NOW)[0].plain_text
    assert svc.planning.command(ME, "", NOW)[0].buttons
    assert svc.continue_flow(ME, "14 March", NOW) is not None  # /plan waits for a variant or date
    assert press(svc, 7, "r:stop", NOW)[0].kind is ReplyKind.REMINDER


async def test_start_delivery_sends_and_stops(runtime: Runtime) -> None:
    reminders(runtime).remind(ME, "2027-03-14 DEXA scan", NOW)
    sent: list[tuple[int, Reply]] = []

    class Sender:
        async def send(self, chat_id: int, reply: Reply) -> None:
            sent.append((chat_id, reply))

    await runtime.start(Sender(), clock=lambda: datetime(2027, 3, 7, 9, 0, 1, tzinfo=UTC))
    for _ in range(200):
        if sent:
            break
        await asyncio.sleep(0.005)
    await asyncio.wait_for(runtime.stop(), timeout=5)
    assert [chat for chat, _ in sent] == [7]
