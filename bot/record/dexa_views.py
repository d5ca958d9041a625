"""Reply builders for DEXA results: the guided steps, the read-back with the articles' category, the list
and its chart.

What a result *means* is only ever the articles' own sentence (``knowledge/dexa.yaml``), quoted and cited,
with our one structural line saying which of its ranges the T-score falls in, or that the articles name
no category for it. The scan interval is the monitoring plan's (``knowledge/plan.yaml``), quoted too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bot.buttons import DexaAdd, DexaDelete, DexaRemind, DexaSite, DexaSkip
from bot.models import Attachment, AttachmentKind, Block, Button, Reply, Style
from bot.record import charts
from bot.record.bone import BoneContent
from bot.record.dexa import DexaResult
from bot.record.texts import RecordTexts
from bot.record.views import button, error, record, stop_button

LIST_BUTTONS = 10  # delete buttons under /dexa (latest results)


@dataclass(frozen=True)
class IntervalOffer:
    """The articles' scan interval after a result: its quotes and the date it gives."""

    quotes: tuple[tuple[str, str], ...]  # (verbatim text, article title)
    months: int
    next_date: date
    passed: bool


def site_name(bone: BoneContent, code: str) -> str:
    """Return a site's name ("Lumbar spine")."""
    site = bone.site(code)
    return site.name if site else code


def extras(texts: RecordTexts, result: DexaResult) -> str:
    """Return ", Z-score -0.5, BMD 0.912 g/cm²" for the values a result has."""
    parts = []
    if result.z_score is not None:
        parts.append(texts.t("dexa_extra_z", z=texts.number(result.z_score)))
    if result.bmd is not None:
        parts.append(texts.t("dexa_extra_bmd", bmd=texts.number(result.bmd, 3)))
    return "".join(parts)


def ask_date(texts: RecordTexts) -> Reply:
    """Guided /dexa add, step 1."""
    return record(Block(texts.t("dexa_ask_date")), buttons=((stop_button(texts),),))


def ask_site(texts: RecordTexts, bone: BoneContent) -> Reply:
    """Step 2: one button per site."""
    rows = [(button(site.name, DexaSite(site.code)),) for site in bone.sites]
    return record(Block(texts.t("dexa_ask_site")), buttons=(*rows, (stop_button(texts),)))


def ask_t(texts: RecordTexts, site: str) -> Reply:
    """Step 3: the T-score."""
    return record(Block(texts.t("dexa_ask_t", site=site)), buttons=((stop_button(texts),),))


def ask_optional(texts: RecordTexts, key: str) -> Reply:
    """Steps 4 and 5: the Z-score or the BMD, which the report may not give (Skip)."""
    return record(Block(texts.t(key)), buttons=((button(texts.t("btn_skip_field"), DexaSkip()), stop_button(texts)),))


def out_of_range(texts: RecordTexts, bone: BoneContent, field: str, value: float) -> Reply:
    """Refuse a value outside what a scan report shows, kindly, saying the accepted range."""
    low, high = bone.ranges[field]
    places = 3 if field == "bmd" else 1
    line = texts.t("dexa_range", field=texts.t(f"field_{field}"), value=texts.number(value, places),
                   low=texts.number(low, places), high=texts.number(high, places))
    return error(line)


def category_blocks(texts: RecordTexts, bone: BoneContent, t_score: float) -> list[Block]:
    """Which of the articles' ranges a T-score is in (or that they name none), then their sentence, cited."""
    category = bone.category(t_score)
    t = texts.number(t_score)
    if category is None:
        highest = max(c.max for c in bone.categories)
        lead = texts.t("dexa_no_category", t=t, highest=texts.number(highest))
    else:
        lead = texts.t("dexa_category", t=t, term=category.term)
    source = texts.t("dexa_source", title=bone.citation.title, heading=bone.citation.heading)
    return [Block(lead), Block(bone.quote, Style.QUOTE, category.term if category else None), Block(source, Style.SOURCE)]


def saved(
    texts: RecordTexts, bone: BoneContent, result: DexaResult, *, replaced: bool, offer: IntervalOffer | None,
    disclaimer: str,
) -> Reply:
    """Read a saved result back, with the articles' category and the offer of a reminder for the next scan."""
    blocks = [
        Block(texts.t("dexa_saved_title"), Style.TITLE),
        Block(texts.t("dexa_readback", date=texts.format_date(result.scan_date), site=site_name(bone, result.site),
                      t=texts.number(result.t_score))),
    ]
    if result.z_score is not None:
        blocks.append(Block(texts.t("dexa_readback_z", z=texts.number(result.z_score)), Style.ITEM))
    if result.bmd is not None:
        blocks.append(Block(texts.t("dexa_readback_bmd", bmd=texts.number(result.bmd, 3)), Style.ITEM))
    if replaced:
        blocks.append(Block(texts.t("dexa_replaced")))
    blocks += category_blocks(texts, bone, result.t_score)
    row = [button(texts.t("btn_undo"), DexaDelete(result.id))]
    if offer is not None:
        blocks.append(Block(texts.t("dexa_interval")))
        blocks += [Block(quote, Style.QUOTE) for quote, _ in offer.quotes]
        titles = "; ".join(dict.fromkeys(title for _, title in offer.quotes))
        blocks.append(Block(texts.t("dexa_interval_source", article=titles), Style.SOURCE))
        when = texts.format_date(offer.next_date)
        if offer.passed:
            blocks.append(Block(texts.t("dexa_interval_passed", date=when, months=offer.months)))
        else:
            blocks.append(Block(texts.t("dexa_next_offer", date=when, months=offer.months)))
            row.append(button(texts.t("btn_remind_scan", date=texts.short_date(offer.next_date)), DexaRemind(result.id)))
    blocks.append(Block(disclaimer, Style.FOOTER))
    return record(*blocks, buttons=(tuple(row),))


def chart_text(texts: RecordTexts, bone: BoneContent) -> charts.DexaText:
    """Return the words of the T-score chart: its category lines are labelled with the articles' terms."""
    lines = tuple((c.max, texts.t("chart_line", value=texts.number(c.max), term=c.term)) for c in bone.categories)
    return charts.DexaText(texts.t("chart_dexa_title"), texts.t("chart_t_axis"), lines, texts.months)


def series(bone: BoneContent, results: Sequence[DexaResult]) -> tuple[charts.Series, ...]:
    """Return one series per site that has results, in the sites' order."""
    by_site: dict[str, list[tuple[date, float]]] = {}
    for result in results:
        by_site.setdefault(result.site, []).append((result.scan_date, result.t_score))
    return tuple(charts.Series(site.name, tuple(by_site[site.code])) for site in bone.sites if site.code in by_site)


def result_line(texts: RecordTexts, bone: BoneContent, result: DexaResult) -> str:
    """Return "#3 14 Mar 2026 — Lumbar spine: T-score -1.8, Z-score -0.5"."""
    return texts.t("dexa_list_item", id=result.id, date=texts.short_date(result.scan_date),
                   site=site_name(bone, result.site), t=texts.number(result.t_score), extra=extras(texts, result))


def listing(texts: RecordTexts, bone: BoneContent, results: Sequence[DexaResult], png: bytes | None, today: date,
            disclaimer: str) -> Reply:
    """/dexa alone: every result, the chart of T-score over time per site, Add and Delete buttons."""
    add = (button(texts.t("btn_add_result"), DexaAdd()),)
    if not results:
        return record(Block(texts.t("dexa_list_empty")), Block(texts.t("dexa_usage")), buttons=(add,))
    blocks = [Block(texts.t("dexa_list_title", count=len(results)), Style.TITLE)]
    blocks += [Block(result_line(texts, bone, r), Style.ITEM) for r in results]
    blocks += [Block(texts.t("dexa_usage")), Block(disclaimer, Style.FOOTER)]
    rows: list[tuple[Button, ...]] = [add]
    rows += [(button(texts.t("btn_delete_result", id=r.id), DexaDelete(r.id)),) for r in results[-LIST_BUTTONS:]]
    attachment = None
    if png is not None:
        alt = "\n".join([texts.t("dexa_alt_intro"), *(result_line(texts, bone, r) for r in results)])
        attachment = Attachment(f"dexa-{today.isoformat()}.png", png, "image/png", AttachmentKind.PHOTO,
                                caption=texts.t("dexa_chart_caption"), alt_text=alt)
    return record(*blocks, buttons=rows, attachment=attachment)


def category_names(bone: BoneContent, results: Sequence[DexaResult]) -> Mapping[int, str]:
    """Return result id -> the articles' category term, for those in a named range."""
    named = {}
    for result in results:
        category = bone.category(result.t_score)
        if category is not None:
            named[result.id] = category.term
    return named
