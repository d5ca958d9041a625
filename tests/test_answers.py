"""Answers that fit the question: central words, off-topic questions, small talk, several questions,
follow-ups, audience, readable passages, "did you mean", and the passage questions behind the search."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import Runtime, build_runtime
from bot.assistant import Assistant
from bot.config import Settings
from bot.content import Content
from bot.errors import KnowledgeError
from bot.knowledge.base import KnowledgeBase, load_passage_questions
from bot.models import Incoming, Reply, ReplyKind, Style
from bot.replies import readable

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


def kinds(replies: list[Reply]) -> list[ReplyKind]:
    return [reply.kind for reply in replies]


@pytest.mark.parametrize("question", ["anastrozole", "tell me about arimidex", "what does anastrozole do to my bones"])
def test_the_articles_central_words_are_answered(assistant: Assistant, question: str) -> None:
    replies = assistant.ask(question)
    assert replies[0].kind is ReplyKind.ANSWER and replies[0].passages
    assert "anastrozole" in replies[0].passages[0].passage.text.lower()


@pytest.mark.parametrize(
    "question",
    ["how do i renew my passport", "telegram keeps logging me out", "what is a normal psa for a 60 year old man"],
)
def test_off_topic_questions_sharing_a_word_are_not_answered(assistant: Assistant, question: str) -> None:
    replies = assistant.ask(question)
    assert replies[0].kind is ReplyKind.NO_MATCH and not any(reply.passages for reply in replies)


@pytest.mark.parametrize(
    ("message", "says"),
    [
        ("thanks so much, youve been really helpful x", "welcome"),
        ("are you a real person?", "bot"),
        ("help", "/help"),
        ("hi", "Hello"),
        ("thanks!", "welcome"),
    ],
)
def test_small_talk_is_answered_as_small_talk(assistant: Assistant, message: str, says: str) -> None:
    [reply] = assistant.ask(message)
    assert reply.kind is ReplyKind.SMALL_TALK and not reply.passages and says in reply.plain_text


def test_several_questions_are_answered_part_by_part(assistant: Assistant) -> None:
    replies = assistant.ask("few qs: how often dexa? do i need calcium? and can i take ibuprofen")
    assert "3 things" in replies[0].plain_text
    parts = [reply for reply in replies[1:] if reply.blocks and reply.blocks[0].text.startswith("“")]
    assert len(parts) == 3
    assert sum(reply.kind is ReplyKind.ANSWER for reply in parts) >= 2  # calcium and DEXA are covered
    footers = [block for reply in replies for block in reply.blocks if block.style is Style.FOOTER]
    assert len(footers) == 1  # the disclaimer once, at the end


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    built = build_runtime(Settings(knowledge_dir=KNOWLEDGE, database=tmp_path / "bot.sqlite3"))
    assistant = built.assistant
    assistant.handle(Incoming(7, 7, "/start"), NOW)
    assistant.handle_button(7, 7, "ok", NOW)
    yield built
    if built.database is not None:
        built.database.close()


def test_a_follow_up_is_searched_with_the_previous_question_for_a_few_minutes(runtime: Runtime) -> None:
    assistant = runtime.assistant
    first = assistant.handle(Incoming(7, 7, "how often do i need a bone density scan"), NOW)
    assert first[0].kind is ReplyKind.ANSWER
    follow = assistant.handle(Incoming(7, 7, "and what about for men?"), NOW + timedelta(minutes=1))
    assert follow[0].kind is ReplyKind.ANSWER
    assert any(hit.passage.article == "004" for reply in follow for hit in reply.passages)
    [stale] = assistant.handle(Incoming(7, 7, "and what about for men?"), NOW + timedelta(hours=1))
    assert stale.kind is ReplyKind.SMALL_TALK and "tell me a little more" in stale.plain_text  # forgotten by then


def test_typed_ok_accepts_the_disclaimer(tmp_path: Path) -> None:
    built = build_runtime(Settings(knowledge_dir=KNOWLEDGE, database=tmp_path / "bot.sqlite3"))
    [thanks] = built.assistant.handle(Incoming(9, 9, "i understand"), NOW)
    assert "Thank you" in thanks.plain_text
    assert built.assistant.handle(Incoming(9, 9, "what is osteopenia"), NOW)[0].kind is ReplyKind.ANSWER


def test_audience_is_asked_once_and_ranks_and_hides_the_other_audiences_dosing(runtime: Runtime) -> None:
    assistant = runtime.assistant
    first = assistant.handle(Incoming(7, 7, "what monitoring tests do men on testosterone need"), NOW)
    data = [b.data for reply in first for row in reply.buttons for b in row]
    assert "au:w" in data and "au:m" in data
    again = assistant.handle(Incoming(7, 7, "what dose of anastrozole do men on trt take"), NOW)
    assert "au:w" not in [b.data for reply in again for row in reply.buttons for b in row]  # asked once
    [thanks] = assistant.handle_button(7, 7, "au:w", NOW)
    assert "women" in thanks.plain_text
    dosing = assistant.handle(Incoming(7, 7, "what dose of anastrozole do men on trt take"), NOW)
    safety = assistant.content.current.safety
    for reply in dosing:
        for hit in reply.passages:
            assert not (hit.passage.article == "004" and safety.is_dosing(hit.passage.text))


def test_plan_sets_the_audience(runtime: Runtime) -> None:
    assert runtime.reminders is not None and runtime.database is not None
    runtime.assistant.handle_button(7, 7, "r:plan:m", NOW)
    from bot.storage import UserRepository

    assert UserRepository(runtime.database).audience(7) == "men"


def test_table_rows_are_shown_as_cells_with_their_columns(content: Content) -> None:
    row = next(p for p in content.knowledge.passages if p.kind == "table_row" and p.text.startswith("DEXA Scan Assess"))
    assert row.cells == ("DEXA Scan", "Assess bone mineral density and fracture risk", "Baseline, then every 1-2 years or individualized")
    assert row.columns == ("Monitoring Component", "Purpose", "Typical Frequency")
    text = " ".join(block.text for block in content_compose(content).passage_blocks(_hit(row), ()))
    assert "Typical Frequency: Baseline, then every 1-2 years" in text


def test_references_cut_lists_and_the_infinity_sign_read_well(content: Content) -> None:
    passages = content.knowledge.passages
    refers = next(p for p in passages if p.text.startswith("This mechanism highlights"))
    assert refers.previous and refers.previous[-1] in ".!?"
    blocks = content_compose(content).passage_blocks(_hit(refers), ())
    assert blocks[0].text.startswith("… ") and blocks[0].style is Style.QUOTE
    assert readable("Calcium ∞ essential for bone.") == "Calcium: essential for bone."
    assert readable("Medications may be prescribed. These include ∞") == "Medications may be prescribed."


def test_did_you_mean_buttons_offer_the_other_close_answers(assistant: Assistant) -> None:
    replies = assistant.ask("how often do I need a DEXA scan?")
    answer = replies[0]
    offered = [b for row in answer.buttons for b in row if b.label.startswith("›")]
    assert offered and all(b.data.startswith("m:") and "," not in b.data for b in offered)
    assert "may fit better" in answer.plain_text


def test_every_passage_has_questions_and_every_id_names_a_passage(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    questions = load_passage_questions(KNOWLEDGE, knowledge.passages)
    assert {p.id for p in knowledge.passages} == set(questions)
    assert all(len(qs) >= 3 for qs in questions.values())
    broken = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, broken)
    (broken / "passage_questions.yaml").write_text("999-001:\n  - what is this?\n")
    with pytest.raises(KnowledgeError, match=r"passage_questions\.yaml: 999-001: no passage has this id"):
        KnowledgeBase.load(broken)


def content_compose(content: Content):  # type: ignore[no-untyped-def]
    from bot.replies import ReplyComposer

    return ReplyComposer(content.knowledge, content.texts, content.safety, "112")


def _hit(passage):  # type: ignore[no-untyped-def]
    from bot.models import Hit

    return Hit(passage, 1.0, 1.0)
