"""Every user-facing reminder string, loaded from ``knowledge/reminders.yaml`` and validated at start-up.

This module owns the *schema* of that file (which keys exist, which ``{placeholders}`` each may use)
and date/time formatting with the YAML's weekday and month names, so output never depends on the
process locale.  A missing key, an unknown key or an unknown placeholder is a :class:`KnowledgeError`
naming the file and the key, raised when the bot starts rather than when a patient hits that path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any

from bot.errors import KnowledgeError
from bot.reminders.model import KINDS
from bot.reminders.schedule import SAME_DAY_LEAD
from bot.yamlfile import checked_template, read_knowledge_yaml

# key -> the placeholders the text may use.
MESSAGES: dict[str, frozenset[str]] = {
    key: frozenset(fields.split())
    for key, fields in {
        "date_format": "weekday day month year",
        "created_title": "id",
        "event_line": "label date",
        "event_line_time": "label date time",
        "recurs": "months",
        "tz_line": "tz",
        "tz_line_default": "tz",
        "fires_intro": "",
        "fire_item": "date time when",
        "when_days_before": "days",
        "when_day_before": "",
        "when_on_day": "",
        "when_hours_before": "hours",
        "no_fires": "",
        "btn_undo": "",
        "btn_undo_all": "",
        "btn_calendar": "",
        "btn_stop": "",
        "btn_list": "",
        "err_empty": "",
        "err_unparseable": "text",
        "err_no_day": "text",
        "err_impossible": "text",
        "err_bad_time": "text",
        "err_past": "date",
        "err_too_far": "date years",
        "err_too_old": "date years",
        "examples_intro": "examples",
        "err_label_empty": "",
        "err_label_long": "max",
        "err_too_many": "max",
        "err_generic": "",
        "ambiguous": "text",
        "ambiguous_one": "text",
        "date_at_time": "date time",
        "offer_question": "",
        "offer_declined": "",
        "btn_offer_yes": "",
        "btn_offer_no": "",
        "flow_paused": "label",
        "flow_paused_new": "",
        "btn_continue": "",
        "not_found": "",
        "expired": "",
        "cancelled": "label date",
        "cancelled_notice": "",
        "list_title": "count",
        "list_empty": "",
        "list_item": "id label date next",
        "list_item_recurring": "id label date next months",
        "list_next": "date time",
        "list_no_next": "",
        "list_more": "count",
        "btn_cancel_n": "id",
        "btn_calendar_n": "id",
        "flow_ask_kind": "",
        "flow_ask_label": "max",
        "flow_ask_date": "label",
        "flow_stopped": "",
        "edit_replaced": "labels",
        "edit_kept": "labels",
        "settings_show": "offsets time order",
        "settings_saved": "offsets time order",
        "settings_usage": "",
        "settings_bad": "text",
        "order_dmy": "",
        "order_mdy": "",
        "order_ask": "",
        "order_learned": "order",
        "tz_current": "tz local_time",
        "tz_current_default": "tz local_time",
        "tz_usage": "",
        "tz_set": "tz local_time",
        "tz_rescheduled": "count",
        "tz_unknown": "text",
        "tz_suggest": "",
        "tz_confirm": "text",
        "tz_choice": "tz local_time",
        "tz_read_as": "text place",
        "ics_caption": "label",
        "cmd_id_usage": "command",
        "ics_alarm": "label when",
        "notice_title": "",
        "notice_line": "label date relative",
        "notice_line_time": "label date time relative",
        "rel_today": "",
        "rel_tomorrow": "",
        "rel_days": "days",
        "notice_late": "",
        "btn_stop_reminder": "",
        "plan_title": "",
        "plan_intro": "",
        "plan_variant": "title",
        "plan_item_every": "title months",
        "plan_item_once": "title",
        "plan_source": "article",
        "plan_ask_date": "",
        "plan_ask_variant": "",
        "plan_created_title": "",
        "plan_created_once": "label date",
        "plan_created_baseline": "label date months",
        "plan_item_initial": "title first initial months",
        "plan_created_item": "label date months",
        "plan_replaced": "count",
        "plan_unavailable": "",
        "plan_nothing": "",
        "plan_footer": "",
    }.items()
}


@dataclass(frozen=True)
class ReminderTexts:
    """The loaded texts: ``t(key, **values)`` formats a message; the rest are typed lists and maps."""

    messages: Mapping[str, str]
    weekdays: tuple[str, ...]  # Monday first, as date.weekday()
    months: tuple[str, ...]  # January first
    kind_labels: Mapping[str, str]  # default label per kind
    kind_buttons: Mapping[str, str]  # guided-flow button per kind
    kind_keywords: Mapping[str, tuple[str, ...]]  # label words that imply a kind
    examples: tuple[str, ...]  # accepted date forms, shown when a date can't be read
    source: str = "knowledge/reminders.yaml"

    def t(self, key: str, **values: object) -> str:
        """Format message ``key``; an unknown key is a programming error (KeyError)."""
        return self.messages[key].format(**values)

    def format_date(self, day: date) -> str:
        """Return e.g. "Sunday 14 March 2027" using the YAML's names and ``date_format``."""
        return self.t(
            "date_format",
            weekday=self.weekdays[day.weekday()],
            day=day.day,
            month=self.months[day.month - 1],
            year=day.year,
        )

    def when(self, offset_days: int, *, lead: bool) -> str:
        """Describe a reminder relative to its event: "7 days before", "the day before", "on the day", or
        "2 hours before" when the on-the-day reminder uses the same-day lead (``schedule.uses_same_day_lead``)."""
        if offset_days == 0:
            if lead:
                return self.t("when_hours_before", hours=int(SAME_DAY_LEAD.total_seconds() // 3600))
            return self.t("when_on_day")
        if offset_days == 1:
            return self.t("when_day_before")
        return self.t("when_days_before", days=offset_days)

    @staticmethod
    def format_time(moment: time) -> str:
        """Return a 24-hour "HH:MM"."""
        return moment.strftime("%H:%M")

    def example_list(self) -> str:
        """Return the accepted date forms as one line."""
        return " · ".join(self.examples)


def _strings(data: Mapping[str, Any], key: str, file: str, count: int | None = None) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeError(file, key, "must be a non-empty list of non-empty strings")
    if count is not None and len(value) != count:
        raise KnowledgeError(file, key, f"must have exactly {count} entries, found {len(value)}")
    return tuple(value)


def _kind_map(data: Mapping[str, Any], key: str, file: str) -> dict[str, str]:
    value = data.get(key)
    if not isinstance(value, dict) or set(value) != set(KINDS):
        raise KnowledgeError(file, key, f"must map exactly {', '.join(KINDS)} to texts")
    for kind, text in value.items():
        if not isinstance(text, str) or not text.strip():
            raise KnowledgeError(file, f"{key}.{kind}", "must be a non-empty string")
    return dict(value)


def load_reminder_texts(path: Path) -> ReminderTexts:
    """Load and validate the reminder texts; raise KnowledgeError naming the file and key."""
    file = path.name
    data = read_knowledge_yaml(path)
    if not isinstance(data, dict):
        raise KnowledgeError(file, "-", "top level must be a mapping")
    messages = data.get("messages")
    if not isinstance(messages, dict):
        raise KnowledgeError(file, "messages", "must be a mapping of key to text")
    for key in MESSAGES:
        if key not in messages:
            raise KnowledgeError(file, f"messages.{key}", "missing")
    extra = sorted(set(messages) - set(MESSAGES))
    if extra:
        raise KnowledgeError(file, f"messages.{extra[0]}", "unknown key (typo?)")
    checked = {key: checked_template(file, f"messages.{key}", messages[key], MESSAGES[key]) for key in MESSAGES}
    keywords_raw = data.get("kind_keywords")
    if not isinstance(keywords_raw, dict) or set(keywords_raw) != {"dexa", "blood"}:
        raise KnowledgeError(file, "kind_keywords", "must map dexa and blood to lists of words")
    keywords = {kind: _strings(keywords_raw, kind, file) for kind in ("dexa", "blood")}
    return ReminderTexts(
        messages=checked,
        weekdays=_strings(data, "weekdays", file, 7),
        months=_strings(data, "months", file, 12),
        kind_labels=_kind_map(data, "kind_labels", file),
        kind_buttons=_kind_map(data, "kind_buttons", file),
        kind_keywords=keywords,
        examples=_strings(data, "examples", file),
        source=file,
    )
