"""Train the conversation router and export it to ``knowledge/models/router.npz`` (reproducible).

Run from the repository root after ``pip install -e ".[train]"``:

    python training/train_router.py            # train, report cross-validated figures, write the model
    python training/train_router.py --check    # only report; write nothing

The router tells three things apart in a message that triage did not take: a ``question`` the articles
may answer, one they do not cover (``not_covered``: off-topic, or about anastrozole but outside the
articles), and small talk, by act (``small_talk:<act>``: greeting, thanks, goodbye, identity,
capabilities, help, ack, feeling, follow_up, complaint, other). Data, none of it from an evaluation set:
- ``knowledge/passage_questions.yaml``: questions people wrote for each passage -> ``question``;
- ``training/domain.yaml`` .. ``domain4.yaml``: out-of-scope and on-topic-but-not-covered
  questions -> ``not_covered``, small talk -> ``small_talk:<act>``, patients' answerable questions ->
  ``question``;
- ``training/safety/*.yaml``: ordinary answerable questions, near misses, medication and urgent
  messages -> ``question``; ordinary not-covered ones -> ``not_covered``; small talk by act.
Model: ``training/textmodels.py``. Thresholds on 5-fold cross-validated predictions: small talk is
answered as small talk from the lowest P(small talk) that sends at most ``MAX_QUESTION_AS_SMALL_TALK``
of questions there; "not covered" from the lowest P(not covered) that refuses at most
``MAX_QUESTION_REFUSED`` of the patients' own questions (the ``training/safety`` files: the passage
questions were written from the passages, so they are easier to recognise than what patients ask).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import yaml
from sklearn.model_selection import StratifiedKFold, cross_val_predict

sys.path.insert(0, str(Path(__file__).resolve().parent))
from textmodels import ROOT, check_only, export, pipeline  # a script beside its shared module

OUT = ROOT / "knowledge" / "models" / "router.npz"
QUESTIONS = ROOT / "knowledge" / "passage_questions.yaml"
MAX_QUESTION_AS_SMALL_TALK = 0.03
MAX_QUESTION_REFUSED = 0.03


def data_files() -> list[Path]:
    """Return the training files, in a fixed order."""
    # domain3/domain4: two more helpers (other personas): small talk by act, not-covered questions sharing a
    # word with the topic ("renew my passport"), and short answerable fragments ("dexa how often")
    domain = [ROOT / "training" / name for name in ("domain.yaml", "domain2.yaml", "domain3.yaml", "domain4.yaml")]
    return [QUESTIONS, *domain, *sorted((ROOT / "training" / "safety").glob("*.yaml"))]


def router_label(item: dict[str, object], source: str) -> str:
    """Return the router class of one training item."""
    label = str(item.get("label"))
    if label == "small_talk":
        return f"small_talk:{item.get('act') or 'other'}"
    if source.startswith("domain"):
        return "question" if label == "answerable" else "not_covered"  # out_of_scope, on_topic_not_covered
    if label == "ordinary" and item.get("subkind") == "not_covered":
        return "not_covered"
    return "question"


def load_examples(files: list[Path]) -> tuple[list[str], list[str], list[bool]]:
    """Return texts, router labels, and whether each came from a patient-message file (not passage questions)."""
    texts: list[str] = []
    labels: list[str] = []
    patients: list[bool] = []
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if path == QUESTIONS:
            for questions in data.values():
                texts.extend(questions)
                labels.extend(["question"] * len(questions))
                patients.extend([False] * len(questions))
            continue
        for number, item in enumerate(data, 1):
            if not isinstance(item.get("text"), str) or not item["text"].strip():
                sys.exit(f"{path.name}: item {number}: empty text")
            texts.append(item["text"])
            labels.append(router_label(item, path.name))
            patients.append(path.parent.name == "safety" or path.name in ("domain2.yaml", "domain3.yaml", "domain4.yaml"))
    return texts, labels, patients


def lowest_threshold(scores: np.ndarray, negatives: np.ndarray, ceiling: float) -> float:
    """Return the lowest threshold (0.05 steps... then 0.01) whose rate on ``negatives`` stays <= ceiling."""
    for step in range(5, 100):
        threshold = step / 100
        if (scores[negatives] >= threshold).mean() <= ceiling:
            return threshold
    return 0.99


def main() -> int:
    """Train, report, and (unless --check) write the model."""
    check = check_only(__doc__)
    files = data_files()
    texts, labels, from_patients = load_examples(files)
    y = np.asarray(labels)
    print(
        f"examples: {len(texts)} from {len(files)} files; "
        + ", ".join(f"{c} {n}" for c, n in zip(*np.unique(y, return_counts=True), strict=True))
    )
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=7)
    cv = cross_val_predict(pipeline(), texts, y, cv=folds, method="predict_proba")
    classes = sorted(set(labels))
    small = cv[:, [i for i, c in enumerate(classes) if c.startswith("small_talk")]].sum(axis=1)
    refused = cv[:, classes.index("not_covered")]
    is_question, is_small, is_not = y == "question", np.char.startswith(y.astype(str), "small_talk"), y == "not_covered"
    small_threshold = lowest_threshold(small, is_question, MAX_QUESTION_AS_SMALL_TALK)
    refuse_threshold = lowest_threshold(refused, is_question & np.asarray(from_patients), MAX_QUESTION_REFUSED)
    report = {
        "small_talk_recall": float((small[is_small] >= small_threshold).mean()),
        "question_as_small_talk": float((small[is_question] >= small_threshold).mean()),
        "not_covered_recall": float((refused[is_not] >= refuse_threshold).mean()),
        "question_refused": float((refused[is_question] >= refuse_threshold).mean()),
        "patient_question_refused": float((refused[is_question & np.asarray(from_patients)] >= refuse_threshold).mean()),
    }
    print(f"thresholds: small talk {small_threshold:.2f}, not covered {refuse_threshold:.2f}")
    print("5-fold cross-validated: " + ", ".join(f"{k} {v:.3f}" for k, v in report.items()))
    if check:
        return 0
    thresholds = {"small_talk": small_threshold, "not_covered": refuse_threshold}
    export(pipeline().fit(texts, y), texts, files, OUT, thresholds, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
