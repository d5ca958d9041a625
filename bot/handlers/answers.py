"""The knowledge commands and buttons: /glossary, and the buttons under an answer (more, define, A-Z)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime

from bot.buttons import AudienceChoice, Define, DefineAlternatives, GlossaryIndex, GlossaryPage, MorePassages
from bot.handlers.deps import Deps
from bot.models import Incoming, Reply
from bot.routing import AnyButtonRoute, ButtonRoute, CommandRoute

_PASSAGE_ID = re.compile(r"^\d{3}-\d{3}$")
MAX_GLOSSARY_QUERY = 200


class AnswerCommands:
    """Glossary lookups and browsing, and further passages of an answer."""

    def __init__(self, deps: Deps) -> None:
        """Use the shared deps."""
        self.deps = deps

    def commands(self) -> Mapping[str, CommandRoute]:
        """Return /glossary."""
        return {"glossary": CommandRoute(self.glossary), "audience": CommandRoute(self.audience)}

    def buttons(self) -> Iterable[AnyButtonRoute]:
        """Return the buttons shown under answers and in the glossary browser."""
        # Each lambda reads self.deps.compose when pressed, so a reload's new knowledge is used.
        return (
            ButtonRoute(MorePassages, lambda message, data, now: [self.deps.compose.more(self._ids(data.ids))]),
            ButtonRoute(Define, lambda message, data, now: [self._entry(data.entry, alternatives=False)]),
            ButtonRoute(DefineAlternatives, lambda message, data, now: [self._entry(data.entry, alternatives=True)]),
            ButtonRoute(GlossaryIndex, lambda message, data, now: [self.deps.compose.glossary_index()]),
            ButtonRoute(GlossaryPage, lambda message, data, now: [self._page(data.letter, data.page)]),
            ButtonRoute(AudienceChoice, lambda message, data, now: self.choose_audience(message, data.code, now),
                        personal=True),
        )

    def audience(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/audience: ask (again) whose passages come first."""
        return [self.deps.compose.audience_choice()]

    def choose_audience(self, message: Incoming, code: str, now: datetime) -> list[Reply]:
        """Remember who the user's answers are for ("w": women, "m": men)."""
        audience = {"w": "women", "m": "men"}.get(code)
        users = self.deps.services.users
        if audience is None:
            return [self.deps.compose.expired()]
        if users is not None:
            users.upsert(message.user_id, message.chat_id, now)
            users.set_audience(message.user_id, audience, now)
        who = self.deps.texts.get("audience_women" if audience == "women" else "audience_men").lower()
        return [self.deps.note("audience_set", who=who)]

    def glossary(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/glossary TERM: the entry (tolerant of typos and plurals), or the A-Z index without a term."""
        compose = self.deps.compose
        if not args:
            return [compose.glossary_index()]
        return [compose.glossary_result(self.deps.knowledge.glossary.lookup(args[:MAX_GLOSSARY_QUERY]))]

    @staticmethod
    def _ids(ids: tuple[str, ...]) -> list[str]:
        return [pid for pid in ids if _PASSAGE_ID.match(pid)]

    def _entry(self, entry_id: str, *, alternatives: bool) -> Reply:
        entry = self.deps.knowledge.glossary.get(entry_id)
        compose = self.deps.compose
        return compose.glossary_entry(entry, alternatives=alternatives) if entry else compose.expired()

    def _page(self, letter: str, page: int) -> Reply:
        if len(letter) != 1 or page > 9999:
            return self.deps.compose.expired()
        return self.deps.compose.glossary_page(letter, page)
