"""Compose reply data for answers, no-match, safety and glossary results.

Owns how knowledge is presented: the best passage quoted with its key sentence emphasised, its source,
buttons for more passages and for glossary terms, and the disclaimer footer. Channels only render these.
Button data comes from the codec in ``bot/buttons.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from bot.buttons import AudienceChoice, Consent, Define, DefineAlternatives, GlossaryIndex, GlossaryPage, MorePassages
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.search import SearchResult
from bot.models import Block, Button, GlossaryEntry, GlossaryResult, Hit, Passage, Reply, ReplyKind, Style
from bot.safety.texts import SafetyTexts
from bot.safety.triage import Verdict
from bot.texts import Texts

MAX_DEFINE_BUTTONS = 3
GLOSSARY_PAGE_SIZE = 8
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(“\"])")


_CUT_LEAD_IN = re.compile(r"\s*[^.!?]*(?:∞|:)\s*$")


def readable(text: str) -> str:
    """Return passage text as shown: "∞" as the colon it stood for, a dangling cut-off lead-in dropped."""
    if text.rstrip().endswith(("∞", ":")) and len(split_sentences(text)) > 1:
        text = _CUT_LEAD_IN.sub("", text)  # "...may be prescribed. These include ∞" -> "...may be prescribed."
    return re.sub(r"\s*∞\s*", ": ", text).strip()


UNSURE_SHARE = 0.85  # a second passage within this share of the best score, on another topic: ask


def unsure(hits: Sequence[Hit]) -> list[Hit]:
    """Return the other close answers when the best one is not clearly best (another heading, a close
    score), else []: those are offered as "did you mean" buttons."""
    if len(hits) < 2 or hits[0].score <= 0:
        return []
    offered: list[Hit] = []
    headings = {hits[0].passage.heading}
    for hit in hits[1:]:
        if hit.score >= UNSURE_SHARE * hits[0].score and hit.passage.heading not in headings:
            offered.append(hit)
            headings.add(hit.passage.heading)
    return offered


def split_sentences(text: str) -> list[str]:
    """Split passage text into sentences (good enough for choosing one to emphasise)."""
    return [part for part in _SENTENCE_END.split(text) if part.strip()]


class ReplyComposer:
    """Build Reply objects from knowledge results; owns wording choices and button data."""

    def __init__(self, knowledge: KnowledgeBase, texts: Texts, safety: SafetyTexts, emergency_number: str) -> None:
        """Keep the knowledge, the fixed and safety texts, and the configured emergency number."""
        self.knowledge = knowledge
        self.texts = texts
        self.safety = safety
        self.emergency_number = emergency_number

    # --- answers -------------------------------------------------------------------------------
    def footer(self) -> Block:
        """Return the short disclaimer footer shown under every health reply."""
        return Block(self.safety.disclaimer_short, Style.FOOTER)

    def source_block(self, passage: Passage) -> Block:
        """Return "From: title › heading", with "(reviewed 2025-03-14)" when articles.yaml gives the date
        the text was last reviewed (ISO 8601: the same in every locale), naming merged duplicates too."""
        if passage.heading == passage.title:  # a leaflet's opening lines sit under its title: say it once
            line = self.texts.get("source_title", title=passage.title)
        else:
            line = self.texts.get("source_line", title=passage.title, heading=passage.heading)
        article = self.knowledge.articles.get(passage.article)
        if article is not None and article.reviewed is not None:
            line = f"{line} {self.texts.get('source_reviewed', date=article.reviewed.isoformat())}"
        if passage.also_in:
            titles = ", ".join(self.knowledge.title(article) for article in passage.also_in)
            line = f"{line} {self.texts.get('also_in', titles=titles)}"
        return Block(line, Style.SOURCE)

    def key_sentence(self, passage: Passage, query_terms: Sequence[str]) -> str | None:
        """Return the sentence of a passage that best matches the query, when there is a choice."""
        sentences = split_sentences(passage.text)
        if len(sentences) < 2 or not query_terms:
            return None
        wanted = set(query_terms)
        idf = self.knowledge.searcher.index.idf
        analyze = self.knowledge.searcher.analyzer.analyze
        scored = [(sum(idf.get(t, 0.0) for t in wanted & set(analyze(s))), -i, s) for i, s in enumerate(sentences)]
        best = max(scored)
        return best[2] if best[0] > 0 else None

    def passage_blocks(self, hit: Hit, query_terms: Sequence[str]) -> list[Block]:
        """Return a quoted passage laid out to read well, and its source.

        The words stay the article's: a table row is shown as its cells (named by the table's columns
        when known), the scraper's "∞" as the colon it replaced, a list lead-in cut off by the scraper
        ("These include ∞" with no items) left out, and a passage that starts by referring back ("This
        means...") is preceded by the sentence it refers to.
        """
        passage = hit.passage
        blocks: list[Block] = []
        if passage.previous:
            blocks.append(Block(f"… {passage.previous}", Style.QUOTE))
        if passage.kind == "table_row" and passage.cells:
            if passage.context:
                # With column names shown beside the cells, the header line adds nothing: caption only.
                context = (
                    passage.context.rsplit(" — ", 1)[0] if passage.columns and " — " in passage.context else passage.context
                )
                blocks.append(Block(self.texts.get("table_context", context=context), Style.SOURCE))
            names = passage.columns or ("",) * len(passage.cells)
            items = [f"{name}: {cell}" if name else cell for name, cell in zip(names, passage.cells, strict=True)]
            blocks.extend(Block(item, Style.QUOTE) for item in items)  # the cells are the article's words
        else:
            text = readable(passage.text)
            emphasis = self.key_sentence(Passage(**{**passage.__dict__, "text": text}), query_terms)
            blocks.append(Block(text, Style.QUOTE, emphasis))
            if passage.kind == "table_row" and passage.context:
                blocks.insert(len(blocks) - 1, Block(self.texts.get("table_context", context=passage.context), Style.SOURCE))
        blocks.append(self.source_block(passage))
        return blocks

    def answer(self, result: SearchResult, kind: ReplyKind = ReplyKind.ANSWER) -> Reply:
        """Return the reply for an answered search: the best passage, More, and definition buttons."""
        best, *rest = result.hits
        blocks = self.passage_blocks(best, result.terms)
        buttons: list[tuple[Button, ...]] = []
        alternatives = unsure(result.hits)
        if alternatives:
            # Two-stage fallback (as Rasa's): the best guess, and the other close answers one tap away.
            blocks.append(Block(self.texts.get("did_you_mean"), Style.TEXT))
            for hit in alternatives:
                label = self.texts.get("did_you_mean_button", heading=hit.passage.heading)[:60]
                buttons.append((Button(label, MorePassages((hit.passage.id,)).pack()),))
        elif rest:
            more = MorePassages(tuple(hit.passage.id for hit in rest))
            buttons.append((Button(self.texts.get("more_button"), more.pack()),))
        buttons.extend(self.define_buttons(best.passage.text))
        return Reply(kind, (*blocks, self.footer()), tuple(buttons), result.hits)

    def define_buttons(self, text: str) -> list[tuple[Button, ...]]:
        """Return one button row per glossary term found in a text (at most three)."""
        entries = self.knowledge.glossary.find_in_text(text, limit=MAX_DEFINE_BUTTONS)
        return [(Button(self.texts.get("define_button", term=e.term)[:60], Define(e.id).pack()),) for e in entries]

    def more(self, passage_ids: Sequence[str]) -> Reply:
        """Return the further passages behind a "More" button, or an expired notice."""
        by_id = {passage.id: passage for passage in self.knowledge.passages}
        passages = [by_id[pid] for pid in passage_ids if pid in by_id]
        if not passages:
            return self.expired()
        blocks: list[Block] = [Block(self.texts.get("more_title"), Style.TITLE)]
        for passage in passages:
            blocks.extend(self.passage_blocks(Hit(passage, 0.0, 0.0), ()))
        hits = tuple(Hit(p, 0.0, 0.0) for p in passages)
        return Reply(ReplyKind.ANSWER, (*blocks, self.footer()), (), hits)

    def no_match(self, result: SearchResult | None = None, *, symptom: bool = False) -> Reply:
        """Return the honest "not covered" reply; for a message describing a symptom, where to turn."""
        blocks = [Block(self.texts.get("no_match_title"), Style.TITLE), Block(self.texts.get("no_match_body"))]
        if symptom:
            blocks.insert(1, Block(self.safety.symptom_no_match.format(number=self.emergency_number)))
        return Reply(ReplyKind.NO_MATCH, (*blocks, self.footer()))

    def audience_choice(self) -> Reply:
        """Return the question whose passages come first, with a button per audience."""
        buttons = (
            (Button(self.texts.get("audience_women"), AudienceChoice("w").pack()),),
            (Button(self.texts.get("audience_men"), AudienceChoice("m").pack()),),
        )
        return Reply(ReplyKind.INFO, (Block(self.texts.get("audience_question")),), buttons)

    def with_audience_question(self, reply: Reply) -> Reply:
        """Return an answer that also asks, once, who the answers are for (women or men on TRT)."""
        question = self.audience_choice()
        return replace(reply, blocks=(*reply.blocks, *question.blocks), buttons=(*reply.buttons, *question.buttons))

    def small_talk(self, act: str) -> Reply:
        """Return the conversational reply to small talk (never a passage)."""
        key = f"smalltalk_{act}" if self.texts.has(f"smalltalk_{act}") else "smalltalk_other"
        return Reply(ReplyKind.SMALL_TALK, (Block(self.texts.get(key, number=self.emergency_number)),))

    def expired(self) -> Reply:
        """Return the graceful reply for a button that no longer means anything."""
        text = self.texts.get("expired_button")
        return Reply(ReplyKind.ERROR, (Block(text),), notice=text[:190])

    # --- safety --------------------------------------------------------------------------------
    def urgent(self, verdict: Verdict) -> Reply:
        """Return the stand-alone emergency reply."""
        texts = self.safety
        number = self.emergency_number
        blocks = [Block(texts.urgent_title, Style.TITLE), Block(texts.urgent_body.format(number=number))]
        if verdict.foreign is not None:
            blocks.insert(0, Block(self.foreign_line(verdict), Style.TITLE))
        if verdict.urgent is not None and verdict.urgent.reply_extra:
            blocks.append(Block(verdict.urgent.reply_extra.format(number=number)))
        if verdict.someone_else:
            blocks.append(Block(texts.someone_else))
        return Reply(ReplyKind.URGENT, tuple(blocks))

    def foreign_line(self, verdict: Verdict) -> str:
        """Return "I can only read English; if this is an emergency call ..." in the message's language."""
        reply = verdict.foreign.reply if verdict.foreign is not None and verdict.foreign.reply else self.safety.foreign_reply
        return reply.format(number=self.emergency_number)

    def foreign(self, verdict: Verdict) -> Reply:
        """Return the reply to a message in another language (no emergency recognised in it)."""
        blocks = [Block(self.foreign_line(verdict))]
        if verdict.foreign is not None and verdict.foreign.reply:
            blocks.append(Block(self.safety.foreign_reply.format(number=self.emergency_number)))
        return Reply(ReplyKind.INFO, tuple(blocks))

    def with_caution(self, reply: Reply, verdict: Verdict) -> Reply:
        """Return ``reply`` led by the "if this is happening now, call..." line when triage asks for it."""
        texts = self.safety
        if verdict.caution is None or not texts.caution:
            return reply
        line = texts.caution.format(label=verdict.caution.label, number=self.emergency_number)
        return replace(reply, blocks=(Block(line, Style.TITLE), *reply.blocks))

    def medication(self, result: SearchResult) -> list[Reply]:
        """Return the talk-to-your-prescriber guard, then the relevant passages, never dosing instructions."""
        shown = tuple(hit for hit in result.hits if not self.safety.is_dosing(hit.passage.text))
        if not shown:
            return [self.guard()]
        return [self.guard(shown), self.answer(replace(result, hits=shown), ReplyKind.MEDICATION)]

    def missed_dose(self) -> Reply:
        """Return the fixed missed-dose reply (safety.yaml): the articles do not cover missed doses."""
        return Reply(ReplyKind.MISSED_DOSE, (Block(self.safety.missed_dose), self.footer()))

    def guard(self, passages: tuple[Hit, ...] = ()) -> Reply:
        """Return the talk-to-your-prescriber guard on its own."""
        texts = self.safety
        blocks = (Block(texts.medication_title, Style.TITLE), Block(texts.medication_body), self.footer())
        return Reply(ReplyKind.MEDICATION, blocks, passages=passages)

    def consent_request(self) -> Reply:
        """Return the disclaimer with the "I understand" button (first contact)."""
        disclaimer = self.disclaimer()
        button = ((Button(self.texts.get("consent_button"), Consent().pack()),),)
        blocks = (Block(self.texts.get("consent_title"), Style.TITLE), *disclaimer.blocks[1:])
        return Reply(ReplyKind.INFO, blocks, button)

    def disclaimer(self) -> Reply:
        """Return the full disclaimer."""
        text = self.safety.disclaimer_full.format(number=self.emergency_number)
        return Reply(ReplyKind.INFO, (Block(self.texts.get("disclaimer_title"), Style.TITLE), Block(text)))

    # --- glossary ------------------------------------------------------------------------------
    def glossary_entry(self, entry: GlossaryEntry, alternatives: bool = False) -> Reply:
        """Return a glossary definition (or its alternative definitions) with its sources."""
        blocks = [Block(self.texts.get("glossary_title", term=entry.term), Style.TITLE)]
        if entry.aliases:
            blocks.append(Block(self.texts.get("glossary_aliases", aliases=", ".join(entry.aliases))))
        definitions = entry.alternatives if alternatives and entry.alternatives else (entry.definition,)
        for definition in definitions:
            blocks.append(Block(definition.text, Style.QUOTE))
            title = self.knowledge.title(definition.source)
            blocks.append(Block(self.texts.get("glossary_source", title=title), Style.SOURCE))
        buttons: tuple[tuple[Button, ...], ...] = ()
        if entry.alternatives and not alternatives:
            blocks.append(Block(self.texts.get("glossary_alternatives", count=len(entry.alternatives))))
            buttons = ((Button(self.texts.get("glossary_alternative_button"), DefineAlternatives(entry.id).pack()),),)
        return Reply(ReplyKind.GLOSSARY, (*blocks, self.footer()), buttons)

    def glossary_result(self, result: GlossaryResult) -> Reply:
        """Return the reply to a /glossary lookup: the entry, or "not found" with suggestions."""
        if result.entry is not None:
            return self.glossary_entry(result.entry)
        blocks = [Block(self.texts.get("glossary_not_found", query=result.query[:60]))]
        if result.suggestions:
            blocks.append(Block(self.texts.get("glossary_suggestions")))
        else:
            blocks.append(Block(self.texts.get("glossary_no_suggestions")))
        buttons = tuple((Button(e.term[:60], Define(e.id).pack()),) for e in result.suggestions[:3])
        return Reply(ReplyKind.GLOSSARY, tuple(blocks), buttons)

    def glossary_index(self) -> Reply:
        """Return the A-Z letter buttons, five to a row."""
        letters = self.knowledge.glossary.letters()
        buttons = [Button(letter, GlossaryPage(letter, 1).pack()) for letter in letters]
        rows = tuple(tuple(buttons[i : i + 5]) for i in range(0, len(buttons), 5))
        return Reply(ReplyKind.GLOSSARY, (Block(self.texts.get("glossary_browse_title"), Style.TITLE),), rows)

    def glossary_page(self, letter: str, page: int) -> Reply:
        """Return one page of the terms under a letter, with paging buttons."""
        entries = self.knowledge.glossary.by_letter(letter)
        pages = max(1, -(-len(entries) // GLOSSARY_PAGE_SIZE))
        if not entries or not 1 <= page <= pages:
            return self.expired()
        chunk = entries[(page - 1) * GLOSSARY_PAGE_SIZE : page * GLOSSARY_PAGE_SIZE]
        rows: list[tuple[Button, ...]] = [(Button(e.term[:60], Define(e.id).pack()),) for e in chunk]
        nav: list[Button] = []
        if page > 1:
            nav.append(Button(self.texts.get("glossary_previous"), GlossaryPage(letter, page - 1).pack()))
        nav.append(Button(self.texts.get("glossary_letters"), GlossaryIndex().pack()))
        if page < pages:
            nav.append(Button(self.texts.get("glossary_next"), GlossaryPage(letter, page + 1).pack()))
        rows.append(tuple(nav))
        blocks = (
            Block(self.texts.get("glossary_letter_title", letter=letter), Style.TITLE),
            Block(self.texts.get("glossary_page", page=page, pages=pages)),
        )
        return Reply(ReplyKind.GLOSSARY, blocks, tuple(rows), edit=True)
