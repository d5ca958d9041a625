"""Questions for the care team (/note, and the "save it for your care team" button), the appointment
summary (/summary: a PNG and a PDF) and the export (/export: CSV files in a zip).

The summary holds, worded from ``knowledge/record.yaml``: adherence over 90 days with the calendar, the
DEXA results with the articles' category terms and their sentence (quoted and cited) and the T-score
chart, the upcoming scans and tests (active reminders), the saved questions, the date it was made and
the disclaimer. What does not fit on the page is listed in full on further PDF pages, and the page says so.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.models import Attachment, AttachmentKind, Block, Incoming, Reply
from bot.record import charts, dexa_views, views
from bot.record.adherence import WINDOWS, calendar, window
from bot.record.context import RecordContext
from bot.record.export import record_zip
from bot.record.notes import MAX_NOTE_CHARS, MAX_NOTES
from bot.record.tablets import local_day
from bot.record.texts import RecordTexts
from bot.storage import User
from bot.text import one_line

ON_PAGE = {"dexa": 6, "upcoming": 6, "notes": 6}  # lines of each list on the summary's first page
NOTE_ON_PAGE = 110  # characters of a question on the first page, one line (all of it on the PDF's further pages)


class Documents:
    """/note, the save-question button, /summary and /export."""

    def __init__(self, ctx: RecordContext) -> None:
        """Work over the shared record context."""
        self.ctx = ctx

    # -- questions -----------------------------------------------------------------------------------

    def note(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/note TEXT: keep a question for the next appointment; /note alone lists them."""
        ctx = self.ctx
        user = ctx.user(message, now)
        text = one_line(args)
        if not text:
            return [views.notes_list(ctx.texts, ctx.notes.notes(user.user_id), ZoneInfo(ctx.timezone(user)[0]))]
        return self._save(user, text, now)

    def _save(self, user: User, text: str, now: datetime) -> list[Reply]:
        ctx = self.ctx
        if len(text) > MAX_NOTE_CHARS:
            return [views.error(ctx.texts.t("note_too_long", max=MAX_NOTE_CHARS))]
        if ctx.notes.count(user.user_id) >= MAX_NOTES:
            return [views.error(ctx.texts.t("note_too_many", max=MAX_NOTES))]
        return [views.note_saved(ctx.texts, ctx.notes.add(user.user_id, text, now))]

    def save_question(self, message: Incoming, token: str, now: datetime) -> list[Reply]:
        """The "save it for your care team" button under a not-covered answer."""
        ctx = self.ctx
        text = ctx.pending.take(message.user_id, token, now)
        if text is None:
            return [views.error(ctx.texts.t("question_expired"))]
        return self._save(ctx.user(message, now), one_line(text), now)

    def delete_note(self, message: Incoming, note_id: int, now: datetime) -> list[Reply]:
        """Delete one of the user's questions (anyone else's id reads as gone)."""
        note = self.ctx.notes.delete(message.user_id, note_id)
        if note is None:
            return [self.ctx.expired()]
        text = self.ctx.texts.t("note_deleted", id=note.id)
        return [views.record(Block(text), notice=text[:190])]

    # -- the summary ---------------------------------------------------------------------------------

    def summary(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/summary: the appointment summary as a picture (photo) and a PDF (document)."""
        ctx = self.ctx
        texts = ctx.texts
        user = ctx.user(message, now)
        today = ctx.today(user, now)
        png, pdf = charts.summary_files(self.page(user, now))
        stamp = today.isoformat()
        picture = Attachment(f"summary-{stamp}.png", png, "image/png", AttachmentKind.PHOTO,
                             caption=texts.t("summary_caption"), alt_text=texts.t("summary_pdf_caption"))
        document = Attachment(f"summary-{stamp}.pdf", pdf, "application/pdf", AttachmentKind.DOCUMENT,
                              caption=texts.t("summary_pdf_caption"))
        lead = texts.t("summary_reply", date=texts.format_date(today))
        return [views.record(Block(lead), attachment=picture), views.record(Block(texts.t("summary_pdf_caption")),
                                                                             attachment=document)]

    def page(self, user: User, now: datetime) -> charts.SummaryPage:
        """Word everything the summary shows (also used by the benchmark)."""
        ctx = self.ctx
        content = ctx.content()
        texts, bone = content.texts, content.bone
        schedule = ctx.tablets.get(user.user_id)
        today = local_day(now, schedule.tz) if schedule is not None else ctx.today(user, now)
        span = WINDOWS[-1]
        doses = ctx.tablets.doses(user.user_id, today - timedelta(days=span - 1))
        counts = window(doses, today, span)
        lines = [texts.t("summary_tablets_none")] if counts.percent is None else [
            texts.t("summary_tablets_line", percent=counts.percent, taken=counts.taken, recorded=counts.recorded,
                    skipped=counts.skipped, missed=counts.missed)]
        if schedule is not None and schedule.active:
            lines.append(texts.t("summary_tablet_reminder", medicine=schedule.medicine,
                                 time=texts.format_time(schedule.remind_at)))
        results = ctx.dexa.results(user.user_id)
        named = dexa_views.category_names(bone, results)
        dexa_lines = [
            texts.t("summary_dexa_line", date=texts.short_date(r.scan_date), site=dexa_views.site_name(bone, r.site),
                    t=texts.number(r.t_score), extra=dexa_views.extras(texts, r),
                    category=texts.t("summary_dexa_term", term=named[r.id]) if r.id in named else "")
            for r in results
        ]
        source = texts.t("dexa_source", title=bone.citation.title, heading=bone.citation.heading)
        quote = [f"“{bone.quote}” ({source})"] if results else []
        reminders = ctx.reminders.reminders.active(user.user_id)
        upcoming = [texts.t("summary_upcoming_line", label=r.label, date=texts.format_date(r.event_date)) for r in reminders]
        notes = ctx.notes.notes(user.user_id)
        note_lines = [texts.t("summary_notes_line", number=i, text=n.text) for i, n in enumerate(notes, 1)]
        short_notes = [texts.t("summary_notes_line", number=i, text=_cut(n.text)) for i, n in enumerate(notes, 1)]
        overflow = []
        for key, full in (("summary_dexa", dexa_lines), ("summary_upcoming", upcoming), ("summary_notes", note_lines)):
            if len(full) > ON_PAGE[key.removeprefix("summary_")] or (key == "summary_notes" and short_notes != note_lines):
                overflow.append((texts.t(key), tuple(full)))
        calendar_days = calendar(doses, today, span) if doses else None
        return charts.SummaryPage(
            title=texts.t("summary_title"),
            made=texts.t("summary_made", date=texts.format_date(today)),
            tablets=(texts.t("summary_tablets"), tuple(lines)),
            dexa=(texts.t("summary_dexa"), tuple(_first(texts, dexa_lines, ON_PAGE["dexa"], latest=True) + quote)),
            others=(
                (texts.t("summary_upcoming"), tuple(_first(texts, upcoming, ON_PAGE["upcoming"]))),
                (texts.t("summary_notes"), tuple(_first(texts, short_notes, ON_PAGE["notes"]))),
            ),
            calendar=calendar_days,
            # Under its own heading on the page: the calendar needs no title of its own there.
            calendar_text=replace(views.calendar_text(texts, span), title="") if calendar_days else None,
            series=dexa_views.series(bone, results),
            dexa_text=replace(dexa_views.chart_text(texts, bone), title="") if results else None,
            footer=content.disclaimer,
            overflow=tuple(overflow),
        )

    # -- the export ----------------------------------------------------------------------------------

    def export(self, message: Incoming, args: str, now: datetime) -> list[Reply]:
        """/export: every part of the user's record as CSV files in one zip."""
        ctx = self.ctx
        texts, bone = ctx.texts, ctx.content().bone
        user = ctx.user(message, now)
        schedule = ctx.tablets.get(user.user_id)
        results = ctx.dexa.results(user.user_id)
        named = dexa_views.category_names(bone, results)
        reminders = ctx.reminders.reminders.active(user.user_id)
        tables: dict[str, list[list[object]]] = {
            "tablet_days.csv": [
                [r["day"], r["medicine"], r["status"], r["recorded_at"]] for r in ctx.tablets.dose_rows(user.user_id)
            ],
            "tablet_reminder.csv": [] if schedule is None else [[
                schedule.medicine, texts.format_time(schedule.remind_at), schedule.timezone,
                schedule.paused_until.isoformat() if schedule.paused_until else None, schedule.status]],
            "dexa_results.csv": [
                [r.scan_date.isoformat(), dexa_views.site_name(bone, r.site), r.t_score, r.z_score, r.bmd, named.get(r.id)]
                for r in results
            ],
            "questions.csv": [[n.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"), n.text] for n in ctx.notes.notes(user.user_id)],
            "reminders.csv": [
                [r.label, r.kind, r.event_date.isoformat(), r.event_time.strftime("%H:%M") if r.event_time else None,
                 r.timezone, r.recurrence_months, r.status]
                for r in reminders
            ],
        }
        if not any(tables.values()):
            return [views.record(Block(texts.t("export_empty")))]
        data = record_zip(texts, tables, now)
        today = ctx.today(user, now)
        attachment = Attachment(f"my-record-{today.isoformat()}.zip", data, "application/zip", AttachmentKind.DOCUMENT,
                                caption=texts.t("export_caption"))
        return [views.record(Block(texts.t("export_caption")), attachment=attachment)]


def _cut(text: str) -> str:
    return text if len(text) <= NOTE_ON_PAGE else text[: NOTE_ON_PAGE - 1].rstrip() + "…"


def _first(texts: RecordTexts, lines: list[str], count: int, *, latest: bool = False) -> list[str]:
    """Return ``count`` lines (the first, or the latest), then "…and N more (in the PDF)", or "none"."""
    if not lines:
        return [texts.t("summary_none")]
    if len(lines) <= count:
        return lines
    shown = lines[-count:] if latest else lines[:count]
    return [*shown, texts.t("summary_more", count=len(lines) - count)]
