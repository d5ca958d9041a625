"""Train the safety classifier and export it to ``knowledge/models/safety.npz`` (reproducible).

Run from the repository root after ``pip install -e ".[train]"``:

    python training/train_safety.py            # train, report cross-validated figures, write the model
    python training/train_safety.py --check    # only report; write nothing

Data: every ``training/safety/*.yaml`` file (messages written by separate helpers from different
personas, see ``training/README.md``) plus ``training/domain.yaml`` (small talk and questions outside
the articles, as ``small_talk`` and ``ordinary``). No evaluation set is read here.

Model: ``training/textmodels.py`` (TF-IDF of word and character n-grams, logistic regression).
Classes: ``urgent:<concept>`` for each emergency concept, ``near_miss``, ``medication``,
``ordinary``, ``small_talk``; P(urgent) is the sum of the urgent classes.

Thresholds are chosen on 5-fold cross-validated predictions, together with the red-flag catalogue
and its context rules (``bot/safety``), which set how much evidence the classifier needs (see
``bot/safety/triage.py``): ``affirmed`` when a catalogue rule is affirmed, ``mentioned`` when red-flag
signs are mentioned without a full rule, ``none`` when no sign is mentioned at all, and ``cleared`` when
the context rules cleared every sign. The grid search keeps the combination with the highest
cross-validated urgent recall whose near-miss false-alarm rate stays at or below ``MAX_NEAR_MISS`` and
whose ordinary false-alarm rate stays at or below ``MAX_ORDINARY``. The medication threshold keeps
medication recall at or above ``MEDICATION_RECALL``. The chosen values and the figures they give are
stored in the model and printed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import yaml
from sklearn.model_selection import StratifiedKFold, cross_val_predict

sys.path.insert(0, str(Path(__file__).resolve().parent))
from textmodels import ROOT, check_only, export, pipeline  # a script beside its shared module

DATA = ROOT / "training"
OUT = ROOT / "knowledge" / "models" / "safety.npz"
LABELS = ("urgent", "near_miss", "medication", "ordinary", "small_talk")
MAX_NEAR_MISS = 0.05
MAX_ORDINARY = 0.015
CLEARED = 0.7  # evidence the classifier needs when the context rules cleared every sign (fixed, see triage.py)
MEDICATION_RECALL = 0.95


def data_files() -> list[Path]:
    """Return the training files, in a fixed order."""
    return [*sorted((DATA / "safety").glob("*.yaml")), DATA / "domain.yaml"]


def load_examples(files: list[Path]) -> tuple[list[str], list[str]]:
    """Return texts and labels; stop with a message naming the file and item when one is malformed."""
    texts: list[str] = []
    labels: list[str] = []
    for path in files:
        items = yaml.safe_load(path.read_text(encoding="utf-8"))
        for number, item in enumerate(items, 1):
            text, label = item.get("text"), item.get("label")
            if not isinstance(text, str) or not text.strip():
                sys.exit(f"{path.name}: item {number}: empty text")
            if path.name == "domain.yaml":
                label = "small_talk" if label == "small_talk" else "ordinary"
            elif label not in LABELS:
                sys.exit(f"{path.name}: item {number}: unknown label {label!r}")
            elif label == "urgent":
                if not item.get("concept"):
                    sys.exit(f"{path.name}: item {number}: urgent item without a concept")
                label = f"urgent:{item['concept']}"
            texts.append(text)
            labels.append(label)
    return texts, labels


def pick_threshold(scores: np.ndarray, positive: np.ndarray, recall: float, cap: float) -> float:
    """Return the largest threshold (<= cap, 0.01 steps) whose recall on ``positive`` stays >= ``recall``."""
    best = 0.05
    for step in range(5, int(cap * 100) + 1):
        threshold = step / 100
        if positive.sum() and (scores[positive] >= threshold).mean() >= recall:
            best = threshold
    return best


def catalogue_evidence(texts: list[str]) -> dict[str, np.ndarray]:
    """Return, per text, what the red-flag catalogue and context rules found (the triage's evidence tiers)."""
    sys.path.insert(0, str(ROOT))
    from bot.knowledge.base import load_english_frequency
    from bot.safety.catalogue import Catalogue, all_phrases
    from bot.safety.context import ContextRules
    from bot.safety.phrases import Corrector, vocabulary

    knowledge = ROOT / "knowledge"
    catalogue = Catalogue.load(knowledge / "red_flags.yaml", "urgent")
    context = ContextRules.load(knowledge / "context.yaml")
    corrector = Corrector(vocabulary(all_phrases([catalogue, context])), set(load_english_frequency(knowledge)))
    now, affirmed, cleared, none = [], [], [], []
    for text in texts:
        match = catalogue.match(text, context, corrector)
        now.append(match.hit is not None and match.said_now)
        affirmed.append(match.hit is not None)
        cleared.append(match.hit is None and any(not o.assessment.affirmed for o in match.occurrences))
        none.append(not match.occurrences)
    return {name: np.asarray(v) for name, v in (("now", now), ("affirmed", affirmed), ("cleared", cleared), ("none", none))}


def decide(p_urgent: np.ndarray, p_med: np.ndarray, evidence: dict[str, np.ndarray], tiers: dict[str, float]) -> np.ndarray:
    """Return the triage's urgent decisions (the same rule as ``bot/safety/triage.py``)."""
    needed = np.where(evidence["cleared"], tiers["cleared"], np.where(evidence["none"], tiers["none"], tiers["mentioned"]))
    by_classifier = (p_urgent >= needed) & ~(p_med > p_urgent)
    return evidence["now"] | (evidence["affirmed"] & (p_urgent >= tiers["affirmed"])) | by_classifier


def pick_tiers(
    p_urgent: np.ndarray, p_med: np.ndarray, evidence: dict[str, np.ndarray], is_urgent: np.ndarray, y: np.ndarray
) -> tuple[dict[str, float], np.ndarray]:
    """Grid-search the evidence thresholds: best recall within the false-alarm ceilings."""
    near_miss, ordinary = y == "near_miss", (y == "ordinary") | (y == "small_talk")
    best: tuple[float, float, dict[str, float], np.ndarray] | None = None
    for affirmed in (0.05, 0.1, 0.15, 0.2, 0.3):
        for mentioned in (0.2, 0.25, 0.3, 0.35, 0.4):
            for none in (0.3, 0.35, 0.4, 0.45, 0.5, 0.6):
                tiers = {"affirmed": affirmed, "mentioned": mentioned, "none": none, "cleared": CLEARED}
                urgent = decide(p_urgent, p_med, evidence, tiers)
                if urgent[near_miss].mean() > MAX_NEAR_MISS or urgent[ordinary].mean() > MAX_ORDINARY:
                    continue
                key = (float(urgent[is_urgent].mean()), -float(urgent[near_miss].mean()))
                if best is None or key > best[:2]:
                    best = (*key, tiers, urgent)
    if best is None:
        sys.exit("no thresholds meet the false-alarm ceilings")
    return best[2], best[3]


def main() -> int:
    """Train, report, and (unless --check) write the model."""
    check = check_only(__doc__)
    files = data_files()
    texts, labels = load_examples(files)
    y = np.asarray(labels)
    print(f"examples: {len(texts)} from {len(files)} files")
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=7)
    cv = cross_val_predict(pipeline(), texts, y, cv=folds, method="predict_proba")
    classes = sorted(set(labels))
    urgent_cols = [i for i, c in enumerate(classes) if c.startswith("urgent")]
    p_urgent = cv[:, urgent_cols].sum(axis=1)
    p_med = cv[:, classes.index("medication")]
    is_urgent = np.char.startswith(y.astype(str), "urgent")
    is_med = y == "medication"
    evidence = catalogue_evidence(texts)
    tiers, urgent = pick_tiers(p_urgent, p_med, evidence, is_urgent, y)
    medication_threshold = pick_threshold(p_med, is_med, MEDICATION_RECALL, 0.5)
    report = {
        "urgent_recall": float(urgent[is_urgent].mean()),
        "near_miss_flagged_urgent": float(urgent[y == "near_miss"].mean()),
        "ordinary_flagged_urgent": float(urgent[(y == "ordinary") | (y == "small_talk")].mean()),
        "medication_recall": float((p_med[is_med] >= medication_threshold).mean()),
        "non_medication_flagged": float((p_med[~is_med] >= medication_threshold).mean()),
    }
    print("urgent thresholds by evidence: " + ", ".join(f"{k} {v:.2f}" for k, v in tiers.items()))
    print(f"medication threshold: {medication_threshold:.2f}")
    print("5-fold cross-validated: " + ", ".join(f"{k} {v:.3f}" for k, v in report.items()))
    if check:
        return 0
    thresholds = {**{f"urgent_{k}": v for k, v in tiers.items()}, "medication": medication_threshold}
    export(pipeline().fit(texts, y), texts, files, OUT, thresholds, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
