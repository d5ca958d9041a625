"""Every user-facing text of the patient's record, loaded from ``knowledge/record.yaml`` and checked at start-up.

This module owns the *schema* of that file: which message keys exist and which ``{placeholders}`` each may
use (a missing or unknown key, or an unknown placeholder, is a :class:`KnowledgeError` naming the file and
the key, raised when the bot starts rather than when a patient reaches that reply), and the typed lists
(weekday and month names for charts and dates). No health statement lives here: what the bot says about a
T-score is the articles' quote in ``knowledge/dexa.yaml``; the missed-dose reply is in ``safety.yaml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any

from bot.errors import KnowledgeError
from bot.yamlfile import checked_template, read_knowledge_yaml

_SCHEMA = """
date_format: weekday day month year
short_date: day month year
btn_stop: -
medicine_default: -
medicine_button: medicine
tablet_offer: -
btn_tablet_offer: -
tablet_ask_medicine: -
tablet_ask_time: medicine
tablet_bad_time: text
tablet_medicine_long: max
tablet_set_title: -
tablet_line: medicine time tz
tablet_next: date time
tablet_no_next: -
tablet_tz_default: tz
tablet_commands: -
tablet_status_title: -
tablet_paused: date
tablet_stopped_status: -
tablet_none: -
tablet_time_usage: -
tablet_time_changed: medicine time
tablet_pause_ask: -
tablet_pause_bad: max
tablet_paused_done: date time
tablet_resumed: -
tablet_not_paused: -
tablet_stopped: medicine
btn_days: days
btn_day: -
btn_taken: -
btn_snooze: -
btn_skip: -
notice_title: -
notice_line: medicine time
notice_snoozed: medicine
notice_late: -
dose_recorded: medicine date status
dose_notice: status
dose_too_old: days
snoozed: time
snooze_too_late: -
status_taken: -
status_skipped: -
status_missed: -
status_none: -
tablets_title: -
tablets_window: days percent taken recorded skipped missed
tablets_window_none: days
tablets_today: status
tablets_how: -
tablets_empty: -
tablets_caption: days
tablets_alt_intro: -
tablets_alt_line: week marks
tablets_alt_legend: -
mark_taken: -
mark_skipped: -
mark_missed: -
mark_none: -
chart_calendar_title: days
chart_dexa_title: -
chart_t_axis: -
chart_line: value term
dexa_usage: -
dexa_list_title: count
dexa_list_item: id date site t extra
dexa_extra_z: z
dexa_extra_bmd: bmd
dexa_list_empty: -
dexa_chart_caption: -
dexa_alt_intro: -
dexa_ask_date: -
dexa_ask_site: -
dexa_ask_t: site
dexa_ask_z: -
dexa_ask_bmd: -
dexa_bad_number: text
dexa_range: field value low high
field_t_score: -
field_z_score: -
field_bmd: -
dexa_bad_site: -
dexa_missing: -
dexa_future: date
dexa_ambiguous: text
dexa_saved_title: -
dexa_readback: date site t
dexa_readback_z: z
dexa_readback_bmd: bmd
dexa_replaced: -
dexa_category: t term
dexa_no_category: t highest
dexa_source: title heading
dexa_interval: -
dexa_interval_source: article
dexa_next_offer: date months
dexa_interval_passed: date months
dexa_reminder_exists: date
dexa_deleted: date site
dexa_not_found: -
dexa_too_many: max
btn_add_result: -
btn_delete_result: id
btn_undo: -
btn_remind_scan: date
btn_skip_field: -
note_saved: text
note_usage: -
note_too_long: max
note_too_many: max
notes_title: count
notes_item: id date text
notes_empty: -
note_deleted: id
btn_delete_note: id
btn_save_question: -
question_expired: -
summary_title: -
summary_made: date
summary_tablets: -
summary_tablets_line: percent taken recorded skipped missed
summary_tablets_none: -
summary_tablet_reminder: medicine time
summary_dexa: -
summary_dexa_line: date site t extra category
summary_dexa_term: term
summary_none: -
summary_upcoming: -
summary_upcoming_line: label date
summary_notes: -
summary_notes_line: number text
summary_more: count
summary_reply: date
summary_caption: -
summary_pdf_caption: -
export_caption: -
export_readme: date
export_empty: -
"""
MESSAGES: dict[str, frozenset[str]] = {
    key.strip(): frozenset(() if fields.strip() == "-" else fields.split())
    for key, fields in (line.split(":", 1) for line in _SCHEMA.strip().splitlines())
}
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "knowledge" / "record.yaml"


@dataclass(frozen=True)
class RecordTexts:
    """The loaded texts: ``t(key, **values)`` formats a message; names of weekdays and months for dates."""

    messages: Mapping[str, str]
    weekdays: tuple[str, ...]  # Monday first
    months: tuple[str, ...]  # January first
    csv_headers: Mapping[str, tuple[str, ...]]  # file name -> column names of /export
    tablet_words: frozenset[str] = frozenset()  # "tablet", "pill", "anastrozole": a request about the daily tablet
    source: str = "record.yaml"

    def t(self, key: str, **values: object) -> str:
        """Format message ``key``; an unknown key is a programming error (KeyError)."""
        return self.messages[key].format(**values)

    def format_date(self, day: date) -> str:
        """Return e.g. "Sunday 22 November 2026"."""
        return self.t("date_format", weekday=self.weekdays[day.weekday()], day=day.day,
                      month=self.months[day.month - 1], year=day.year)

    def short_date(self, day: date) -> str:
        """Return e.g. "22 Nov 2026"."""
        return self.t("short_date", day=day.day, month=self.months[day.month - 1][:3], year=day.year)

    @staticmethod
    def format_time(moment: time) -> str:
        """Return a 24-hour "HH:MM"."""
        return moment.strftime("%H:%M")

    @staticmethod
    def number(value: float, places: int = 1) -> str:
        """Return a score or BMD as written on a scan report: "-1.8", "0.4", "0.912" (never "-0.0")."""
        text = f"{value:.{places}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text


def _names(data: Mapping[str, Any], key: str, file: str, count: int) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list) or len(value) != count or not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeError(file, key, f"must be a list of {count} non-empty names")
    return tuple(value)


def _words(data: Mapping[str, Any], key: str, file: str) -> list[str]:
    value = data.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeError(file, key, "must be a non-empty list of words")
    return value


def load_record_texts(path: Path = DEFAULT_PATH) -> RecordTexts:
    """Load and validate the record texts; raise KnowledgeError naming the file and key."""
    file = path.name
    data = read_knowledge_yaml(path)
    if not isinstance(data, Mapping) or not isinstance(data.get("messages"), Mapping):
        raise KnowledgeError(file, "messages", "must be a mapping of key to text")
    messages = data["messages"]
    missing = [key for key in MESSAGES if key not in messages]
    if missing:
        raise KnowledgeError(file, f"messages.{missing[0]}", "missing")
    extra = sorted(set(messages) - set(MESSAGES))
    if extra:
        raise KnowledgeError(file, f"messages.{extra[0]}", "unknown key (typo?)")
    headers = data.get("csv_headers")
    if not isinstance(headers, Mapping) or not headers:
        raise KnowledgeError(file, "csv_headers", "must map each exported file to its column names")
    columns = {}
    for name, row in headers.items():
        if not isinstance(row, list) or not row or not all(isinstance(c, str) and c.strip() for c in row):
            raise KnowledgeError(file, f"csv_headers.{name}", "must be a list of column names")
        columns[str(name)] = tuple(row)
    return RecordTexts(
        messages={key: checked_template(file, f"messages.{key}", messages[key], MESSAGES[key]) for key in MESSAGES},
        weekdays=_names(data, "weekdays", file, 7),
        months=_names(data, "months", file, 12),
        csv_headers=columns,
        tablet_words=frozenset(w.lower() for w in _words(data, "tablet_words", file)),
        source=file,
    )
