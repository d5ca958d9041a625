"""/remind settings and /timezone: per-user defaults for new reminders, and the user's timezone.

Changing the timezone moves the user's active reminders with it (their pending deliveries are
recomputed so 09:00 stays 09:00 local); changing offsets or time of day applies to new reminders.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.models import Reply
from bot.reminders import views
from bot.reminders.core import MAX_OFFSETS, ServiceBase
from bot.reminders.dates import clean_text
from bot.reminders.schedule import MAX_OFFSET_DAYS
from bot.reminders.timezones import find_timezone
from bot.storage import User

_OFFSETS_RE = re.compile(r"\d{1,2}(?:,\d{1,2})*")
_TIME_RE = re.compile(r"(\d{1,2})[:.h](\d{2})")


class SettingsCommands(ServiceBase):
    """The settings half of ``ReminderService``."""

    def _order_name(self, order: str | None) -> str:
        return self.texts.t({"DMY": "order_dmy", "MDY": "order_mdy"}.get(order or "", "order_ask"))

    def _settings(self, user: User, args: str, now: datetime) -> Reply:
        offsets, remind_time = self._options(user)
        order: str | None = user.date_order
        tokens = args.split()
        if not tokens:
            return views.info(
                self.texts,
                self.texts.t(
                    "settings_show",
                    offsets=", ".join(map(str, offsets)),
                    time=self.texts.format_time(remind_time),
                    order=self._order_name(order),
                ),
                self.texts.t("settings_usage"),
            )
        for token in tokens:
            clock = _TIME_RE.fullmatch(token)
            if _OFFSETS_RE.fullmatch(token):
                values = sorted({int(v) for v in token.split(",")}, reverse=True)
                if len(values) > MAX_OFFSETS or values[0] > MAX_OFFSET_DAYS:
                    return views.error(self.texts, self.texts.t("settings_bad", text=token), self.texts.t("settings_usage"))
                offsets = tuple(values)
            elif clock and int(clock[1]) < 24 and int(clock[2]) < 60:
                remind_time = time(int(clock[1]), int(clock[2]))
            elif token.upper() in ("DMY", "MDY", "ASK"):
                order = None if token.upper() == "ASK" else token.upper()
            else:
                return views.error(self.texts, self.texts.t("settings_bad", text=token[:40]), self.texts.t("settings_usage"))
        with self.db.transaction():
            self.db.set_remind_options(user.user_id, offsets, remind_time, now)
            self.db.set_date_order(user.user_id, order, now)
        return views.info(
            self.texts,
            self.texts.t(
                "settings_saved",
                offsets=", ".join(map(str, offsets)),
                time=self.texts.format_time(remind_time),
                order=self._order_name(order),
            ),
        )

    def set_timezone(self, user_id: int, chat_id: int, text: str, now: datetime) -> list[Reply]:
        """/timezone <name or city>: set it and move pending reminders; unknown names get suggestions."""
        user = self._user(user_id, chat_id, now)
        text = clean_text(text)
        if not text:
            name, is_default = self._tz(user)
            local = self.texts.format_time(now.astimezone(ZoneInfo(name)).time())
            key = "tz_current_default" if is_default else "tz_current"
            return [views.info(self.texts, self.texts.t(key, tz=name, local_time=local), self.texts.t("tz_usage"))]
        match = find_timezone(text)
        if match.name is None:
            lines = [self.texts.t("tz_unknown", text=text[:60])]
            rows = [(views.button(n, f"r:tz:{n}"),) for n in match.suggestions if views.fits(f"r:tz:{n}")]
            lines.append(self.texts.t("tz_suggest") if rows else self.texts.t("tz_usage"))
            return [views.error(self.texts, *lines, buttons=rows)]
        with self.db.transaction():
            self.db.set_timezone(user_id, match.name, now)
            moved = self.store.retimezone_user(user_id, match.name, now)
        lines = [
            self.texts.t(
                "tz_set", tz=match.name, local_time=self.texts.format_time(now.astimezone(ZoneInfo(match.name)).time())
            )
        ]
        if moved:
            lines.append(self.texts.t("tz_rescheduled", count=moved))
        return [views.info(self.texts, *lines)]
