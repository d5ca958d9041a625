"""The bot's only persistent state: one SQLite file (``database.py``) and one repository per table group.

``Database`` owns the connection, transactions and migrations; each repository owns the SQL of its
tables: ``UserRepository`` (users: settings and consent), ``FlowRepository`` (unfinished guided
conversations), ``Counters`` (anonymous daily counts and /stats), ``Privacy`` (erasure and retention,
across every table that names a user, and the user's files through ``UserFiles``). Reminder tables have
their repositories in ``bot/reminders/``, the record's (tablets, DEXA results, questions) in ``bot/record/``.
"""

from bot.storage.counters import Counters
from bot.storage.database import Database, format_offsets, from_db_time, parse_offsets, to_db_time
from bot.storage.files import UserFiles
from bot.storage.flows import FlowRepository
from bot.storage.privacy import USER_TABLES, Privacy
from bot.storage.schema import MIGRATIONS, DeliveryStatus, ReminderStatus
from bot.storage.users import User, UserRepository

__all__ = [
    "MIGRATIONS",
    "USER_TABLES",
    "Counters",
    "Database",
    "DeliveryStatus",
    "FlowRepository",
    "Privacy",
    "ReminderStatus",
    "User",
    "UserFiles",
    "UserRepository",
    "format_offsets",
    "from_db_time",
    "parse_offsets",
    "to_db_time",
]
