"""Plain data shared by the core and the channel adapters: passages, hits, glossary entries, replies.

Everything here is a frozen dataclass with no Telegram import, so the core can be tested and rendered
by any channel (Telegram HTML, console text, JSON).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True)
class Source:
    """One article a passage or definition comes from."""

    article: str  # article id, e.g. "002"
    title: str


@dataclass(frozen=True)
class Passage:
    """A retrievable unit of article text; ``text`` quotes the article verbatim."""

    id: str  # stable across runs, e.g. "002-014"
    article: str  # primary article id
    title: str  # primary article title
    section: str  # Fundamentals | Intermediate | Academic
    heading: str
    text: str
    kind: str = "paragraph"  # paragraph | list | table_row | glossary
    context: str = ""  # added context (table caption and header), never shown as a quote
    also_in: tuple[str, ...] = ()  # further article ids holding the same text (merged duplicates)
    cells: tuple[str, ...] = ()  # a table row's cells, restored from the flattened row (their words in order)
    columns: tuple[str, ...] = ()  # the table's column names, when they could be matched to the cells
    previous: str = ""  # the sentence before, for a passage that starts by referring to it ("This means...")

    @property
    def sources(self) -> tuple[str, ...]:
        """Return every article id citing this text, primary first."""
        return (self.article, *self.also_in)


@dataclass(frozen=True)
class Hit:
    """A passage returned by search with its raw BM25 score and its normalised confidence."""

    passage: Passage
    score: float
    confidence: float  # 0..1, comparable across queries; see bot/knowledge/search.py


@dataclass(frozen=True)
class Definition:
    """One definition of a glossary term and where it comes from."""

    text: str
    source: str  # article id


@dataclass(frozen=True)
class GlossaryEntry:
    """A curated glossary concept: one primary definition plus alternatives."""

    id: str  # slug, <= 40 ASCII bytes, stable (used in button data)
    term: str
    definition: Definition
    aliases: tuple[str, ...] = ()
    alternatives: tuple[Definition, ...] = ()

    @property
    def sources(self) -> tuple[str, ...]:
        """Return the article ids of every definition, primary first, without repeats."""
        seen: dict[str, None] = {self.definition.source: None}
        for alt in self.alternatives:
            seen.setdefault(alt.source, None)
        return tuple(seen)


@dataclass(frozen=True)
class GlossaryResult:
    """The answer to a glossary lookup: an entry, or none with suggestions."""

    query: str
    entry: GlossaryEntry | None
    suggestions: tuple[GlossaryEntry, ...] = ()


class ReplyKind(StrEnum):
    """What a reply is, so channels and tests can tell replies apart without reading text."""

    ANSWER = "answer"
    NO_MATCH = "no_match"
    URGENT = "urgent"
    MEDICATION = "medication"
    GLOSSARY = "glossary"
    INFO = "info"  # /start, /help, /privacy, /disclaimer and other fixed texts
    SMALL_TALK = "small_talk"  # greetings, thanks, "are you a bot?": conversation, never a passage
    REMINDER = "reminder"  # reminder confirmations, lists, due notices
    RECORD = "record"  # the patient's own record: tablets, DEXA results, questions, summary, export
    MISSED_DOSE = "missed_dose"  # the fixed "follow the leaflet or ask your pharmacist" reply
    ERROR = "error"  # a kind message about bad input


class Style(StrEnum):
    """How a block of reply text is meant to look; each channel maps these to its own markup."""

    TITLE = "title"  # a short bold line
    TEXT = "text"  # ordinary paragraph
    QUOTE = "quote"  # verbatim article text
    SOURCE = "source"  # "From: title › heading"
    ITEM = "item"  # a list item
    CODE = "code"  # a command or literal the user can type
    FOOTER = "footer"  # the short disclaimer


@dataclass(frozen=True)
class Block:
    """A paragraph of reply text; ``emphasis`` is a substring of ``text`` to highlight."""

    text: str
    style: Style = Style.TEXT
    emphasis: str | None = None


@dataclass(frozen=True)
class Button:
    """A choice offered to the user; ``data`` is the compact action string (<= 64 bytes).

    A button with ``private_start`` set is a link instead: it opens the private chat with the bot and
    sends ``/start <private_start>`` there (Telegram's deep link; a-z, 0-9, _ and -, at most 64).
    """

    label: str
    data: str
    private_start: str | None = None


class AttachmentKind(StrEnum):
    """How a channel should show a file: as a picture, or as a document to open or save."""

    DOCUMENT = "document"
    PHOTO = "photo"


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply (an .ics calendar, a chart, a PDF, a zip).

    ``caption``: a short line shown with the file (Telegram allows 1,024 characters). ``alt_text``: the
    picture's content as text, for a channel that cannot show pictures (the console prints it).
    """

    filename: str
    content: bytes
    mime_type: str
    kind: AttachmentKind = AttachmentKind.DOCUMENT
    caption: str = ""
    alt_text: str = ""


@dataclass(frozen=True)
class Reply:
    """One message to send: text blocks, buttons in rows, an optional file, and its kind."""

    kind: ReplyKind
    blocks: tuple[Block, ...]
    buttons: tuple[tuple[Button, ...], ...] = ()
    passages: tuple[Hit, ...] = ()  # the passages quoted or offered, for JSON output and tests
    attachment: Attachment | None = None
    edit: bool = False  # for button presses: replace the pressed message instead of sending a new one
    notice: str | None = None  # short toast for a button press (Telegram answerCallbackQuery)

    @property
    def plain_text(self) -> str:
        """Return the reply as plain text, paragraphs separated by blank lines."""
        return "\n\n".join(block.text for block in self.blocks)


@dataclass(frozen=True)
class Incoming:
    """A message as the core sees it, whatever the channel.

    ``is_person`` is False when the sender is not one identifiable person: an anonymous group admin
    (Telegram sends them all as the same user), a channel, another bot, or no sender. Such messages get
    general answers only; nothing personal (reminders, settings, consent, erasure) is tied to them.
    ``is_group`` is True for any chat but the private chat with the bot; personal features live in the
    private chat only. ``edited_id`` is the id of the message the user edited, for corrections.
    """

    user_id: int
    chat_id: int
    text: str
    first_name: str = ""  # never logged
    is_group: bool = False
    addressed_to_bot: bool = True  # in groups: a command, a mention or a reply to the bot
    extra: dict[str, str] = field(default_factory=dict)
    is_person: bool = True
    message_id: int | None = None  # the channel's id of this message, when it has one
    edited: bool = False  # this is a new version of message ``message_id`` (Telegram edited_message)
