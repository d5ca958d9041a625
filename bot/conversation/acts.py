"""What a message is, once triage has let it through: a question, one the articles do not cover, or
small talk (and which: greeting, thanks, goodbye, identity, capabilities, help, ack, feeling, follow-up,
complaint, other).

Read by the router model (``knowledge/models/router.npz``, trained by ``training/train_router.py`` on
the passage questions and on small talk and off-topic messages written for the purpose). Its thresholds
were chosen on cross-validated predictions (the training script prints them): small talk only when it
sends at most 1% of questions there; "not covered" at most 3% of questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.textmodel import TextModel

SMALL_TALK = "small_talk"
_REPEATED_MARKS = re.compile(r"([?!.])[?!.]+")


class Kind(StrEnum):
    """The three ways a message is handled."""

    QUESTION = "question"
    NOT_COVERED = "not_covered"
    SMALL_TALK = "small_talk"
_REPEATED_MARKS = re.compile(r"([?!.])[?!.]+")


@dataclass(frozen=True)
class Act:
    """The router's reading of one message."""

    kind: Kind
    act: str = ""  # for small talk: greeting, thanks, ...
    p_small_talk: float = 0.0
    p_not_covered: float = 0.0


class ConversationActs:
    """Read messages with the router model and its trained thresholds."""

    def __init__(self, model: TextModel) -> None:
        """Use an exported router model."""
        self.model = model
        self.small_talk_threshold = model.thresholds["small_talk"]
        self.not_covered_threshold = model.thresholds["not_covered"]

    def read(self, text: str) -> Act:
        """Return what a message is."""
        # "??" or "!!!" says how the question is felt, not what it is about; the model reads one mark.
        probabilities = self.model.probabilities(_REPEATED_MARKS.sub(r"\1", text))
        acts = {name.partition(":")[2]: p for name, p in probabilities.items() if name.startswith(SMALL_TALK)}
        p_small = sum(acts.values())
        p_not = probabilities.get("not_covered", 0.0)
        if p_small >= self.small_talk_threshold:
            return Act(Kind.SMALL_TALK, max(acts, key=acts.__getitem__), p_small, p_not)
        if p_not >= self.not_covered_threshold:
            return Act(Kind.NOT_COVERED, "", p_small, p_not)
        return Act(Kind.QUESTION, "", p_small, p_not)
