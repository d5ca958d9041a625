"""The record's pictures: each PNG has the expected size and is not empty, the summary PDF has its pages,
patient text is drawn as typed (no maths, no crash on emoji), and matplotlib stays out of cold start."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from bot.content import Content
from bot.models import AttachmentKind
from bot.record.tablets import DoseStatus, TabletRepository
from bot.storage import Database
from tests.record_support import build

ROOT = Path(__file__).resolve().parents[1]
USER = 701
NOW = datetime(2026, 11, 22, 10, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    with Database(tmp_path / "bot.sqlite3") as database:
        yield database


def picture(data: bytes, width: int, height: int, *, max_white: float = 0.97) -> Image.Image:
    """Check a PNG's signature, pixel size and that it is not blank; return it."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5_000
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG" and image.size == (width, height)
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 20, "a blank or nearly blank picture"
    white = max(count for count, colour in colours if colour == (255, 255, 255)) if (255, 255, 255) in {c for _, c in colours} else 0
    assert white < max_white * width * height, "almost nothing drawn"
    return image


def record_days(db: Database, statuses: list[DoseStatus | None]) -> None:
    tablets = TabletRepository(db)
    for offset, status in enumerate(reversed(statuses)):
        if status is not None:
            tablets.record(USER, NOW.date() - timedelta(days=offset), status, NOW)


def test_the_tablet_calendar_png(db: Database, content: Content) -> None:
    setup = build(db, content, NOW)
    setup.say("tablet", USER, "08:00")
    record_days(db, [DoseStatus.TAKEN, DoseStatus.SKIPPED, None, DoseStatus.MISSED] * 10)
    [view] = setup.say("tablets", USER)
    assert view.attachment is not None and view.attachment.kind is AttachmentKind.PHOTO
    image = picture(view.attachment.content, 700, 280)
    rgb = image.convert("RGB")
    found = {rgb.getpixel((x, y)) for x in range(0, 700, 3) for y in range(0, 280, 3)}
    assert {(0, 158, 115), (230, 159, 0), (213, 94, 0)} <= found  # taken, skipped, missed squares are drawn
    assert len(view.attachment.caption) <= 1024 and view.attachment.alt_text.count("\n") >= 13


def test_the_dexa_chart_png(db: Database, content: Content) -> None:
    setup = build(db, content, NOW)
    for line in ("2022-03-01 lumbar spine -1.2", "2024-03-05 lumbar spine -1.8", "2026-03-14 lumbar spine -2.6",
                 "2026-03-14 total hip -0.8", "2026-03-14 forearm 0.2"):
        setup.say("dexa", USER, line)
    [listing] = setup.say("dexa", USER)
    assert listing.attachment is not None
    picture(listing.attachment.content, 700, 400)


def test_the_summary_png_and_pdf_with_overflow_pages(db: Database, content: Content) -> None:
    setup = build(db, content, NOW)
    setup.say("tablet", USER, "08:00")
    record_days(db, [DoseStatus.TAKEN] * 30 + [DoseStatus.MISSED] + [DoseStatus.TAKEN] * 20)
    setup.say("dexa", USER, "2024-03-05 lumbar spine -1.8")
    setup.say("dexa", USER, "2026-03-14 lumbar spine -2.6 z -1.1 bmd 0.801")
    setup.say("remind", USER, "2027-03-14 DEXA scan")
    notes = ["Costs $5 or $10? (not maths: $x^2$)", "Is brain fog 😩 normal?", "ما هو الكالسيوم", "x" * 400]
    notes += [f"Question number {i}" for i in range(10)]
    for text in notes:
        setup.say("note", USER, text)
    [lead, document] = setup.say("summary", USER)
    assert lead.attachment is not None and lead.attachment.kind is AttachmentKind.PHOTO
    picture(lead.attachment.content, 827, 1169)
    assert document.attachment is not None and document.attachment.kind is AttachmentKind.DOCUMENT
    pdf = document.attachment.content
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF") and len(pdf) > 10_000
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type/Page") >= 2  # the overflow page
    assert document.attachment.filename == "summary-2026-11-22.pdf"


def test_an_empty_record_still_makes_a_summary(db: Database, content: Content) -> None:
    [lead, document] = build(db, content, NOW).say("summary", USER)
    assert lead.attachment is not None and document.attachment is not None
    picture(lead.attachment.content, 827, 1169, max_white=0.995)  # headings and "none recorded" only


def test_matplotlib_is_imported_only_when_a_picture_is_drawn(tmp_path: Path) -> None:
    code = f"""
import sys
from datetime import datetime, UTC
from pathlib import Path
from bot.app import build_runtime
from bot.config import Settings
from bot.models import Incoming
runtime = build_runtime(Settings(database=Path({str(tmp_path / "cold.sqlite3")!r}), console_files_dir=Path({str(tmp_path)!r})))
now = datetime.now(UTC)
assistant = runtime.assistant
assistant.handle(Incoming(1, 1, "/start"), now)
assistant.handle_button(1, 1, "ok", now)
for text in ("what is a dexa scan", "/tablet 08:00", "/dexa 2026-03-14 hip -1.2", "/note a question"):
    assistant.handle(Incoming(1, 1, text), now)
assert "matplotlib" not in sys.modules, "imported at start-up"
assistant.handle(Incoming(1, 1, "/dexa"), now)
assert "matplotlib" in sys.modules
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_date_ticks_follow_the_span(content: Content) -> None:
    from bot.record.charts import date_ticks

    months = content.record.texts.months
    short = date_ticks(date(2026, 1, 15), date(2026, 4, 20), months)
    assert [label for _, label in short] == ["Feb 2026", "Mar 2026", "Apr 2026"]
    long = date_ticks(date(2019, 6, 1), date(2026, 3, 1), months)
    assert [label for _, label in long] == [str(year) for year in range(2020, 2027)]
