"""The command registry and the button codec agree with the content and with themselves.

* The commands of knowledge/messages.yaml (what /help, the Telegram menu and the README show) are exactly
  the commands the router of a full runtime has handlers for, and of the stateless assistant too.
* Every button type of bot/buttons.py is registered with the router and packs and unpacks losslessly.
* ``buttons.unpack`` never raises on arbitrary text, and what it returns packs again.
"""

from __future__ import annotations

import dataclasses
import re
import string
import typing
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot import buttons
from bot.app import Runtime, build_runtime
from bot.assistant import Assistant
from bot.buttons import MAX_ROW_ID, CallbackData
from bot.config import Settings
from bot.texts import Texts

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    built = build_runtime(Settings(knowledge_dir=KNOWLEDGE, database=tmp_path / "bot.sqlite3"))
    yield built
    assert built.database is not None
    built.database.close()


def _all_button_types() -> set[type[CallbackData]]:
    found: set[type[CallbackData]] = set()
    pending = list(CallbackData.__subclasses__())
    while pending:
        cls = pending.pop()
        found.add(cls)
        pending.extend(cls.__subclasses__())
    return found


ALL_TYPES = sorted(_all_button_types(), key=lambda cls: cls.__name__)


# --- commands --------------------------------------------------------------------------------------


def test_messages_yaml_commands_are_the_registered_commands(runtime: Runtime) -> None:
    commands = Texts.load(KNOWLEDGE / "messages.yaml").commands
    assert {command.name for command in commands} == runtime.assistant.router.command_names()


def test_the_stateless_assistant_registers_the_same_commands(assistant: Assistant, texts: Texts) -> None:
    """Without a database the reminder commands are still registered (they answer "not available")."""
    assert {command.name for command in texts.commands} == assistant.router.command_names()


# --- buttons: every type --------------------------------------------------------------------------

# One payload of every button type with its wire form (the table in bot/buttons.py's docstring).
SAMPLES: list[tuple[CallbackData, str]] = [
    (buttons.Consent(), "ok"),
    (buttons.OfferReminder(True), "r:offer:y"),
    (buttons.ContinueFlow(), "r:go"),
    (buttons.Forget(True), "fg:y"),
    (buttons.Forget(False), "fg:n"),
    (buttons.MorePassages(("002-015", "002-017")), "m:002-015,002-017"),
    (buttons.Define("dexa-scan"), "g:dexa-scan"),
    (buttons.DefineAlternatives("bone-density"), "ga:bone-density"),
    (buttons.GlossaryIndex(), "gl"),
    (buttons.GlossaryPage("O", 2), "gl:O:2"),
    (buttons.ReminderKindChoice("dexa"), "r:kind:dexa"),
    (buttons.PickDate(date(2027, 5, 4)), "r:date:2027-05-04"),
    (buttons.UndoReminders((3, 4)), "r:undo:3,4"),
    (buttons.CancelReminder(12), "r:cancel:12"),
    (buttons.CalendarFile(12), "r:ics:12"),
    (buttons.TimezoneChoice("America/New_York"), "r:tz:America/New_York"),
    (buttons.PlanVariantChoice("w"), "r:plan:w"),
    (buttons.StopFlow(), "r:stop"),
    (buttons.ListReminders(), "r:list"),
    (buttons.AudienceChoice("w"), "au:w"),
    (buttons.TabletDose("taken", date(2026, 11, 22)), "tb:taken:2026-11-22"),
    (buttons.TabletMedicine(), "tb:med"),
    (buttons.TabletStart(), "tb:start"),
    (buttons.TabletTime("0800"), "tb:at:0800"),
    (buttons.TabletPause(7), "tb:pause:7"),
    (buttons.DexaSite("lumbar_spine"), "dx:site:lumbar_spine"),
    (buttons.DexaSkip(), "dx:skip"),
    (buttons.DexaAdd(), "dx:add"),
    (buttons.DexaDelete(3), "dx:del:3"),
    (buttons.DexaRemind(3), "dx:remind:3"),
    (buttons.SaveQuestion("1f2e3d4c"), "nq:1f2e3d4c"),
    (buttons.DeleteNote(5), "nt:del:5"),
]


def test_every_button_type_has_a_sample() -> None:
    assert {type(payload) for payload, _ in SAMPLES} == set(ALL_TYPES), "add the new button type to SAMPLES"


@pytest.mark.parametrize(("payload", "wire"), SAMPLES, ids=[wire for _, wire in SAMPLES])
def test_every_button_type_is_registered_and_round_trips(runtime: Runtime, payload: CallbackData, wire: str) -> None:
    assert runtime.assistant.router.button(payload) is not None, f"{type(payload).__name__} has no handler"
    assert payload.pack() == wire
    assert buttons.unpack(wire) == payload


# --- buttons: properties --------------------------------------------------------------------------


def _fields(cls: type[CallbackData]) -> list[tuple[str, Any]]:
    hints = typing.get_type_hints(cls)
    return [(field.name, hints[field.name]) for field in dataclasses.fields(cls)]  # type: ignore[arg-type]


_SAFE = st.text(min_size=1, max_size=24).filter(lambda text: ":" not in text)


def _valid_value(kind: Any) -> st.SearchStrategy[Any]:
    """Values a payload field of this type may hold."""
    if kind is bool:
        return st.booleans()
    if kind is int:
        return st.integers(0, MAX_ROW_ID)
    if kind is date:
        return st.dates()
    if kind is str:
        return _SAFE
    if typing.get_origin(kind) is tuple:
        item = typing.get_args(kind)[0]
        items = _SAFE.filter(lambda text: "," not in text) if item is str else _valid_value(item)
        return st.lists(items, min_size=1, max_size=10).map(tuple)
    raise AssertionError(f"no strategy for {kind!r}")


payloads = st.sampled_from(ALL_TYPES).flatmap(
    lambda cls: st.fixed_dictionaries({name: _valid_value(kind) for name, kind in _fields(cls)}).map(lambda f: cls(**f))
)


@given(payload=payloads)
def test_packed_payloads_unpack_to_themselves(payload: CallbackData) -> None:
    if not payload.fits():  # over 64 bytes: refused when packing, never sent
        with pytest.raises(ValueError):
            payload.pack()
        return
    wire = payload.pack()
    assert len(wire.encode("utf-8")) <= buttons.MAX_CALLBACK_BYTES
    assert buttons.unpack(wire) == payload


def _wire_value(kind: Any) -> st.SearchStrategy[str]:
    """Text a client could send for a field of this type: canonical, non-canonical or junk."""
    junk = st.one_of(st.text(max_size=8), st.sampled_from(("", " ", ",", "-1", "+1", "1e3", "٣", "１", "0x1", "y,n")))
    if kind is bool:
        forms: st.SearchStrategy[str] = st.sampled_from(("y", "n", "Y", "yes", "true", "1"))
    elif kind is int:
        forms = st.one_of(
            st.integers(0, MAX_ROW_ID).map(str),
            st.tuples(st.integers(1, 3), st.integers(0, 10**6)).map(lambda z: "0" * z[0] + str(z[1])),  # leading zeros
            st.integers(MAX_ROW_ID + 1, 10**30).map(str),  # beyond SQLite's range
        )
    elif kind is date:
        forms = st.dates().flatmap(
            lambda day: st.sampled_from((day.isoformat(), day.strftime("%Y%m%d"), "{}-W{:02d}-{}".format(*day.isocalendar())))
        )
    elif kind is str:
        forms = st.text(alphabet=string.ascii_letters + string.digits + "-_/,. ", max_size=12)
    else:
        item = typing.get_args(kind)[0]
        forms = st.lists(_wire_value(item), min_size=0, max_size=12).map(",".join)
    return st.one_of(forms, forms, junk)


@st.composite
def client_data(draw: st.DrawFn) -> str:
    """Callback data shaped like the bot's: a real prefix, about the right number of fields, odd values."""
    cls = draw(st.sampled_from(ALL_TYPES))
    values = [draw(_wire_value(kind)) for _, kind in _fields(cls)]
    extra = draw(st.sampled_from(((), (), (), ("x",), ("1", "2"))))
    if values and draw(st.integers(0, 4)) == 0:
        values.pop()
    return ":".join((cls.prefix, *values, *extra))


@given(data=st.one_of(st.text(), st.text(alphabet=":,ygln0123456789rmkcs", max_size=20), client_data()))
@example("r:cancel:01")
@example(f"r:cancel:{MAX_ROW_ID + 1}")
@example("r:date:2027-W18-2")
def test_unpack_never_raises_and_what_it_returns_packs_back(data: str) -> None:
    """Arbitrary Unicode text (what Telegram can deliver: no lone surrogates) gives None or a payload that
    packs, within 64 bytes, to data that unpacks to the same payload."""
    payload = buttons.unpack(data)
    if payload is None:
        return
    wire = payload.pack()
    assert buttons.unpack(wire) == payload


@pytest.mark.parametrize("data", [None, b"ok", 12, ["ok"], "", "x" * 65, "é" * 33])
def test_unpack_of_non_text_or_oversized_data_is_none(data: object) -> None:
    assert buttons.unpack(data) is None


def _beyond_row_ids(data: str) -> bool:
    return any(int(digits) > MAX_ROW_ID for digits in re.findall(r"[0-9]+", data))


@given(data=st.one_of(st.text(), client_data()))
@example("r:cancel:01")
@example("r:date:2027-W18-2")
@example("g:\ud800")
def test_unpack_returns_only_what_packs_back_to_the_same_string(data: str) -> None:
    """The strict form: anything unpack accepts is exactly what pack writes.

    The documented exception is left out: a number beyond SQLite's INTEGER range reads as 0 (no row).
    """
    payload = buttons.unpack(data)
    if payload is None or _beyond_row_ids(data):
        return
    assert payload.pack() == data
