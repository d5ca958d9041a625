"""Typed state of the record's guided conversations (/tablet, /dexa add), kept in the ``flows`` table.

The ``flows`` table holds one unfinished conversation per user, whichever feature started it; a record
flow is marked ``"feature": "record"`` so the reminders' flows (``bot/reminders/flows.py``) leave it alone,
and starting one feature's flow replaces the other's. A state expires after ``FLOW_TTL`` like theirs, and
text that does not parse into a valid state is no flow at all (never an error).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bot.reminders.flows import FLOW_TTL
from bot.storage import FlowRepository

FEATURE = "record"


class RecordStep(StrEnum):
    """Where a record conversation is waiting."""

    TABLET_MEDICINE = "tablet_medicine"  # /tablet: which medicine
    TABLET_TIME = "tablet_time"  # /tablet: what time of day
    DEXA_DATE = "dexa_date"  # /dexa add: the scan date
    DEXA_SITE = "dexa_site"  # the site (buttons)
    DEXA_T = "dexa_t"  # the T-score
    DEXA_Z = "dexa_z"  # the Z-score, or skip
    DEXA_BMD = "dexa_bmd"  # the BMD in g/cm², or skip


@dataclass(frozen=True)
class RecordFlow:
    """One user's place in a record conversation and what they said so far."""

    step: RecordStep
    medicine: str | None = None
    day: date | None = None
    site: str | None = None
    t_score: float | None = None
    z_score: float | None = None

    def but(self, **changes: Any) -> RecordFlow:
        """Return a copy with some fields changed."""
        return replace(self, **changes)

    def to_json(self) -> str:
        """Return the stored form."""
        data: dict[str, Any] = {"feature": FEATURE, "step": self.step.value}
        for key in ("medicine", "site", "t_score", "z_score"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.day is not None:
            data["day"] = self.day.isoformat()
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> RecordFlow | None:
        """Return the record state stored as ``raw``; None for another feature's state or bad text."""
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("feature") != FEATURE:
                return None
            return cls(
                step=RecordStep(data["step"]),
                medicine=str(data["medicine"]) if data.get("medicine") is not None else None,
                day=date.fromisoformat(data["day"]) if data.get("day") else None,
                site=str(data["site"]) if data.get("site") is not None else None,
                t_score=float(data["t_score"]) if data.get("t_score") is not None else None,
                z_score=float(data["z_score"]) if data.get("z_score") is not None else None,
            )
        except (ValueError, KeyError, TypeError):
            return None


def is_record_state(raw: str) -> bool:
    """Return True when stored flow text belongs to the record feature (cheap check, no full parse)."""
    try:
        data = json.loads(raw)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("feature") == FEATURE


class RecordFlows:
    """Load, save and end users' record flows; a flow past its TTL (or another feature's) is not ours."""

    def __init__(self, repository: FlowRepository) -> None:
        """Persist through the shared ``flows`` table."""
        self.repository = repository

    def load(self, user_id: int, now: datetime) -> RecordFlow | None:
        """Return the user's record flow, or None (an expired or unreadable record flow is cleared)."""
        stored = self.repository.get(user_id)
        if stored is None:
            return None
        raw, saved_at = stored
        if not is_record_state(raw):
            return None  # another feature's conversation: not ours to touch
        state = RecordFlow.from_json(raw)
        if state is None or now - saved_at > FLOW_TTL:
            self.repository.clear(user_id)
            return None
        return state

    def save(self, user_id: int, state: RecordFlow, now: datetime) -> None:
        """Store the user's record flow, replacing any earlier conversation."""
        self.repository.set(user_id, state.to_json(), now)

    def end(self, user_id: int) -> None:
        """Forget the user's conversation."""
        self.repository.clear(user_id)
