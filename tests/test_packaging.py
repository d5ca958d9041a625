"""The package: every folder of bot/ is in the wheel, bot/knowledge imports nothing above it, and the
wheel carries its default knowledge so an install answers from an empty folder with no environment."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What bot/knowledge may import from the rest of the project: the shared leaves, nothing that uses it.
KNOWLEDGE_MAY_IMPORT = {"bot.models", "bot.errors", "bot.yamlfile"}


def test_every_folder_of_bot_is_listed_as_a_package() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = {".".join(path.parent.relative_to(ROOT).parts) for path in (ROOT / "bot").rglob("*.py")}
    assert folders <= listed, folders - listed
    assert "bot.defaults" in listed


def test_no_module_under_bot_knowledge_imports_upward() -> None:
    for path in (ROOT / "bot" / "knowledge").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                if name.startswith("bot."):
                    assert name.startswith("bot.knowledge") or name in KNOWLEDGE_MAY_IMPORT, (path.name, name)


@pytest.mark.slow
def test_the_wheel_answers_from_an_empty_folder_with_no_environment(tmp_path: Path) -> None:
    """Build the wheel, install it (without its dependencies, which are taken from this venv) into a new
    venv, and run its `patient-bot` from an empty folder with an empty environment."""
    source, dist, venv, empty = tmp_path / "src", tmp_path / "dist", tmp_path / "venv", tmp_path / "empty"
    empty.mkdir()
    # Built from a copy of what the wheel is made of, so no build/ or egg-info is left in the checkout.
    for name in ("bot", "knowledge"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(source)],
                   check=True, capture_output=True, timeout=300)
    [wheel] = dist.glob("patient_bot-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    # The dependencies: this venv's site-packages as a plain path entry (its .pth files, among them the
    # editable install of this checkout, are not run: the wheel's own bot/ is the one imported).
    (Path(purelib) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    bot = venv / "bin" / "patient-bot"
    result = subprocess.run([str(bot), "ask", "what is osteopenia"], cwd=empty, env={}, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "osteopenia" in result.stdout.lower() and "From: " in result.stdout
    check = subprocess.run([str(bot), "knowledge", "check"], cwd=empty, env={}, capture_output=True, text=True,
                           timeout=120, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"knowledge folder: {Path(purelib) / 'bot' / 'defaults'}" in check.stdout  # the packaged defaults
    assert not any(empty.iterdir())  # nothing written to the folder it ran in
    assert os.path.getsize(wheel) < 10_000_000
