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
    "answers-blind-dev.yaml": {"hit@1": 0.58, "hit@3": 0.79, "no_match_correct": 0.93,
                               "small_talk_as_small_talk": 0.97},
    # Set C, the "before" set of the second answers round (dense field, learned "not covered").
    "answers-blind-dev2.yaml": {"hit@1": 0.71, "hit@3": 0.83, "no_match_correct": 0.93,
                                "small_talk_as_small_talk": 0.97},
    # The sealed twins, scored once at the end of the work (data/eval/README.md), then kept as floors.
    "safety-blind-sealed.yaml": {"urgent_recall": 1.0, "medication_recall": 0.95},
    "answers-blind-sealed.yaml": {"hit@1": 0.60, "hit@3": 0.81, "no_match_correct": 0.93,
                                  "small_talk_as_small_talk": 0.95},
    # Set D, set C's sealed twin, scored once at the end of the second answers round.
    "answers-blind-sealed2.yaml": {"hit@1": 0.73, "hit@3": 0.87, "no_match_correct": 0.94,
                                   "small_talk_as_small_talk": 0.97},
}
CEILINGS = {
    "dev.yaml": {"answerable_refused": 0.05, "non_urgent_flagged_urgent": 0.02},
    "heldout.yaml": {"answerable_refused": 0.06, "non_urgent_flagged_urgent": 0.02},
    "sealed.yaml": {"answerable_refused": 0.06, "non_urgent_flagged_urgent": 0.02},
    "safety-blind-dev.yaml": {"near_miss_flagged_urgent": 0.05, "ordinary_flagged_urgent": 0.015,
                              "non_medication_flagged_medication": 0.06},
    "answers-blind-dev.yaml": {"answerable_refused": 0.05, "non_urgent_flagged_urgent": 0.0},
    # Three of its 314 messages are flagged urgent by triage's classifier (left alone: see the README there).
    "answers-blind-dev2.yaml": {"answerable_refused": 0.05, "non_urgent_flagged_urgent": 0.015},
    "safety-blind-sealed.yaml": {"near_miss_flagged_urgent": 0.02, "ordinary_flagged_urgent": 0.01,
                                 "non_medication_flagged_medication": 0.08},
    "answers-blind-sealed.yaml": {"answerable_refused": 0.05, "non_urgent_flagged_urgent": 0.0},
    "answers-blind-sealed2.yaml": {"answerable_refused": 0.05, "non_urgent_flagged_urgent": 0.01},
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


def _reminder_runtime(tmp_path: Path):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from bot.app import build_runtime
    from bot.config import Settings

    return build_runtime(replace(Settings(knowledge_dir=DATA.parents[2] / "knowledge"), database=tmp_path / "e.sqlite3"))


@pytest.mark.parametrize(("name", "misread", "right"), [("dates-blind-dev.yaml", 0, 0.93),
                                                      ("dates-blind-sealed.yaml", 4, 0.86)])
def test_dates_blind_sets(tmp_path: Path, name: str, misread: int, right: float) -> None:
    """Dates typed in patients' words (data/eval/README.md): a reminder for a day not meant must not
    happen; the sealed set's four remaining misreads (forms the grammar lacks) are its known limit."""
    import yaml

    from bot.reminders.scoring import score

    runtime = _reminder_runtime(tmp_path)
    result = score(runtime, yaml.safe_load((DATA / name).read_text(encoding="utf-8")))
    counts = result.counts
    assert counts["misread"] <= misread and counts["zone_wrong"] == 0, result.misses
    assert counts["right"] / counts["items"] >= right, (counts, result.misses)


@pytest.mark.parametrize(("name", "exits"), [("flows-blind-dev.yaml", 0.80), ("flows-blind-sealed.yaml", 0.70)])
def test_flows_blind_sets_ways_out_and_questions(tmp_path: Path, name: str, exits: float) -> None:
    """Messages typed at a guided step: answers stay answers, ways out and questions are recognised."""
    import yaml

    from bot.reminders.scoring import score_flows

    runtime = _reminder_runtime(tmp_path)
    result = score_flows(runtime, yaml.safe_load((DATA / name).read_text(encoding="utf-8")))
    assert result.rate("flow.answer.right", "flow.answer") >= 0.93, result.misses
    assert result.rate("flow.exit.right", "flow.exit") >= exits, result.misses
    assert result.rate("flow.question.right", "flow.question") >= 0.90, result.misses


@pytest.mark.parametrize(("name", "recall"), [("missed-dose-blind-dev.yaml", 0.75), ("missed-dose-blind-sealed.yaml", 0.70)])
def test_missed_dose_blind_sets(assistant: Assistant, name: str, recall: float) -> None:
    """Missed doses told or asked in patients' words, written blind (data/eval/README.md): the fixed
    leaflet-or-pharmacist text for most of them, and for few of the close calls."""
    import yaml

    shown = {"missed_dose": [0, 0], "other": [0, 0]}
    for item in yaml.safe_load((DATA / name).read_text(encoding="utf-8")):
        group = shown["missed_dose" if item["expect"] == "missed_dose" else "other"]
        group[0] += 1
        group[1] += any(reply.kind.value == "missed_dose" for reply in assistant.ask(item["text"]))
    assert shown["missed_dose"][1] / shown["missed_dose"][0] >= recall, shown
    assert shown["other"][1] / shown["other"][0] <= 0.07, shown
