"""What the training scripts share: the model pipeline, its export for ``bot/textmodel.py``, provenance.

The pipeline: TF-IDF over word 1-2-grams and ``char_wb`` 2-5-grams (sublinear tf, accents stripped,
min_df 3), each block L2-normalised, then multinomial logistic regression (C=10, balanced class
weights). ``export`` writes the vocabularies, idf, coefficients (float32), thresholds, the SHA-256 of the
training files and 25 reference predictions (a test recomputes them with ``bot/textmodel.py``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = (
    {"name": "word", "analyzer": "word", "ngram": [1, 2]},
    {"name": "char", "analyzer": "char_wb", "ngram": [2, 5]},
)


def check_only(doc: str | None) -> bool:
    """Parse a training script's command line (``--check``: report only, write nothing); ``doc`` is its docstring."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n")[0])
    parser.add_argument("--check", action="store_true", help="report cross-validated figures only")
    return bool(parser.parse_args().check)


def data_hash(files: Sequence[Path]) -> str:
    """Return the SHA-256 of the training files' names and bytes (stored in the model, checked by a test)."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def pipeline() -> Pipeline:
    """Return the untrained model."""
    blocks = [
        (
            spec["name"],
            TfidfVectorizer(
                analyzer=spec["analyzer"],
                ngram_range=tuple(spec["ngram"]),
                sublinear_tf=True,
                min_df=3,
                strip_accents="unicode",
                lowercase=True,
            ),
        )
        for spec in BLOCKS
    ]
    model = LogisticRegression(C=10, max_iter=5000, class_weight="balanced")
    return Pipeline([("features", FeatureUnion(blocks)), ("model", model)])


def export(
    model: Pipeline,
    texts: Sequence[str],
    files: Sequence[Path],
    out: Path,
    thresholds: Mapping[str, float],
    report: Mapping[str, float],
) -> None:
    """Write a fitted pipeline to ``out`` (.npz) in the form ``bot.textmodel.TextModel.load`` reads."""
    features = model.named_steps["features"]
    lr = model.named_steps["model"]
    arrays: dict[str, np.ndarray] = {
        "classes": np.asarray(lr.classes_, dtype=str),
        "intercept": lr.intercept_.astype(np.float64),
    }
    start = 0
    for name, vectorizer in features.transformer_list:
        vocabulary = vectorizer.vocabulary_
        terms = sorted(vocabulary, key=vocabulary.__getitem__)
        arrays[f"{name}_terms"] = np.asarray(terms, dtype=str)
        arrays[f"{name}_idf"] = vectorizer.idf_.astype(np.float64)
        arrays[f"{name}_coef"] = lr.coef_[:, start : start + len(terms)].T.astype(np.float32)
        start += len(terms)
    reference_texts = list(texts[:: max(1, len(texts) // 25)][:25])
    reference = model.predict_proba(reference_texts)
    meta = {
        "trained_from": [path.relative_to(ROOT).as_posix() for path in files],
        "data_sha256": data_hash(files),
        "examples": len(texts),
        "blocks": list(BLOCKS),
        "thresholds": dict(thresholds),
        "cross_validated": dict(report),
        "reference": [
            {"text": text, "probabilities": [float(p) for p in row]}
            for text, row in zip(reference_texts, reference, strict=True)
        ],
    }
    arrays["meta"] = np.asarray(json.dumps(meta))
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays)  # type: ignore[arg-type]
    print(f"wrote {out.relative_to(ROOT)} ({out.stat().st_size // 1024} KiB, {start} features, {len(lr.classes_)} classes)")
