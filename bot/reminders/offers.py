"""A plain message that asks for a reminder ("can u remind me about my scan on 14 march") is offered one.

Owns the decision that a chat message is a reminder request, and the offer: the date and label read
as ``/remind`` would read them, shown with "Set it" / "No thanks" buttons; nothing is stored until the
person says yes (a wrong guess must never become a reminder). A message counts as a request when it
holds a request phrase of ``knowledge/dates.yaml`` ("remind me", "set a reminder", "don't let me
forget") or says the person has an appointment ("I have a DEXA scan on 14 March"), *and* a date can be
read in it. "Remind me what a T-score is" holds no date and stays a question.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.models import Incoming, Reply
from bot.reminders import views
from bot.reminders.context import ReminderContext
from bot.reminders.creation import ReminderCreation
from bot.reminders.dates import DateProblem, ParsedWhen, clean_label, infer_kind
from bot.reminders.flows import FlowState, Step
from bot.reminders.reading import Now, Reader
from bot.reminders.splitting import split_line
from bot.reminders.vocabulary import fold

# "I have a DEXA scan on...", "my bloods are on...", "got my scan friday": a first-person appointment.
_STATEMENT = re.compile(
    r"^(?:(?:hi|hello|hey|ok|so)\W+)?(?:i\s+have|i've\s+got|ive\s+got|i\s+have\s+got|i\s+got|got\s+my|i'?m\s+having|"
    r"im\s+having|i\s+am\s+having|my\s+(?:next\s+)?\w+(?:\s+\w+)?\s+(?:is|are)\s+(?:on|at|booked|due|next))\b"
)
_REPORTED = re.compile(r"\b(?:said|says|told|was|were|had|did|last)\b")  # "the nurse said...", "my last scan was"
_REMEMBER_WHAT = re.compile(r"\bremind\s+me\s+(?:what|how|why|who|which|where|about\s+what)\b")
STRONG_FORMS = frozenset({"ymd", "dm", "day_month", "relative", "weekday", "day_of_month", "next_week"})


class ReminderOffers:
    """Offer the reminder a plain message asks for; set it on "yes"."""

    def __init__(self, ctx: ReminderContext, creation: ReminderCreation) -> None:
        """Work over the shared context; creating goes through ``creation`` like /remind."""
        self.ctx = ctx
        self.creation = creation

    def from_message(self, message: Incoming, text: str, now: datetime) -> list[Reply] | None:
        """Return the offer for a message that asks for a reminder, or None when it does not."""
        folded = fold(text)
        if _REMEMBER_WHAT.search(folded):
            return None
        ctx = self.ctx
        grammar = ctx.content().grammar
        user = ctx.users.get(message.user_id)
        tz_name = ctx.timezone(user)[0]
        reader = Reader(Now.of(now, ZoneInfo(tz_name)), user.date_order if user else None, "future",
                        ctx.config.max_years_ahead)
        split = split_line(text[:300], grammar, reader, strict=True)
        statement = bool(_STATEMENT.match(folded)) and not _REPORTED.search(folded) and "?" not in text
        forms = STRONG_FORMS | {"duration"} if split.requested else STRONG_FORMS  # "remind me in 3 weeks"
        if split.found is None or not (split.requested or statement) or split.found.form not in forms:
            return None
        result = split.result
        label = clean_label(split.label) or ""
        kind = infer_kind(label, dict(ctx.texts.kind_keywords))
        label = label or ctx.texts.kind_labels[kind]
        if isinstance(result, DateProblem) and result.kind != "ambiguous":
            return [ctx.problem(result)] if split.requested else None
        user = ctx.user(message, now)
        if isinstance(result, DateProblem):  # ambiguous: the readings to pick from are the offer
            candidates = tuple(zip(result.candidates, result.orders, strict=True))
            ctx.flows.save(user.user_id, FlowState(Step.PICK_DATE, kind=kind, label=label, time=result.time,
                                                    candidates=candidates), now)
            return [views.ambiguous_reply(ctx.texts, result)]
        assert isinstance(result, ParsedWhen)
        state = FlowState(Step.OFFER, kind=kind, label=label, time=result.time, candidates=((result.date, ""),))
        ctx.flows.save(user.user_id, state, now)
        return [views.offer(ctx.texts, label, result.date, result.time)]

    def answer(self, message: Incoming, accept: bool, now: datetime) -> list[Reply]:
        """ "Set it": create the offered reminder; "No thanks": forget the offer."""
        ctx = self.ctx
        state = ctx.flows.load(message.user_id, now)
        if state is None or state.step is not Step.OFFER or not state.candidates:
            return [ctx.expired()]
        ctx.flows.end(message.user_id)
        if not accept:
            return [views.info(ctx.texts, ctx.texts.t("offer_declined"))]
        return self.creation.pick_date(message, state, state.candidates[0][0], now)
