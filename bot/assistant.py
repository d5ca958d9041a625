"""The conversation core: turn a message (or a button press) from a user into reply data.

Owns routing (commands, buttons, reminder conversations, questions), input hygiene (control characters,
length cap), per-user flood control, first-contact consent, and the order of safety checks: an
emergency is answered first and alone, before anything else, consent included. No Telegram import here:
the Telegram and console adapters render what this returns.
"""

from __future__ import annotations

import re
import unicodedata
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.config import Settings
from bot.knowledge.base import KnowledgeBase
from bot.models import Block, Button, Incoming, Reply, ReplyKind, Style
from bot.replies import ReplyComposer
from bot.texts import Texts

_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]{1,64}))?(?:\s+(.*))?$", re.DOTALL)
_PASSAGE_ID = re.compile(r"^\d{3}-\d{3}$")
# Commands that work before the disclaimer is accepted: they explain the bot or remove data.
_BEFORE_CONSENT = {"start", "help", "privacy", "disclaimer", "forget"}


class Store(Protocol):
    """What the assistant needs from the database (see bot/storage.py)."""

    def upsert_user(self, user_id: int, chat_id: int, now: datetime) -> None: ...
    def has_accepted(self, user_id: int) -> bool: ...
    def accept_disclaimer(self, user_id: int, now: datetime) -> None: ...
    def forget_user(self, user_id: int) -> int: ...
    def increment(self, name: str, now: datetime) -> None: ...
    def stats(self) -> dict[str, Any]: ...


def clean_text(text: str, limit: int) -> tuple[str, bool]:
    """Return text without control characters or null bytes, cut to ``limit`` chars, and if it was cut."""
    kept = "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in {"Cc", "Cs", "Co", "Cn"}
    )
    kept = kept.strip()
    return (kept[:limit], True) if len(kept) > limit else (kept, False)


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

    def check(self, user_id: int, now: datetime) -> str:
        """Return "ok", "warn" (first message over the limit) or "drop"."""
        until = self._muted_until.get(user_id)
        if until is not None:
            if now < until:
                return "drop"
            del self._muted_until[user_id]
        seen = self._seen.setdefault(user_id, deque())
        while seen and now - seen[0] > self.window:
            seen.popleft()
        seen.append(now)
        if len(seen) > self.limit:
            self._muted_until[user_id] = now + self.mute
            seen.clear()
            return "warn"
        return "ok"

    def forget(self, user_id: int) -> None:
        """Drop what is held about a user."""
        self._seen.pop(user_id, None)
        self._muted_until.pop(user_id, None)


@dataclass
class Services:
    """Optional stateful parts: the database and the reminder service (absent for `ask` and `eval`)."""

    store: Store | None = None
    reminders: Any = None  # bot.reminders.service.ReminderService


class Assistant:
    """Answer messages and button presses with reply data."""

    def __init__(
        self,
        knowledge: KnowledgeBase,
        texts: Texts,
        settings: Settings,
        services: Services | None = None,
        reload_knowledge: Callable[[], KnowledgeBase] | None = None,
    ) -> None:
        """Wire the knowledge, texts, settings and optional database/reminder services."""
        self.knowledge = knowledge
        self.texts = texts
        self.settings = settings
        self.services = services or Services()
        self.compose = ReplyComposer(knowledge, texts, settings.emergency_number)
        self.flood = FloodGuard(
            settings.flood_max_messages,
            timedelta(seconds=settings.flood_window_seconds),
            timedelta(seconds=settings.flood_mute_seconds),
        )
        self._reload_knowledge = reload_knowledge

    # --- stateless question answering (CLI `ask`, eval, and the core of `handle`) -------------
    def ask(self, question: str) -> list[Reply]:
        """Return the replies to a question: emergency first, medication guard, answer or no match."""
        text, _ = clean_text(question, self.settings.max_message_chars)
        if not text:
            return [Reply(ReplyKind.ERROR, (Block(self.texts.get("empty_message")),))]
        verdict = self.knowledge.safety.check(text)
        if verdict.urgent is not None:
            return [self.compose.urgent(verdict)]
        result = self.knowledge.searcher.search(text)
        if verdict.medication:
            replies = self.compose.medication(result)
        else:
            replies = [self.compose.answer(result) if result.answered else self.compose.no_match(result)]
        return [self.compose.with_caution(replies[0], verdict), *replies[1:]]

    # --- messages ---------------------------------------------------------------------------------
    def handle(self, message: Incoming, now: datetime) -> list[Reply]:
        """Return the replies to one incoming text message."""
        if message.is_group and not message.addressed_to_bot:
            return []
        gate = self.flood.check(message.user_id, now)
        if gate == "drop":
            return []
        if gate == "warn":
            return [Reply(ReplyKind.ERROR, (Block(self.texts.get("flood")),))]
        text, was_cut = clean_text(message.text, self.settings.max_message_chars)
        if not text:
            return [Reply(ReplyKind.ERROR, (Block(self.texts.get("empty_message")),))]
        store = self.services.store
        if store is not None:
            store.upsert_user(message.user_id, message.chat_id, now)
        command = _COMMAND.match(text)
        if command:
            return self._command(message, command.group(1).lower(), (command.group(3) or "").strip(), now)
        verdict = self.knowledge.safety.check(text)
        if verdict.urgent is not None:
            self._count("urgent", now)
            return [self.compose.urgent(verdict)]  # before consent, flows and everything else
        if not self._accepted(message.user_id):
            return [*self._consent_request(), self._note("consent_needed")]
        if self.services.reminders is not None:
            flow = self.services.reminders.continue_flow(message.user_id, message.chat_id, text, now)
            if flow is not None:
                return list(flow)
        replies = self.ask(text)
        self._count("questions", now)
        self._count(replies[0].kind.value, now)
        if was_cut:
            replies.insert(0, self._note("too_long", limit=self.settings.max_message_chars))
        return replies

    def non_text(self, message: Incoming) -> list[Reply]:
        """Return the reply to a sticker, photo, voice note or file."""
        if message.is_group and not message.addressed_to_bot:
            return []
        return [self._note("non_text")]

    # --- commands ---------------------------------------------------------------------------------
    def _command(self, message: Incoming, name: str, args: str, now: datetime) -> list[Reply]:
        command = self.texts.command(name)
        if command is None or (command.admin and message.user_id not in self.settings.admin_ids):
            return [self._note("unknown_command", command=f"/{name}"[:40])]
        name = command.name
        if name not in _BEFORE_CONSENT and not self._accepted(message.user_id):
            return [*self._consent_request(), self._note("consent_needed")]
        handler = getattr(self, f"_cmd_{name}")
        replies: list[Reply] = handler(message, args, now)
        return replies

    def _cmd_start(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        welcome = Reply(
            ReplyKind.INFO,
            (Block(self.texts.get("welcome_title"), Style.TITLE), Block(self.texts.get("welcome_body"))),
        )
        if self._accepted(message.user_id):
            return [welcome, self.compose.disclaimer()]
        return [welcome, *self._consent_request()]

    def _cmd_help(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        blocks = [Block(self.texts.get("help_title"), Style.TITLE), Block(self.texts.get("help_intro"))]
        for command in self.texts.commands:
            if command.admin and message.user_id not in self.settings.admin_ids:
                continue
            blocks.append(Block(f"{command.usage} — {command.description}", Style.ITEM))
        blocks.append(Block(self.texts.get("help_outro")))
        return [Reply(ReplyKind.INFO, tuple(blocks))]

    def _cmd_disclaimer(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        return [self.compose.disclaimer()]

    def _cmd_glossary(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        if not args:
            return [self.compose.glossary_index()]
        return [self.compose.glossary_result(self.knowledge.glossary.lookup(args[:200]))]

    def _cmd_privacy(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        body = self.texts.get(
            "privacy_body",
            operator=self.settings.operator_name,
            contact=self.settings.operator_contact,
            retention=self.settings.retention_days,
        )
        return [Reply(ReplyKind.INFO, (Block(self.texts.get("privacy_title"), Style.TITLE), Block(body)))]

    def _cmd_forget(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        confirm = Button(self.texts.get("forget_button"), "fg:y")
        keep = Button(self.texts.get("forget_cancel_button"), "fg:n")
        buttons = ((confirm, keep),)
        return [Reply(ReplyKind.INFO, (Block(self.texts.get("forget_confirm")),), buttons)]

    def _cmd_stats(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        store = self.services.store
        stats = store.stats() if store is not None else {}
        lines = [Block(f"{key}: {value}", Style.ITEM) for key, value in sorted(stats.items())]
        return [Reply(ReplyKind.INFO, (Block(self.texts.get("stats_title"), Style.TITLE), *lines))]

    def _cmd_reload(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        return [self.reload()]

    def reload(self) -> Reply:
        """Re-read knowledge/ and swap it in; on any problem keep the old knowledge and say why."""
        if self._reload_knowledge is None:
            return self._note("reload_failed", problem="reloading is not configured")
        try:
            knowledge = self._reload_knowledge()
        except Exception as error:  # a bad file must never take the running bot down
            return self._note("reload_failed", problem=str(error)[:300])
        self.knowledge = knowledge
        self.compose = ReplyComposer(knowledge, self.texts, self.settings.emergency_number)
        return self._note("reload_done", passages=len(knowledge.passages), terms=len(knowledge.glossary.entries))

    def _reminder_command(self, method: str, message: Incoming, args: str, now: datetime) -> list[Reply]:
        service = self.services.reminders
        if service is None:
            return [self._note("reminders_unavailable")]
        result: list[Reply] = getattr(service, method)(message, args, now)
        return result

    def _cmd_remind(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        return self._reminder_command("command_remind", message, args, now)

    def _cmd_reminders(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        return self._reminder_command("command_reminders", message, args, now)

    def _cmd_cancel(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        return self._reminder_command("command_cancel", message, args, now)

    def _cmd_calendar(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        return self._reminder_command("command_calendar", message, args, now)

    def _cmd_plan(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        return self._reminder_command("command_plan", message, args, now)

    def _cmd_timezone(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        return self._reminder_command("command_timezone", message, args, now)

    # --- buttons ----------------------------------------------------------------------------------
    def handle_button(self, user_id: int, chat_id: int, data: str, now: datetime) -> list[Reply]:
        """Return the replies to a button press; unknown, stale or malformed data gets a kind notice."""
        if not isinstance(data, str) or len(data.encode("utf-8", "replace")) > 64:
            return [self.compose.expired()]
        if self.flood.check(user_id, now) == "drop":
            return []
        kind, _, rest = data.partition(":")
        if kind == "ok":
            return self._accept(user_id, chat_id, now)
        if kind == "fg":
            return self._forget(user_id, rest == "y")
        if not self._accepted(user_id):
            return [*self._consent_request(), self._note("consent_needed")]
        if kind == "m":
            ids = [pid for pid in rest.split(",") if _PASSAGE_ID.match(pid)]
            return [self.compose.more(ids)]
        if kind in {"g", "ga"}:
            entry = self.knowledge.glossary.get(rest)
            return [self.compose.glossary_entry(entry, alternatives=kind == "ga")] if entry else [self.compose.expired()]
        if kind == "gl":
            return [self._glossary_page(rest)]
        if kind == "r" and self.services.reminders is not None:
            return list(self.services.reminders.handle_button(user_id, chat_id, data, now))
        return [self.compose.expired()]

    def _glossary_page(self, rest: str) -> Reply:
        if not rest:
            return self.compose.glossary_index()
        letter, _, page = rest.partition(":")
        if len(letter) != 1 or not (page.isascii() and page.isdigit()) or len(page) > 4:
            return self.compose.expired()
        return self.compose.glossary_page(letter, int(page))

    # --- consent and data rights ------------------------------------------------------------------
    def _accepted(self, user_id: int) -> bool:
        store = self.services.store
        return True if store is None else store.has_accepted(user_id)

    def _consent_request(self) -> list[Reply]:
        disclaimer = self.compose.disclaimer()
        button = ((Button(self.texts.get("consent_button"), "ok"),),)
        blocks = (Block(self.texts.get("consent_title"), Style.TITLE), *disclaimer.blocks[1:])
        return [Reply(ReplyKind.INFO, blocks, button)]

    def _accept(self, user_id: int, chat_id: int, now: datetime) -> list[Reply]:
        store = self.services.store
        if store is not None:
            store.upsert_user(user_id, chat_id, now)
            store.accept_disclaimer(user_id, now)
        return [self._note("consent_thanks")]

    def _forget(self, user_id: int, confirmed: bool) -> list[Reply]:
        if not confirmed:
            return [self._note("forget_kept")]
        store = self.services.store
        if store is not None:
            store.forget_user(user_id)
        self.flood.forget(user_id)
        return [self._note("forget_done")]

    # --- helpers ----------------------------------------------------------------------------------
    def _note(self, key: str, **values: object) -> Reply:
        return Reply(ReplyKind.INFO, (Block(self.texts.get(key, **values)),))

    def _count(self, name: str, now: datetime) -> None:
        store = self.services.store
        if store is not None:
            store.increment(name, now)
