"""Settings: one frozen object loaded from a YAML file plus environment overrides.

Every setting is one row of ``OPTIONS``: its name, type, default, limits, environment variable and a
one-line help. That table is the only place a setting's rules are stated: loading validates against
it, ``config.example.yaml`` is checked against it (tests), and ``Settings`` mirrors it field by field
(a test checks that too). This module is the only reader of ``os.environ`` in the project. Problems are
``ConfigError`` naming the key; the bot token never appears in an error or a repr.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.errors import ConfigError
from bot.yamlfile import load_yaml

ENV_CONFIG = "PATIENT_BOT_CONFIG"


def packaged_knowledge_dir() -> Path:
    """Return the default knowledge folder shipped with the code (the one way the code finds it).

    In an installed wheel it is the package data ``bot/defaults/`` (pyproject.toml maps the repository's
    ``knowledge/`` there); in a source checkout or an editable install, that ``knowledge/`` itself.
    """
    package = Path(__file__).resolve().parent
    installed = package / "defaults"
    return installed if installed.is_dir() else package.parent / "knowledge"


DEFAULT_KNOWLEDGE = packaged_knowledge_dir()
# Reminder offsets (days before an event): stated once, used by the config and by /remind settings.
MAX_REMINDER_OFFSETS = 5
MAX_OFFSET_DAYS = 60

Kind = Literal["str", "int", "float", "bool", "path", "time", "timezone", "offsets", "ids", "level"]


@dataclass(frozen=True)
class Option:
    """One setting: how it is read, its default and limits, and what it is for."""

    name: str
    kind: Kind
    default: Any
    help: str
    minimum: float | None = None
    env: str | None = None
    maximum: float | None = None


OPTIONS: tuple[Option, ...] = (
    Option("telegram_token", "str", None, "Telegram bot token from @BotFather (set it in the environment)",
           env="TELEGRAM_BOT_TOKEN"),
    Option("telegram_api_base_url", "str", None, "a self-hosted Bot API server, PTB's base_url",
           env="TELEGRAM_API_BASE_URL"),
    Option("telegram_max_per_second", "float", 30.0, "bot-wide sending limit; 0 turns the limiter off", minimum=0),
    Option("telegram_concurrency", "int", 32, "updates processed at once", minimum=1),
    Option("telegram_chat_seconds", "float", 1.0,
           "seconds between two messages to one chat (Telegram: about one per second); 0 turns it off", minimum=0),
    Option("telegram_group_per_minute", "int", 20, "most messages to one group in any minute (Telegram: 20)",
           minimum=1),
    Option("knowledge_dir", "path", DEFAULT_KNOWLEDGE,
           "the knowledge folder (default: the one shipped with the bot; `patient-bot knowledge init DIR` copies it)",
           env="PATIENT_BOT_KNOWLEDGE"),
    Option("database", "path", Path("data/patient-bot.sqlite3"), "the SQLite database file",
           env="PATIENT_BOT_DATABASE"),
    Option("emergency_number", "str", "112", "emergency number shown in seek-care-now replies"),
    Option("default_timezone", "timezone", "UTC", "timezone used until a user sets one (IANA name)"),
    Option("reminder_offsets_days", "offsets", (7, 1, 0),
           f"days before the date at which reminders fire (1 to {MAX_REMINDER_OFFSETS} values, 0 to {MAX_OFFSET_DAYS})"),
    Option("reminder_time", "time", time(9, 0), "local time of day at which reminders fire (HH:MM)"),
    Option("max_active_reminders", "int", 50, "most active reminders one user may have", minimum=1),
    Option("retention_days", "int", 30, "finished reminders are deleted after this many days", minimum=1),
    Option("operator_name", "str", None, "who runs the bot, shown by /privacy (required on Telegram)",
           env="PATIENT_BOT_OPERATOR_NAME"),
    Option("operator_contact", "str", None, "how to reach the operator, shown by /privacy (required on Telegram)",
           env="PATIENT_BOT_OPERATOR_CONTACT"),
    Option("admin_ids", "ids", (), "Telegram user ids allowed to use /stats and /reload"),
    Option("flood_max_messages", "int", 20, "messages per window before a user is muted", minimum=1),
    Option("flood_window_seconds", "int", 60, "flood counting window", minimum=1),
    Option("flood_mute_seconds", "int", 120, "how long a flooding user is muted", minimum=1),
    Option("max_message_chars", "int", 2000, "longer questions are cut to this many characters", minimum=1),
    Option("log_level", "level", "INFO", "DEBUG, INFO, WARNING or ERROR"),
    Option("log_hash_key", "str", None, "key of the hash that replaces user ids in logs", env="PATIENT_BOT_LOG_KEY"),
    Option("debug_log_text", "bool", False, "log message texts (never in production)", env="PATIENT_BOT_DEBUG_LOG_TEXT"),
    Option("webhook_listen", "str", "0.0.0.0", "address the webhook server listens on"),
    Option("webhook_port", "int", 8443, "port of the webhook server", minimum=1, maximum=65535),
    Option("webhook_url", "str", None, "public HTTPS URL Telegram posts to"),
    Option("webhook_path", "str", "telegram", "path of the webhook"),
    Option("webhook_secret_token", "str", None, "secret Telegram sends with every webhook request",
           env="PATIENT_BOT_WEBHOOK_SECRET"),
    Option("health_port", "int", 8080, "port of GET /healthz; 0 turns it off", minimum=0, maximum=65535),
    Option("console_files_dir", "path", None,
           "where the console chat saves files such as /calendar's .ics and the record's pictures, a folder per "
           "user that /forget deletes (default: console-files beside the database)"),
    Option("health_check_seconds", "float", 10.0,
           "how often the database is probed with a real write (and the webhook checked) for /healthz", minimum=0.2),
    Option("lease_seconds", "float", 30.0,
           "the instance lease on the database lasts this long unless renewed (renewed every third of it)", minimum=1),
    Option("stop_grace_seconds", "float", 8.0,
           "on SIGTERM, time for replies in hand before unsent ones are left in the database for the next start",
           minimum=0),
)
OPTION = {option.name: option for option in OPTIONS}
# Environment variable -> settings key it overrides.
ENV_OVERRIDES = {option.env: option.name for option in OPTIONS if option.env}


@dataclass(frozen=True)
class Settings:
    """Everything configurable about the bot; build it with ``load_settings`` (rules: ``OPTIONS``)."""

    telegram_token: str | None = field(default=None, repr=False)
    telegram_api_base_url: str | None = None
    telegram_max_per_second: float = 30.0
    telegram_concurrency: int = 32
    telegram_chat_seconds: float = 1.0
    telegram_group_per_minute: int = 20
    knowledge_dir: Path = DEFAULT_KNOWLEDGE
    database: Path = Path("data/patient-bot.sqlite3")
    emergency_number: str = "112"
    default_timezone: str = "UTC"
    reminder_offsets_days: tuple[int, ...] = (7, 1, 0)
    reminder_time: time = time(9, 0)
    max_active_reminders: int = 50
    retention_days: int = 30
    operator_name: str | None = None
    operator_contact: str | None = None
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
    console_files_dir: Path | None = None
    health_check_seconds: float = 10.0
    lease_seconds: float = 30.0
    stop_grace_seconds: float = 8.0

    @property
    def timezone(self) -> ZoneInfo:
        """Return the default timezone as a ZoneInfo."""
        return ZoneInfo(self.default_timezone)

    @property
    def console_files(self) -> Path:
        """Return the folder the console chat saves files to (``console_files_dir``, or beside the database)."""
        return self.console_files_dir or self.database.parent / "console-files"


def _integer(value: Any, key: str, minimum: float | None, maximum: float | None = None) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key}: expected a whole number, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"{key}: must be at least {minimum:g}")
    if maximum is not None and number > maximum:
        raise ConfigError(f"{key}: must be at most {maximum:g}")
    return number


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [part for part in str(value).split(",") if part.strip()]


def _offsets(value: Any, key: str) -> tuple[int, ...]:
    offsets = tuple(sorted({_integer(item, key, 0) for item in _items(value)}, reverse=True))
    if not 1 <= len(offsets) <= MAX_REMINDER_OFFSETS or offsets[0] > MAX_OFFSET_DAYS:
        raise ConfigError(f"{key}: expected 1 to {MAX_REMINDER_OFFSETS} offsets between 0 and {MAX_OFFSET_DAYS} days")
    return offsets


def _convert(option: Option, value: Any) -> Any:
    """Return a config value converted to its settings type, or raise ConfigError naming the key."""
    key = option.name
    match option.kind:
        case "str":
            text = str(value).strip()
            if not text:
                raise ConfigError(f"{key}: must not be empty (leave it out for the default)")
            return text
        case "int":
            return _integer(value, key, option.minimum, option.maximum)
        case "float":
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ConfigError(f"{key}: expected a number, got {value!r}") from None
            if option.minimum is not None and number < option.minimum:
                raise ConfigError(f"{key}: must be {option.minimum:g} or more")
            return number
        case "bool":
            text = str(value).strip().lower()
            if isinstance(value, bool) or text in {"1", "true", "yes", "on", "0", "false", "no", "off", ""}:
                return value if isinstance(value, bool) else text in {"1", "true", "yes", "on"}
            raise ConfigError(f"{key}: expected true or false, got {value!r}")
        case "path":
            return Path(str(value)).expanduser()
        case "time":
            match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", str(value).strip())
            if not match:
                raise ConfigError(f"{key}: expected a time HH:MM, got {value!r}")
            return time(int(match.group(1)), int(match.group(2)))
        case "timezone":
            try:
                ZoneInfo(str(value))
            except (ZoneInfoNotFoundError, ValueError):
                raise ConfigError(f"{key}: unknown IANA timezone {value!r} (e.g. Europe/London)") from None
            return str(value)
        case "offsets":
            return _offsets(value, key)
        case "ids":
            return tuple(_integer(item, key, None) for item in _items(value))
        case "level":
            level = str(value).upper()
            if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
                raise ConfigError(f"{key}: expected DEBUG, INFO, WARNING or ERROR")
            return level


def load_settings(environ: Mapping[str, str] | None = None, config_path: Path | None = None) -> Settings:
    """Return settings from the config file (``PATIENT_BOT_CONFIG`` or ``config_path``) and environment."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    path = config_path or (Path(env[ENV_CONFIG]) if env.get(ENV_CONFIG) else None)
    if path is not None:
        try:
            data = load_yaml(path.read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path} (named by --config or {ENV_CONFIG})") from None
        except yaml.YAMLError as error:
            raise ConfigError(f"config file {path}: invalid YAML: {error}") from None
        if not isinstance(data, Mapping):
            raise ConfigError(f"config file {path}: expected a mapping of settings")
        values.update(data)
        # A relative path in the file is relative to the file, wherever the bot is started from.
        for key, value in data.items():
            option = OPTION.get(str(key))
            relative = value is not None and not Path(str(value)).expanduser().is_absolute()
            if option is not None and option.kind == "path" and relative:
                values[key] = path.parent / str(value)
    for variable, key in ENV_OVERRIDES.items():
        if env.get(variable):
            values[key] = env[variable]
    unknown = sorted(str(key) for key in set(values) - set(OPTION))
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(unknown)} (see config.example.yaml)")
    converted = {key: _convert(OPTION[key], value) for key, value in values.items() if value is not None}
    return Settings(**converted)


def check_for_telegram(settings: Settings, *, webhook: bool) -> None:
    """Raise ConfigError when settings lack what running on Telegram needs (checked once, at start-up).

    A real deployment must say who runs it (``/privacy`` names the operator: a patient has a right to
    know who holds their data); webhook mode needs its public URL and secret.
    """
    if not settings.telegram_token:
        raise ConfigError("telegram_token: not set; set TELEGRAM_BOT_TOKEN (from @BotFather), or use `patient-bot chat`")
    missing = [key for key in ("operator_name", "operator_contact") if not getattr(settings, key)]
    if missing:
        variables = " and ".join(str(OPTION[key].env) for key in missing)
        raise ConfigError(f"{' and '.join(missing)}: required on Telegram (shown by /privacy); set them in the "
                          f"config file or {variables}")
    if webhook:
        check_webhook(settings)


def check_webhook(settings: Settings) -> None:
    """Raise ConfigError when webhook mode lacks its secret or its public URL."""
    if not settings.webhook_secret_token:
        raise ConfigError("webhook_secret_token: required in webhook mode (set PATIENT_BOT_WEBHOOK_SECRET)")
    if not settings.webhook_url:
        raise ConfigError("webhook_url: required in webhook mode (the public HTTPS URL Telegram posts to)")
