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
            "start": CommandRoute(self.start, before_consent=True),
            "help": CommandRoute(self.help, before_consent=True),
            "disclaimer": CommandRoute(self.disclaimer, before_consent=True),
            "privacy": CommandRoute(self.privacy, before_consent=True),
            "forget": CommandRoute(self.forget, before_consent=True),
            "stats": CommandRoute(self.stats),
            "reload": CommandRoute(lambda message, args, now: [self._reload()], slow=True),
        }

    def buttons(self) -> Iterable[AnyButtonRoute]:
        """Return the consent and erasure buttons (both work before consent)."""
        return (
            ButtonRoute(Consent, lambda message, data, now: self.accept(message, now), before_consent=True),
            ButtonRoute(Forget, lambda message, data, now: self.erase(message, data.confirm), before_consent=True,
                        personal=True),
        )

    def start(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """Welcome, and the disclaimer (with the consent button until it is accepted)."""
        texts, compose = self.deps.texts, self.deps.compose
        welcome = Reply(
            ReplyKind.INFO, (Block(texts.get("welcome_title"), Style.TITLE), Block(texts.get("welcome_body")))
        )
        replies = [welcome]
        if not message.is_person:  # consent could not be tied to anyone: show the disclaimer itself
            return [welcome, compose.disclaimer(), self.deps.note("not_a_person")]
        replies.append(compose.disclaimer() if self.deps.accepted(message.user_id) else compose.consent_request())
        continued = texts.command(args.strip().lower()) if args.strip() else None
        if continued is not None and continued.personal and not message.is_group:
            # Opened from a group's "private chat" button (deep link /start <command>): carry on here.
            replies.append(self.deps.note("start_continue", usage=continued.usage))
        return replies

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
        if settings.operator_name and settings.operator_contact:
            operator = texts.get("privacy_operator", operator=settings.operator_name, contact=settings.operator_contact)
        else:  # only off Telegram: there both are required at start-up (config.check_for_telegram)
            operator = texts.get("privacy_operator_unset")
        body = texts.get("privacy_body", retention=settings.retention_days)
        return [Reply(ReplyKind.INFO, (Block(texts.get("privacy_title"), Style.TITLE), Block(operator), Block(body)))]

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
        """Anonymous usage counts for operators: today, 7 and 30 days, with rates as percentages.

        Messages are the questions answered plus the emergency replies; each kind of reply is shown as
        a count and its share of those messages.
        """
        texts = self.deps.texts
        counters = self.deps.services.counters
        blocks = [Block(texts.get("stats_title"), Style.TITLE)]
        if counters is None:
            return [Reply(ReplyKind.INFO, (*blocks, Block(texts.get("stats_unavailable"))))]
        windows, current = counters.stats(now)
        blocks.append(Block(texts.get("stats_columns"), Style.TEXT))
        totals = [w.get("questions") + w.get("urgent") for w in windows]

        def line(label: str, values: list[int], shares: bool = False) -> Block:
            cells = [
                texts.get("stats_share", count=value, percent=_percent(value, total)) if shares else str(value)
                for value, total in zip(values, totals, strict=True)
            ]
            return Block(texts.get("stats_line", label=texts.get(label), values=" · ".join(cells)), Style.ITEM)

        blocks.append(line("stats_messages", totals))
        for name, label in _KINDS:
            blocks.append(line(label, [w.get(name) for w in windows], shares=True))
        blocks.append(line("stats_new_users", [w.new_users for w in windows]))
        for name in ("reminders_set", "reminders_cancelled", "reminders_sent"):
            blocks.append(line(f"stats_{name}", [w.get(name) for w in windows]))
        blocks.append(Block(texts.get("stats_now", users=current["users"], active=current["reminders_active"])))
        return [Reply(ReplyKind.INFO, tuple(blocks))]

    def accept(self, message: Incoming, now: datetime) -> list[Reply]:
        """Record that the user accepted the disclaimer."""
        users = self.deps.services.users
        if users is not None:
            users.upsert(message.user_id, message.chat_id, now)
            users.accept_disclaimer(message.user_id, now)
        return [self.deps.note("consent_thanks")]

    def erase(self, message: Incoming, confirmed: bool) -> list[Reply]:
        """Erase everything stored about the user, or say nothing was deleted."""
        if not confirmed:
            return [self.deps.note("forget_kept")]
        privacy = self.deps.services.privacy
        if privacy is not None:
            privacy.forget_user(message.user_id)
        return [self.deps.note("forget_done")]


# The kinds of reply counted per message, and their labels in messages.yaml.
_KINDS = (
    ("answer", "stats_answered"),
    ("no_match", "stats_not_covered"),
    ("medication", "stats_medication"),
    ("small_talk", "stats_small_talk"),
    ("urgent", "stats_urgent"),
)


def _percent(part: int, whole: int) -> str:
    """Return a share as a whole percentage ("67%"), or "–" when there is nothing to share."""
    return f"{round(100 * part / whole)}%" if whole else "–"


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
