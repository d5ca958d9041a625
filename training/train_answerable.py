"""Train the answerability model (does the best passage answer the question?) -> ``knowledge/models/answerable.npz``.

Run from the repository root after ``pip install -e ".[train]"`` (and after ``train_router.py``, whose
data and pipeline it reuses):

    python training/train_answerable.py            # train, report cross-validated figures, write the model
    python training/train_answerable.py --check    # only report; write nothing

Examples, none from an evaluation set (the router's files, see ``train_router.py``):
- answered: ``knowledge/passage_questions.yaml`` (each passage's written questions), the patients'
  answerable questions of ``training/domain2-4.yaml`` and ``training/safety`` (ordinary, answerable);
- not covered: the out-of-scope and on-topic-but-not-covered questions of ``training/domain*.yaml`` and
  the ordinary not-covered messages of ``training/safety``.
Every example's evidence (``bot/knowledge/answerable.py``) is computed out of fold, in 5 folds: the
router is trained without the fold, and the fold's passage questions are taken out of the search index,
so a written question never finds itself. Model: logistic regression on standardised evidence (balanced
classes). Threshold: ``THRESHOLD``, chosen with ``benchmarks/calibrate_answerable.py`` on the blind
development sets (the middle of the range where "not covered" is right >= 0.90 and answerable questions
are refused <= 0.05 on each); the cross-validated figures at each threshold are printed here too. The
helpers' "answerable" patient questions are refused more often here than on the evaluation sets: some of
them are not quite answered by the articles.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

sys.path.insert(0, str(Path(__file__).resolve().parent))
from textmodels import ROOT, check_only, data_hash, pipeline  # scripts beside their shared module
from train_router import QUESTIONS, data_files, load_examples

sys.path.insert(0, str(ROOT))
from bot.knowledge.answerable import FEATURES, evidence
from bot.knowledge.base import (
    load_analyzer,
    load_articles,
    load_english_frequency,
    load_health_terms,
    load_passage_questions,
)
from bot.knowledge.formats import ingest_articles
from bot.knowledge.ingest import ArticleSource
from bot.knowledge.search import Prepared, Searcher
from bot.knowledge.vectors import WordVectors
from bot.yamlfile import read_knowledge_text

KNOWLEDGE = ROOT / "knowledge"
OUT = KNOWLEDGE / "models" / "answerable.npz"
THRESHOLD = 0.30  # P(answered) below this is "not covered": 0.15-0.45 met both targets on each dev set
FOLDS = 5


def searcher_without(held_out: set[str]) -> Searcher:
    """Return the bot's searcher over the source articles, without the held-out passage questions."""
    articles = load_articles(KNOWLEDGE)
    sources = [ArticleSource(a.id, a.title, read_knowledge_text(KNOWLEDGE / a.file, a.file), a.format) for a in articles]
    passages = tuple(ingest_articles(sources))
    questions = load_passage_questions(KNOWLEDGE, passages)
    kept = {pid: [q for q in qs if q not in held_out] for pid, qs in questions.items()}
    return Searcher(
        passages,
        load_analyzer(KNOWLEDGE),
        None,
        load_english_frequency(KNOWLEDGE),
        load_health_terms(KNOWLEDGE),
        kept,
        WordVectors.load(KNOWLEDGE),
    )


def answerability_labels(files: list[Path]) -> list[int | None]:
    """Return, in ``load_examples`` order, 1 (answered), 0 (not covered) or None (not a question for search)."""
    out: list[int | None] = []
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if path == QUESTIONS:
            out.extend(1 for questions in data.values() for _ in questions)
            continue
        for item in data:
            label, subkind = str(item.get("label")), str(item.get("subkind"))
            if path.name.startswith("domain"):
                out.append(1 if label == "answerable" else 0 if label in ("out_of_scope", "on_topic_not_covered") else None)
            elif label == "ordinary" and subkind in ("answerable", "not_covered"):
                out.append(int(subkind == "answerable"))
            else:
                out.append(None)  # urgent, near misses, medication, reminders and small talk are not search's
    return out


def features_of(searcher: Searcher, text: str, p_not_covered: float) -> list[float] | None:
    """Return the evidence vector of one message, or None when search has nothing to weigh."""
    prepared = searcher.prepare(text)
    if not isinstance(prepared, Prepared):
        return None
    candidates = searcher.candidates(prepared)
    if not candidates:
        return None
    best = searcher.rank(candidates, prepared)[0][1]
    values = evidence(searcher, prepared, best, p_not_covered)
    return [values[name] for name in FEATURES]


def main() -> int:
    """Build the out-of-fold evidence, train, report, and (unless --check) write the model."""
    check = check_only(__doc__)
    files = data_files()
    texts, labels, from_patients = load_examples(files)
    y_router = np.asarray(labels)
    targets = answerability_labels(files)
    assert len(targets) == len(texts)
    written = set()
    for questions in yaml.safe_load(QUESTIONS.read_text(encoding="utf-8")).values():
        written.update(questions)
    # The router's out-of-fold probabilities, on the same folds as the search index below.
    folds = list(StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=7).split(texts, y_router))
    probabilities = cross_val_predict(pipeline(), texts, y_router, cv=folds, method="predict_proba")
    not_covered = probabilities[:, sorted(set(labels)).index("not_covered")]
    rows: list[list[float]] = []
    answered: list[int] = []
    patient: list[bool] = []
    for number, (_, test) in enumerate(folds, 1):
        searcher = searcher_without({texts[i] for i in test if texts[i] in written})
        for i in test:
            target = targets[i]
            if target is None:
                continue
            values = features_of(searcher, texts[i], float(not_covered[i]))
            if values is None:
                continue  # nothing matched at all: refused before any model is asked
            rows.append(values)
            answered.append(target)
            patient.append(from_patients[i])
        print(f"fold {number}/{FOLDS}: {len(rows)} examples so far", flush=True)
    x = np.asarray(rows)
    y = np.asarray(answered)
    patients = np.asarray(patient)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / scale
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
    cv = cross_val_predict(model, z, y, cv=StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=11),
                           method="predict_proba")[:, 1]
    patient_answerable = (y == 1) & patients
    print("threshold  not-covered recall  patients' questions refused  written questions refused")
    for step in (5, 10, 15, 20, 25, 30, 40, 50):
        t = step / 100
        print(f"  {t:.2f}     {(cv[y == 0] < t).mean():.3f}               {(cv[patient_answerable] < t).mean():.3f}"
              f"                        {(cv[(y == 1) & ~patients] < t).mean():.3f}")
    threshold = THRESHOLD
    report = {
        "not_covered_recall": float((cv[y == 0] < threshold).mean()),
        "patient_question_refused": float((cv[patient_answerable] < threshold).mean()),
        "written_question_refused": float((cv[(y == 1) & ~patients] < threshold).mean()),
        "examples": len(y),
        "answered": int(y.sum()),
        "not_covered": int((y == 0).sum()),
    }
    print(f"threshold {threshold:.2f}; 5-fold cross-validated: " + ", ".join(f"{k} {v}" for k, v in report.items()))
    if check:
        return 0
    model.fit(z, y)
    for name, weight in zip(FEATURES, model.coef_[0], strict=True):
        print(f"  {name:18s} {weight:+.3f}")
    # The evidence depends on the word vectors too: a rebuilt vectors file means retraining.
    hashed = [*files, KNOWLEDGE / "models" / "word_vectors.npz"]
    meta = {"threshold": threshold, "cross_validated": report, "trained_from": [str(f.relative_to(ROOT)) for f in hashed],
            "data_sha256": data_hash(hashed)}
    np.savez(OUT, features=np.asarray(FEATURES), mean=mean, scale=scale, coef=model.coef_[0],
             intercept=np.asarray(model.intercept_[0]), meta=json.dumps(meta))
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
