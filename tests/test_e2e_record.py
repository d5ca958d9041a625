"""The issue's acceptance scenario, end to end through the fake Bot API with real python-telegram-bot:
set a tablet reminder, press Taken on two days and miss one, record two DEXA results, get /tablets,
/dexa and /summary (photos and a document with valid sizes), /export, then /forget and find no row and
no file left. The bot's clock is injected, so three days pass in a few seconds; the logs of the whole
conversation hold none of what the patient typed."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image

from bot.logs import configure_logging
from tests.e2e_support import RunningBot, button_data, running_bot
from tests.test_privacy import _rows_naming

USER = 1001
START = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)  # a Sunday


class Clock:
    """The bot's clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _until(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.02)


async def _reminder(bot: RunningBot, clock: Clock, at: datetime) -> dict[str, Any]:
    """Move the bot's clock to ``at`` and wait for the tablet reminder the delivery loop sends."""
    before = len(bot.messages(USER))
    clock.now = at
    await _until(lambda: len(bot.messages(USER)) > before)
    await asyncio.sleep(0.1)  # nothing more may come
    [notice] = bot.messages(USER)[before:]
    assert notice["plain_text"].startswith("Tablet reminder") and "anastrozole" in notice["plain_text"]
    assert button_data(notice) == [f"tb:taken:{at.date()}", f"tb:snooze:{at.date()}", f"tb:skip:{at.date()}"]
    return notice


def _photo(bot: RunningBot, record: dict[str, Any], width: int, height: int) -> None:
    assert record["method"] == "sendPhoto" and len(record["caption"] or "") <= 1024
    data = record["photo"]["data"]
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (width, height) and len(data) > 5_000
    assert len(image.convert("RGB").getcolors(maxcolors=1_000_000) or []) > 20  # not blank
    sizes = record["message"]["photo"][-1]
    assert (sizes["width"], sizes["height"]) == (width, height)  # the fake server checked it as Telegram would


async def test_the_patients_record_end_to_end(tmp_path: Path) -> None:
    clock = Clock(START)
    stream = io.StringIO()
    async with running_bot(tmp_path, clock=clock, poll_seconds=0.05) as bot:
        handler = configure_logging("DEBUG", bot.tg.token, "test-key", stream)
        try:
            await _scenario(bot, clock, tmp_path)
        finally:
            logging.getLogger().removeHandler(handler)
        assert bot.tg.rejections == []
    logs = stream.getvalue()
    for secret in ("Quixotic", "zebulon-medicine", "-2.7", "0.812"):
        assert secret not in logs, secret
    for line in logs.splitlines():
        json.loads(line)


async def _scenario(bot: RunningBot, clock: Clock, tmp_path: Path) -> None:
    await bot.accept(USER)
    [confirmation] = await bot.say("/tablet 08:00", USER)
    assert "Next reminder: Monday 23 November 2026 at 08:00" in confirmation["plain_text"]
    # Day 1: Taken. Day 2: no answer. Day 3: Taken (and day 2 is recorded as missed at its end).
    days = [START.date() + timedelta(days=n) for n in (1, 2, 3)]
    notice = await _reminder(bot, clock, datetime.combine(days[0], datetime.min.time(), UTC) + timedelta(hours=8))
    await bot.press(f"tb:taken:{days[0]}", notice, USER, expect=0)
    assert "recorded as taken" in bot.messages(USER)[-1]["plain_text"]  # the reminder itself was edited
    await _reminder(bot, clock, datetime.combine(days[1], datetime.min.time(), UTC) + timedelta(hours=8))
    notice = await _reminder(bot, clock, datetime.combine(days[2], datetime.min.time(), UTC) + timedelta(hours=8))
    await bot.press(f"tb:taken:{days[2]}", notice, USER, expect=0)
    clock.now += timedelta(hours=2)

    # Two DEXA results, one of them replacing nothing, one in the osteoporosis range.
    [first] = await bot.say("/dexa 2024-03-05 lumbar spine -1.9 z -0.8 bmd 0.874", USER)
    assert "osteopenia (low bone mass)" in first["plain_text"]
    [second] = await bot.say("/dexa 2026-03-14 lumbar spine -2.7 z -1.3 bmd 0.812", USER)
    assert "osteoporosis (weakened bones)" in second["plain_text"] and "Remind me" in str(second["reply_markup"])
    await bot.say("/note Quixotic question about zebulon-medicine", USER)

    # /tablets: the percentages in the photo's caption (2 of 3 recorded days taken).
    [tablets] = await bot.say("/tablets", USER)
    assert "Last 7 days: 67% taken (2 of 3 recorded days; 0 skipped, 1 missed)" in tablets["plain_text"]
    _photo(bot, tablets, 700, 280)
    # /dexa: the chart as a photo, the list in its caption (it fits in 1,024 characters).
    [chart] = await bot.say("/dexa", USER)
    assert "Your DEXA results (2)" in chart["plain_text"] and "dx:add" in button_data(chart)
    _photo(bot, chart, 700, 400)
    # /summary: a photo and a PDF document.
    replies = await bot.say("/summary", USER, expect=2)
    photo = next(r for r in replies if r["method"] == "sendPhoto")
    _photo(bot, photo, 827, 1169)
    document = next(r for r in replies if r["method"] == "sendDocument")
    pdf = document["document"]["data"]
    assert document["document"]["file_name"] == "summary-2026-11-25.pdf" and pdf.startswith(b"%PDF-") and len(pdf) > 10_000
    # /export: the whole record as CSV files in a zip.
    [export] = await bot.say("/export", USER)
    assert export["document"]["file_name"] == "my-record-2026-11-25.zip" and "CSV files" in export["caption"]
    archive = zipfile.ZipFile(io.BytesIO(export["document"]["data"]))
    days_csv = list(csv.reader(io.StringIO(archive.read("tablet_days.csv").decode("utf-8-sig"))))
    assert [row[:3] for row in days_csv[1:]] == [[str(days[0]), "anastrozole", "taken"], [str(days[1]), "anastrozole", "missed"],
                                                  [str(days[2]), "anastrozole", "taken"]]
    assert "-2.7" in archive.read("dexa_results.csv").decode() and "Quixotic" in archive.read("questions.csv").decode()

    # /forget: no row names the user, and the bot left no file anywhere.
    [confirm] = await bot.say("/forget", USER)
    await bot.press("fg:y", confirm, USER)
    assert "deleted" in bot.messages(USER)[-1]["plain_text"]
    database = bot.runtime.database
    assert database is not None
    assert _rows_naming(database, USER) == []
    for table in ("tablet_schedules", "tablet_deliveries", "doses", "dexa_results", "notes"):
        assert database.query(f"SELECT COUNT(*) FROM {table}")[0][0] == 0, table
    left = {p.name for p in tmp_path.rglob("*") if p.is_file()} - {"bot.pid"}  # the process id, for `reload`
    assert left <= {"bot.sqlite3", "bot.sqlite3-shm", "bot.sqlite3-wal"}, left
