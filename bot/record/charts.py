"""Pictures of the record, drawn with matplotlib: the tablet calendar, the T-score chart, the summary page.

matplotlib (a well-kept plotting library: no chart code of our own beyond layout) is imported only
when the first picture is drawn, so the bot's cold start does not pay its ~0.3 s import. Figures are
built with the object-oriented API (``matplotlib.figure.Figure``, no ``pyplot`` and its global state),
rendered to bytes in memory (nothing is written to disk), and the PDF is made by matplotlib's own
``PdfPages``. Every word drawn comes from the caller (``knowledge/record.yaml`` and the articles' terms
in ``knowledge/dexa.yaml``); text typed by a patient is drawn with maths parsing off (a "$" stays a "$").
Colours are the Okabe-Ito palette, readable with colour-blindness, and each status also has its own mark.
"""

from __future__ import annotations

import io
import math
import textwrap
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from bot.record.tablets import DoseStatus

if TYPE_CHECKING:  # imported for real only inside the drawing functions
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

DPI = 100
COLOURS = {  # Okabe & Ito (2008), "Color Universal Design"
    DoseStatus.TAKEN: "#009E73",  # bluish green
    DoseStatus.SKIPPED: "#E69F00",  # orange
    DoseStatus.MISSED: "#D55E00",  # vermillion
    None: "#E6E6E6",  # nothing recorded
}
MARKS = {DoseStatus.TAKEN: "o", DoseStatus.SKIPPED: "_", DoseStatus.MISSED: "x", None: ""}
SITE_STYLES = (("#0072B2", "o"), ("#CC79A7", "s"), ("#56B4E9", "^"), ("#000000", "D"))
PNG_METADATA = {"Software": None}
LINE = 8.5 * 1.45 / 72 / 11.69  # one body line (8.5 pt, line spacing 1.45) as a share of an A4 page's height
WRAP = 105  # characters per body line across an A4 page at 8.5 pt
PDF_METADATA = {"Creator": None, "Producer": None, "CreationDate": None}


@dataclass(frozen=True)
class CalendarText:
    """Words of the tablet calendar."""

    title: str
    weekdays: tuple[str, ...]  # Monday first
    months: tuple[str, ...]  # January first
    legend: dict[DoseStatus | None, str]


@dataclass(frozen=True)
class Series:
    """One site's T-scores over time."""

    name: str
    points: tuple[tuple[date, float], ...]


@dataclass(frozen=True)
class DexaText:
    """Words of the T-score chart: title, axis names, and the category lines (value, articles' term)."""

    title: str
    y_label: str
    lines: tuple[tuple[float, str], ...]
    months: tuple[str, ...]  # January first, for the date axis


Section = tuple[str, tuple[str, ...]]  # (heading, lines)


@dataclass(frozen=True)
class SummaryPage:
    """Everything on the summary page, already worded: the tablets (with their calendar when something is
    recorded), the DEXA results (with their chart when there are some), then the other sections."""

    title: str
    made: str
    tablets: Section
    dexa: Section
    others: tuple[Section, ...]
    calendar: list[tuple[date, DoseStatus | None]] | None = None
    calendar_text: CalendarText | None = None
    series: tuple[Series, ...] = ()
    dexa_text: DexaText | None = None
    footer: str = ""
    overflow: tuple[Section, ...] = field(default_factory=tuple)  # further pages (the PDF only)


@contextmanager
def _quiet() -> Iterator[None]:
    """Draw with our settings, and silence matplotlib's "glyph missing" warnings (a patient's emoji: the
    picture is still right). Text is drawn unhinted: at 100 dpi it reads as well, and Agg draws it a third
    faster than with matplotlib's default forced auto-hinting (measured by benchmarks/bench_record.py)."""
    import matplotlib

    with warnings.catch_warnings(), matplotlib.rc_context({"text.hinting": "none"}):
        warnings.simplefilter("ignore", UserWarning)
        yield


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI)


def _png(figure: Figure, *, done: bool = False) -> bytes:
    """Return the figure as PNG bytes; ``done``: clear it afterwards (see :func:`_release`)."""
    buffer = io.BytesIO()
    with _quiet():
        # zlib level 1: a few per cent larger than the default 6, and ~20 ms faster for a summary page
        figure.savefig(buffer, format="png", dpi=DPI, metadata=PNG_METADATA, pil_kwargs={"compress_level": 1})
    if done:
        _release(figure)
    return buffer.getvalue()


def _release(figure: Figure) -> None:
    """Clear a drawn figure: its artists refer to each other in cycles, and breaking them lets reference
    counting free them at once instead of leaving thousands of objects to a garbage-collector pause."""
    figure.clear()


def draw_calendar(
    ax: Axes, days: Sequence[tuple[date, DoseStatus | None]], text: CalendarText, *, fontsize: float = 8
) -> None:
    """Draw one square per day in week columns (Monday at the top), coloured and marked by status.

    The labels and the legend are plain text placed by us rather than axis ticks and a ``Legend``: the
    same picture, at a third of the drawing cost (a tick is five artists)."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Rectangle

    first = days[0][0] - timedelta(days=days[0][0].weekday())  # the Monday of the first week
    weeks = (days[-1][0] - first).days // 7 + 1
    order: list[DoseStatus | None] = [None, DoseStatus.TAKEN, DoseStatus.SKIPPED, DoseStatus.MISSED]
    grid = [[float("nan")] * weeks for _ in range(7)]
    marks: dict[DoseStatus, tuple[list[int], list[int]]] = {}
    for day, status in days:
        column, row = (day - first).days // 7, day.weekday()
        grid[row][column] = order.index(status)
        if status is not None:
            xs, ys = marks.setdefault(status, ([], []))
            xs.append(column)
            ys.append(row)
    cmap = ListedColormap([COLOURS[s] for s in order])
    import numpy as np

    ax.imshow(np.ma.masked_invalid(np.array(grid)), cmap=cmap, vmin=-0.5, vmax=3.5, aspect="equal", interpolation="nearest")
    for status, (xs, ys) in marks.items():  # one marker line per status: cheaper to draw than a scatter
        ax.plot(xs, ys, linestyle="", marker=MARKS[status], color="white", markersize=3.5, markeredgewidth=1.2)
    ax.set_axis_off()
    for row in range(7):
        ax.text(-0.8, row, text.weekdays[row][:3], ha="right", va="center", fontsize=fontsize)
    for column in range(weeks):
        monday = first + timedelta(weeks=column)
        if column == 0 or monday.day <= 7:
            ax.text(column - 0.5, -0.8, text.months[monday.month - 1][:3], ha="left", va="bottom", fontsize=fontsize)
    if text.title:
        ax.text(-0.5, -1.5, text.title, ha="left", va="bottom", fontsize=fontsize + 2)
    for index, status in enumerate(reversed(order)):  # the legend: a column to the right of the weeks
        x, y = weeks + 0.4, 0.5 + index * 1.6
        ax.add_patch(Rectangle((x - 0.45, y - 0.45), 0.9, 0.9, facecolor=COLOURS[status], clip_on=False))
        if status is not None:
            ax.plot([x], [y], marker=MARKS[status], color="white", markersize=3.5, markeredgewidth=1.2, clip_on=False)
        ax.text(x + 0.7, y, text.legend[status], va="center", ha="left", fontsize=fontsize)


def calendar_png(days: Sequence[tuple[date, DoseStatus | None]], text: CalendarText) -> bytes:
    """Return the tablet calendar as a PNG (700 x 280 pixels)."""
    with _quiet():
        figure = _figure(7.0, 2.8)
        ax = figure.add_axes((0.06, 0.04, 0.88, 0.76))
        draw_calendar(ax, days, text)
    return _png(figure, done=True)


def draw_dexa(ax: Axes, series: Sequence[Series], text: DexaText, *, fontsize: float = 8) -> None:
    """Draw T-score over time, one line per site, with the articles' category lines labelled.

    Dates are plotted as day numbers (``date.toordinal``) with our own tick labels (month names from the
    record texts), so no English date formatting and no date converter are involved."""
    values = [t for s in series for _, t in s.points] + [value for value, _ in text.lines]
    low, high = min(values), max(values)
    ax.set_ylim(low - 0.7, high + 0.7)
    ax.set_yticks([float(v) for v in range(math.ceil(low - 0.7), math.floor(high + 0.7) + 1)])  # whole numbers: few ticks
    dates = [d for s in series for d, _ in s.points]
    start, end = min(dates), max(dates)
    pad = max(30, (end - start).days // 12)
    ax.set_xlim((start - timedelta(days=pad)).toordinal(), (end + timedelta(days=pad)).toordinal())
    for value, label in text.lines:
        ax.axhline(value, color="#555555", linestyle="--", linewidth=0.9)
        ax.text(0.005, value, f" {label}", transform=ax.get_yaxis_transform(), va="bottom", ha="left",
                fontsize=fontsize - 0.5, color="#333333", parse_math=False)
    for index, item in enumerate(series):
        colour, marker = SITE_STYLES[index % len(SITE_STYLES)]
        points = sorted(item.points)
        ax.plot([d.toordinal() for d, _ in points], [t for _, t in points], color=colour, marker=marker, linewidth=1.6,
                markersize=5, label=item.name)
    ax.set_ylabel(text.y_label, fontsize=fontsize)
    if text.title:
        ax.set_title(text.title, fontsize=fontsize + 2, loc="left")
    ax.tick_params(labelsize=fontsize)
    ticks = date_ticks(start - timedelta(days=pad), end + timedelta(days=pad), text.months)
    ax.set_xticks([d.toordinal() for d, _ in ticks], [label for _, label in ticks])
    ax.grid(axis="y", color="#EEEEEE")
    ax.legend(fontsize=fontsize, loc="lower left", frameon=False, ncols=min(4, len(series)))


def date_ticks(start: date, end: date, months: Sequence[str]) -> list[tuple[date, str]]:
    """Return (date, label) ticks on the first of a month between two dates: every month ("Mar 2026") for
    a short span, every 3 or 6 months for longer ones, every January ("2026") for the longest."""
    span = (end - start).days
    step = 1 if span <= 200 else 3 if span <= 800 else 6 if span <= 1600 else 12
    index = start.year * 12 + start.month - 1 + (start.day > 1)  # the first month start not before ``start``
    index = -(-index // step) * step  # up to the step's grid (January, April, July, October for 3)
    ticks: list[tuple[date, str]] = []
    while True:
        year, month = divmod(index, 12)
        tick = date(year, month + 1, 1)
        if tick > end:
            return ticks
        ticks.append((tick, str(year) if step == 12 else f"{months[month][:3]} {year}"))
        index += step


def dexa_png(series: Sequence[Series], text: DexaText) -> bytes:
    """Return the T-score chart as a PNG (about 700 x 400 pixels)."""
    with _quiet():
        figure = _figure(7.0, 4.0)
        ax = figure.add_axes((0.09, 0.1, 0.88, 0.8))
        draw_dexa(ax, series, text)
    return _png(figure, done=True)


def _wrap(lines: Sequence[str], width: int) -> list[str]:
    return [part for line in lines for part in (textwrap.wrap(line, width) or [""])]


def _text_page(figure: Figure, sections: Sequence[tuple[str, Sequence[str]]], top: float, bottom: float) -> float:
    """Write headed sections down the page from ``top`` (one text object per section body: drawing cost
    grows with the number of text objects); return where the text ended."""
    y, step = top, LINE
    for heading, lines in sections:
        if y < bottom + 2 * step:
            break
        figure.text(0.06, y, heading, fontsize=11, weight="bold", va="top", parse_math=False)
        y -= step * 1.4
        room = max(0, int((y - bottom) / step))
        body = _wrap(lines, WRAP)[:room]
        if body:
            figure.text(0.07, y, "\n".join(body), fontsize=8.5, va="top", linespacing=1.45, parse_math=False)
        y -= step * len(body) + step * 0.6
    return y


def summary_files(page: SummaryPage) -> tuple[bytes, bytes]:
    """Return the summary as a one-page PNG (A4 at 100 dpi, 827 x 1169) and a PDF (the same page, then any
    overflow pages)."""
    from matplotlib.backends.backend_pdf import PdfPages

    with _quiet():
        figure = _figure(8.27, 11.69)
        figure.text(0.06, 0.965, page.title, fontsize=16, weight="bold", va="top", parse_math=False)
        figure.text(0.06, 0.935, page.made, fontsize=9, va="top", color="#333333", parse_math=False)
        y = _text_page(figure, [page.tablets], 0.905, 0.1)
        if page.calendar and page.calendar_text is not None:
            ax = figure.add_axes((0.08, y - 0.17, 0.86, 0.15))
            draw_calendar(ax, page.calendar, page.calendar_text, fontsize=7)
            y -= 0.215
        y = _text_page(figure, [page.dexa], y, 0.1)
        if page.series and page.dexa_text is not None:
            ax = figure.add_axes((0.1, y - 0.2, 0.85, 0.19))
            draw_dexa(ax, page.series, page.dexa_text, fontsize=7)
            y -= 0.235
        _text_page(figure, page.others, y, 0.06)
        if page.footer:
            figure.text(0.06, 0.03, textwrap.fill(page.footer, 120), fontsize=7.5, style="italic", color="#333333",
                        va="bottom", parse_math=False)
        png = _png(figure)
        buffer = io.BytesIO()
        with PdfPages(buffer, metadata=PDF_METADATA) as pdf:
            pdf.savefig(figure)
            _release(figure)
            for section in page.overflow:
                extra = _figure(8.27, 11.69)
                _text_page(extra, [section], 0.95, 0.06)
                pdf.savefig(extra)
                _release(extra)
    return png, buffer.getvalue()


def warm_up() -> Any:
    """Import matplotlib's drawing modules now (benchmarks time the first picture separately)."""
    from matplotlib.backends import backend_agg, backend_pdf

    return backend_agg, backend_pdf
