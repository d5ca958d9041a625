"""A user's reminder preferences: ``/remind settings`` (offsets, time of day, date order) and ``/timezone``.

Changing the timezone moves the user's active reminders with it (their pending deliveries are
recomputed so 09:00 stays 09:00 local); changing offsets or time of day applies to new reminders.
The limits on offsets are the configuration's (``bot/config.py``), stated once.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.config import MAX_OFFSET_DAYS, MAX_REMINDER_OFFSETS
from bot.models import Incoming, Reply
from bot.reminders import views
from bot.reminders.context import ReminderContext
from bot.reminders.timezones import find_timezone, is_timezone
from bot.reminders.vocabulary import fold
from bot.storage import User
from bot.text import one_line

_OFFSETS_RE = re.compile(r"\d{1,2}(?:,\d{1,2})*")
_TIME_RE = re.compile(r"(\d{1,2})[:.h](\d{2})")


class Preferences:
    """/remind settings and /timezone."""

    def __init__(self, ctx: ReminderContext) -> None:
        """Work over the shared reminder context."""
        self.ctx = ctx

    def _order_name(self, order: str | None) -> str:
        return self.ctx.texts.t({"DMY": "order_dmy", "MDY": "order_mdy"}.get(order or "", "order_ask"))

    def settings(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/remind settings [offsets] [HH:MM] [DMY|MDY|ASK]: show or change the defaults for new reminders."""
        ctx = self.ctx
        texts = ctx.texts
        user = ctx.user(message, now)
        offsets, remind_time = ctx.options(user)
        order: str | None = user.date_order
        tokens = args.split()
        if not tokens:
            shown = texts.t(
                "settings_show",
                offsets=", ".join(map(str, offsets)),
                time=texts.format_time(remind_time),
                order=self._order_name(order),
            )
            return [views.info(texts, shown, texts.t("settings_usage"))]
        for token in tokens:
            clock = _TIME_RE.fullmatch(token)
            if _OFFSETS_RE.fullmatch(token):
                values = sorted({int(v) for v in token.split(",")}, reverse=True)
                if len(values) > MAX_REMINDER_OFFSETS or values[0] > MAX_OFFSET_DAYS:
                    return [views.error(texts, texts.t("settings_bad", text=token), texts.t("settings_usage"))]
                offsets = tuple(values)
            elif clock and int(clock[1]) < 24 and int(clock[2]) < 60:
                remind_time = time(int(clock[1]), int(clock[2]))
            elif token.upper() in ("DMY", "MDY", "ASK"):
                order = None if token.upper() == "ASK" else token.upper()
            else:
                return [views.error(texts, texts.t("settings_bad", text=token[:40]), texts.t("settings_usage"))]
        with ctx.db.transaction():
            ctx.users.set_remind_options(user.user_id, offsets, remind_time, now)
            ctx.users.set_date_order(user.user_id, order, now)
        saved = texts.t(
            "settings_saved",
            offsets=", ".join(map(str, offsets)),
            time=texts.format_time(remind_time),
            order=self._order_name(order),
        )
        return [views.info(texts, saved)]

    def timezone(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/timezone <name or city>: set it and move pending reminders; unknown names get suggestions."""
        ctx = self.ctx
        texts = ctx.texts
        user = ctx.user(message, now)
        text = one_line(args)
        if not text:
            name, is_default = ctx.timezone(user)
            local = texts.format_time(now.astimezone(ZoneInfo(name)).time())
            key = "tz_current_default" if is_default else "tz_current"
            return [views.info(texts, texts.t(key, tz=name, local_time=local), texts.t("tz_usage"))]
        dates = ctx.content().grammar.v
        match = find_timezone(text, dates.zone_abbreviations, dates.place_aliases, now)
        if match.name is None:
            if match.confirm:
                return [views.timezone_confirm(texts, text, match.suggestions, now)]
            return [views.timezone_suggestions(texts, text, match.suggestions)]
        read_as = None
        if match.place and fold(match.place.partition(",")[0]) != fold(text) and match.place != match.name:
            read_as = texts.t("tz_read_as", text=text[:60], place=match.place)  # a guess shows, to be corrected
        return self._set(user, match.name, now, read_as)

    def choose_timezone(self, message: Incoming, name: str, now: datetime) -> list[Reply]:
        """A suggested timezone button was pressed (only exact IANA names are accepted)."""
        if not is_timezone(name):
            return [self.ctx.expired()]
        return self._set(self.ctx.user(message, now), name, now)

    def _set(self, user: User, name: str, now: datetime, read_as: str | None = None) -> list[Reply]:
        ctx = self.ctx
        texts = ctx.texts
        with ctx.db.transaction():
            ctx.users.set_timezone(user.user_id, name, now)
            moved = ctx.reminders.retimezone_user(user.user_id, name, now)
            moved += sum(hook(user.user_id, name, now) for hook in ctx.timezone_hooks)
        lines = [texts.t("tz_set", tz=name, local_time=texts.format_time(now.astimezone(ZoneInfo(name)).time()))]
        if moved:
            lines.append(texts.t("tz_rescheduled", count=moved))
        return [views.info(texts, *([read_as] if read_as else []), *lines)]
