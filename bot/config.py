"""Settings: one frozen object loaded from a YAML file plus environment overrides.

This module is the only reader of ``os.environ`` in the project (a test checks it). Every key is
documented in ``config.example.yaml`` (another test checks that too). Problems are reported as
``ConfigError`` naming the key; the bot token never appears in an error or a repr.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.errors import ConfigError
from bot.yamlfile import load_yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]

ENV_CONFIG = "PATIENT_BOT_CONFIG"
ENV_TOKEN = "TELEGRAM_BOT_TOKEN"
ENV_BASE_URL = "TELEGRAM_API_BASE_URL"
ENV_DATABASE = "PATIENT_BOT_DATABASE"
ENV_KNOWLEDGE = "PATIENT_BOT_KNOWLEDGE"
ENV_LOG_KEY = "PATIENT_BOT_LOG_KEY"
ENV_WEBHOOK_SECRET = "PATIENT_BOT_WEBHOOK_SECRET"
ENV_LOG_TEXT = "PATIENT_BOT_DEBUG_LOG_TEXT"
# Environment variable -> settings key it overrides.
ENV_OVERRIDES = {
    ENV_TOKEN: "telegram_token",
    ENV_BASE_URL: "telegram_api_base_url",
    ENV_DATABASE: "database",
    ENV_KNOWLEDGE: "knowledge_dir",
    ENV_LOG_KEY: "log_hash_key",
    ENV_WEBHOOK_SECRET: "webhook_secret_token",
    ENV_LOG_TEXT: "debug_log_text",
}


@dataclass(frozen=True)
class Settings:
    """Everything configurable about the bot; build it with ``load_settings``."""

    telegram_token: str | None = field(default=None, repr=False)
    telegram_api_base_url: str | None = None
    telegram_max_per_second: float = 30.0
    telegram_concurrency: int = 32
    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    database: Path = Path("data/patient-bot.sqlite3")
    emergency_number: str = "112"
    default_timezone: str = "UTC"
    reminder_offsets_days: tuple[int, ...] = (7, 1, 0)
    reminder_time: time = time(9, 0)
    max_active_reminders: int = 50
    retention_days: int = 30
    operator_name: str = "the clinic that runs this bot"
    operator_contact: str = "your clinic's reception"
    admin_ids: tuple[int, ...] = ()
    flood_max_messages: int = 20
    flood_window_seconds: int = 60
    flood_mute_seconds: int = 120
    max_message_chars: int = 2000
    log_level: str = "INFO"
    log_hash_key: str | None = field(default=None, repr=False)
    debug_log_text: bool = False
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_url: str | None = None
    webhook_path: str = "telegram"
    webhook_secret_token: str | None = field(default=None, repr=False)
    health_port: int = 8080

    @property
    def timezone(self) -> ZoneInfo:
        """Return the default timezone as a ZoneInfo."""
        return ZoneInfo(self.default_timezone)


def _parse_bool(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{key}: expected true or false, got {value!r}")


def _parse_int(value: Any, key: str, minimum: int = 0) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key}: expected a whole number, got {value!r}") from None
    if number < minimum:
        raise ConfigError(f"{key}: must be at least {minimum}")
    return number


def _parse_time(value: Any, key: str) -> time:
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", str(value).strip())
    if not match:
        raise ConfigError(f"{key}: expected a time HH:MM, got {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


def _convert(key: str, value: Any) -> Any:
    """Return a config value converted to its settings type, or raise ConfigError naming the key."""
    if value is None:
        return None
    if key == "telegram_max_per_second":
        try:
            rate = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{key}: expected a number of messages per second") from None
        if rate < 0:
            raise ConfigError(f"{key}: must be 0 (no limiter) or more")
        return rate
    if key == "telegram_concurrency":
        return _parse_int(value, key, minimum=1)
    if key in {"knowledge_dir", "database"}:
        return Path(str(value)).expanduser()
    if key == "debug_log_text":
        return _parse_bool(value, key)
    if key in {"max_active_reminders", "retention_days", "flood_max_messages", "flood_window_seconds",
               "flood_mute_seconds", "max_message_chars", "webhook_port"}:
        return _parse_int(value, key, minimum=1)
    if key == "health_port":
        return _parse_int(value, key, minimum=0)
    if key == "reminder_time":
        return _parse_time(value, key)
    if key == "reminder_offsets_days":
        items = value if isinstance(value, list) else str(value).split(",")
        offsets = tuple(sorted({_parse_int(item, key) for item in items}, reverse=True))
        if not offsets or offsets[0] > 60:
            raise ConfigError(f"{key}: expected 1 to 10 offsets between 0 and 60 days")
        return offsets
    if key == "admin_ids":
        items = value if isinstance(value, list) else str(value).split(",")
        return tuple(_parse_int(item, key) for item in items if str(item).strip())
    if key == "default_timezone":
        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{key}: unknown IANA timezone {value!r} (e.g. Europe/London)") from None
        return str(value)
    if key == "log_level":
        level = str(value).upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ConfigError(f"{key}: expected DEBUG, INFO, WARNING or ERROR")
        return level
    return str(value)


def load_settings(environ: Mapping[str, str] | None = None, config_path: Path | None = None) -> Settings:
    """Return settings from the config file (``PATIENT_BOT_CONFIG`` or ``config_path``) and environment."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    path = config_path or (Path(env[ENV_CONFIG]) if env.get(ENV_CONFIG) else None)
    if path is not None:
        try:
            data = load_yaml(path.read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except yaml.YAMLError as error:
            raise ConfigError(f"config file {path}: invalid YAML: {error}") from None
        if not isinstance(data, Mapping):
            raise ConfigError(f"config file {path}: expected a mapping of settings")
        values.update(data)
    for variable, key in ENV_OVERRIDES.items():
        if env.get(variable):
            values[key] = env[variable]
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(map(str, unknown))} (see config.example.yaml)")
    converted = {key: _convert(key, value) for key, value in values.items()}
    return Settings(**{k: v for k, v in converted.items() if v is not None})
