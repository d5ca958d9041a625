"""Write the example pictures shown in the README (docs/record-*.png) from a made-up patient's record.

Run from the repository root: ``python scripts/make_record_examples.py``. It builds the record in a
temporary database through the bot's own commands (the same code as /tablets, /dexa and /summary), so
the pictures are exactly what a patient receives; the PNGs are re-compressed at zlib level 9 to keep
the repository small (same pixels).
"""

from __future__ import annotations

import io
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import build_runtime  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.models import Incoming, Reply  # noqa: E402
from bot.record.tablets import DoseStatus, TabletRepository  # noqa: E402

NOW = datetime(2026, 11, 22, 10, tzinfo=UTC)
USER = 1


def _png(reply: Reply, path: Path) -> None:
    assert reply.attachment is not None
    image = Image.open(io.BytesIO(reply.attachment.content))
    image.save(path, optimize=True, compress_level=9)
    print(f"{path.relative_to(ROOT)}: {image.size[0]}x{image.size[1]}, {path.stat().st_size} bytes")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        runtime = build_runtime(Settings(database=Path(tmp) / "bot.sqlite3", console_files_dir=Path(tmp) / "files"))
        assistant = runtime.assistant

        def say(text: str) -> list[Reply]:
            return assistant.handle(Incoming(USER, USER, text), NOW)

        say("/start")
        assistant.handle_button(USER, USER, "ok", NOW)
        say("/timezone Europe/London")
        say("/tablet 08:00")
        assert runtime.database is not None
        tablets = TabletRepository(runtime.database)
        rng = random.Random(7)
        for offset in range(75):
            status = rng.choices([DoseStatus.TAKEN, DoseStatus.SKIPPED, DoseStatus.MISSED], [0.86, 0.06, 0.08])[0]
            tablets.record(USER, NOW.date() - timedelta(days=offset), status, NOW)
        for line in (
            "2022-03-01 lumbar spine -1.2 z -0.4 bmd 0.981",
            "2024-03-05 lumbar spine -1.8 z -0.9 bmd 0.905",
            "2026-03-14 lumbar spine -2.2 z -1.2 bmd 0.861",
            "2022-03-01 total hip -0.6",
            "2024-03-05 total hip -0.9",
            "2026-03-14 total hip -1.3",
        ):
            say(f"/dexa {line}")
        say("/remind 2027-03-14 DEXA scan")
        say("/remind 2027-01-10 Vitamin D blood test")
        say("/note Should I have a vitamin D test before my next scan?")
        say("/note My hips ache after walking: is that the tablets?")
        docs = ROOT / "docs"
        _png(say("/tablets")[0], docs / "record-tablets.png")
        _png(say("/dexa")[0], docs / "record-dexa.png")
        _png(say("/summary")[0], docs / "record-summary.png")
        runtime.database.close()


if __name__ == "__main__":
    main()
