"""Settings: one loader, every key documented, environment overrides, clear errors, no token leaks."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import time
from pathlib import Path

import pytest
import yaml

from bot.config import ENV_OVERRIDES, Settings, load_settings
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented_in_the_example() -> None:
    example = yaml.safe_load((ROOT / "config.example.yaml").read_text())
    assert set(example) == {f.name for f in fields(Settings)}
    text = (ROOT / "config.example.yaml").read_text()
    for variable in ENV_OVERRIDES:
        assert variable in text


def test_the_example_loads(tmp_path: Path) -> None:
    settings = load_settings({}, ROOT / "config.example.yaml")
    assert settings.reminder_time == time(9, 0) and settings.reminder_offsets_days == (7, 1, 0)


def test_environment_overrides_file(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("database: from-file.db\nemergency_number: '999'\n")
    settings = load_settings({"PATIENT_BOT_CONFIG": str(config), "PATIENT_BOT_DATABASE": "env.db",
                              "TELEGRAM_BOT_TOKEN": "123:SECRET"})
    assert settings.database == Path("env.db") and settings.emergency_number == "999"
    assert settings.telegram_token == "123:SECRET"
    assert "SECRET" not in repr(settings)


@pytest.mark.parametrize(
    ("content", "message"),
    [("default_timezone: Mars/Base\n", "default_timezone"), ("reminder_time: '25:00'\n", "reminder_time"),
     ("flood_max_messages: -1\n", "flood_max_messages"), ("colour: blue\n", "unknown setting"),
     ("[1, 2]\n", "expected a mapping")],
)
def test_bad_config_names_the_key(tmp_path: Path, content: str, message: str) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_settings({}, config)


def test_only_the_config_module_reads_the_environment() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "bot").rglob("*.py")
        if path.name != "config.py" and re.search(r"os\.environ|os\.getenv|getenv\(", path.read_text())
    ]
    assert offenders == []
