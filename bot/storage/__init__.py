"""The bot's only persistent state: one SQLite file (``database.py``) and one repository per table group.

``Database`` owns the connection, transactions and migrations; each repository owns the SQL of its
tables: ``UserRepository`` (users: settings and consent), ``FlowRepository`` (unfinished guided
conversations), ``Counters`` (anonymous daily counts and /stats), ``Privacy`` (erasure and retention,
across every table that names a user, and the user's files through ``UserFiles``), ``Inbox`` (incoming
updates until handled and answered), ``Lease`` (one running bot per file). ``StorageGuard`` decides
whether writing is attempted at all. Reminder tables have their repositories in ``bot/reminders/``, the
record's (tablets, DEXA results, questions) in ``bot/record/``.
"""

from bot.storage.counters import Counters
from bot.storage.database import (
    Database,
    StorageError,
    format_offsets,
    from_db_time,
    is_storage_failure,
    parse_offsets,
    to_db_time,
)
from bot.storage.files import UserFiles
from bot.storage.flows import FlowRepository
from bot.storage.guard import StorageGuard
from bot.storage.inbox import Inbox, InboxEntry
from bot.storage.lease import Lease, LeaseHolder
from bot.storage.privacy import USER_TABLES, Privacy
from bot.storage.schema import MIGRATIONS, DeliveryStatus, InboxStatus, ReminderStatus
from bot.storage.users import User, UserRepository

__all__ = [
    "MIGRATIONS",
    "USER_TABLES",
    "Counters",
    "Database",
    "DeliveryStatus",
    "FlowRepository",
    "Inbox",
    "InboxEntry",
    "InboxStatus",
    "Lease",
    "LeaseHolder",
    "Privacy",
    "ReminderStatus",
    "StorageError",
    "StorageGuard",
    "User",
    "UserFiles",
    "UserRepository",
    "format_offsets",
    "from_db_time",
    "is_storage_failure",
    "parse_offsets",
    "to_db_time",
]
