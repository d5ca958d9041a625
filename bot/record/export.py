"""/export: the patient's whole record as CSV files in a zip (their data, portable), built in memory.

Files: the recorded days, the tablet reminder, DEXA results (with the articles' category term where
they name one), questions for the care team, reminders, and a README. Column names come from
``knowledge/record.yaml``. Text a patient typed that starts like a spreadsheet formula (=, +, -, @) is
prefixed with an apostrophe (OWASP's advice against CSV injection); numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from bot.record.texts import RecordTexts

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """Return one CSV cell: numbers as they are, text defused against formulas, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """Return a UTF-8 CSV (with a byte-order mark, so spreadsheet programs read the accents right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def record_zip(texts: RecordTexts, tables: Mapping[str, Sequence[Sequence[object]]], made: datetime) -> bytes:
    """Return the zip: one CSV per entry of ``tables`` (named as in ``csv_headers``) and a README."""
    buffer = io.BytesIO()
    stamp = made.timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        readme = zipfile.ZipInfo("README.txt", date_time=stamp)
        archive.writestr(readme, texts.t("export_readme", date=made.date().isoformat()).encode("utf-8") + b"\n")
        for name, header in texts.csv_headers.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, csv_bytes(header, tables.get(name, ())))
    return buffer.getvalue()
