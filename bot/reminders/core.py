"""Shared plumbing of the reminder commands: configuration, user settings and guided-flow state.

``ReminderService`` (service.py) is assembled from command groups (``PlanCommands`` in planning.py,
``SettingsCommands`` in settings.py) that all derive from :class:`ServiceBase`, which owns the
constructor, the per-user defaults (timezone, offsets, time of day, date order) and the JSON flow
state persisted in the ``flows`` table (so an unfinished /remind survives a restart and can be erased).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError
from bot.models import Reply
from bot.reminders import views
from bot.reminders.dates import MAX_YEARS_AGO, DateProblem, ParsedWhen, Prefer, split_date_label
from bot.reminders.plan import MonitoringPlan
from bot.reminders.schedule import DEFAULT_OFFSETS, DEFAULT_REMIND_TIME, MAX_OFFSET_DAYS
from bot.reminders.store import ReminderStore
from bot.reminders.texts import ReminderTexts
from bot.storage import Database, User

FLOW_TTL = timedelta(hours=1)  # an unfinished /remind older than this no longer captures messages
MAX_OFFSETS = 5


class ServiceBase:
    """Configuration and helpers shared by every reminder command."""

    def __init__(
        self,
        db: Database,
        *,
        texts: ReminderTexts,
        default_timezone: str = "UTC",
        default_offsets: Sequence[int] = DEFAULT_OFFSETS,
        default_remind_time: time = DEFAULT_REMIND_TIME,
        max_active: int = 50,
        max_years_ahead: int = 5,
        plan: MonitoringPlan | None = None,
        article_titles: Mapping[str, str] | None = None,
        flow_ttl: timedelta = FLOW_TTL,
    ) -> None:
        try:
            ZoneInfo(default_timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"default_timezone: unknown IANA timezone {default_timezone!r}") from exc
        offsets_ok = 0 < len(set(default_offsets)) <= MAX_OFFSETS
        if not offsets_ok or any(not 0 <= o <= MAX_OFFSET_DAYS for o in default_offsets):
            raise ConfigError(f"default_offsets: need 1..{MAX_OFFSETS} values in 0..{MAX_OFFSET_DAYS}")
        self.db = db
        self.store = ReminderStore(db)
        self.texts = texts
        self.default_timezone = default_timezone
        self.default_offsets = tuple(sorted(set(default_offsets), reverse=True))
        self.default_remind_time = default_remind_time
        self.article_titles = dict(article_titles or {})  # for citing plan quotes by title
        self.max_active = max_active
        self.max_years_ahead = max_years_ahead
        self.monitoring_plan = plan
        self.flow_ttl = flow_ttl

    # -- user settings ----------------------------------------------------------------------------

    def _user(self, user_id: int, chat_id: int, now: datetime) -> User:
        self.db.upsert_user(user_id, chat_id, now)
        user = self.db.get_user(user_id)
        assert user is not None
        return user

    def _tz(self, user: User | None) -> tuple[str, bool]:
        """Return the user's timezone name and whether it is only the default."""
        if user is not None and user.timezone:
            return user.timezone, False
        return self.default_timezone, True

    def _options(self, user: User) -> tuple[tuple[int, ...], time]:
        return user.remind_offsets or self.default_offsets, user.remind_time or self.default_remind_time

    def _parse(self, user: User, text: str, now: datetime, *, prefer: Prefer = "future") -> ParsedWhen | DateProblem:
        """Read a date typed in a flow; extra words around it ("14 March please") are ignored."""
        result, _ = split_date_label(
            text,
            now=now,
            tz=ZoneInfo(self._tz(user)[0]),
            date_order=user.date_order,
            max_years_ahead=self.max_years_ahead,
            prefer=prefer,
        )
        return result

    # -- flow state ---------------------------------------------------------------------------------

    def _load_flow(self, user_id: int, now: datetime) -> dict[str, Any] | None:
        stored = self.db.get_flow(user_id)
        if stored is None:
            return None
        raw, saved_at = stored
        try:
            state = json.loads(raw)
        except ValueError:
            state = None
        if not isinstance(state, dict) or now - saved_at > self.flow_ttl:
            self.db.clear_flow(user_id)
            return None
        return state

    def _save_flow(self, user_id: int, state: dict[str, Any], now: datetime) -> None:
        self.db.set_flow(user_id, json.dumps(state, separators=(",", ":")), now)

    # -- shared replies ---------------------------------------------------------------------------

    def _problem(self, problem: DateProblem) -> Reply:
        return views.problem_reply(self.texts, problem, max_years_ahead=self.max_years_ahead, max_years_ago=MAX_YEARS_AGO)

    def _expired(self) -> Reply:
        return views.error(self.texts, self.texts.t("expired"))
