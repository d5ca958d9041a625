"""Everything the bot knows and says, loaded from one knowledge folder and swapped whole on a reload.

``load_content(root)`` reads and validates every content file of ``knowledge/`` (articles and their
passages, glossary, vocabularies, safety texts, red flags, context rules and the safety classifier,
fixed texts and the command table, reminder texts and the monitoring plan, the record's texts and the
DEXA categories checked against the articles); a problem is a
``KnowledgeError`` naming the file and the entry, and nothing is half-loaded. ``ContentRef`` holds the
content in use: readers take ``ref.current`` at each use, and a reload replaces it in one assignment,
so a message is always served by one consistent version.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.conversation.acts import ConversationActs
from bot.errors import KNOWLEDGE_SETTING, KnowledgeError
from bot.knowledge.base import KnowledgeBase
from bot.record.bone import load_bone
from bot.record.context import RecordContent
from bot.record.texts import load_record_texts
from bot.reminders.context import ReminderContent
from bot.reminders.monitoring import load_plan
from bot.reminders.texts import load_reminder_texts
from bot.reminders.vocabulary import load_date_vocabulary
from bot.reminders.when import Grammar
from bot.safety.texts import SafetyTexts
from bot.safety.triage import Triage
from bot.textmodel import TextModel
from bot.texts import Texts


@dataclass(frozen=True)
class Content:
    """One consistent version of the knowledge folder."""

    knowledge: KnowledgeBase
    texts: Texts
    reminders: ReminderContent
    safety: SafetyTexts
    triage: Triage
    acts: ConversationActs
    record: RecordContent


def check_folder(root: Path) -> None:
    """Raise KnowledgeError when ``root`` is not a knowledge folder, naming the path and the setting."""
    if not root.is_dir():
        raise KnowledgeError("knowledge folder", "-", f"not found at {root} (set {KNOWLEDGE_SETTING}; "
                             "`patient-bot knowledge init DIR` copies the defaults there)")
    if not (root / "articles.yaml").is_file():
        raise KnowledgeError("articles.yaml", "-", f"file not found at {root / 'articles.yaml'}: {root} is not a "
                             f"knowledge folder (set {KNOWLEDGE_SETTING})")


def load_content(root: Path) -> Content:
    """Load and validate every content file under ``root``; raise KnowledgeError on the first problem.

    This is the only place that decides which files of the folder are read; each part's loader
    validates its own file, and the checks across files (plan quotes in their articles, glossary
    sources that are articles) are made here or in ``KnowledgeBase.load``.
    """
    root = Path(root)
    check_folder(root)
    knowledge = KnowledgeBase.load(root)
    titles = {article_id: article.title for article_id, article in knowledge.articles.items()}
    reminders = ReminderContent(
        texts=load_reminder_texts(root / "reminders.yaml"),
        grammar=Grammar(load_date_vocabulary(root / "dates.yaml", frozenset(knowledge.english))),
        plan=load_plan(root / "plan.yaml", articles=knowledge.texts),
        article_titles=titles,
    )
    triage = Triage.load(root, frozenset(knowledge.english))
    acts = ConversationActs(TextModel.load(root / "models" / "router.npz"))
    texts = Texts.load(root / "messages.yaml")
    safety = SafetyTexts.load(root / "safety.yaml")
    record = RecordContent(
        texts=load_record_texts(root / "record.yaml"),
        bone=load_bone(root / "dexa.yaml", knowledge.passages, titles),
        disclaimer=safety.disclaimer_short,
        missed_dose=safety.missed_dose,
    )
    return Content(knowledge, texts, reminders, safety, triage, acts, record)


class ContentRef:
    """The content in use; ``current`` is replaced whole by a reload."""

    def __init__(self, content: Content) -> None:
        """Start with ``content``."""
        self.current = content
