"""Build the patient's record over a database for unit tests, and drive it like the Assistant and the
delivery loop do (a fixed clock that moves only when a test moves it, a sender that records)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import buttons
from bot.content import Content
from bot.models import Incoming, Reply
from bot.record.context import RecordContext
from bot.record.outbox import TabletOutbox
from bot.record.service import Record
from bot.reminders.context import ReminderConfig, ReminderContext
from bot.reminders.delivery import DeliveryLoop
from bot.reminders.service import Reminders
from bot.routing import Router
from bot.storage import Database


class Clock:
    """A fixed clock that only moves when the fake sleep (or a test) moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Sender:
    """Records what would be sent, with the clock's time of each send."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.sent: list[tuple[int, Reply, datetime]] = []

    async def send(self, chat_id: int, reply: Reply) -> None:
        await asyncio.sleep(0)
        self.sent.append((chat_id, reply, self.clock()))


@dataclass
class Setup:
    """A record service, the reminders beside it, and a delivery loop over the same database."""

    record: Record
    reminders: Reminders
    loop: DeliveryLoop
    clock: Clock
    sender: Sender

    def say(self, command: str, user: int, args: str = "") -> list[Reply]:
        """Run one command of the record as ``user`` at the clock's time."""
        route = Router([self.record, self.reminders]).command(command)
        assert route is not None, command
        return route.handler(Incoming(user, user, f"/{command} {args}"), args, self.clock())

    def press(self, data: str, user: int) -> list[Reply]:
        """Press a button as the Assistant would: decode, route, or the "expired" reply."""
        payload = buttons.unpack(data)
        route = Router([self.record, self.reminders]).button(payload) if payload is not None else None
        if payload is None or route is None:
            return [self.record.ctx.expired()]
        return route(Incoming(user, user, ""), payload, self.clock())

    async def run(self, at: datetime) -> int:
        """Move the clock to ``at`` and run one delivery cycle; return how many messages went out."""
        self.clock.now = at
        return (await self.loop.run_once(at)).sent


def build(db: Database, content: Content, now: datetime, *, default_timezone: str = "UTC") -> Setup:
    """Return the record and reminders over ``db`` with the real content, and a loop on a fixed clock."""
    config = ReminderConfig(default_timezone=default_timezone)
    reminder_ctx = ReminderContext(db, lambda: content.reminders, config)
    reminders = Reminders(reminder_ctx)
    ctx = RecordContext(
        reminder_ctx,
        lambda: content.record,
        lambda user, day, label, when: reminders.creation.create(user, day, label=label, kind="dexa", now=when),
    )
    reminder_ctx.timezone_hooks.append(ctx.tablets.retimezone)
    clock = Clock(now)
    sender = Sender(clock)
    loop = DeliveryLoop(
        db, sender, lambda: content.reminders.texts, clock=clock, sleep=clock.sleep, max_per_second=1000,
        outboxes=(TabletOutbox(db, lambda: content.record.texts),),
    )
    return Setup(Record(ctx), reminders, loop, clock, sender)


def button_data(reply: Reply, label: str) -> str:
    """Return the data of the button labelled ``label`` on a reply."""
    found = [b.data for row in reply.buttons for b in row if b.label == label]
    assert len(found) == 1, (label, [b.label for row in reply.buttons for b in row])
    return found[0]
