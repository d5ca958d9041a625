"""The glue the Assistant and channels use: command methods, building from settings, starting delivery."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.models import Incoming, Reply, ReplyKind
from bot.reminders.wiring import ReminderCommands, build_reminders, start_delivery
from bot.storage import Database

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
ME = Incoming(user_id=7, chat_id=7, text="")


def settings(**overrides: object) -> SimpleNamespace:
    values: dict[str, object] = {
        "knowledge_dir": ROOT / "knowledge",
        "default_timezone": "Europe/London",
        "reminder_offsets_days": (7, 1, 0),
        "reminder_time": time(9, 0),
        "max_active_reminders": 50,
        "retention_days": 30,
        "telegram_max_per_second": 30.0,
    }
    values.update(overrides)
    return SimpleNamespace(**values)


@pytest.fixture
def commands(tmp_path: Path) -> Iterator[ReminderCommands]:
    with Database(tmp_path / "bot.sqlite3") as db:
        yield build_reminders(db, settings())


def test_commands_by_id(commands: ReminderCommands) -> None:
    created = commands.command_remind(ME, "2027-03-14 DEXA scan", NOW)
    reminder_id = commands.service.store.active(7)[0].id
    assert f"#{reminder_id}" in created[0].plain_text
    usage = commands.command_cancel(ME, "", NOW)[0]
    assert "/cancel 12" in usage.plain_text and f"r:cancel:{reminder_id}" in [b.data for r in usage.buttons for b in r]
    ics = commands.command_calendar(ME, f"#{reminder_id}", NOW)[0]
    assert ics.attachment is not None
    assert "Cancelled" in commands.command_cancel(ME, str(reminder_id), NOW)[0].plain_text
    assert commands.command_reminders(ME, "", NOW)[0].kind is ReplyKind.REMINDER
    assert "Europe/Paris" in commands.command_timezone(ME, "paris", NOW)[0].plain_text
    assert commands.command_plan(ME, "", NOW)[0].buttons
    assert commands.continue_flow(7, 7, "14 March", NOW) is not None  # /plan waits for a variant or date
    assert commands.handle_button(7, 7, "r:stop", NOW)[0].kind is ReplyKind.REMINDER


async def test_start_delivery_sends_and_stops(commands: ReminderCommands) -> None:
    commands.command_remind(ME, "2027-03-14 DEXA scan", NOW)
    sent: list[tuple[int, Reply]] = []

    class Sender:
        async def send(self, chat_id: int, reply: Reply) -> None:
            sent.append((chat_id, reply))

    stop = asyncio.Event()
    runtime = SimpleNamespace(reminders=commands)
    task = start_delivery(runtime, Sender(), stop, clock=lambda: datetime(2027, 3, 7, 9, 0, 1, tzinfo=UTC))
    for _ in range(200):
        if sent:
            break
        await asyncio.sleep(0.005)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert [chat for chat, _ in sent] == [7]
