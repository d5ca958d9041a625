"""The conversation core: turn a message (or a button press) from a user into reply data.

Owns the order of things for every message: groups (only messages addressed to the bot), flood control,
input hygiene, safety triage (an emergency is answered first and alone, before consent, flows and
anything else), first-contact consent, commands (through the ``Router``), a guided flow's next step,
and finally the question itself. No Telegram import here: the channels render what this returns.

Storage never stands between a patient and an answer: triage runs before the first write, a message's
writes share one transaction (with the channel's record of the update), and when the database cannot be
written (``StorageGuard``) the message is answered without it; features that need storage say they are
unavailable right now, and each user is told once per outage under an answer.
"""

from __future__ import annotations

import gc
import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import replace
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
from bot.models import Block, Button, Incoming, Reply, ReplyKind
from bot.record.service import RECORD_COMMANDS
from bot.reminders.service import REMINDER_COMMANDS
from bot.routing import HandlerGroup, Router
from bot.safety.triage import MAX_TRIAGE_CHARS
from bot.storage import is_storage_failure
from bot.text import clean_message
from bot.texts import Texts

__all__ = ["Assistant", "FloodGuard", "Gate", "Record", "Services"]
# The channel's "this update is applied and these are its replies", run inside the message's transaction.
Record = Callable[[list[Reply]], None]

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
        self._reloading = threading.Lock()  # one reload at a time; answers never wait for it
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
        self._told: dict[int, int] = {}  # user -> the degraded period they were told about

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
    def handle(self, message: Incoming, now: datetime, record: Record | None = None) -> list[Reply]:
        """Return the replies to one incoming text message.

        With a database, the message's writes run in one transaction, and ``record(replies)`` (the
        channel's "this update is applied, these are its replies") joins it: all of it or none of it is
        committed. When the database cannot be written the message is answered without it (see
        ``StorageGuard``): triage, answers and the emergency reply never wait for storage.
        """
        if message.is_group and not message.addressed_to_bot:
            return []
        # An anonymous admin's or a channel's messages all carry one shared sender: count them per chat.
        gate = self.flood.check(message.user_id if message.is_person else message.chat_id, now)
        if gate is Gate.DROP:
            return []
        if gate is Gate.WARN:
            return [self.deps.note_error("flood")]
        text, _ = clean_message(message.text, MAX_TRIAGE_CHARS)  # triage reads the whole message
        if not text:
            return [self.deps.note_error("empty_message")]
        if not message.is_person:
            return self._stored(lambda: self._general_only(message, text, now), record)
        if record is None and self.is_slow(message):
            # /reload runs in a worker thread: it writes nothing, and a transaction held for its seconds
            # would make every other message wait for the database.
            return self._respond(message, text, now)
        return self._stored(lambda: self._respond(message, text, now), record)

    def _stored(self, respond: Callable[[], list[Reply]], record: Record | None) -> list[Reply]:
        """Run ``respond`` in one transaction with ``record``, or without storage when it fails."""
        guard = self.deps.services.storage

        def work() -> list[Reply]:
            replies = respond()
            if record is not None:
                record(replies)
            return replies

        if guard is None:
            return work()
        replies, _ = guard.apply(work, respond)  # the fallback runs with the guard degraded: no writes
        return replies

    def _respond(self, message: Incoming, text: str, now: datetime) -> list[Reply]:
        users = self.deps.services.users
        storage_ok = self.deps.storage_ok()
        chat = message.user_id if message.is_group else message.chat_id  # reminders go to the private chat
        command = _COMMAND.match(text)
        if command:
            if users is not None and storage_ok:
                users.upsert(message.user_id, chat, now)  # commands rely on the user's row
            return self._command(message, command.group(1).lower(), (command.group(3) or "").strip(), now)
        verdict = self.content.current.triage.check(text)  # before any write: it must not wait for storage
        if verdict.urgent is not None:
            self.deps.count("urgent", now)
            return [self.deps.compose.urgent(verdict)]  # before consent, flows and everything else
        if not self.deps.accepted(message.user_id):
            if _AGREES.match(text):  # "ok", "i understand": as good as the button
                return self.general.accept(message, now)
            return self._consent_needed()
        if users is not None and storage_ok:
            users.upsert(message.user_id, chat, now)
        reminders, record = self.deps.services.reminders, self.deps.services.record
        private = storage_ok and not message.is_group  # guided flows live in the private chat (and the database)

        # One flow per user (the flows table); each feature answers only its own (record flows are marked).
        def asks(typed: str) -> bool:  # a question or a change to a medicine, typed during a guided step
            return verdict.medication or self.answers.is_question(typed)

        if record is not None and private:  # "remind me to stop my tablets" is no medicine's name
            flow = record.continue_flow(message, text, now, asks=lambda typed: asks(typed) or verdict.medication_phrase)
            if flow is not None:
                return flow
        if reminders is not None and private:
            flow = reminders.continue_flow(message, text, now, asks=asks)
            if flow is not None:
                return flow
            if not verdict.medication and verdict.medication_phrase:
                verdict = replace(verdict, medication=True)  # "remind me to stop my tablets": the guard
            if not verdict.medication and record is not None:  # "remind me to take my tablet every day"
                requests = self.content.current.reminders.grammar.v.request_phrases
                offer = record.offer_tablet(message, text, requests, now)
                if offer is not None:
                    return offer
            if not verdict.medication:
                offer = reminders.offer(message, text, now)
                if offer is not None:
                    return offer
        audience = self.deps.audience(message.user_id)
        ask = users is not None and storage_ok and not audience and not message.is_group
        replies = self.answers.answer(text, verdict, message.chat_id, now, audience, ask_audience=ask)
        if record is not None and private:  # "save it for your care team" under "not covered"
            replies = record.offer_save(message, text, replies, now)
        self.deps.count("questions", now)
        self.deps.count(replies[0].kind.value, now)
        if len(text) > self.settings.max_message_chars:
            replies.insert(0, self.deps.note("too_long", limit=self.settings.max_message_chars))
        if reminders is not None and private:
            paused = reminders.paused(message, now)  # a question asked mid-flow: offer to carry on
            if paused is not None:
                replies.append(paused)
        return replies + self._degraded_note(message.user_id)

    def _degraded_note(self, user_id: int) -> list[Reply]:
        """Say once per outage (and per user) that reminders are unavailable, under an answer."""
        guard = self.deps.services.storage
        if guard is None or guard.writable or self._told.get(user_id) == guard.episode:
            return []
        self._told[user_id] = guard.episode
        return [self.deps.note("storage_degraded")]

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
        if command.personal and message.is_group:
            return [self._to_private_chat(command.name)]
        if not route.before_consent and not self.deps.accepted(message.user_id):
            return self._consent_needed()
        return self._run(route.storage, lambda: route.handler(message, args, now))

    def _run(self, needs_storage: bool, handler: Callable[[], list[Reply]]) -> list[Reply]:
        """Run a command or button handler; while the database cannot be written, only if it needs none."""
        if self.deps.storage_ok():
            return handler()  # a storage failure propagates: the guard rolls back and answers without it
        if needs_storage:
            return [self.deps.note("storage_unavailable")]
        try:
            return handler()
        except Exception as error:
            if not is_storage_failure(error):
                raise
            return [self.deps.note("storage_unavailable")]

    def is_slow(self, message: Incoming) -> bool:
        """Return True when a message is a command that takes long (``/reload``), so an async channel can
        run ``handle`` for it in a worker thread while other messages are answered."""
        command = _COMMAND.match(message.text.strip())
        if command is None:
            return False
        found = self.texts.command(command.group(1).lower())
        route = self.router.command(found.name) if found is not None else None
        return route is not None and route.slow

    def _general_only(self, message: Incoming, text: str, now: datetime) -> list[Reply]:
        """Answer a sender who is not one identifiable person: emergencies, questions, general commands.

        Nothing is stored for them and no consent is asked (it could not be tied to anyone); every health
        reply still carries the disclaimer footer.
        """
        command = _COMMAND.match(text)
        if command:
            name = command.group(1).lower()
            found = self.texts.command(name)
            route = self.router.command(found.name) if found is not None else None
            if found is None or route is None or found.admin:
                return [self.deps.note("unknown_command", command=f"/{name}"[:40])]
            if found.personal:
                return [self.deps.note("not_a_person")]
            return self._run(route.storage, lambda: route.handler(message, (command.group(3) or "").strip(), now))
        verdict = self.content.current.triage.check(text)
        if verdict.urgent is not None:
            self.deps.count("urgent", now)
            return [self.deps.compose.urgent(verdict)]
        replies = self.answers.answer(text, verdict, message.chat_id, now, None, ask_audience=False)
        self.deps.count("questions", now)
        self.deps.count(replies[0].kind.value, now)  # /stats: each question's kind of reply, as for a person
        return replies

    def _to_private_chat(self, command: str) -> Reply:
        """Say a personal feature lives in the private chat, with a button that opens it there."""
        texts = self.texts
        button = Button(texts.get("private_chat_button"), "", private_start=command or "start")
        return Reply(ReplyKind.INFO, (Block(texts.get("personal_in_group")),), ((button,),))

    # --- buttons ----------------------------------------------------------------------------------
    def handle_button(
        self, user_id: int, chat_id: int, data: str, now: datetime, record: Record | None = None
    ) -> list[Reply]:
        """Return the replies to a button press; unknown, stale or malformed data gets a kind notice.

        ``record`` joins the press's transaction as in :meth:`handle`.
        """
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
        found = route
        if found.personal and chat_id != user_id:  # a private chat's id is its user's id
            return [self._to_private_chat("")]

        def respond() -> list[Reply]:
            if not found.before_consent and not self.deps.accepted(user_id):
                return self._consent_needed()
            return self._run(found.storage, lambda: found(Incoming(user_id, chat_id, ""), payload, now))

        replies = self._stored(respond, record)
        if isinstance(payload, buttons.Forget) and payload.confirm:
            self.flood.forget(user_id)
            self.answers.forget(chat_id)
            if self.deps.services.record is not None:
                self.deps.services.record.forget(user_id)
        return replies

    # --- knowledge --------------------------------------------------------------------------------
    def reload(self) -> Reply:
        """Re-read the whole knowledge folder and swap it in; on any problem keep the old content and say why.

        Thread-safe: the new ``Content`` is built aside (messages meanwhile are answered from the old
        one) and replaces it in one assignment, so every message sees one version, old or new.
        """
        if self._reload_content is None:
            return self.deps.note("reload_failed", problem="reloading is not configured")
        with self._reloading:
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
