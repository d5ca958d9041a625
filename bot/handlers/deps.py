"""What handlers read and use: settings, the current knowledge and texts, storage, and small helpers.

One ``Deps`` is owned by the Assistant and shared by every handler group. Knowledge and texts are read
from the shared ``ContentRef`` at each use, so a reload reaches every handler at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.config import Settings
from bot.content import Content, ContentRef
from bot.knowledge.base import KnowledgeBase
from bot.models import Block, Reply, ReplyKind
from bot.record.service import Record
from bot.reminders.service import Reminders
from bot.replies import ReplyComposer
from bot.storage import Counters, Privacy, StorageGuard, UserRepository, is_storage_failure
from bot.texts import Texts


@dataclass(frozen=True)
class Services:
    """The stateful parts, absent for `ask` and `eval`: users, counters, erasure, reminders, the record,
    and the guard that says whether the database can be written right now."""

    users: UserRepository | None = None
    counters: Counters | None = None
    privacy: Privacy | None = None
    reminders: Reminders | None = None
    storage: StorageGuard | None = None
    record: Record | None = None


class Deps:
    """Shared by the Assistant and its handler groups."""

    def __init__(self, content: ContentRef, settings: Settings, services: Services) -> None:
        """Read content through ``content``; keep the settings and the services."""
        self.content = content
        self.settings = settings
        self.services = services
        self._composer: tuple[Content, ReplyComposer] | None = None
        # Users who pressed "I understand" while the database could not be written (process memory only).
        self.accepted_in_memory: set[int] = set()

    @property
    def knowledge(self) -> KnowledgeBase:
        """Return the knowledge in use."""
        return self.content.current.knowledge

    @property
    def texts(self) -> Texts:
        """Return the fixed texts in use."""
        return self.content.current.texts

    @property
    def compose(self) -> ReplyComposer:
        """Return the reply composer of the content in use (rebuilt once after a reload)."""
        current = self.content.current
        if self._composer is None or self._composer[0] is not current:
            self._composer = (
                current,
                ReplyComposer(current.knowledge, current.texts, current.safety, self.settings.emergency_number),
            )
        return self._composer[1]

    def note(self, key: str, **values: object) -> Reply:
        """Return a fixed text from messages.yaml as an info reply."""
        return Reply(ReplyKind.INFO, (Block(self.texts.get(key, **values)),))

    def note_error(self, key: str) -> Reply:
        """Return a fixed text from messages.yaml as the reply to bad input."""
        return Reply(ReplyKind.ERROR, (Block(self.texts.get(key)),))

    def storage_ok(self) -> bool:
        """Return True unless the database is known not to be writable right now (no guard: True)."""
        guard = self.services.storage
        return guard is None or guard.writable

    def accepted(self, user_id: int) -> bool:
        """Return True when the user accepted the disclaimer (always, without a database).

        While the database cannot be written a failed read counts as "not yet" (the user is asked, and
        their "I understand" is held in memory): nothing about consent may stop an answer then.
        """
        users = self.services.users
        if users is None or user_id in self.accepted_in_memory:
            return True
        if self.storage_ok():
            return users.has_accepted(user_id)
        try:
            return users.has_accepted(user_id)
        except Exception as error:
            if not is_storage_failure(error):
                raise
            return False

    def audience(self, user_id: int) -> str | None:
        """Return whose passages the user wants first, if known (None when it cannot be read right now)."""
        users = self.services.users
        if users is None:
            return None
        if self.storage_ok():
            return users.audience(user_id)
        try:
            return users.audience(user_id)
        except Exception as error:
            if not is_storage_failure(error):
                raise
            return None

    def count(self, name: str, now: datetime) -> None:
        """Add one to an anonymous daily counter (skipped while the database cannot be written)."""
        if self.services.counters is not None and self.storage_ok():
            self.services.counters.increment(name, now)

    def is_admin(self, user_id: int) -> bool:
        """Return True for an operator listed in ``admin_ids``."""
        return user_id in self.settings.admin_ids
