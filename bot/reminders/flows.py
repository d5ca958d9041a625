"""Typed state of a guided reminder conversation (/remind, /plan) and its persistence with expiry.

A flow is one frozen :class:`FlowState` with a :class:`Step`; it is stored as JSON in the ``flows`` table
(so it survives a restart and /forget erases it) and read back only while younger than the TTL. Stored
text that does not parse into a valid state is treated as no flow (and cleared), never as an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from bot.storage import FlowRepository

FLOW_TTL = timedelta(hours=1)  # an unfinished flow older than this no longer captures messages


class Step(StrEnum):
    """Where a guided conversation is waiting."""

    KIND = "kind"  # /remind: what is it for (buttons)
    LABEL = "label"  # /remind: a name for an "other" reminder
    DATE = "date"  # /remind: the date
    PICK_DATE = "pick_date"  # /remind: which reading of an ambiguous date
    PLAN_VARIANT = "plan_variant"  # /plan: whose schedule
    PLAN_DATE = "plan_date"  # /plan: the reference date
    PLAN_PICK_DATE = "plan_pick_date"  # /plan: which reading of an ambiguous reference date
    OFFER = "offer"  # a plain message asked for a reminder: set it? (label, kind, date in candidates)

    @property
    def is_plan(self) -> bool:
        """Return True for the /plan steps."""
        return self.value.startswith("plan_")


@dataclass(frozen=True)
class FlowState:
    """One user's place in a guided conversation and what they have said so far."""

    step: Step
    kind: str | None = None
    label: str | None = None
    time: time | None = None  # a time of day typed with an ambiguous date
    candidates: tuple[tuple[date, str], ...] = ()  # readings of an ambiguous date, with their day/month order
    variant: str | None = None  # /plan variant key
    ref: date | None = None  # /plan reference date given before the variant

    def but(self, **changes: Any) -> FlowState:
        """Return a copy with some fields changed."""
        return replace(self, **changes)

    def to_json(self) -> str:
        """Return the stored form (the same keys the bot has always written)."""
        data: dict[str, Any] = {"step": self.step.value}
        if self.kind is not None:
            data["kind"] = self.kind
        if self.label is not None:
            data["label"] = self.label
        if self.time is not None:
            data["time"] = self.time.strftime("%H:%M")
        if self.candidates:
            data["candidates"] = [[day.isoformat(), order] for day, order in self.candidates]
        if self.variant is not None:
            data["variant"] = self.variant
        if self.ref is not None:
            data["ref"] = self.ref.isoformat()
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> FlowState | None:
        """Return the state stored as ``raw``, or None when it is not a valid state."""
        try:
            data = json.loads(raw)
            if not isinstance(data, dict):
                return None
            candidates = tuple((date.fromisoformat(str(day)), str(order)) for day, order in data.get("candidates") or [])
            return cls(
                step=Step(data["step"]),
                kind=_optional(data, "kind"),
                label=_optional(data, "label"),
                time=time.fromisoformat(data["time"]) if data.get("time") else None,
                candidates=candidates,
                variant=_optional(data, "variant"),
                ref=date.fromisoformat(data["ref"]) if data.get("ref") else None,
            )
        except (ValueError, KeyError, TypeError):
            return None


def _other_feature(raw: str) -> bool:
    """Return True when stored flow text names another feature ("feature": "record"); ours has no such key."""
    try:
        data = json.loads(raw)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("feature") not in (None, "reminders")


def _optional(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return None if value is None else str(value)


class Flows:
    """Load, save and end users' flows; a flow past its TTL (or unreadable) is gone."""

    def __init__(self, repository: FlowRepository, ttl: timedelta = FLOW_TTL) -> None:
        """Persist through ``repository``; flows expire ``ttl`` after their last step."""
        self.repository = repository
        self.ttl = ttl

    def load(self, user_id: int, now: datetime) -> FlowState | None:
        """Return the user's current flow, or None (an expired or unreadable one is cleared)."""
        stored = self.repository.get(user_id)
        if stored is None:
            return None
        raw, saved_at = stored
        if _other_feature(raw):
            return None  # another feature's conversation (e.g. /dexa add): not ours to read or clear
        state = FlowState.from_json(raw)
        if state is None or now - saved_at > self.ttl:
            self.repository.clear(user_id)
            return None
        return state

    def save(self, user_id: int, state: FlowState, now: datetime) -> None:
        """Store the user's flow state, replacing any earlier one."""
        self.repository.set(user_id, state.to_json(), now)

    def end(self, user_id: int) -> None:
        """Forget the user's flow."""
        self.repository.clear(user_id)
