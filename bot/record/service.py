"""The patient's own record behind one thin facade: its commands, its buttons and its guided flows.

``Record`` composes the units that each own one meaning (``tablet_commands``: the daily tablet reminder
and /tablets; ``dexa_commands``: /dexa; ``documents``: /note, /summary, /export) over one shared
:class:`RecordContext`, offers their handlers to the bot's router (``commands()`` / ``buttons()``), sends
a typed answer during a record flow to the unit whose step it is, and offers "save it for your care
team" under a question the articles do not cover.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from bot import buttons
from bot.models import Button, Incoming, Reply, ReplyKind
from bot.record.context import RecordContext
from bot.record.dexa_commands import DexaCommands
from bot.record.documents import Documents
from bot.record.flows import RecordStep
from bot.record.tablet_commands import TabletCommands
from bot.routing import AnyButtonRoute, ButtonRoute, CommandRoute
from bot.text import one_line

# The commands this feature answers (the fallback group answers them when there is no database).
RECORD_COMMANDS = (
    "tablet", "tablet_time", "tablet_pause", "tablet_resume", "tablet_stop", "tablets", "dexa", "note", "summary", "export",
)
TABLET_STEPS = frozenset({RecordStep.TABLET_MEDICINE, RecordStep.TABLET_TIME})


class Record:
    """The record's commands and buttons over a :class:`RecordContext`."""

    def __init__(self, ctx: RecordContext) -> None:
        """Build the units over one shared context."""
        self.ctx = ctx
        self.tablets = TabletCommands(ctx)
        self.dexa = DexaCommands(ctx)
        self.documents = Documents(ctx)

    def commands(self) -> Mapping[str, CommandRoute]:
        """Return the record's commands by name; each is ``personal: true`` in messages.yaml, so in a group
        the assistant offers the private chat instead (the rest of the group would see the record)."""
        t, d = self.tablets, self.documents
        return {
            "tablet": CommandRoute(t.tablet),
            "tablet_time": CommandRoute(t.change_time),
            "tablet_pause": CommandRoute(t.pause),
            "tablet_resume": CommandRoute(t.resume),
            "tablet_stop": CommandRoute(t.stop),
            "tablets": CommandRoute(t.adherence),
            "dexa": CommandRoute(self.dexa.dexa),
            "note": CommandRoute(d.note),
            "summary": CommandRoute(d.summary),
            "export": CommandRoute(d.export),
        }

    def buttons(self) -> Iterable[AnyButtonRoute]:
        """Return the record's buttons' routes."""
        t, x, d = self.tablets, self.dexa, self.documents
        # Every one acts on the presser's own record: private chat only.
        return (
            ButtonRoute(buttons.TabletDose, lambda msg, data, now: t.dose(msg, data.action, data.day, now), personal=True),
            ButtonRoute(buttons.TabletMedicine, lambda msg, data, now: self._medicine(msg, now), personal=True),
            ButtonRoute(buttons.TabletStart, lambda msg, data, now: t.tablet(msg, "", now), personal=True),
            ButtonRoute(buttons.TabletTime, lambda msg, data, now: t.choose_time(msg, data.hhmm, now), personal=True),
            ButtonRoute(buttons.TabletPause, lambda msg, data, now: t.pause_days(msg, data.days, now), personal=True),
            ButtonRoute(buttons.DexaSite, lambda msg, data, now: x.choose_site(msg, data.code, now), personal=True),
            ButtonRoute(buttons.DexaSkip, lambda msg, data, now: x.skip(msg, now), personal=True),
            ButtonRoute(buttons.DexaAdd, lambda msg, data, now: x.start(msg, now), personal=True),
            ButtonRoute(buttons.DexaDelete, lambda msg, data, now: x.delete(msg, data.id, now), personal=True),
            ButtonRoute(buttons.DexaRemind, lambda msg, data, now: x.remind(msg, data.id, now), personal=True),
            ButtonRoute(buttons.SaveQuestion, lambda msg, data, now: d.save_question(msg, data.token, now), personal=True),
            ButtonRoute(buttons.DeleteNote, lambda msg, data, now: d.delete_note(msg, data.id, now), personal=True),
        )

    def _medicine(self, message: Incoming, now: datetime) -> list[Reply]:
        state = self.ctx.flows.load(message.user_id, now)
        if state is None or state.step is not RecordStep.TABLET_MEDICINE:
            return [self.ctx.expired()]
        return self.tablets.choose_medicine(message, None, now)

    def continue_flow(
        self, message: Incoming, text: str, now: datetime, asks: Callable[[str], bool] | None = None
    ) -> list[Reply] | None:
        """Feed a plain message to the user's record flow; None if there is none (the caller goes on).

        ``asks(text)`` tells a question or a change to a medicine from an answer ("remind me to stop my
        tablets" is not the name of a medicine): then the flow ends and the caller answers the message.
        """
        state = self.ctx.flows.load(message.user_id, now)
        if state is None:
            return None
        text = one_line(text)
        if not text:
            return None
        if text.endswith("?") or (asks is not None and asks(text)):  # not an answer: let the caller answer it
            self.ctx.flows.end(message.user_id)
            return None
        if state.step in TABLET_STEPS:
            return self.tablets.continue_flow(message, state, text, now)
        return self.dexa.continue_flow(message, state, text, now)

    def offer_tablet(self, message: Incoming, text: str, requests: frozenset[str], now: datetime) -> list[Reply] | None:
        """A plain request to be reminded about a tablet ("remind me to take my pills every morning"): offer
        the daily tablet reminder (nothing is set before the button or /tablet); None for anything else.

        ``requests``: the request phrases of the date vocabulary ("remind me", "don't let me forget").
        """
        words = set(re.findall(r"[a-z]+", text.lower()))
        folded = " ".join(re.findall(r"[a-z']+", text.lower())).replace("'", "")
        if not words & self.ctx.texts.tablet_words or not any(re.search(rf"\b{re.escape(p)}\b", folded) for p in requests):
            return None
        texts = self.ctx.texts
        start = Button(texts.t("btn_tablet_offer"), buttons.TabletStart().pack())
        return [self.ctx.reply(texts.t("tablet_offer"), buttons=((start,),))]

    def offer_save(self, message: Incoming, text: str, replies: list[Reply], now: datetime) -> list[Reply]:
        """Under a "not covered" answer, offer to keep the question for the care team (held in memory)."""
        if not replies or replies[0].kind is not ReplyKind.NO_MATCH:
            return replies
        token = self.ctx.pending.hold(message.user_id, one_line(text), now)
        save = Button(self.ctx.texts.t("btn_save_question"), buttons.SaveQuestion(token).pack())
        first = replies[0]
        return [replace(first, buttons=(*first.buttons, (save,))), *replies[1:]]

    def forget(self, user_id: int) -> None:
        """Drop what the record holds in memory about a user (on /forget)."""
        self.ctx.pending.forget(user_id)
