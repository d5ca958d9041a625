"""The patient's own record behind one thin facade: its commands, its buttons and its guided flows.

``Record`` composes the units that each own one meaning (``tablet_commands``: the daily tablet reminder
and /tablets; ``dexa_commands``: /dexa; ``documents``: /note, /summary, /export) over one shared
:class:`RecordContext`, offers their handlers to the bot's router (``commands()`` / ``buttons()``), sends
a typed answer during a record flow to the unit whose step it is, and offers "save it for your care
team" under a question the articles do not cover.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from bot import buttons
from bot.models import Button, Incoming, Reply, ReplyKind
from bot.record.context import RecordContext
from bot.record.dexa_commands import DexaCommands
from bot.record.documents import Documents
from bot.record.flows import RecordStep
from bot.record.tablet_commands import TabletCommands
from bot.routing import AnyButtonRoute, ButtonRoute, CommandHandler, CommandRoute
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
        """Return the record's commands by name (each answers only in a private chat: it is health data)."""
        t, d = self.tablets, self.documents
        handlers: dict[str, CommandHandler] = {
            "tablet": t.tablet,
            "tablet_time": t.change_time,
            "tablet_pause": t.pause,
            "tablet_resume": t.resume,
            "tablet_stop": t.stop,
            "tablets": t.adherence,
            "dexa": self.dexa.dexa,
            "note": d.note,
            "summary": d.summary,
            "export": d.export,
        }
        return {name: CommandRoute(self._private(handler)) for name, handler in handlers.items()}

    def _private(self, handler: CommandHandler) -> CommandHandler:
        def run(message: Incoming, args: str, now: datetime) -> list[Reply]:
            if message.is_group:  # the rest of the group would see the patient's record
                return [self.ctx.reply(self.ctx.texts.t("private_only"))]
            return handler(message, args, now)

        return run

    def buttons(self) -> Iterable[AnyButtonRoute]:
        """Return the record's buttons' routes."""
        t, x, d = self.tablets, self.dexa, self.documents
        return (
            ButtonRoute(buttons.TabletDose, lambda msg, data, now: t.dose(msg, data.action, data.day, now)),
            ButtonRoute(buttons.TabletMedicine, lambda msg, data, now: self._medicine(msg, now)),
            ButtonRoute(buttons.TabletTime, lambda msg, data, now: t.choose_time(msg, data.hhmm, now)),
            ButtonRoute(buttons.TabletPause, lambda msg, data, now: t.pause_days(msg, data.days, now)),
            ButtonRoute(buttons.DexaSite, lambda msg, data, now: x.choose_site(msg, data.code, now)),
            ButtonRoute(buttons.DexaSkip, lambda msg, data, now: x.skip(msg, now)),
            ButtonRoute(buttons.DexaAdd, lambda msg, data, now: x.start(msg, now)),
            ButtonRoute(buttons.DexaDelete, lambda msg, data, now: x.delete(msg, data.id, now)),
            ButtonRoute(buttons.DexaRemind, lambda msg, data, now: x.remind(msg, data.id, now)),
            ButtonRoute(buttons.SaveQuestion, lambda msg, data, now: d.save_question(msg, data.token, now)),
            ButtonRoute(buttons.DeleteNote, lambda msg, data, now: d.delete_note(msg, data.id, now)),
        )

    def _medicine(self, message: Incoming, now: datetime) -> list[Reply]:
        state = self.ctx.flows.load(message.user_id, now)
        if state is None or state.step is not RecordStep.TABLET_MEDICINE:
            return [self.ctx.expired()]
        return self.tablets.choose_medicine(message, None, now)

    def continue_flow(self, message: Incoming, text: str, now: datetime) -> list[Reply] | None:
        """Feed a plain message to the user's record flow; None if there is none (the caller goes on)."""
        state = self.ctx.flows.load(message.user_id, now)
        if state is None:
            return None
        text = one_line(text)
        if not text:
            return None
        if text.endswith("?"):  # a question, not an answer: let the caller answer it
            self.ctx.flows.end(message.user_id)
            return None
        if state.step in TABLET_STEPS:
            return self.tablets.continue_flow(message, state, text, now)
        return self.dexa.continue_flow(message, state, text, now)

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
