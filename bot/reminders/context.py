"""What every reminder unit shares: repositories, the current texts and plan, the limits, and user helpers.

One :class:`ReminderContext` is built per running bot and handed to each unit (creation, plan,
preferences, management) by composition. Texts and the plan are read through a provider at each use,
so a knowledge reload reaches every unit at once. Time is always the caller's ``now``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.models import Incoming, Reply
from bot.reminders import views
from bot.reminders.dates import MAX_YEARS_AGO, DateProblem, ParsedWhen, Prefer
from bot.reminders.flows import Flows
from bot.reminders.monitoring import MonitoringPlan
from bot.reminders.repository import ReminderRepository
from bot.reminders.schedule import DEFAULT_OFFSETS, DEFAULT_REMIND_TIME
from bot.reminders.splitting import split_date_label
from bot.reminders.texts import ReminderTexts
from bot.reminders.when import Grammar
from bot.storage import Database, FlowRepository, User, UserRepository


@dataclass(frozen=True)
class ReminderConfig:
    """Limits and defaults for new reminders (validated once, in ``bot/config.py``)."""

    default_timezone: str = "UTC"
    default_offsets: tuple[int, ...] = DEFAULT_OFFSETS
    default_remind_time: time = DEFAULT_REMIND_TIME
    max_active: int = 50
    max_years_ahead: int = 5


@dataclass(frozen=True)
class ReminderContent:
    """The reminder feature's share of the knowledge: its texts, the date grammar, the monitoring plan,
    article titles."""

    texts: ReminderTexts
    grammar: Grammar
    plan: MonitoringPlan | None = None
    article_titles: Mapping[str, str] = field(default_factory=dict)


@dataclass
class ReminderContext:
    """Shared by the reminder units: storage, content, configuration and small helpers over them."""

    db: Database
    content: Callable[[], ReminderContent]
    config: ReminderConfig = field(default_factory=ReminderConfig)
    # Called (user id, new timezone, now) when a user changes timezone, inside the same transaction, by
    # other features that schedule in the user's local time (the daily tablet reminder); each returns
    # how many of its reminders moved.
    timezone_hooks: list[Callable[[int, str, datetime], int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.users = UserRepository(self.db)
        self.reminders = ReminderRepository(self.db)
        self.flows = Flows(FlowRepository(self.db))

    @property
    def texts(self) -> ReminderTexts:
        """Return the current reminder texts."""
        return self.content().texts

    def user(self, message: Incoming, now: datetime) -> User:
        """Return the sender's settings row, creating it (or refreshing the chat id) first."""
        return self.users.upsert(message.user_id, message.chat_id, now)

    def timezone(self, user: User | None) -> tuple[str, bool]:
        """Return the user's timezone name and whether it is only the default."""
        if user is not None and user.timezone:
            return user.timezone, False
        return self.config.default_timezone, True

    def options(self, user: User) -> tuple[tuple[int, ...], time]:
        """Return the user's offsets (days before) and time of day for new reminders."""
        return user.remind_offsets or self.config.default_offsets, user.remind_time or self.config.default_remind_time

    def parse(self, user: User, text: str, now: datetime, *, prefer: Prefer = "future") -> ParsedWhen | DateProblem:
        """Read a date typed in a flow; extra words around it ("14 March please") are ignored."""
        result, _ = self.split(user, text, now, prefer=prefer)
        return result

    def split(
        self, user: User, text: str, now: datetime, *, prefer: Prefer = "future"
    ) -> tuple[ParsedWhen | DateProblem, str]:
        """Split "2027-03-14 DEXA scan" into the date (read in the user's timezone) and the label."""
        return split_date_label(
            text,
            now=now,
            tz=ZoneInfo(self.timezone(user)[0]),
            date_order=user.date_order,
            grammar=self.content().grammar,
            max_years_ahead=self.config.max_years_ahead,
            prefer=prefer,
        )

    def problem(self, problem: DateProblem) -> Reply:
        """Return the reply explaining a date problem."""
        return views.problem_reply(
            self.texts, problem, max_years_ahead=self.config.max_years_ahead, max_years_ago=MAX_YEARS_AGO
        )

    def expired(self) -> Reply:
        """Return the reply to a stale or foreign button."""
        return views.error(self.texts, self.texts.t("expired"))
