"""The delivery loop: due sends, errors, pacing, downtime, crashes and restarts, recurrence, concurrency."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import monotonic
from time import sleep as pause

import pytest

from bot.models import Reply, ReplyKind
from bot.reminders.delivery import (
    DeliveryLoop,
    RecipientBlocked,
    RetryLater,
    TransientSendError,
)
from bot.reminders.queue import DeliveryQueue
from bot.reminders.repository import ReminderRepository
from bot.reminders.texts import ReminderTexts, load_reminder_texts
from bot.storage import Database, UserRepository

CREATED = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
EVENT = date(2027, 3, 14)  # all-day, Europe/London (GMT): fires 7 Mar, 13 Mar, 14 Mar at 09:00 UTC


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


class Clock:
    """A fixed clock that only moves when the fake sleep (or a test) moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


class FakeSender:
    """Records what would be sent; ``script[chat_id]`` lists exceptions to raise first."""

    def __init__(self, script: dict[int, list[BaseException]] | None = None, clock: Clock | None = None) -> None:
        self.script = script or {}
        self.sent: list[tuple[int, Reply]] = []
        self.times: list[datetime] = []
        self.clock = clock

    async def send(self, chat_id: int, reply: Reply) -> None:
        await asyncio.sleep(0)  # let concurrent loops interleave
        queue = self.script.get(chat_id)
        if queue:
            raise queue.pop(0)
        self.sent.append((chat_id, reply))
        if self.clock is not None:
            self.times.append(self.clock())

    def texts_for(self, chat_id: int) -> list[str]:
        return [reply.plain_text for chat, reply in self.sent if chat == chat_id]


class Crash(BaseException):
    """Stands in for SIGKILL: nothing after it runs."""


class CrashAfterSend(FakeSender):
    async def send(self, chat_id: int, reply: Reply) -> None:
        await super().send(chat_id, reply)
        raise Crash


KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"


@pytest.fixture(scope="module")
def texts() -> ReminderTexts:
    return load_reminder_texts(KNOWLEDGE / "reminders.yaml")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "bot.sqlite3"


@pytest.fixture
def db(path: Path) -> Iterator[Database]:
    with Database(path) as database:
        yield database


def add(
    db: Database,
    user: int,
    day: date = EVENT,
    *,
    at: time | None = None,
    offsets: tuple[int, ...] = (7, 1, 0),
    months: int | None = None,
    label: str = "DEXA scan",
) -> int:
    UserRepository(db).upsert(user, user, CREATED)
    reminder, _ = ReminderRepository(db).create(
        user_id=user,
        chat_id=user,
        kind="dexa",
        label=label,
        event_date=day,
        event_time=at,
        timezone="Europe/London",
        offsets=offsets,
        remind_time=time(9, 0),
        now=CREATED,
        recurrence_months=months,
    )
    return reminder.id


def make_loop(db: Database, sender: FakeSender, texts: ReminderTexts, clock: Clock, **kw: object) -> DeliveryLoop:
    return DeliveryLoop(db, sender, lambda: texts, clock=clock, sleep=clock.sleep, **kw)  # type: ignore[arg-type]


def statuses(db: Database) -> dict[str, int]:
    return {row[0]: row[1] for row in db.query("SELECT status, COUNT(*) FROM deliveries GROUP BY status")}


# -- the happy path ---------------------------------------------------------------------------------


async def test_sends_when_due_and_never_twice(db: Database, texts: ReminderTexts) -> None:
    add(db, 1)
    clock = Clock(utc(2027, 3, 7, 8, 59))
    sender = FakeSender()
    loop = make_loop(db, sender, texts, clock)
    assert (await loop.run_once()).sent == 0  # one minute early
    clock.now = utc(2027, 3, 7, 9, 0, 30)
    report = await loop.run_once()
    assert report.sent == 1 and report.late == 0
    (reply,) = [r for _, r in sender.sent]
    assert reply.kind is ReplyKind.REMINDER
    assert "DEXA scan: Sunday 14 March 2027, in 7 days." in reply.plain_text
    assert reply.buttons[0][0].data.startswith("r:cancel:")
    assert (await loop.run_once()).sent == 0
    clock.now = utc(2027, 3, 13, 9)
    await loop.run_once()
    clock.now = utc(2027, 3, 14, 9)
    await loop.run_once()
    assert [t.split("\n\n")[1] for t in sender.texts_for(1)] == [
        "DEXA scan: Sunday 14 March 2027, in 7 days.",
        "DEXA scan: Sunday 14 March 2027, tomorrow.",
        "DEXA scan: Sunday 14 March 2027, today.",
    ]
    assert statuses(db) == {"sent": 3}
    assert ReminderRepository(db).active(1) == []  # a one-off reminder is done after its last message


async def test_timed_event_notice_and_stop_button(db: Database, texts: ReminderTexts) -> None:
    add(db, 1, date(2027, 3, 14), at=time(8, 0), offsets=(0,), label="Blood test")
    clock = Clock(utc(2027, 3, 14, 6))  # two hours before an 08:00 appointment
    sender = FakeSender()
    await make_loop(db, sender, texts, clock).run_once()
    assert sender.texts_for(1) == ["Reminder\n\nBlood test: Sunday 14 March 2027 at 08:00, today."]


# -- errors -----------------------------------------------------------------------------------------


async def test_retry_later_waits_and_retries(db: Database, texts: ReminderTexts) -> None:
    add(db, 1, offsets=(7,))
    clock = Clock(utc(2027, 3, 7, 9))
    sender = FakeSender({1: [RetryLater(3), RetryLater(5)]})
    report = await make_loop(db, sender, texts, clock).run_once()
    assert (report.sent, report.retried) == (1, 2)
    assert 3.0 in clock.slept and 5.0 in clock.slept
    assert statuses(db) == {"sent": 1}


async def test_endless_retry_later_releases_the_row(db: Database, texts: ReminderTexts) -> None:
    add(db, 1, offsets=(7,))
    clock = Clock(utc(2027, 3, 7, 9))
    sender = FakeSender({1: [RetryLater(1) for _ in range(10)]})
    loop = make_loop(db, sender, texts, clock, max_retry_later=3)
    report = await loop.run_once()
    assert (report.sent, report.retried) == (0, 4)
    assert statuses(db) == {"pending": 1}
    clock.now += timedelta(seconds=30)
    sender.script[1] = []
    assert (await loop.run_once()).sent == 1


async def test_transient_error_backs_off_then_succeeds(db: Database, texts: ReminderTexts) -> None:
    add(db, 1, offsets=(7,))
    add(db, 2, offsets=(7,))
    clock = Clock(utc(2027, 3, 7, 9))
    sender = FakeSender({1: [TransientSendError("timeout"), TransientSendError("timeout")]})
    loop = make_loop(db, sender, texts, clock, backoff_base=30.0)
    report = await loop.run_once()
    assert (report.sent, report.retried) == (1, 1)  # user 2 was not held up
    assert clock.slept == [pytest.approx(0.04)]  # only pacing: backoff never blocks the loop
    clock.now += timedelta(seconds=29)
    assert (await loop.run_once()).sent == 0  # still backing off
    clock.now += timedelta(seconds=2)
    assert (await loop.run_once()).retried == 1  # second failure: now waits 60 s
    clock.now += timedelta(seconds=61)
    assert (await loop.run_once()).sent == 1
    assert len(sender.texts_for(1)) == 1
    assert loop.backoff(1) == 30 and loop.backoff(2) == 60 and loop.backoff(20) == 1800


async def test_transient_error_gives_up_after_max_attempts(db: Database, texts: ReminderTexts) -> None:
    add(db, 1, offsets=(7,))
    clock = Clock(utc(2027, 3, 7, 9))
    sender = FakeSender({1: [TransientSendError() for _ in range(5)]})
    loop = make_loop(db, sender, texts, clock, max_attempts=3, backoff_base=1.0)
    failed = 0
    for _ in range(6):
        failed += (await loop.run_once()).failed
        clock.now += timedelta(minutes=5)
    assert failed == 1 and statuses(db) == {"failed": 1}
    assert db.query("SELECT attempts FROM deliveries")[0][0] == 3


async def test_unexpected_exception_is_treated_as_transient(db: Database, texts: ReminderTexts) -> None:
    add(db, 1, offsets=(7,))
    clock = Clock(utc(2027, 3, 7, 9))
    sender = FakeSender({1: [KeyError("bug in adapter")]})
    report = await make_loop(db, sender, texts, clock).run_once()
    assert report.retried == 1 and statuses(db) == {"pending": 1}


async def test_blocked_user_is_deactivated_without_affecting_others(db: Database, texts: ReminderTexts) -> None:
    for user in (1, 2):
        add(db, user)
        add(db, user, date(2027, 5, 1))
    clock = Clock(utc(2027, 3, 7, 9))
    sender = FakeSender({1: [RecipientBlocked()]})
    report = await make_loop(db, sender, texts, clock).run_once()
    assert (report.blocked, report.sent) == (1, 1)
    store = ReminderRepository(db)
    assert store.active(1) == [] and len(store.active(2)) == 2
    rows = db.query("SELECT user_id, status, COUNT(*) FROM deliveries GROUP BY user_id, status")
    assert {(r[0], r[1]): r[2] for r in rows} == {(1, "cancelled"): 6, (2, "sent"): 1, (2, "pending"): 5}


# -- pacing -------------------------------------------------------------------------------------------


async def test_bot_wide_rate_limit(db: Database, texts: ReminderTexts) -> None:
    for user in range(1, 61):
        add(db, user, offsets=(7,))
    clock = Clock(utc(2027, 3, 7, 9))
    sender = FakeSender(clock=clock)
    report = await make_loop(db, sender, texts, clock, max_per_second=10.0, batch_size=7).run_once()
    assert report.sent == 60
    gaps = [(b - a).total_seconds() for a, b in zip(sender.times, sender.times[1:], strict=False)]
    assert min(gaps) >= 0.1 - 1e-6
    assert sum(clock.slept) == pytest.approx(5.9)


# -- downtime -----------------------------------------------------------------------------------------


async def test_late_but_ahead_is_sent_with_an_apology(db: Database, texts: ReminderTexts) -> None:
    add(db, 1)
    clock = Clock(utc(2027, 3, 14, 10, 30))  # down since before 7 March; event is today (all day)
    sender = FakeSender()
    report = await make_loop(db, sender, texts, clock).run_once()
    assert (report.sent, report.late, report.missed) == (1, 1, 2)  # stale 7-day and 1-day ones skipped
    (text,) = sender.texts_for(1)
    assert "today" in text and "Sorry, this reminder is late" in text


async def test_within_grace_is_not_late(db: Database, texts: ReminderTexts) -> None:
    add(db, 1, offsets=(7,))
    clock = Clock(utc(2027, 3, 7, 9, 50))
    sender = FakeSender()
    await make_loop(db, sender, texts, clock).run_once()
    assert "late" not in sender.texts_for(1)[0]


async def test_event_already_past_is_marked_missed(db: Database, texts: ReminderTexts) -> None:
    add(db, 1)
    add(db, 2, date(2027, 3, 15), at=time(10, 0), offsets=(0,))
    clock = Clock(utc(2027, 3, 15, 10, 30))  # all of user 1's day, and user 2's 10:00 visit, have passed
    sender = FakeSender()
    report = await make_loop(db, sender, texts, clock).run_once()
    assert (report.sent, report.missed) == (0, 4)
    assert sender.sent == [] and statuses(db) == {"missed": 4}


# -- crashes and restarts ------------------------------------------------------------------------------


async def test_crash_between_send_and_mark_resends_exactly_once(path: Path, texts: ReminderTexts) -> None:
    with Database(path) as db:
        add(db, 1, offsets=(7,))
        add(db, 2, offsets=(7,))
        clock = Clock(utc(2027, 3, 7, 9))
        crashing = CrashAfterSend()
        with pytest.raises(Crash):
            await make_loop(db, crashing, texts, clock).run_once()
        assert len(crashing.sent) == 1  # the message went out, but the process died before marking it
        assert statuses(db) == {"sending": 2}
    # "Restart": new objects on the same file.
    with Database(path) as db:
        sender = FakeSender()
        loop = make_loop(db, sender, texts, Clock(utc(2027, 3, 7, 9, 1)))
        assert loop.recover(utc(2027, 3, 7, 9, 1)) == 2
        assert (await loop.run_once()).sent == 2
        assert sorted(chat for chat, _ in sender.sent) == [1, 2]  # the duplicate window: one message
        assert (await loop.run_once()).sent == 0
    with Database(path) as db:
        sender = FakeSender()
        loop = make_loop(db, sender, texts, Clock(utc(2027, 3, 7, 9, 2)))
        loop.recover(utc(2027, 3, 7, 9, 2))
        assert (await loop.run_once()).sent == 0 and sender.sent == []  # sent rows are never sent again
        assert statuses(db) == {"sent": 2}


async def test_stale_sending_rows_are_reclaimed_after_the_lease(db: Database, texts: ReminderTexts) -> None:
    add(db, 1, offsets=(7,))
    store = DeliveryQueue(db)
    assert len(store.claim(utc(2027, 3, 7, 9), 10)) == 1  # another process claimed it, then died
    clock = Clock(utc(2027, 3, 7, 9, 5))
    sender = FakeSender()
    loop = make_loop(db, sender, texts, clock, lease=timedelta(minutes=10))
    assert (await loop.run_once()).sent == 0  # within the lease: might still be in flight elsewhere
    clock.now = utc(2027, 3, 7, 9, 11)
    report = await loop.run_once()
    assert (report.recovered, report.sent) == (1, 1)


async def test_two_processes_never_send_the_same_row(path: Path, texts: ReminderTexts) -> None:
    with Database(path) as setup:
        for user in range(1, 41):
            add(setup, user, offsets=(7,))
    with Database(path) as db_a, Database(path) as db_b:
        sender = FakeSender()
        clock = Clock(utc(2027, 3, 7, 9))
        loop_a = make_loop(db_a, sender, texts, clock, batch_size=3)
        loop_b = make_loop(db_b, sender, texts, clock, batch_size=3)
        a, b = await asyncio.gather(loop_a.run_once(), loop_b.run_once())
        assert a.sent + b.sent == 40 and a.sent > 0 and b.sent > 0
        assert sorted(chat for chat, _ in sender.sent) == list(range(1, 41))


# -- recurrence ---------------------------------------------------------------------------------------


async def test_recurring_rolls_forward_with_month_end_clamping(db: Database, texts: ReminderTexts) -> None:
    reminder_id = add(db, 1, date(2027, 1, 31), offsets=(0,), months=1)
    store = ReminderRepository(db)
    clock = Clock(utc(2027, 1, 31, 9))
    sender = FakeSender()
    loop = make_loop(db, sender, texts, clock)
    fired = []
    for _ in range(3):
        (pending,) = store.pending(reminder_id)
        fired.append(pending.event_date)
        clock.now = pending.fire_at
        assert (await loop.run_once()).sent == 1
    assert fired == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]  # back to the 31st
    assert store.get(reminder_id).event_date == date(2027, 4, 30)  # type: ignore[union-attr]


async def test_recurring_missed_occurrence_still_rolls_forward(db: Database, texts: ReminderTexts) -> None:
    reminder_id = add(db, 1, date(2027, 3, 14), offsets=(1, 0), months=12)
    clock = Clock(utc(2027, 4, 1))  # down for the whole occurrence
    report = await make_loop(db, FakeSender(), texts, clock).run_once()
    assert report.missed == 2
    pending = ReminderRepository(db).pending(reminder_id)
    assert [d.event_date for d in pending] == [date(2028, 3, 14)] * 2


# -- run_forever --------------------------------------------------------------------------------------


async def test_run_forever_recovers_polls_and_stops(db: Database, texts: ReminderTexts) -> None:
    add(db, 1, offsets=(7, 1))
    DeliveryQueue(db).claim(utc(2027, 3, 7, 9), 10)  # left 'sending' by a crash
    clock = Clock(utc(2027, 3, 7, 9))
    stop = asyncio.Event()
    sender = FakeSender()
    polls = 0

    async def sleep(seconds: float) -> None:
        nonlocal polls
        polls += 1
        clock.now = utc(2027, 3, 13, 9)  # the next poll finds the 1-day reminder due
        if polls == 2:
            stop.set()
        await asyncio.sleep(0)

    loop = DeliveryLoop(db, sender, lambda: texts, clock=clock, sleep=sleep)
    await asyncio.wait_for(loop.run_forever(stop, poll_seconds=60), timeout=5)
    assert len(sender.sent) == 2 and statuses(db) == {"sent": 2}


# -- real processes ---------------------------------------------------------------------------------

WORKER = """
import sys, time
from datetime import datetime, timezone
from pathlib import Path
from bot.storage import Database, UserRepository
from bot.reminders.queue import DeliveryQueue

path, start, user = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
db = Database(path)  # both workers race to be the first to create and migrate the file
UserRepository(db).upsert(user, 1, datetime(2027, 1, 1, tzinfo=timezone.utc))
(path.parent / f"opened-{user}").touch()
while not start.exists():
    time.sleep(0.005)
queue = DeliveryQueue(db)
now = datetime(2027, 3, 7, 9, tzinfo=timezone.utc)
while batch := queue.claim(now, 3):
    for delivery in batch:
        print(delivery.id, flush=True)
        queue.mark_sent(delivery.id, now)
"""


def test_two_os_processes_share_one_file(tmp_path: Path, texts: ReminderTexts) -> None:
    path, start = tmp_path / "shared.sqlite3", tmp_path / "go"
    script = tmp_path / "worker.py"
    script.write_text(WORKER, encoding="utf-8")
    root = str(Path(__file__).resolve().parents[1])
    workers = [
        subprocess.Popen(
            [sys.executable, str(script), str(path), str(start), str(user)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=root,
            env={"PYTHONPATH": root, "PATH": ""},
        )
        for user in (1001, 1002)
    ]
    deadline = monotonic() + 20
    while not all((tmp_path / f"opened-{u}").exists() for u in (1001, 1002)) and monotonic() < deadline:
        pause(0.01)
    with Database(path) as db:
        for user in range(1, 201):
            add(db, user, offsets=(7,))
        start.touch()
        outputs = [w.communicate(timeout=30)[0].split() for w in workers]
        assert all(w.returncode == 0 for w in workers)
        claimed = [int(x) for out in outputs for x in out]
        assert sorted(claimed) == sorted(d.id for d in ReminderRepository(db).deliveries())  # all, and each once
        assert statuses(db) == {"sent": 200}
        assert {u for u in (1001, 1002) if UserRepository(db).get(u)} == {1001, 1002}
