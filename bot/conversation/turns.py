"""Turns of a conversation: several questions in one message, and short follow-ups to the last question.

``split_questions`` cuts "few qs: how often dexa? do i need calcium? and can i take ibuprofen" into its
questions (at question marks, line breaks and numbered items; a piece that is not a question stays with
the one before it). ``TurnMemory`` keeps each chat's last question in memory for a few minutes, never in
the database, so "and what about for men?" is searched together with it; ``is_follow_up`` tells such
short, dependent messages from new questions.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from datetime import datetime, timedelta

MAX_PARTS = 3
FOLLOW_UP_TTL = timedelta(minutes=10)
MAX_CHATS = 10_000  # chats remembered at once (least recent forgotten first)
_BREAKS = re.compile(r"(?<=\?)\s*|\n+|(?:^|\s)(?=\d[.)]\s)|;\s*")
_NUMBERING = re.compile(r"^\s*\d[.)]\s*")
_QUESTION_START = re.compile(
    r"^\s*(?:and\s+|also\s+|plus\s+|oh and\s+|&\s+)?(?:how|what|whats|what's|when|where|why|which|who|whose|"
    r"can|could|do|does|did|is|are|was|were|should|shall|will|would|may|might|must|have|has|any|tell me|explain)\b",
    re.IGNORECASE,
)
_FOLLOW_UP = re.compile(
    r"^\s*(?:(?:and|but|so|ok so|also)\b|what about\b|how about\b|and for\b|is that\b|does that\b|do they\b|is it\b|"
    r"are they\b|what does that\b|why\b(?=\W*$)|how (?:often|long|much)\b(?=\W*$))|\b(?:that|this|it|them|those|these)\b",
    re.IGNORECASE,
)


def split_questions(text: str) -> list[str]:
    """Return the questions of a message, at most ``MAX_PARTS`` (a single question is returned whole)."""
    pieces = [_NUMBERING.sub("", piece).strip(" -–,:") for piece in _BREAKS.split(text) if piece and piece.strip(" -–,:")]
    pieces = [piece for piece in pieces if any(ch.isalpha() for ch in piece)]  # "??" is no question
    questions: list[str] = []
    for piece in pieces:
        if questions and not (piece.endswith("?") or _QUESTION_START.match(piece)):
            questions[-1] = f"{questions[-1]} {piece}"  # "mine is -2.1" belongs to the question before
        else:
            questions.append(piece)
    asked = [q for q in questions if q.endswith("?") or _QUESTION_START.match(q)]
    if len(asked) < 2 or len(asked) != len(questions):
        return [text]
    return questions[:MAX_PARTS]


def is_follow_up(text: str) -> bool:
    """Return True for a short message that leans on the previous question ("and for men?", "is that bad")."""
    return len(text.split()) <= 8 and bool(_FOLLOW_UP.search(text))


class TurnMemory:
    """Each chat's last question, for a few minutes, in memory only."""

    def __init__(self, ttl: timedelta = FOLLOW_UP_TTL) -> None:
        """Forget a question ``ttl`` after it was asked."""
        self.ttl = ttl
        self._last: OrderedDict[int, tuple[str, datetime]] = OrderedDict()

    def remember(self, chat_id: int, question: str, now: datetime) -> None:
        """Keep ``question`` as the chat's last question."""
        self._last[chat_id] = (question, now)
        self._last.move_to_end(chat_id)
        while len(self._last) > MAX_CHATS:
            self._last.popitem(last=False)

    def previous(self, chat_id: int, now: datetime) -> str | None:
        """Return the chat's last question if it is recent enough."""
        kept = self._last.get(chat_id)
        if kept is None or now - kept[1] > self.ttl:
            return None
        return kept[0]

    def forget(self, chat_id: int) -> None:
        """Drop what is held about a chat."""
        self._last.pop(chat_id, None)

    def move(self, old_chat_id: int, new_chat_id: int) -> None:
        """Carry a chat's memory over to its new id (a group upgraded to a supergroup)."""
        kept = self._last.pop(old_chat_id, None)
        if kept is not None:
            self._last[new_chat_id] = kept
