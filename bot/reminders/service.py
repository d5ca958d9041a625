"""The reminder commands as the core sees them: /remind (one-line and guided), /reminders, cancel, undo,
calendar files and every reminder button press; /plan, /remind settings and /timezone come from the
command groups it inherits (planning.py, settings.py).

This module owns the /remind conversation and the guided-flow state machine (persisted in ``flows``
so it survives restarts).  Every public method takes the user, the text or button data and an
injected ``now``, and returns ``list[Reply]``; invalid input, stale buttons and other users' ids get a
kind reply, never an exception.  Layout is in ``views.py``, SQL in ``store.py``, wording in the YAML.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.models import Attachment, Block, Reply, ReplyKind, Style
from bot.reminders import views
from bot.reminders.core import FLOW_TTL, ServiceBase
from bot.reminders.dates import (
    MAX_LABEL,
    DateProblem,
    ParsedWhen,
    clean_label,
    clean_text,
    infer_kind,
    split_date_label,
)
from bot.reminders.ics import calendar_file
from bot.reminders.planning import PlanCommands
from bot.reminders.settings import SettingsCommands
from bot.reminders.texts import KINDS
from bot.reminders.timezones import is_timezone
from bot.storage import User

log = logging.getLogger(__name__)

LIST_CAP = 10  # reminders shown by /reminders (each has a row of buttons)
MAX_UNDO_IDS = 10
MAX_ROW_ID = 2**63 - 1  # SQLite's INTEGER range: a larger id can name no row (and would overflow the driver)


def parse_reminder_id(text: str) -> int:
    """Return the reminder id in button data; ValueError unless it is all digits.

    A number beyond SQLite's INTEGER range names no row, so it becomes 0 (row ids start at 1) and reads
    like any other unknown id instead of overflowing the database driver.
    """
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"not a reminder id: {text[:24]!r}")
    number = int(text)
    return number if number <= MAX_ROW_ID else 0

__all__ = ["FLOW_TTL", "LIST_CAP", "ReminderService", "ServiceBase"]


class ReminderService(PlanCommands, SettingsCommands):
    """Reminder commands over a :class:`Database`; constructor in :class:`ServiceBase` (core.py).

    ``ReminderService(db, *, texts, default_timezone="UTC", default_offsets=(7, 1, 0),
    default_remind_time=time(9, 0), max_active=50, max_years_ahead=5, plan=None, flow_ttl=1 h)``
    """

    # -- /remind ----------------------------------------------------------------------------------

    def remind(self, user_id: int, chat_id: int, args: str, now: datetime) -> list[Reply]:
        """/remind: with a date (and label) create at once; alone, start the guided flow."""
        user = self._user(user_id, chat_id, now)
        text = clean_text(args)
        if not text:
            self._save_flow(user_id, {"step": "kind"}, now)
            return [self._ask_kind()]
        head, _, rest = text.partition(" ")
        if head.lower() == "settings":
            return [self._settings(user, rest, now)]
        self.db.clear_flow(user_id)  # a one-line /remind replaces an unfinished guided one
        result, label_text = split_date_label(
            text,
            now=now,
            tz=ZoneInfo(self._tz(user)[0]),
            date_order=user.date_order,
            max_years_ahead=self.max_years_ahead,
        )
        label = clean_label(label_text)
        if label is None:
            return [views.error(self.texts, self.texts.t("err_label_long", max=MAX_LABEL))]
        kind = infer_kind(label, dict(self.texts.kind_keywords))
        return self._with_date(user, result, label=label or self.texts.kind_labels[kind], kind=kind, now=now)

    def _ask_kind(self) -> Reply:
        row = [views.button(self.texts.kind_buttons[kind], f"r:kind:{kind}") for kind in KINDS]
        return views.info(
            self.texts, self.texts.t("flow_ask_kind"), buttons=(row, (views.button(self.texts.t("btn_stop"), "r:stop"),))
        )

    def _ask_date(self, label: str) -> Reply:
        return views.info(
            self.texts,
            self.texts.t("flow_ask_date", label=label),
            self.texts.t("examples_intro", examples=self.texts.example_list()),
            buttons=((views.button(self.texts.t("btn_stop"), "r:stop"),),),
        )

    def _choose_kind(self, user: User, kind: str, now: datetime) -> list[Reply]:
        if kind == "other":
            self._save_flow(user.user_id, {"step": "label", "kind": kind}, now)
            return [views.info(self.texts, self.texts.t("flow_ask_label", max=MAX_LABEL))]
        label = self.texts.kind_labels[kind]
        self._save_flow(user.user_id, {"step": "date", "kind": kind, "label": label}, now)
        return [self._ask_date(label)]

    def _with_date(
        self, user: User, result: ParsedWhen | DateProblem, *, label: str, kind: str, now: datetime
    ) -> list[Reply]:
        if isinstance(result, DateProblem):
            if result.kind == "ambiguous":
                self._save_flow(
                    user.user_id,
                    {
                        "step": "pick_date",
                        "kind": kind,
                        "label": label,
                        "time": result.time.strftime("%H:%M") if result.time else None,
                        "candidates": [[d.isoformat(), o] for d, o in zip(result.candidates, result.orders, strict=True)],
                    },
                    now,
                )
                return [views.ambiguous_reply(self.texts, result)]
            return [self._problem(result)]
        return self._create(user, result.date, result.time, label=label, kind=kind, now=now)

    def _create(self, user: User, day: date, at: time | None, *, label: str, kind: str, now: datetime) -> list[Reply]:
        if self.store.count_active(user.user_id) >= self.max_active:
            return [views.error(self.texts, self.texts.t("err_too_many", max=self.max_active))]
        tz_name, tz_default = self._tz(user)
        offsets, remind_time = self._options(user)
        reminder, deliveries = self.store.create(
            user_id=user.user_id,
            chat_id=user.chat_id,
            kind=kind,
            label=label,
            event_date=day,
            event_time=at,
            timezone=tz_name,
            offsets=offsets,
            remind_time=remind_time,
            now=now,
        )
        self.db.clear_flow(user.user_id)
        return [views.confirmation(self.texts, reminder, deliveries, tz_default=tz_default)]

    def continue_flow(self, user_id: int, chat_id: int, text: str, now: datetime) -> list[Reply] | None:
        """Feed a plain message to the user's guided flow; None if there is none (treat it as a question)."""
        state = self._load_flow(user_id, now)
        if state is None:
            return None
        text = clean_text(text)
        if not text:
            return None
        if text.endswith("?"):  # a question, not an answer: let the caller answer it
            self.db.clear_flow(user_id)
            return None
        user = self._user(user_id, chat_id, now)
        step = state.get("step")
        if step == "kind":
            for kind in KINDS:
                if text.lower() in {kind, self.texts.kind_buttons[kind].lower()}:
                    return self._choose_kind(user, kind, now)
            step, state = "label", {"kind": None}  # they typed a name instead of pressing a button
        if step == "label":
            label = clean_label(text)
            if label is None:
                return [views.error(self.texts, self.texts.t("err_label_long", max=MAX_LABEL))]
            if not label:
                return [views.error(self.texts, self.texts.t("err_label_empty"))]
            kind = state.get("kind") or infer_kind(label, dict(self.texts.kind_keywords))
            self._save_flow(user_id, {"step": "date", "kind": kind, "label": label}, now)
            return [self._ask_date(label)]
        if step in ("date", "pick_date"):
            return self._with_date(
                user, self._parse(user, text, now), label=str(state["label"]), kind=str(state["kind"]), now=now
            )
        if step in ("plan_variant", "plan_date", "plan_pick_date"):
            return self._plan_text(user, state, text, now)
        self.db.clear_flow(user_id)
        return None

    # -- /reminders, cancel, undo, calendar ----------------------------------------------------------

    def list_reminders(self, user_id: int, now: datetime) -> list[Reply]:
        """/reminders: each active reminder with its next firing time and cancel / calendar buttons."""
        reminders = self.store.active(user_id)
        if not reminders:
            return [views.info(self.texts, self.texts.t("list_empty"))]
        shown = reminders[:LIST_CAP]
        next_times = self.store.next_fire_times([r.id for r in shown])
        blocks = [Block(self.texts.t("list_title", count=len(reminders)), Style.TITLE)]
        rows = []
        for reminder in shown:
            fire = next_times.get(reminder.id)
            if fire is None:
                nxt = self.texts.t("list_no_next")
            else:
                local = fire.astimezone(reminder.tz)
                nxt = self.texts.t(
                    "list_next", date=self.texts.format_date(local.date()), time=self.texts.format_time(local.time())
                )
            day = self.texts.format_date(reminder.event_date)
            if reminder.event_time:
                day = f"{day} {self.texts.format_time(reminder.event_time)}"
            key = "list_item_recurring" if reminder.recurrence_months else "list_item"
            blocks.append(
                Block(
                    self.texts.t(
                        key, id=reminder.id, label=reminder.label, date=day, next=nxt, months=reminder.recurrence_months
                    ),
                    Style.ITEM,
                )
            )
            rows.append(
                (
                    views.button(self.texts.t("btn_cancel_n", id=reminder.id), f"r:cancel:{reminder.id}"),
                    views.button(self.texts.t("btn_calendar_n", id=reminder.id), f"r:ics:{reminder.id}"),
                )
            )
        if len(reminders) > LIST_CAP:
            blocks.append(Block(self.texts.t("list_more", count=len(reminders) - LIST_CAP)))
        return [Reply(ReplyKind.REMINDER, tuple(blocks), tuple(rows))]

    def cancel(self, user_id: int, reminder_id: int, now: datetime) -> list[Reply]:
        """Cancel one of the user's reminders; anyone else's id reads exactly like an unknown one."""
        return self._cancel_many(user_id, [reminder_id], now)

    def undo(self, user_id: int, reminder_id: int, now: datetime) -> list[Reply]:
        """Undo a reminder just created (same as cancel)."""
        return self._cancel_many(user_id, [reminder_id], now)

    def _cancel_many(self, user_id: int, reminder_ids: Sequence[int], now: datetime) -> list[Reply]:
        lines = []
        for reminder_id in reminder_ids:
            reminder = self.store.get_owned(user_id, reminder_id)
            if reminder is not None and self.store.cancel(reminder.id, now):
                lines.append(
                    self.texts.t("cancelled", label=reminder.label, date=self.texts.format_date(reminder.event_date))
                )
        if not lines:
            return [views.error(self.texts, self.texts.t("not_found"))]
        return [views.info(self.texts, *lines, notice=self.texts.t("cancelled_notice"))]

    def calendar(self, user_id: int, reminder_id: int, now: datetime) -> list[Reply]:
        """Send the reminder as an .ics file (owner only)."""
        reminder = self.store.get_owned(user_id, reminder_id)
        if reminder is None or reminder.status == "cancelled":
            return [views.error(self.texts, self.texts.t("not_found"))]
        content = calendar_file(reminder, self.texts, now)
        attachment = Attachment(f"reminder-{reminder.id}.ics", content, "text/calendar")
        return [
            Reply(ReplyKind.REMINDER, (Block(self.texts.t("ics_caption", label=reminder.label)),), attachment=attachment)
        ]

    # -- buttons ----------------------------------------------------------------------------------

    def handle_button(self, user_id: int, chat_id: int, data: str, now: datetime) -> list[Reply]:
        """Act on "r:..." button data; malformed, stale or foreign data gets a kind reply, never an error."""
        try:
            return self._dispatch(user_id, chat_id, data, now)
        except (ValueError, LookupError, TypeError):
            return [self._expired()]
        except Exception:  # never let a button press crash the handler; the log keeps the bug visible
            log.exception("reminder button failed: %s", data[:16])
            return [views.error(self.texts, self.texts.t("err_generic"))]

    def _dispatch(self, user_id: int, chat_id: int, data: str, now: datetime) -> list[Reply]:
        prefix, action, arg = ([*data.split(":", 2), "", ""])[:3]
        if prefix != "r" or len(data.encode("utf-8")) > views.MAX_BUTTON_DATA:
            return [self._expired()]
        if action in ("cancel", "undo"):
            ids = [parse_reminder_id(part) for part in arg.split(",")[:MAX_UNDO_IDS]]
            return self._cancel_many(user_id, ids, now)
        if action == "ics":
            return self.calendar(user_id, parse_reminder_id(arg), now)
        if action == "list":
            return self.list_reminders(user_id, now)
        if action == "stop":
            self.db.clear_flow(user_id)
            return [views.info(self.texts, self.texts.t("flow_stopped"))]
        if action == "tz":
            return self.set_timezone(user_id, chat_id, arg, now) if is_timezone(arg) else [self._expired()]
        if action == "kind" and arg in KINDS:
            return self._choose_kind(self._user(user_id, chat_id, now), arg, now)
        if action == "plan":
            return self._plan_button(self._user(user_id, chat_id, now), arg, now)
        if action == "date":
            return self._pick_date(self._user(user_id, chat_id, now), date.fromisoformat(arg), now)
        return [self._expired()]

    def _pick_date(self, user: User, day: date, now: datetime) -> list[Reply]:
        """The user chose one reading of an ambiguous date; remember their day/month order."""
        state = self._load_flow(user.user_id, now)
        if state is None or state.get("step") not in ("pick_date", "plan_pick_date"):
            return [self._expired()]
        orders = {iso: order for iso, order in state.get("candidates", [])}
        if day.isoformat() not in orders:
            return [self._expired()]
        learned: list[Reply] = []
        if user.date_order is None and orders[day.isoformat()] in ("DMY", "MDY"):
            self.db.set_date_order(user.user_id, orders[day.isoformat()], now)
            learned.append(
                views.info(self.texts, self.texts.t("order_learned", order=self._order_name(orders[day.isoformat()])))
            )
        if state["step"] == "plan_pick_date":
            return self._plan_reference(user, state.get("variant"), day, now) + learned
        if day < now.astimezone(ZoneInfo(self._tz(user)[0])).date():  # the question was asked days ago
            return [self._problem(DateProblem("past", day.isoformat(), date=day))]
        at = time.fromisoformat(state["time"]) if state.get("time") else None
        return self._create(user, day, at, label=str(state["label"]), kind=str(state["kind"]), now=now) + learned
