"""The bot's general commands: /start, /help, /disclaimer, /privacy, /forget, /stats, /reload, and consent.

Also the stand-in for the reminder commands when no database is configured (``patient-bot ask``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from bot.buttons import Consent, Forget
from bot.handlers.deps import Deps
from bot.models import Block, Button, Incoming, Reply, ReplyKind, Style
from bot.routing import AnyButtonRoute, ButtonRoute, CommandRoute


class GeneralCommands:
    """First contact, help, the disclaimer, privacy and erasure, and the operators' commands."""

    def __init__(self, deps: Deps, reload: Callable[[], Reply]) -> None:
        """Use the shared deps; ``reload`` re-reads the knowledge (the Assistant owns the swap)."""
        self.deps = deps
        self._reload = reload

    def commands(self) -> Mapping[str, CommandRoute]:
        """Return the general commands by name."""
        return {
            "start": CommandRoute(self.start, before_consent=True, storage=False),
            "help": CommandRoute(self.help, before_consent=True, storage=False),
            "disclaimer": CommandRoute(self.disclaimer, before_consent=True, storage=False),
            "privacy": CommandRoute(self.privacy, before_consent=True, storage=False),
            "forget": CommandRoute(self.forget, before_consent=True),
            "stats": CommandRoute(self.stats, storage=False),
            "reload": CommandRoute(lambda message, args, now: [self._reload()], storage=False),
        }

    def buttons(self) -> Iterable[AnyButtonRoute]:
        """Return the consent and erasure buttons (both work before consent).

        Consent works without storage too (held in memory, see ``accept``); erasure says it cannot be
        done right now rather than pretend.
        """
        return (
            ButtonRoute(Consent, lambda message, data, now: self.accept(message, now), before_consent=True,
                        storage=False),
            ButtonRoute(Forget, lambda message, data, now: self.erase(message, data.confirm), before_consent=True),
        )

    def start(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """Welcome, and the disclaimer (with the consent button until it is accepted)."""
        texts, compose = self.deps.texts, self.deps.compose
        welcome = Reply(
            ReplyKind.INFO, (Block(texts.get("welcome_title"), Style.TITLE), Block(texts.get("welcome_body")))
        )
        if self.deps.accepted(message.user_id):
            return [welcome, compose.disclaimer()]
        return [welcome, compose.consent_request()]

    def help(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """How to use the bot and the commands this user may use."""
        texts = self.deps.texts
        blocks = [Block(texts.get("help_title"), Style.TITLE), Block(texts.get("help_intro"))]
        for command in texts.commands:
            if command.admin and not self.deps.is_admin(message.user_id):
                continue
            blocks.append(Block(f"{command.usage} — {command.description}", Style.ITEM))
        blocks.append(Block(texts.get("help_outro")))
        return [Reply(ReplyKind.INFO, tuple(blocks))]

    def disclaimer(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """The full disclaimer."""
        return [self.deps.compose.disclaimer()]

    def privacy(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """What is stored, why, for how long, and who runs the bot."""
        settings, texts = self.deps.settings, self.deps.texts
        body = texts.get(
            "privacy_body",
            operator=settings.operator_name,
            contact=settings.operator_contact,
            retention=settings.retention_days,
        )
        return [Reply(ReplyKind.INFO, (Block(texts.get("privacy_title"), Style.TITLE), Block(body)))]

    def forget(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """Ask to confirm erasing everything stored about the user."""
        texts = self.deps.texts
        buttons = (
            (
                Button(texts.get("forget_button"), Forget(True).pack()),
                Button(texts.get("forget_cancel_button"), Forget(False).pack()),
            ),
        )
        return [Reply(ReplyKind.INFO, (Block(texts.get("forget_confirm")),), buttons)]

    def stats(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """Anonymous usage counts, for operators."""
        counters = self.deps.services.counters
        stats = counters.stats() if counters is not None else {}
        lines = [Block(f"{key}: {value}", Style.ITEM) for key, value in sorted(stats.items())]
        return [Reply(ReplyKind.INFO, (Block(self.deps.texts.get("stats_title"), Style.TITLE), *lines))]

    def accept(self, message: Incoming, now: datetime) -> list[Reply]:
        """Record that the user accepted the disclaimer (in memory while the database cannot be written,
        so a new patient is answered during an outage; it is asked again after a restart)."""
        users = self.deps.services.users
        if users is not None and self.deps.storage_ok():
            users.upsert(message.user_id, message.chat_id, now)
            users.accept_disclaimer(message.user_id, now)
        else:
            self.deps.accepted_in_memory.add(message.user_id)
        return [self.deps.note("consent_thanks")]

    def erase(self, message: Incoming, confirmed: bool) -> list[Reply]:
        """Erase everything stored about the user, or say nothing was deleted."""
        if not confirmed:
            return [self.deps.note("forget_kept")]
        privacy = self.deps.services.privacy
        if privacy is not None:
            privacy.forget_user(message.user_id)
        self.deps.accepted_in_memory.discard(message.user_id)
        return [self.deps.note("forget_done")]


class Unavailable:
    """Stand-in handlers for a feature that is not running (reminders without a database)."""

    def __init__(self, deps: Deps, names: Iterable[str], text_key: str) -> None:
        """Answer each of ``names`` with the fixed text ``text_key``."""
        self.deps, self.names, self.text_key = deps, tuple(names), text_key

    def commands(self) -> Mapping[str, CommandRoute]:
        """Return a route per command name, each answering the same note."""
        return {name: CommandRoute(lambda message, args, now: [self.deps.note(self.text_key)]) for name in self.names}

    def buttons(self) -> Iterable[AnyButtonRoute]:
        """Return no buttons: a stale button of the feature gets the "expired" reply."""
        return ()
