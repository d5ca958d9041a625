"""The conversation core: turn a message (or a button press) from a user into reply data.

Owns the order of things for every message: groups (only messages addressed to the bot), flood control,
input hygiene, safety triage (an emergency is answered first and alone, before consent, flows and
anything else), first-contact consent, commands (through the ``Router``), a guided flow's next step,
and finally the question itself. No Telegram import here: the channels render what this returns.
"""

from __future__ import annotations

import gc
import re
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot import buttons
from bot.config import Settings
from bot.content import Content, ContentRef
from bot.conversation.answers import Answers
from bot.handlers.answers import AnswerCommands
from bot.handlers.deps import Deps, Services
from bot.handlers.general import GeneralCommands, Unavailable
from bot.knowledge.base import KnowledgeBase
from bot.models import Incoming, Reply
from bot.record.service import RECORD_COMMANDS
from bot.reminders.service import REMINDER_COMMANDS
from bot.routing import HandlerGroup, Router
from bot.safety.triage import MAX_TRIAGE_CHARS
from bot.text import clean_message
from bot.texts import Texts

__all__ = ["Assistant", "FloodGuard", "Gate", "Services"]

# Typed consent: the whole message says "I understand" / "ok" / "I agree" (and nothing else).
_AGREES = re.compile(
    r"^\s*(?:ok(?:ay)?|yes|yep|sure|got it|understood|i understand|i agree|agreed|accept|i accept)[\s.!]*$", re.IGNORECASE
)
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]{1,64}))?(?:\s+(.*))?$", re.DOTALL)


class Gate(StrEnum):
    """What flood control says about one more message from a user."""

    OK = "ok"
    WARN = "warn"  # the first message over the limit: say so once
    DROP = "drop"  # muted: answer nothing


class FloodGuard:
    """Per-user rate limit: past ``limit`` messages in ``window`` a user is muted for ``mute``.

    Memory only and per user, so one fast user never slows anyone else down; it is rebuilt empty on
    restart, which is harmless for a rate limit.
    """

    def __init__(self, limit: int, window: timedelta, mute: timedelta) -> None:
        """Configure the limit, the counting window and the mute period."""
        self.limit, self.window, self.mute = limit, window, mute
        self._seen: dict[int, deque[datetime]] = {}
        self._muted_until: dict[int, datetime] = {}

    def check(self, user_id: int, now: datetime) -> Gate:
        """Count one message and return whether to answer it."""
        until = self._muted_until.get(user_id)
        if until is not None:
            if now < until:
                return Gate.DROP
            del self._muted_until[user_id]
        seen = self._seen.setdefault(user_id, deque())
        while seen and now - seen[0] > self.window:
            seen.popleft()
        seen.append(now)
        if len(seen) > self.limit:
            self._muted_until[user_id] = now + self.mute
            seen.clear()
            return Gate.WARN
        return Gate.OK

    def forget(self, user_id: int) -> None:
        """Drop what is held about a user."""
        self._seen.pop(user_id, None)
        self._muted_until.pop(user_id, None)


class Assistant:
    """Answer messages and button presses with reply data."""

    def __init__(
        self,
        content: Content | ContentRef,
        settings: Settings,
        services: Services | None = None,
        reload_content: Callable[[], Content] | None = None,
    ) -> None:
        """Wire the content (or a reference shared with the reminders), settings and optional services."""
        self.settings = settings
        self.content = content if isinstance(content, ContentRef) else ContentRef(content)
        self.deps = Deps(self.content, settings, services or Services())
        self.flood = FloodGuard(
            settings.flood_max_messages,
            timedelta(seconds=settings.flood_window_seconds),
            timedelta(seconds=settings.flood_mute_seconds),
        )
        self._reload_content = reload_content
        reminders = self.deps.services.reminders
        record = self.deps.services.record
        self.general = GeneralCommands(self.deps, self.reload)
        groups: list[HandlerGroup] = [
            self.general,
            AnswerCommands(self.deps),
            reminders if reminders is not None else Unavailable(self.deps, REMINDER_COMMANDS, "reminders_unavailable"),
            record if record is not None else Unavailable(self.deps, RECORD_COMMANDS, "record_unavailable"),
        ]
        self.router = Router(groups)
        self.answers = Answers(self.deps)

    @property
    def knowledge(self) -> KnowledgeBase:
        """Return the knowledge in use."""
        return self.deps.knowledge

    @property
    def texts(self) -> Texts:
        """Return the fixed texts in use."""
        return self.deps.texts

    # --- stateless question answering (CLI `ask`, eval, and the core of `handle`) -------------
    def ask(self, question: str) -> list[Reply]:
        """Return the replies to a question, with no conversation memory (CLI `ask`, eval)."""
        text, _ = clean_message(question, MAX_TRIAGE_CHARS)
        if not text:
            return [self.deps.note_error("empty_message")]
        return self.answers.answer(text, self.content.current.triage.check(text), None, datetime.now(UTC))

    # --- messages ---------------------------------------------------------------------------------
    def handle(self, message: Incoming, now: datetime) -> list[Reply]:
        """Return the replies to one incoming text message."""
        if message.is_group and not message.addressed_to_bot:
            return []
        gate = self.flood.check(message.user_id, now)
        if gate is Gate.DROP:
            return []
        if gate is Gate.WARN:
            return [self.deps.note_error("flood")]
        text, _ = clean_message(message.text, MAX_TRIAGE_CHARS)  # triage reads the whole message
        if not text:
            return [self.deps.note_error("empty_message")]
        was_cut = len(text) > self.settings.max_message_chars
        users = self.deps.services.users
        if users is not None:
            users.upsert(message.user_id, message.chat_id, now)
        command = _COMMAND.match(text)
        if command:
            return self._command(message, command.group(1).lower(), (command.group(3) or "").strip(), now)
        verdict = self.content.current.triage.check(text)
        if verdict.urgent is not None:
            self.deps.count("urgent", now)
            return [self.deps.compose.urgent(verdict)]  # before consent, flows and everything else
        if not self.deps.accepted(message.user_id):
            if _AGREES.match(text):  # "ok", "i understand": as good as the button
                return self.general.accept(message, now)
            return self._consent_needed()
        reminders, record = self.deps.services.reminders, self.deps.services.record
        # One flow per user (the flows table); each feature answers only its own (record flows are marked).
        flow = record.continue_flow(message, text, now) if record is not None else None
        if flow is None and reminders is not None:
            flow = reminders.continue_flow(message, text, now)
        if flow is not None:
            return flow
        audience = users.audience(message.user_id) if users is not None else None
        replies = self.answers.answer(
            text, verdict, message.chat_id, now, audience, ask_audience=users is not None and not audience
        )
        if record is not None and not message.is_group:  # "save it for your care team" under "not covered"
            replies = record.offer_save(message, text, replies, now)
        self.deps.count("questions", now)
        self.deps.count(replies[0].kind.value, now)
        if was_cut:
            replies.insert(0, self.deps.note("too_long", limit=self.settings.max_message_chars))
        return replies

    def non_text(self, message: Incoming) -> list[Reply]:
        """Return the reply to a sticker, photo, voice note or file."""
        if message.is_group and not message.addressed_to_bot:
            return []
        return [self.deps.note("non_text")]

    def _command(self, message: Incoming, name: str, args: str, now: datetime) -> list[Reply]:
        command = self.texts.command(name)
        route = self.router.command(command.name) if command is not None else None
        if command is None or route is None or (command.admin and not self.deps.is_admin(message.user_id)):
            return [self.deps.note("unknown_command", command=f"/{name}"[:40])]
        if not route.before_consent and not self.deps.accepted(message.user_id):
            return self._consent_needed()
        return route.handler(message, args, now)

    # --- buttons ----------------------------------------------------------------------------------
    def handle_button(self, user_id: int, chat_id: int, data: str, now: datetime) -> list[Reply]:
        """Return the replies to a button press; unknown, stale or malformed data gets a kind notice."""
        payload = buttons.unpack(data)
        if payload is None:
            return [self.deps.compose.expired()]
        gate = self.flood.check(user_id, now)
        if gate is Gate.DROP:
            return []
        if gate is Gate.WARN:
            return [self.deps.note_error("flood")]
        route = self.router.button(payload)
        if route is None:
            return [self.deps.compose.expired()]
        if not route.before_consent and not self.deps.accepted(user_id):
            return self._consent_needed()
        replies = route(Incoming(user_id, chat_id, ""), payload, now)
        if isinstance(payload, buttons.Forget) and payload.confirm:
            self.flood.forget(user_id)
            self.answers.forget(chat_id)
            if self.deps.services.record is not None:
                self.deps.services.record.forget(user_id)
        return replies

    # --- knowledge --------------------------------------------------------------------------------
    def reload(self) -> Reply:
        """Re-read knowledge/ and swap it in; on any problem keep the old knowledge and say why."""
        if self._reload_content is None:
            return self.deps.note("reload_failed", problem="reloading is not configured")
        try:
            content = self._reload_content()
        except Exception as error:  # a bad file must never take the running bot down
            return self.deps.note("reload_failed", problem=str(error)[:300])
        self.content.current = content
        gc.collect()  # the old knowledge goes; the new one is frozen like the first (bot.app.freeze_long_lived)
        gc.freeze()
        knowledge = content.knowledge
        return self.deps.note("reload_done", passages=len(knowledge.passages), terms=len(knowledge.glossary.entries))

    def _consent_needed(self) -> list[Reply]:
        return [self.deps.compose.consent_request(), self.deps.note("consent_needed")]
