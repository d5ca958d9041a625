"""Answering a message that triage let through: small talk, several questions, follow-ups, an answer
from the articles, or an honest "not covered".

The order: a missed dose gets the fixed "follow the leaflet or ask your pharmacist" reply (with the
medication guard first when it applies), nothing from the articles; small talk is answered as
conversation (never with a passage); a short follow-up is searched
together with the chat's previous question (kept in memory a few minutes, never stored); a message with
several questions is answered part by part (at most three, and it says so); a question gets the best
passages unless the router or the search says the articles do not cover it. A reply set carries the
short disclaimer once, at its end.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.conversation.acts import Act, Kind
from bot.conversation.turns import TurnMemory, is_follow_up, split_questions
from bot.handlers.deps import Deps
from bot.knowledge.audience import passage_audience
from bot.knowledge.search import SearchResult
from bot.models import Block, Reply, ReplyKind, Style
from bot.safety.triage import Verdict

MAX_REMEMBERED = 300  # characters of a question kept for a follow-up
# When the router is this sure a message is talk, no passage overrides it: "are you human or AI?" and
# "am I talking to a real nurse?" share every word with some passage (AI, nurse) but are about the bot.
SMALL_TALK_SURE = 0.95
SMALL_TALK_OVERRIDE = 0.8  # share of a "small talk" message's weight a passage must cover to answer it instead


class Answers:
    """Replies to questions and conversation, over the shared deps and a turn memory."""

    def __init__(self, deps: Deps) -> None:
        """Use the shared deps; the turn memory starts empty."""
        self.deps = deps
        self.turns = TurnMemory()
        self.asked: set[int] = set()  # chats already asked who their answers are for (memory only)

    def answer(
        self,
        text: str,
        verdict: Verdict,
        chat_id: int | None,
        now: datetime,
        audience: str | None = None,
        ask_audience: bool = False,
    ) -> list[Reply]:
        """Return the replies to a triaged message.

        ``chat_id`` None: no conversation memory. ``audience`` ("women", "men", None when the user has not
        said): whose passages come first; the other audience's dosing passages are never shown. With
        ``ask_audience``, an answer from a passage written for one audience asks, once, who it is for.
        """
        compose = self.deps.compose
        if verdict.urgent is not None:
            return [compose.urgent(verdict)]
        if verdict.foreign is not None:  # not read: say so in its language (and guard a medicine change)
            return [compose.foreign(verdict), compose.guard()] if verdict.medication else [compose.foreign(verdict)]
        if verdict.missed_dose:
            # The articles do not cover missed doses: the fixed text only, no passages, no advice of ours. The
            # guard keeps its own rules: when it applies it comes first, as for any change to a medicine.
            replies = [compose.guard(), compose.missed_dose()] if verdict.medication else [compose.missed_dose()]
            replies[0] = compose.with_caution(replies[0], verdict)
            return one_footer(replies)
        acts = self.deps.content.current.acts
        act = acts.read(text)
        previous = self.turns.previous(chat_id, now) if chat_id is not None else None
        if previous and (is_follow_up(text) or act.act == "follow_up"):
            text, act = f"{previous} {text}"[-MAX_REMEMBERED:], acts.read(f"{previous} {text}")
        elif act.kind is Kind.SMALL_TALK and not verdict.medication and verdict.caution is None:
            if act.p_small_talk >= SMALL_TALK_SURE or not self._reads_as_question(text):
                return [compose.small_talk(act.act)]
            act = Act(Kind.QUESTION, "", act.p_small_talk, act.p_not_covered)
        parts = [] if verdict.medication else split_questions(text)
        if len(parts) > 1:
            replies = [Reply(ReplyKind.INFO, (Block(self.deps.texts.get("several_questions", count=len(parts))),))]
            for part in parts:
                replies.extend(self._one(part, Verdict(), acts.read(part), audience, lead=part))
        else:
            replies = self._one(text, verdict, act, audience)
        if chat_id is not None:
            self.turns.remember(chat_id, text[-MAX_REMEMBERED:], now)
            if ask_audience and chat_id not in self.asked and _for_one_audience(replies):
                self.asked.add(chat_id)  # asked once; /plan or these buttons change it later
                replies[0] = compose.with_audience_question(replies[0])
        return one_footer(replies)

    def _one(self, text: str, verdict: Verdict, act: Act, audience: str | None, lead: str | None = None) -> list[Reply]:
        """Return the replies to one question: medication guard, answer or not covered, with the caution."""
        compose = self.deps.compose
        if lead is not None and act.kind is Kind.SMALL_TALK:
            return []  # "thanks!" inside a list of questions needs no reply of its own
        searcher = self.deps.knowledge.searcher
        result = searcher.search(text[: self.deps.settings.max_message_chars], audience or "", act.p_not_covered)
        if audience and result.hits:
            # Another audience's dosing is never shown as if it were the reader's ("0.5 mg twice weekly" for men on TRT).
            other = [
                h
                for h in result.hits
                if passage_audience(h.passage) not in ("", audience) and compose.safety.is_dosing(h.passage.text)
            ]
            result = replace(result, hits=tuple(h for h in result.hits if h not in other))
        if verdict.medication:
            replies = compose.medication(result)
        elif result.answered and (
            result.learned or act.kind is not Kind.NOT_COVERED or result.reason == "overview" or self._unknown(result)
        ):
            replies = [compose.answer(result)]
        else:
            replies = [compose.no_match(result, symptom=verdict.caution is not None)]
        replies = [compose.with_caution(replies[0], verdict), *replies[1:]]
        if lead is not None:
            first = replies[0]
            replies[0] = replace(first, blocks=(Block(f"“{lead}”", Style.TITLE), *first.blocks))
        return replies

    def _unknown(self, result: SearchResult) -> bool:
        """Return True when the best passage is one the router never saw (no patient questions yet, as
        in a clinic's own article): its "not covered" was learnt on the source articles, so it cannot
        overrule an answer from new content ("how do I book my DEXA scan" in a clinic's booking leaflet)."""
        return bool(result.hits) and result.hits[0].passage.id not in self.deps.knowledge.searcher.questioned

    def _reads_as_question(self, text: str) -> bool:
        """Return True when "small talk" is really a question the articles answer well ("where do you get
        vitamin d from"): three or more search terms, and a passage covering most of them."""
        result = self.deps.knowledge.searcher.search(text[: self.deps.settings.max_message_chars])
        return len(result.terms) >= 3 and result.answered and result.hits[0].confidence >= SMALL_TALK_OVERRIDE

    def is_question(self, text: str) -> bool:
        """Return True when a message typed during a guided step is a question rather than the answer.

        It must be phrased as a question (a "?" at the end, or a question word first: "whats a t score",
        "do i need to fast for bloods") and have three words or more; "dexa?" or "Blood test" stays an
        answer. A short greeting, thanks or goodbye (the router's small talk) is talk too, so
        "hi" never becomes a reminder's name.
        """
        words = text.split()
        if len(words) <= SMALL_TALK_MAX_WORDS:
            act = self.deps.content.current.acts.read(text)
            if act.kind is Kind.SMALL_TALK and act.act in FLOW_SMALL_TALK and act.p_small_talk >= FLOW_SMALL_TALK_SURE:
                return True  # "hi", "thanks", "bye": talk, not the reminder's name
        if len(words) < QUESTION_MIN_WORDS:
            return False
        return text.rstrip().endswith("?") or words[0].lower().strip(",.!") in QUESTION_WORDS

    def forget(self, chat_id: int) -> None:
        """Drop the chat's remembered question (on /forget)."""
        self.turns.forget(chat_id)

    def move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """Carry the chat's remembered question over to its new id."""
        self.turns.move(old_chat_id, new_chat_id)


QUESTION_MIN_WORDS = 3
SMALL_TALK_MAX_WORDS = 3
# Small-talk acts (the router's) that are never an answer to a guided step.
FLOW_SMALL_TALK = frozenset({"greeting", "thanks", "goodbye"})
FLOW_SMALL_TALK_SURE = 0.95  # during a step a label may look like talk ("later life clinic"): only when sure
QUESTION_WORDS = frozenset({
    "what", "whats", "what's", "how", "hows", "how's", "why", "when", "where", "which", "who", "whose", "is", "are",
    "do", "does", "did", "can", "could", "should", "would", "will", "shall", "may", "am", "was", "were", "has", "have",
    "tell", "explain",
})


def _for_one_audience(replies: list[Reply]) -> bool:
    """Return True when the first answer quotes a passage written for women or for men."""
    first = replies[0] if replies else None
    return (
        first is not None
        and first.kind is ReplyKind.ANSWER
        and bool(first.passages)
        and bool(passage_audience(first.passages[0].passage))
    )


def one_footer(replies: list[Reply]) -> list[Reply]:
    """Return the replies with the short disclaimer kept only on the last reply that had it."""
    last = max((i for i, reply in enumerate(replies) if any(b.style is Style.FOOTER for b in reply.blocks)), default=None)
    if last is None:
        return replies
    return [
        reply if i == last else replace(reply, blocks=tuple(b for b in reply.blocks if b.style is not Style.FOOTER))
        for i, reply in enumerate(replies)
    ]
