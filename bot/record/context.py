"""What every unit of the patient's record shares: repositories, the current content, and the reminder
feature it builds on (users, timezones, date reading, scan reminders and the monitoring plan).

One :class:`RecordContext` is built per running bot (``bot/app.py``) and handed to each unit by
composition. Content is read through a provider at each use, so a knowledge reload reaches every unit
at once. Time is always the caller's ``now``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.models import Block, Button, Incoming, Reply, ReplyKind, Style
from bot.record.bone import BoneContent
from bot.record.dexa import DexaRepository
from bot.record.flows import RecordFlows
from bot.record.notes import NoteRepository, PendingQuestions
from bot.record.tablets import TabletRepository
from bot.record.texts import RecordTexts
from bot.reminders.context import ReminderContext
from bot.storage import FlowRepository, User


@dataclass(frozen=True)
class RecordContent:
    """The record's share of the knowledge: its texts, the DEXA content, and two safety texts it shows."""

    texts: RecordTexts
    bone: BoneContent
    disclaimer: str  # the short disclaimer (safety.yaml), under health replies and on the summary
    missed_dose: str  # the fixed missed-dose text (safety.yaml), also under "Skip today"


@dataclass
class RecordContext:
    """Shared by the record's units: storage, content, and the reminder feature's context."""

    reminders: ReminderContext
    content: Callable[[], RecordContent]
    # Creates a DEXA reminder as /remind would (its read-back, Undo and calendar buttons): the reminder
    # feature's own code, so a reminder set from /dexa is like any other. Arguments: user, date, label, now.
    create_scan_reminder: Callable[[User, date, str, datetime], list[Reply]]
    pending: PendingQuestions = field(default_factory=PendingQuestions)

    def __post_init__(self) -> None:
        db = self.reminders.db
        self.db = db
        self.tablets = TabletRepository(db)
        self.dexa = DexaRepository(db)
        self.notes = NoteRepository(db)
        self.flows = RecordFlows(FlowRepository(db))

    @property
    def texts(self) -> RecordTexts:
        """Return the current record texts."""
        return self.content().texts

    def user(self, message: Incoming, now: datetime) -> User:
        """Return the sender's settings row, creating it (or refreshing the chat id) first."""
        return self.reminders.user(message, now)

    def timezone(self, user: User) -> tuple[str, bool]:
        """Return the user's timezone name and whether it is only the default."""
        return self.reminders.timezone(user)

    def today(self, user: User, now: datetime) -> date:
        """Return the user's local date."""
        return now.astimezone(ZoneInfo(self.timezone(user)[0])).date()

    def reply(self, *lines: str, title: str | None = None, buttons: Sequence[Sequence[Button]] = ()) -> Reply:
        """Return a RECORD reply of plain lines under an optional title, with button rows."""
        blocks = ((Block(title, Style.TITLE),) if title else ()) + tuple(Block(line) for line in lines)
        return Reply(ReplyKind.RECORD, blocks, tuple(tuple(row) for row in buttons))

    def error(self, *lines: str) -> Reply:
        """Return an ERROR reply: a kind sentence about bad input."""
        return Reply(ReplyKind.ERROR, tuple(Block(line) for line in lines))

    def expired(self) -> Reply:
        """Return the reply to a stale or foreign button."""
        return self.reminders.expired()
