"""Safety triage: emergencies and medication changes, and how often they fire on ordinary questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import KnowledgeError
from bot.knowledge.base import KnowledgeBase
from bot.safety import SafetyRules

DATA = Path(__file__).resolve().parent / "data"

URGENT = {
    "injury": ["i fell off a ladder and i think i broke my arm", "I slipped in the shower and can't get up",
               "the bone is sticking out of my leg", "just fell down the stairs, my wrist looks deformed"],
    "chest": ["severe chest pain spreading to my jaw right now", "i have pain in my chest and feel sick"],
    "breathing": ["i can't breathe properly", "having trouble breathing since this morning"],
    "allergy": ["my tongue is swelling", "my face and lips are swollen after my pill", "throat is closing up"],
    "self_harm": ["i want to kill myself", "I don’t want to live anymore", "thinking about ending my life",
                  "i have been self-harming"],
    "severe_pain": ["sudden severe pain in my back", "the worst headache of my life"],
    "other_emergency": ["my husband passed out and won't wake", "she's coughing up blood"],
}
MEDICATION = [
    "can i stop anastrozole for a month to give my bones a break",
    "forgot my letrozole for 3 days, should i take extra to catch up",
    "my e2 is high on trt, can i raise my adex dose myself",
    "is it ok to skip my arimidex while on holiday",
    "should i double my dose tomorrow",
    "i've stopped taking my tablets",
    "can i cut my pills in half",
    "I missed my anastrozole yesterday",
    "thinking about coming off anastrozole because of joint pain",
]


@pytest.mark.parametrize(("category", "message"), [(c, m) for c, ms in URGENT.items() for m in ms])
def test_urgent_messages_are_recognised(knowledge: KnowledgeBase, category: str, message: str) -> None:
    verdict = knowledge.safety.check(message)
    assert verdict.kind == "urgent"
    assert verdict.urgent is not None and verdict.urgent.id == category


@pytest.mark.parametrize("message", MEDICATION)
def test_medication_changes_are_recognised(knowledge: KnowledgeBase, message: str) -> None:
    assert knowledge.safety.check(message).kind == "medication"


def test_rates_on_ordinary_questions(knowledge: KnowledgeBase) -> None:
    questions = [q for q in (DATA / "ordinary_questions.txt").read_text().splitlines() if q.strip()]
    urgent = [q for q in questions if knowledge.safety.check(q).urgent is not None]
    medication = [q for q in questions if knowledge.safety.check(q).medication]
    assert len(questions) >= 90
    assert len(urgent) / len(questions) <= 0.02, urgent
    assert len(medication) / len(questions) <= 0.05, medication


def test_research_questions_about_stopping_are_not_medication(knowledge: KnowledgeBase) -> None:
    assert knowledge.safety.check("what did the brex study find about stopping AIs").kind is None
    assert knowledge.safety.check("what happened to spine bmd after women stopped anastrozole").kind is None


def test_texts_and_number_placeholder(knowledge: KnowledgeBase) -> None:
    texts = knowledge.safety.texts
    assert "{number}" in texts.urgent_body and "{number}" in texts.disclaimer_full
    assert texts.disclaimer_short and texts.medication_title


def test_huge_and_binary_messages_do_not_crash(knowledge: KnowledgeBase) -> None:
    assert knowledge.safety.check("\x00\xff" * 100_000).kind is None
    assert knowledge.safety.check("chest " * 100_000 + "pain").kind is None  # only the first 4000 chars count


def test_loader_names_file_and_entry(tmp_path: Path) -> None:
    path = tmp_path / "safety.yaml"
    path.write_text(
        "urgent:\n  reply: {title: t, body: b}\n  categories:\n    - {id: chest, label: x, patterns: ['(unclosed']}\n"
        "medication:\n  reply: {title: t, body: b}\n  patterns: [x]\ndisclaimer: {short: s, full: f}\n"
    )
    with pytest.raises(KnowledgeError, match=r"safety.yaml: urgent.chest.patterns\[0\]: invalid pattern"):
        SafetyRules.load(path)
    path.write_text("urgent: {}\n")
    with pytest.raises(KnowledgeError, match="safety.yaml"):
        SafetyRules.load(path)
