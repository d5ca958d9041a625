"""A candidate passage of a question and the evidence search weighs for it.

Search (``search.py``) finds candidates by BM25 over the passage text and the questions people wrote for
it (fused on one scale), plus the passages the dense field (``vectors.py``) ranks highest; the boosted
BM25 score is then fused with the dense score. Learned re-rankers over such features were measured twice
on the blind development sets and dropped: logistic regression on BM25 features (hit@1 0.500 -> 0.489,
hit@3 0.711 -> 0.578 on set A), and later a pointwise one over 14 features including the dense scores,
trained out of fold on 3,000 written questions (better on set A, worse on B and C).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """A passage that may answer the question."""

    doc: int
    fused: float  # the fused BM25 score of the two fields
    coverage: float  # share of the question's weight the passage (or its questions) contains
    idf_matched: float  # that weight, unnormalised
    defining: bool  # the passage defines the subject of a "what is X" question
    dense: float = 0.0  # the word-vector score (0..1 over the passages; 0 without vectors)
