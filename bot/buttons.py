"""One codec for button (callback) data: typed, validated, and always within Telegram's 64 bytes.

Every button the bot offers is a frozen dataclass deriving from :class:`CallbackData` with a ``prefix``
and typed fields (in the style of aiogram's ``CallbackData``). ``pack()`` writes ``prefix:field:field``
and refuses anything over 64 bytes; :func:`unpack` reads data coming back from a client, which is never
trusted: unknown prefixes, wrong field counts, non-digits, impossible dates or ids give ``None``.

Field types: ``str`` (non-empty, no ``:``), ``int`` (ASCII digits; a number beyond SQLite's
INTEGER range reads as 0, which names no row), ``bool`` (``y``/``n``), ``date`` (ISO), and
``tuple[int, ...]`` / ``tuple[str, ...]`` (comma-separated). Wire formats in use::

    ok                      accept the disclaimer           fg:<y|n>             confirm /forget
    m:<id>,<id>             more passages                   g:<entry> ga:<entry> a definition / alternatives
    gl                      glossary A-Z index              gl:<letter>:<page>   a glossary page
    r:kind:<kind>           guided /remind: what for        r:date:<YYYY-MM-DD>  one reading of an ambiguous date
    r:undo:<id>[,<id>...]   undo just-created reminders     r:cancel:<id>        cancel a reminder
    r:ics:<id>              the .ics calendar file          r:tz:<IANA name>     a suggested timezone
    r:plan:<code>           /plan: the schedule variant     r:stop               leave the guided flow
    r:list                  /reminders               au:<w|m>             whose answers: women / men
    tb:<act>:<YYYY-MM-DD>   a day's tablet: taken / snooze / skip          tb:med / tb:at:<HHMM>   guided /tablet
    tb:pause:<days>         pause the tablet reminder       tb:start             start the guided /tablet
    dx:site:<code>          /dexa add: the site
    dx:skip                 /dexa add: no Z-score / BMD     dx:add               start /dexa add
    dx:del:<id>             delete (or undo) a DEXA result  dx:remind:<id>       remind of the next scan
    nq:<token>              save a not-covered question     nt:del:<id>          delete a saved question
"""

from __future__ import annotations

import dataclasses
import re
import typing
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, TypeVar

MAX_CALLBACK_BYTES = 64  # Telegram's limit for callback_data
MAX_ROW_ID = 2**63 - 1  # SQLite's INTEGER range

T = TypeVar("T", bound="CallbackData")
_REGISTRY: dict[tuple[str, int], type[CallbackData]] = {}


class CallbackData:
    """Base of every button payload: subclasses are frozen dataclasses with a ``prefix``."""

    prefix: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "prefix" in cls.__dict__:
            # Registered when the dataclass decorator has run, on first use (fields are known then).
            _PENDING.append(cls)

    def pack(self) -> str:
        """Return the wire form; ValueError when it would exceed 64 bytes or a field is unsafe."""
        parts = [self.prefix]
        for name, kind in _fields(type(self)):
            text = _encode(getattr(self, name), kind)
            if ":" in text or not text:
                raise ValueError(f"{type(self).__name__}.{name} must be non-empty and without ':'")
            parts.append(text)
        data = ":".join(parts)
        if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
            raise ValueError(f"button data longer than {MAX_CALLBACK_BYTES} bytes: {data[:70]!r}")
        return data

    def fits(self) -> bool:
        """Return True when this payload can be packed (within 64 bytes)."""
        try:
            self.pack()
        except ValueError:
            return False
        return True


_PENDING: list[type[CallbackData]] = []


_FIELDS: dict[str, tuple[tuple[str, Any], ...]] = {}


def _fields(cls: type[CallbackData]) -> tuple[tuple[str, Any], ...]:
    """Return (name, type) of each field of a payload class (computed once per class)."""
    key = f"{cls.__module__}.{cls.__qualname__}"
    if key not in _FIELDS:
        hints = typing.get_type_hints(cls)
        _FIELDS[key] = tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    return _FIELDS[key]


def _register_pending() -> None:
    while _PENDING:
        cls = _PENDING.pop()
        key = (cls.prefix, len(_fields(cls)))
        if key in _REGISTRY and _REGISTRY[key] is not cls:
            raise TypeError(f"two button types share prefix {cls.prefix!r} with {key[1]} field(s)")
        _REGISTRY[key] = cls


def _encode(value: Any, kind: Any) -> str:
    if kind is bool:
        return "y" if value else "n"
    if kind is date:
        return str(value.isoformat())
    if typing.get_origin(kind) is tuple:
        return ",".join(str(item) for item in value)
    return str(value)


_DIGITS = re.compile(r"0|[1-9][0-9]{0,29}")  # no leading zeros
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _decode(text: str, kind: Any) -> Any:
    """Return the typed value of one field, or raise ValueError."""
    if kind is str:
        if not text:
            raise ValueError("empty field")
        text.encode("utf-8")  # a lone surrogate cannot be sent back: UnicodeError
        return text
    if kind is int:
        return _integer(text)  # a number past SQLite's range reads as 0 and is then refused as non-canonical
    if kind is bool:
        if text not in ("y", "n"):
            raise ValueError("not y/n")
        return text == "y"
    if kind is date:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError("not YYYY-MM-DD")
        return date.fromisoformat(text)
    if typing.get_origin(kind) is tuple:
        item_kind = typing.get_args(kind)[0]
        items = text.split(",")
        if not text or len(items) > 10:
            raise ValueError("bad list")
        return tuple(_decode(item, item_kind) for item in items)
    raise TypeError(f"unsupported field type {kind!r}")


def _integer(text: str) -> int:
    if not _DIGITS.fullmatch(text):
        raise ValueError("not a number")
    number = int(text)
    return number if number <= MAX_ROW_ID else 0


def unpack(data: object) -> CallbackData | None:
    """Return the typed payload of callback data from a client, or None when it means nothing.

    Only the canonical form of each field is accepted (what ``pack`` writes): "r:cancel:01",
    "r:date:20270504" or a lone surrogate are refused, so one payload has one spelling (a number beyond
    SQLite's range is the one exception: it reads as 0, an id no row has).
    """
    if not isinstance(data, str) or not data or len(data.encode("utf-8", "replace")) > MAX_CALLBACK_BYTES:
        return None
    _register_pending()
    parts = data.split(":")
    # The longest registered prefix wins ("r:cancel" before "r"), then the field count must match.
    for cut in range(min(len(parts), 2), 0, -1):
        cls = _REGISTRY.get((":".join(parts[:cut]), len(parts) - cut))
        if cls is None:
            continue
        try:
            return cls(**{name: _decode(text, kind) for (name, kind), text in zip(_fields(cls), parts[cut:], strict=True)})
        except (ValueError, TypeError, UnicodeError):
            return None
    return None


# --- the bot's buttons -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Consent(CallbackData):
    """"I understand": accept the disclaimer."""

    prefix = "ok"


@dataclass(frozen=True)
class Forget(CallbackData):
    """Confirm (or decline) erasing everything stored about the user."""

    prefix = "fg"
    confirm: bool


@dataclass(frozen=True)
class MorePassages(CallbackData):
    """Show further passages of an answer by their ids ("002-014")."""

    prefix = "m"
    ids: tuple[str, ...]


@dataclass(frozen=True)
class Define(CallbackData):
    """Show a glossary entry."""

    prefix = "g"
    entry: str


@dataclass(frozen=True)
class DefineAlternatives(CallbackData):
    """Show the other articles' definitions of a glossary entry."""

    prefix = "ga"
    entry: str


@dataclass(frozen=True)
class GlossaryIndex(CallbackData):
    """Show the glossary's A-Z letter buttons."""

    prefix = "gl"


@dataclass(frozen=True)
class GlossaryPage(CallbackData):
    """Show one page of glossary terms under a letter."""

    prefix = "gl"
    letter: str
    page: int


@dataclass(frozen=True)
class AudienceChoice(CallbackData):
    """Who the user's answers are for: "w" (women after breast cancer) or "m" (men on TRT)."""

    prefix = "au"
    code: str


@dataclass(frozen=True)
class ReminderKindChoice(CallbackData):
    """Guided /remind: the user chose what the reminder is for."""

    prefix = "r:kind"
    kind: str


@dataclass(frozen=True)
class PickDate(CallbackData):
    """The user chose one reading of an ambiguous date."""

    prefix = "r:date"
    day: date


@dataclass(frozen=True)
class UndoReminders(CallbackData):
    """Undo reminders just created."""

    prefix = "r:undo"
    ids: tuple[int, ...]


@dataclass(frozen=True)
class CancelReminder(CallbackData):
    """Cancel one reminder."""

    prefix = "r:cancel"
    id: int


@dataclass(frozen=True)
class CalendarFile(CallbackData):
    """Send a reminder's .ics calendar file."""

    prefix = "r:ics"
    id: int


@dataclass(frozen=True)
class TimezoneChoice(CallbackData):
    """Choose a suggested timezone."""

    prefix = "r:tz"
    name: str


@dataclass(frozen=True)
class PlanVariantChoice(CallbackData):
    """/plan: choose whose schedule applies."""

    prefix = "r:plan"
    code: str


@dataclass(frozen=True)
class StopFlow(CallbackData):
    """Leave the guided conversation."""

    prefix = "r:stop"


@dataclass(frozen=True)
class OfferReminder(CallbackData):
    """Answer the offer to set the reminder a plain message asked for (yes or no)."""

    prefix = "r:offer"
    accept: bool


@dataclass(frozen=True)
class ContinueFlow(CallbackData):
    """After a question asked in the middle of a guided step: carry on with that step."""

    prefix = "r:go"


@dataclass(frozen=True)
class ListReminders(CallbackData):
    """Show /reminders."""

    prefix = "r:list"


# --- the patient's record (bot/record/) ----------------------------------------------------------------


@dataclass(frozen=True)
class TabletDose(CallbackData):
    """A tablet reminder's button for one local day: "taken", "snooze" or "skip"."""

    prefix = "tb"
    action: str
    day: date


@dataclass(frozen=True)
class TabletMedicine(CallbackData):
    """Guided /tablet: the suggested medicine (the default name) was chosen."""

    prefix = "tb:med"


@dataclass(frozen=True)
class TabletStart(CallbackData):
    """Start the guided /tablet (offered under a plain "remind me to take my tablet")."""

    prefix = "tb:start"


@dataclass(frozen=True)
class TabletTime(CallbackData):
    """Guided /tablet: a suggested time of day, "0800"."""

    prefix = "tb:at"
    hhmm: str


@dataclass(frozen=True)
class TabletPause(CallbackData):
    """Pause the tablet reminder for some days."""

    prefix = "tb:pause"
    days: int


@dataclass(frozen=True)
class DexaSite(CallbackData):
    """/dexa add: the site of the result (a site code)."""

    prefix = "dx:site"
    code: str


@dataclass(frozen=True)
class DexaSkip(CallbackData):
    """/dexa add: the optional value asked for is not on the report."""

    prefix = "dx:skip"


@dataclass(frozen=True)
class DexaAdd(CallbackData):
    """Start /dexa add."""

    prefix = "dx:add"


@dataclass(frozen=True)
class DexaDelete(CallbackData):
    """Delete (or undo) one DEXA result."""

    prefix = "dx:del"
    id: int


@dataclass(frozen=True)
class DexaRemind(CallbackData):
    """Set a reminder for the next scan, at the articles' interval after this result's scan."""

    prefix = "dx:remind"
    id: int


@dataclass(frozen=True)
class SaveQuestion(CallbackData):
    """Keep the question just asked (held in memory under this token) for the care team."""

    prefix = "nq"
    token: str


@dataclass(frozen=True)
class DeleteNote(CallbackData):
    """Delete one saved question."""

    prefix = "nt:del"
    id: int
