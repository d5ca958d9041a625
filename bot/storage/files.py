"""Files the bot writes to disk for a user: one folder per user under ``console_files_dir``, erased by /forget.

Only the console channel writes files (the pictures and documents it cannot show in a terminal); the
Telegram channel sends them from memory and never touches the disk. Keeping them in one folder per user
lets ``/forget`` remove every one of them with the database rows (``Privacy.forget_user``).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    """Return ``name`` reduced to letters, digits, dot, dash and underscore (no folders, no hidden files)."""
    cleaned = _UNSAFE.sub("_", Path(name).name).lstrip(".")
    return cleaned[:100] or "file"


class UserFiles:
    """Save and erase the files of each user under one root folder (created when first needed)."""

    def __init__(self, root: Path) -> None:
        """Keep files under ``root``/<user id>/."""
        self.root = Path(root)

    def folder(self, user_id: int) -> Path:
        """Return the user's folder (it may not exist)."""
        return self.root / str(int(user_id))

    def save(self, user_id: int, filename: str, content: bytes) -> Path:
        """Write one file for the user (replacing one of the same name); return its path."""
        folder = self.folder(user_id)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / safe_filename(filename)
        path.write_bytes(content)
        return path

    def erase(self, user_id: int) -> int:
        """Delete the user's folder and everything in it; return how many files were deleted."""
        folder = self.folder(user_id)
        if not folder.is_dir():
            return 0
        count = sum(1 for path in folder.rglob("*") if path.is_file())
        shutil.rmtree(folder)
        return count
