"""Scoring reminder understanding on an evaluation file: dates and labels, reminder requests, timezones.

Each item is played through the real :class:`~bot.assistant.Assistant` with a database (a fresh user per
item, in Europe/London, with the item's day/month order), and the outcome is read back from what the
bot did: the reminder it stored, the readings it offered, the reminder it proposed, the timezone it set
or suggested. The file format is described in ``tests/data/eval/README.md`` (dates sets).

The headline figure is **misread**: the bot stored (or, for a plain message, proposed) a date or time
other than the one the person meant, or stored one for a message that had none to give. A reminder for
the wrong day is worse than none, so that count must be 0; asking when it could have known is only slow.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot import buttons
from bot.app import Runtime
from bot.models import Incoming, Reply
from bot.reminders.flows import Step

USER_ZONE = "Europe/London"
FIRST_USER = 900_000_000


@dataclass(frozen=True)
class Outcome:
    """What the bot did with one item."""

    action: str  # created | asked | offered | refused | timezone_set | timezone_asked
    day: date | None = None
    at: time | None = None
    label: str = ""
    options: tuple[date, ...] = ()
    zones: tuple[str, ...] = ()


@dataclass
class DateScore:
    """Counts per expectation and the items that went wrong, with what happened."""

    counts: Counter[str] = field(default_factory=Counter)
    groups: set[str] = field(default_factory=set)  # the count keys that are categories (per command, expect)
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (id, verdict, detail)

    def rate(self, good: str, total: str) -> float:
        """Return ``counts[good] / counts[total]`` (0.0 for an empty category)."""
        return self.counts[good] / self.counts[total] if self.counts[total] else 0.0


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def label_ok(expected: str, got: str) -> bool:
    """A label is right when it holds the expected words and no more than two extra (e.g. "on", "my")."""
    want, have = _words(expected), _words(got)
    if not want:
        return True
    missing = Counter(want) - Counter(have)
    extra = Counter(have) - Counter(want)
    return not missing and sum(extra.values()) <= 2


def _time(value: Any) -> time | None:
    return time.fromisoformat(str(value)) if value not in (None, "") else None


def _outcome(runtime: Runtime, user_id: int, replies: Sequence[Reply], command: str, now: datetime) -> Outcome:
    reminders = runtime.reminders
    assert reminders is not None
    # Any reminder stored counts, also one already "done" because it was too soon to send a notice for.
    made = reminders.ctx.db.query(
        "SELECT id FROM reminders WHERE user_id = ? AND status != 'cancelled' ORDER BY id", (user_id,))
    if made:
        first = reminders.ctx.reminders.get(int(made[0]["id"]))
        assert first is not None
        return Outcome("created", first.event_date, first.event_time, first.label)
    data = [buttons.unpack(b.data) for reply in replies for row in reply.buttons for b in row if b.data]
    picks = tuple(d.day for d in data if isinstance(d, buttons.PickDate))
    if picks:
        return Outcome("asked", options=picks)
    state = reminders.ctx.flows.load(user_id, now)
    if state is not None and state.step is Step.OFFER and state.candidates:
        return Outcome("offered", state.candidates[0][0], state.time, state.label or "")
    zones = tuple(d.name for d in data if isinstance(d, buttons.TimezoneChoice))
    user = reminders.ctx.users.get(user_id)
    if command == "timezone" and user is not None and user.timezone and user.timezone != "Etc/UTC":
        return Outcome("timezone_set", zones=(user.timezone,))
    if zones:
        return Outcome("timezone_asked", zones=zones)
    return Outcome("refused")


def play(runtime: Runtime, item: Mapping[str, Any], user_id: int) -> Outcome:
    """Play one item as a new user: accept the disclaimer, set zone and date order, send the text."""
    users = runtime.assistant.deps.services.users
    assert users is not None
    tz = ZoneInfo(USER_ZONE)
    now = datetime.fromisoformat(str(item["now"])).replace(tzinfo=tz) if item.get("now") else datetime.now(tz)
    users.upsert(user_id, user_id, now)
    users.accept_disclaimer(user_id, now)
    command = item.get("command", "remind")
    # For a timezone item start from UTC, so setting Europe/London is visible as a change.
    users.set_timezone(user_id, "Etc/UTC" if command == "timezone" else USER_ZONE, now)
    order = str(item.get("date_order") or "DMY").upper()
    users.set_date_order(user_id, order if order in ("DMY", "MDY") else None, now)
    text = str(item["text"])
    typed = {"remind": f"/remind {text}", "timezone": f"/timezone {text}"}.get(command, text)
    replies = runtime.assistant.handle(Incoming(user_id, user_id, typed), now)
    return _outcome(runtime, user_id, replies, str(command), now)


def judge(item: Mapping[str, Any], got: Outcome) -> tuple[str, str]:
    """Return (verdict, detail). Verdicts: right, asked (safe but slower), missed (nothing done although
    a date was there), misread (a wrong date or time stored or proposed), label (date right, label wrong),
    zone_wrong."""
    expect = item["expect"]
    if item.get("command") == "timezone":
        zones = set(item.get("zones") or ())
        if expect == "refuse":
            return ("right", "") if got.action != "timezone_set" else ("zone_wrong", got.zones[0])
        if got.action == "timezone_set":
            if got.zones[0] in zones:
                return ("right", "") if expect == "set" else ("asked", "set without asking")
            return "zone_wrong", got.zones[0]
        if got.action == "timezone_asked" and got.zones and got.zones[0] in zones:
            return ("right", "") if expect == "confirm" else ("asked", ",".join(got.zones))
        return "missed", got.action + " " + ",".join(got.zones)
    want_day = date.fromisoformat(str(item["date"])) if item.get("date") and expect != "refuse" else None
    want_time = _time(item.get("time"))
    if expect in ("refuse", "not_reminder"):
        if got.action in ("created", "offered"):
            return "misread", f"{got.action} {got.day} {got.at}"
        return "right", ""
    assert want_day is not None, item["id"]
    if got.action in ("created", "offered"):
        if got.day != want_day or got.at != want_time:
            return "misread", f"{got.action} {got.day} {got.at} (meant {want_day} {want_time})"
        if expect == "set" and not label_ok(str(item.get("label") or ""), got.label):
            return "label", f"label {got.label!r} (meant {item.get('label')!r})"
        return "right", ""
    if got.action == "asked":
        if want_day in got.options:
            return ("right", "") if expect == "confirm" else ("asked", f"options {got.options}")
        return "misread", f"asked {got.options} (meant {want_day})"
    return "missed", got.action


def score(runtime: Runtime, items: Sequence[Mapping[str, Any]]) -> DateScore:
    """Play and judge every item; each item gets a fresh user."""
    result = DateScore()
    for index, item in enumerate(items):
        verdict, detail = judge(item, play(runtime, item, FIRST_USER + index))
        group = f"{item.get('command', 'remind')}.{item['expect']}"
        result.counts["items"] += 1
        result.counts[group] += 1
        result.counts[f"{group}.{verdict}"] += 1
        result.counts[verdict] += 1
        result.groups.add(group)
        if verdict != "right":
            result.misses.append((str(item["id"]), verdict, f"{item['text']!r}: {detail}"))
    return result


# -- the guided flow: does a message typed at a step answer it, leave the flow, or ask something else? ---

_FLOW_SETUP = {"kind": None, "label": "other", "date": "dexa"}


def play_flow(runtime: Runtime, item: Mapping[str, Any], user_id: int) -> str:
    """Start /remind, go to the item's step, send its text; return answer | exit | question."""
    users = runtime.assistant.deps.services.users
    reminders = runtime.reminders
    assert users is not None and reminders is not None
    now = datetime(2026, 11, 30, 10, tzinfo=ZoneInfo(USER_ZONE))
    users.upsert(user_id, user_id, now)
    users.accept_disclaimer(user_id, now)
    users.set_timezone(user_id, USER_ZONE, now)
    users.set_audience(user_id, "women", now)
    message = Incoming(user_id, user_id, "/remind")
    runtime.assistant.handle(message, now)
    kind = _FLOW_SETUP[str(item["step"])]
    if kind is not None:
        runtime.assistant.handle_button(user_id, user_id, buttons.ReminderKindChoice(kind).pack(), now)
    before = reminders.ctx.flows.load(user_id, now)
    replies = runtime.assistant.handle(Incoming(user_id, user_id, str(item["text"])), now)
    after = reminders.ctx.flows.load(user_id, now)
    kinds = {reply.kind.value for reply in replies}
    if kinds & {"answer", "no_match", "medication", "urgent", "small_talk", "glossary"}:
        return "question"
    if reminders.ctx.reminders.active(user_id) or (after is not None and after != before):
        return "answer"
    # Still at the same step (e.g. "I couldn't read that as a date"): it was taken as an answer.
    return "exit" if after is None else "answer"


def score_flows(runtime: Runtime, items: Sequence[Mapping[str, Any]]) -> DateScore:
    """Play every flow item with a fresh user; count right per expectation and list the rest."""
    result = DateScore()
    for index, item in enumerate(items):
        got = play_flow(runtime, item, FIRST_USER + 50_000 + index)
        group = f"flow.{item['step']}.{item['expect']}"
        verdict = "right" if got == item["expect"] else got
        result.counts["items"] += 1
        result.counts[group] += 1
        result.counts[f"{group}.{verdict}"] += 1
        result.counts[f"flow.{item['expect']}"] += 1
        result.counts[f"flow.{item['expect']}.{verdict}"] += 1
        result.counts[verdict] += 1
        result.groups.update({group, f"flow.{item['expect']}"})
        if verdict != "right":
            result.misses.append((str(item["id"]), f"{item['expect']}->{got}", repr(item["text"])))
    return result
