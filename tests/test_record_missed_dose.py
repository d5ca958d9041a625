"""Missed-dose questions get the fixed "follow the leaflet or ask your pharmacist" text (safety.yaml), with
the medication guard first when its own rules apply, and nothing from the articles; ordinary questions
about tablets do not. Detection is the missed_dose concept of knowledge/medication_changes.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.content import Content
from bot.errors import KnowledgeError
from bot.evaluation import evaluate_file
from bot.models import ReplyKind, Style
from bot.safety.catalogue import Catalogue
from bot.safety.context import ContextRules

DATA = Path(__file__).resolve().parent / "data" / "eval"
KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"


def test_the_development_set_stays_above_its_floor(assistant: Assistant) -> None:
    metrics = evaluate_file(assistant, DATA / "missed-dose-dev.yaml").metrics
    assert metrics["missed_dose_recall"] >= 0.95 and metrics["missed_dose_false_alarms"] <= 0.02, metrics


@pytest.mark.parametrize("name", ["safety-blind-dev.yaml", "answers-blind-dev.yaml", "heldout.yaml", "sealed.yaml", "dev.yaml"])
def test_few_messages_of_the_other_sets_read_as_a_missed_dose(content: Content, name: str) -> None:
    """The other sets were not written for this concept: what fires there must be about a missed dose."""
    from bot.evaluation import load_items

    fired = [
        str(item.get("text") or item.get("question"))
        for item in load_items(DATA / name)
        if content.triage.check(str(item.get("text") or item.get("question") or "")).missed_dose
    ]
    about = ("forgot", "miss", "ran out")
    assert all(any(word in text.lower() for word in about) for text in fired), fired


def test_the_reply_is_the_fixed_text_then_the_guard_rules_apply(assistant: Assistant, content: Content) -> None:
    [only] = assistant.ask("what should i do if i miss a dose")  # the guard's rules do not apply here
    assert only.kind is ReplyKind.MISSED_DOSE and content.safety.missed_dose in only.plain_text
    assert only.passages == () and only.blocks[-1].style is Style.FOOTER
    replies = assistant.ask("i forgot my tablet yesterday")  # here they do (the classifier reads a change)
    assert [r.kind for r in replies] == [ReplyKind.MEDICATION, ReplyKind.MISSED_DOSE]
    guard, missed = assistant.ask("forgot my adex yesterday, should i just take 2 today to catch up?")
    assert guard.kind is ReplyKind.MEDICATION and missed.kind is ReplyKind.MISSED_DOSE
    assert not any(b.style is Style.FOOTER for b in guard.blocks), "one disclaimer per reply set"
    assert guard.passages == ()  # never a dosing schedule with the guard, nor any passage here
    assert "leaflet" in content.safety.missed_dose and "pharmacist" in content.safety.missed_dose


def test_an_emergency_still_comes_first(assistant: Assistant) -> None:
    [reply] = assistant.ask("i forgot my tablet and now i have crushing chest pain and cant breathe")
    assert reply.kind is ReplyKind.URGENT


@pytest.mark.parametrize(
    "message",
    [
        "what time of day should i take anastrozole",
        "what are the side effects of arimidex",
        "can i take my tablet with food",
        "i keep forgetting words since starting anastrozole",
        "i never miss my tablet",
        "do you miss periods on letrozole",
        "how long do i take anastrozole for",
    ],
)
def test_ordinary_tablet_questions_are_not_a_missed_dose(assistant: Assistant, message: str) -> None:
    assert all(reply.kind is not ReplyKind.MISSED_DOSE for reply in assistant.ask(message))


def test_a_concept_context_must_name_known_modifiers(tmp_path: Path) -> None:
    path = tmp_path / "changes.yaml"
    path.write_text(
        "sources:\n  s: {title: A source, url: https://example.org}\n"
        "lexicon:\n  med: [tablet]\n  miss: [missed]\n"
        "findings:\n  missed: {all: ['@miss', '@med'], ordered: true, window: 1}\n"
        "concepts:\n  - {id: m, sources: [s], missed_dose: [[missed]], context: {blocked_by: [denied]}}\n"
    )
    with pytest.raises(KnowledgeError, match=r"changes\.yaml: concepts\.m\.context: unknown modifier"):
        Catalogue.load(path, "guard", "missed_dose")
    path.write_text(path.read_text().replace("denied", "negated"))
    catalogue = Catalogue.load(path, "guard", "missed_dose")
    context = ContextRules.load(KNOWLEDGE / "context.yaml")
    assert catalogue.match("what if i missed my tablet", context).hits("missed_dose")  # a question still counts
    assert not catalogue.match("i have not missed my tablet", context).hits("missed_dose")  # a denial does not
    assert not catalogue.match("my tablet was missed", context).hits("missed_dose")  # ordered: sign, then tablet
