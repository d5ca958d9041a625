"""DEXA results: the ``dexa_results`` table, and reading a one-line ``/dexa DATE SITE T-SCORE [z Z] [bmd B]``.

A result is one scan date and site with its T-score (required), Z-score and BMD in g/cm² (optional).
Re-entering the same date and site replaces the earlier result (the table's unique key), so a typo is
corrected by typing it again. Only the owner's results are ever read or deleted.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from bot.record.bone import BoneContent
from bot.storage import Database, to_db_time

MAX_RESULTS = 200  # per user
_NUMBER = r"[-+−–]?\s?\d{1,4}(?:[.,]\d{1,4})?"
_Z = re.compile(rf"\bz(?:[\s-]?score)?\s*[:=]?\s*({_NUMBER})", re.IGNORECASE)
_BMD = re.compile(rf"\bbmd\s*[:=]?\s*({_NUMBER})\s*(?:g\s*/\s*cm(?:2|²|\^2))?", re.IGNORECASE)
_T = re.compile(rf"\bt(?:[\s-]?score)?\s*[:=]?\s*({_NUMBER})", re.IGNORECASE)
_TOKEN = re.compile(rf"(?<![\w./-])({_NUMBER})(?![\w./-])")


@dataclass(frozen=True)
class DexaResult:
    """One stored result."""

    id: int
    user_id: int
    scan_date: date
    site: str  # a site code of bone.SITE_CODES
    t_score: float
    z_score: float | None
    bmd: float | None


@dataclass(frozen=True)
class DexaLine:
    """What a one-line /dexa said: the date text still to be read, and the values found."""

    date_text: str
    site: str | None
    t_score: float | None
    z_score: float | None
    bmd: float | None
    bad_number: str | None = None  # a value that is not a number ("t -1.8.2")


def number(text: str) -> float | None:
    """Read "-1.8", "−1,8" or "+0.5" as a float; None when it is not one number."""
    cleaned = text.strip().replace("−", "-").replace("–", "-").replace(",", ".").replace(" ", "")
    if not re.fullmatch(r"[-+]?\d{1,4}(?:\.\d{1,4})?", cleaned):
        return None
    return float(cleaned)


def read_line(text: str, bone: BoneContent) -> DexaLine:
    """Split a one-line /dexa into its parts; the date is left as text for the date reader."""
    rest = text
    values: dict[str, float | None] = {"z": None, "bmd": None, "t": None}
    for key, pattern in (("z", _Z), ("bmd", _BMD), ("t", _T)):
        match = pattern.search(rest)
        if match:
            values[key] = number(match.group(1))
            rest = rest[: match.start()] + " " + rest[match.end() :]
    site = bone.find_site(rest)
    if site is not None:
        rest = site[1]
    if values["t"] is None:
        # The T-score is the number written as a score: signed or with decimals ("-1.8", "+0.5", "0.0");
        # a bare "14" is more likely the day of the date.
        tokens = list(_TOKEN.finditer(rest))
        scored = [m for m in tokens if re.search(r"[-+−–.,]", m.group(1))] or tokens[-1:]
        if scored:
            match = scored[-1]
            values["t"] = number(match.group(1))
            rest = rest[: match.start()] + " " + rest[match.end() :]
    return DexaLine(" ".join(rest.split()), site[0].code if site else None, values["t"], values["z"], values["bmd"])


def _result(row: sqlite3.Row) -> DexaResult:
    return DexaResult(
        id=row["id"],
        user_id=row["user_id"],
        scan_date=date.fromisoformat(row["scan_date"]),
        site=row["site"],
        t_score=float(row["t_score"]),
        z_score=None if row["z_score"] is None else float(row["z_score"]),
        bmd=None if row["bmd"] is None else float(row["bmd"]),
    )


class DexaRepository:
    """Store and read a user's DEXA results."""

    def __init__(self, db: Database) -> None:
        """Use ``db`` for every query."""
        self.db = db

    def add(
        self, user_id: int, scan_date: date, site: str, t_score: float, z_score: float | None, bmd: float | None,
        now: datetime,
    ) -> tuple[DexaResult, bool]:
        """Save a result (replacing one of the same date and site); return it and whether it replaced one."""
        with self.db.transaction() as conn:
            replaced = conn.execute(
                "SELECT 1 FROM dexa_results WHERE user_id = ? AND scan_date = ? AND site = ?",
                (user_id, scan_date.isoformat(), site),
            ).fetchone() is not None
            row = conn.execute(
                "INSERT INTO dexa_results (user_id, scan_date, site, t_score, z_score, bmd, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, scan_date, site) DO UPDATE SET "
                "t_score = excluded.t_score, z_score = excluded.z_score, bmd = excluded.bmd, "
                "created_at = excluded.created_at "
                "RETURNING *",
                (user_id, scan_date.isoformat(), site, t_score, z_score, bmd, to_db_time(now)),
            ).fetchone()
        return _result(row), replaced

    def results(self, user_id: int) -> list[DexaResult]:
        """Return the user's results, oldest scan first."""
        rows = self.db.query("SELECT * FROM dexa_results WHERE user_id = ? ORDER BY scan_date, site, id", (user_id,))
        return [_result(row) for row in rows]

    def get_owned(self, user_id: int, result_id: int) -> DexaResult | None:
        """Return a result only if ``user_id`` owns it (others' ids look unknown)."""
        row = self.db.query_one("SELECT * FROM dexa_results WHERE id = ? AND user_id = ?", (result_id, user_id))
        return _result(row) if row else None

    def delete(self, user_id: int, result_id: int) -> DexaResult | None:
        """Delete one of the user's results; return it, or None if it was not theirs or is gone."""
        with self.db.transaction() as conn:
            row = conn.execute(
                "DELETE FROM dexa_results WHERE id = ? AND user_id = ? RETURNING *", (result_id, user_id)
            ).fetchone()
        return _result(row) if row else None

    def count(self, user_id: int) -> int:
        """Return how many results the user has."""
        row = self.db.query_one("SELECT COUNT(*) FROM dexa_results WHERE user_id = ?", (user_id,))
        return int(row[0]) if row else 0
