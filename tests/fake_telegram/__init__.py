"""Fake Telegram Bot API server for end-to-end tests of the bot with real python-telegram-bot."""

from .server import Call, Failure, FakeTelegramServer
from .state import UploadedFile

__all__ = ["Call", "Failure", "FakeTelegramServer", "UploadedFile"]
