"""Documentation stays true: the README lists every command and setting, the container file is sound."""

from __future__ import annotations

from pathlib import Path

from bot.cli import build_parser
from bot.config import ENV_OVERRIDES
from bot.texts import Texts

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_lists_every_bot_command(texts: Texts) -> None:
    for command in texts.commands:
        assert f"/{command.name}" in README, command.name
        for alias in command.aliases:
            assert f"/{alias}" in README, alias


def test_readme_lists_every_cli_command_and_environment_variable() -> None:
    subcommands = next(a for a in build_parser()._actions if a.dest == "command").choices
    for name in subcommands:
        assert f"patient-bot {name}" in README or f"patient-bot` / `patient-bot {name}" in README, name
    for variable in ENV_OVERRIDES:
        assert variable in README, variable


def test_readme_first_commands_are_run_then_test() -> None:
    blocks = [block.split("```", 1)[0].strip() for block in README.split("```sh\n")[1:3]]
    assert blocks[0].endswith("patient-bot") and "pytest" in blocks[1]
    assert blocks[1] in (ROOT / ".ci" / "run").read_text()


def test_dockerfile_is_slim_non_root_with_volume_healthcheck_and_cmd() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert "USER bot" in dockerfile and 'VOLUME ["/data"]' in dockerfile
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    assert 'CMD ["patient-bot", "run"]' in dockerfile
    assert "pip install ." in dockerfile  # dependencies from the project's own metadata
    assert (ROOT / "docker-compose.yml").is_file()
