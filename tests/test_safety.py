"""Safety triage: emergencies and medication changes, and how often they fire on ordinary questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.errors import KnowledgeError
from bot.knowledge.base import KnowledgeBase
from bot.models import ReplyKind
from bot.safety import SafetyRules

DATA = Path(__file__).resolve().parent / "data"

URGENT = {
    "injury": ["i fell off a ladder and i think i broke my arm", "I slipped in the shower and can't get up",
               "the bone is sticking out of my leg", "just fell down the stairs, my wrist looks deformed"],
    "chest": ["severe chest pain spreading to my jaw right now", "i have pain in my chest and feel sick"],
    "breathing": ["i can't breathe properly", "having trouble breathing since this morning"],
    "allergy": ["my tongue is swelling", "my face and lips are swollen after my pill", "throat is closing up"],
    "self_harm": ["i want to kill myself", "I don’t want to live anymore", "thinking about ending my life",
                  "i have been self-harming", "my pills are lined up and i want to take them all tonight",
                  "i can't do this anymore"],
    "severe_pain": ["sudden severe pain in my back", "the worst headache of my life"],
    "other_emergency": ["my husband passed out and won't wake", "she's coughing up blood"],
    "stroke": ["feeling really dizzy and my left arm is numb", "suddenly can't speak properly"],
}
URGENT["injury"] += ["slipped on ice, wrist looks bent and is really swollen",
                     "i broke my hip last year and now i fell again and can't get up"]  # history, but now too
URGENT["chest"] += ["i have chest pain, can arimidex cause that?"]  # a question, but about now
MEDICATION = [
    "can i stop anastrozole for a month to give my bones a break",
    "forgot my letrozole for 3 days, should i take extra to catch up",
    "my e2 is high on trt, can i raise my adex dose myself",
    "is it ok to skip my arimidex while on holiday",
    "should i double my dose tomorrow",
    "i've stopped taking my tablets",
    "can i cut my pills in half",
    "I missed my anastrozole yesterday",
    "can i skip this weeks fosamax, im travelling",
    "should i skip my prolia shot this time",
    "skipping my next prolia shot, i feel fine. thats ok right?",
    "cutting my arimidex pills in half from now on",
    "my sister has leftover fosamax, can i just take hers",
    "thinking about coming off anastrozole because of joint pain",
]


@pytest.mark.parametrize(("category", "message"), [(c, m) for c, ms in URGENT.items() for m in ms])
def test_urgent_messages_are_recognised(knowledge: KnowledgeBase, category: str, message: str) -> None:
    verdict = knowledge.safety.check(message)
    assert verdict.kind == "urgent"
    assert verdict.urgent is not None and verdict.urgent.id == category


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("does anastrozole cause chest pain", "chest"),
        ("is shortness of breath a side effect of arimidex", "breathing"),
        ("can arimidex cause swelling of the face", "allergy"),
        ("i broke my wrist last year, should i get a dexa", "injury"),
        ("i fractured my hip in 2019, do i need a dexa more often", "injury"),
    ],
)
def test_general_questions_and_history_get_a_caution_not_the_emergency_reply(
    knowledge: KnowledgeBase, message: str, category: str
) -> None:
    verdict = knowledge.safety.check(message)
    assert verdict.urgent is None
    assert verdict.caution is not None and verdict.caution.id == category


def test_idioms_are_not_emergencies(knowledge: KnowledgeBase) -> None:
    for message in ("i take all my pills in the morning, is that ok", "should i take them all with food",
                    "my joints are killing me on arimidex", "this hot flash thing is killing me",
                    "my right hand goes numb at night since starting anastrozole"):
        verdict = knowledge.safety.check(message)
        assert verdict.urgent is None and verdict.caution is None, message


def test_caution_line_leads_the_answer(assistant: Assistant) -> None:
    replies = assistant.ask("does anastrozole cause chest pain")
    assert replies[0].kind is not ReplyKind.URGENT
    assert replies[0].blocks[0].text.startswith("If you are having chest pain right now, call 112")


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


def test_loader_rejects_an_exception_for_an_unknown_category(tmp_path: Path) -> None:
    path = tmp_path / "safety.yaml"
    path.write_text(
        "urgent:\n  reply: {title: t, body: b}\n  categories:\n    - {id: chest, label: x, patterns: [chest]}\n"
        "  exceptions:\n    - {id: general, categories: [heart], when: [cause]}\n"
        "medication:\n  reply: {title: t, body: b}\n  patterns: [x]\ndisclaimer: {short: s, full: f}\n"
    )
    with pytest.raises(KnowledgeError, match=r"safety\.yaml.*urgent\.exceptions\.general.*categories"):
        SafetyRules.load(path)


def test_an_exception_without_unless_always_applies(tmp_path: Path) -> None:
    path = tmp_path / "safety.yaml"
    path.write_text(
        "urgent:\n  reply: {title: t, body: b}\n  caution: 'careful: {label}'\n  categories:\n"
        "    - {id: chest, label: chest pain, patterns: [chest pain]}\n"
        "  exceptions:\n    - {id: general, categories: [chest], when: [cause]}\n"
        "medication:\n  reply: {title: t, body: b}\n  patterns: [x]\ndisclaimer: {short: s, full: f}\n"
    )
    rules = SafetyRules.load(path)
    assert rules.check("my chest pain").kind == "urgent"
    verdict = rules.check("does it cause chest pain in me")
    assert verdict.urgent is None and verdict.caution is not None


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
