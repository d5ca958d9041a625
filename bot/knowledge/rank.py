"""A candidate passage of a question and the evidence search weighs for it.

Search (``search.py``) finds candidates by BM25 over two fields, the passage text and the questions
people wrote for it, fused on one scale. A learned re-ranker over such features (logistic regression on
the passage questions, each held out of the index) was measured on the blind development set and made
hit@1 and hit@3 worse (0.500 -> 0.489 and 0.711 -> 0.578), so ranking stays the fused score with the
hand-set boosts of ``Searcher._heuristic``.
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
