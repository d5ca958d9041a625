"""Regression guard: the development set keeps meeting the issue's targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.evaluation import evaluate_file

DATA = Path(__file__).resolve().parent / "data" / "eval"


# The targets on the development set; on the held-out sets (patient-style questions written from
# the articles by people who saw neither the system nor the development questions, see data/eval/README.md)
# floors that guard against tuning which only fits dev.yaml.
SHARED = {"urgent_recall": 1.0, "medication_recall": 0.9}
TARGETS = {
    "dev.yaml": {"hit@1": 0.80, "hit@3": 0.92, "no_match_correct": 0.85, **SHARED},
    "heldout.yaml": {"hit@1": 0.55, "hit@3": 0.70, "no_match_correct": 0.80, **SHARED},
    "sealed.yaml": {"hit@1": 0.55, "hit@3": 0.70, "no_match_correct": 0.80, **SHARED},
    # Blind development sets of the safety and answers redesign (data/eval/README.md): floors a little
    # under what the build measures, so a change that loses ground on them fails here.
    "safety-blind-dev.yaml": {"urgent_recall": 0.97, "medication_recall": 0.95},
    "answers-blind-dev.yaml": {"hit@1": 0.45, "hit@3": 0.68, "no_match_correct": 0.82,
                               "small_talk_as_small_talk": 0.95},
}
CEILINGS = {
    "dev.yaml": {"answerable_refused": 0.05, "non_urgent_flagged_urgent": 0.02},
    "heldout.yaml": {"answerable_refused": 0.06, "non_urgent_flagged_urgent": 0.02},
    "sealed.yaml": {"answerable_refused": 0.06, "non_urgent_flagged_urgent": 0.02},
    "safety-blind-dev.yaml": {"near_miss_flagged_urgent": 0.05, "ordinary_flagged_urgent": 0.015,
                              "non_medication_flagged_medication": 0.06},
    "answers-blind-dev.yaml": {"answerable_refused": 0.07, "non_urgent_flagged_urgent": 0.0},
}


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_message_sets_meet_their_targets(assistant: Assistant, name: str) -> None:
    metrics = evaluate_file(assistant, DATA / name).metrics
    below = {key: metrics[key] for key, floor in TARGETS[name].items() if metrics[key] < floor}
    above = {key: metrics[key] for key, ceiling in CEILINGS[name].items() if metrics[key] > ceiling}
    assert not below and not above, (below, above)


@pytest.mark.parametrize("name", ["glossary-dev.yaml", "glossary-heldout.yaml"])
def test_glossary_targets(assistant: Assistant, name: str) -> None:
    assert evaluate_file(assistant, DATA / name).metrics["accuracy"] >= 0.95


def test_no_dev_answer_is_a_caption_reference_or_navigation(assistant: Assistant) -> None:
    from bot.evaluation import load_items
    from bot.knowledge.ingest import is_caption

    for item in load_items(DATA / "dev.yaml"):
        for reply in assistant.ask(item["question"]):
            for hit in reply.passages:
                assert not is_caption(hit.passage.text)
                assert "Skip to main content" not in hit.passage.text
                assert hit.passage.section in {"Fundamentals", "Intermediate", "Academic", "Glossary"}
