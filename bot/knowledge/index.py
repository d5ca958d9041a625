"""A BM25 index over analyzed passages: rank-bm25's Okapi statistics with an inverted index for speed.

rank-bm25 (0.2.2) scores every document for every query term (``get_scores`` is O(corpus)). We take its
statistics (idf, document lengths, k1, b) from a real ``BM25Okapi`` and score only the documents that
contain a query term, through per-term postings with precomputed term-frequency weights. The scores are
the same numbers ``get_scores`` returns (a test checks this); only the work is smaller.

Guards for rank-bm25's traps: an empty corpus raises ZeroDivisionError inside BM25Okapi (we return no
hits instead); a term found in half or more of the documents gets an idf of zero or below (we floor it to
a small positive value so common words still count, a little); an all-zero ranking is never a result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from rank_bm25 import BM25Okapi

# Positive floor for idf, as a share of the mean positive idf. rank-bm25 uses epsilon * mean idf for
# negative idf; we also apply it to zero and to corpora whose mean idf is not positive.
IDF_FLOOR_SHARE = 0.1
MIN_IDF = 1e-3


@dataclass(frozen=True)
class Posting:
    """The documents holding one term and each one's BM25 term-frequency weight (idf excluded)."""

    docs: np.ndarray  # int32 document indexes, ascending
    weights: np.ndarray  # float64 tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))


class Bm25Index:
    """Score analyzed queries against analyzed documents; owns the BM25 statistics and postings."""

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75) -> None:
        """Index documents given as term lists (the analyzer's output)."""
        self.size = len(documents)
        self.idf: dict[str, float] = {}
        self.postings: dict[str, Posting] = {}
        if self.size == 0 or not any(documents):
            return  # BM25Okapi divides by the corpus size and total length: nothing to index
        model = BM25Okapi([list(doc) for doc in documents], k1=k1, b=b)
        positive = [value for value in model.idf.values() if value > 0]
        floor = max(MIN_IDF, IDF_FLOOR_SHARE * (sum(positive) / len(positive))) if positive else 1.0
        self.idf = {term: (value if value > 0 else floor) for term, value in model.idf.items()}
        self.k1, self.b, self.avgdl = k1, b, model.avgdl
        self.model = model  # kept for the equivalence test and the scale benchmark
        doc_len = np.asarray(model.doc_len, dtype=np.float64)
        norm = k1 * (1 - b + b * doc_len / model.avgdl)
        builders: dict[str, tuple[list[int], list[float]]] = {}
        for index, freqs in enumerate(model.doc_freqs):
            for term, tf in freqs.items():
                docs, tfs = builders.setdefault(term, ([], []))
                docs.append(index)
                tfs.append(tf)
        for term, (docs, tfs) in builders.items():
            doc_ids = np.asarray(docs, dtype=np.int32)
            tf = np.asarray(tfs, dtype=np.float64)
            self.postings[term] = Posting(doc_ids, tf * (k1 + 1) / (tf + norm[doc_ids]))

    def score(self, terms: Sequence[str]) -> dict[int, float]:
        """Return {document index: BM25 score} for documents matching at least one term."""
        if self.size == 0:
            return {}
        scores = np.zeros(self.size, dtype=np.float64)
        touched: list[np.ndarray] = []
        for term in terms:  # repeated query terms count again, as in get_scores
            posting = self.postings.get(term)
            if posting is None:
                continue
            scores[posting.docs] += self.idf[term] * posting.weights
            touched.append(posting.docs)
        if not touched:
            return {}
        candidates = np.unique(np.concatenate(touched))
        return dict(zip(candidates.tolist(), scores[candidates].tolist(), strict=True))

    def weighted_scores(self, terms: Mapping[str, float]) -> np.ndarray:
        """Return every document's score for weighted query terms (zeros where nothing matches)."""
        scores = np.zeros(self.size, dtype=np.float64)
        for term, weight in terms.items():
            posting = self.postings.get(term)
            if posting is not None and weight > 0:
                scores[posting.docs] += weight * self.idf[term] * posting.weights
        return scores

    def top(self, terms: Sequence[str] | Mapping[str, float], k: int) -> list[tuple[int, float]]:
        """Return the k best (document index, score) pairs with a positive score, best first.

        ``terms`` is a term list (repeats count again, as in ``get_scores``) or a mapping term -> query
        weight, which multiplies that term's contribution.
        """
        if self.size == 0 or k <= 0:
            return []
        weighted = terms.items() if isinstance(terms, Mapping) else ((term, 1.0) for term in terms)
        scores = np.zeros(self.size, dtype=np.float64)
        matched = False
        for term, weight in weighted:
            posting = self.postings.get(term)
            if posting is not None and weight > 0:
                scores[posting.docs] += weight * self.idf[term] * posting.weights
                matched = True
        if not matched:
            return []
        k = min(k, self.size)
        best = np.argpartition(-scores, k - 1)[:k]
        # Ties broken by document order so results are deterministic.
        ranked = sorted(best.tolist(), key=lambda i: (-scores[i], i))
        return [(i, float(scores[i])) for i in ranked if scores[i] > 0]

    def document_frequency(self, term: str) -> int:
        """Return how many documents contain a term."""
        posting = self.postings.get(term)
        return 0 if posting is None else len(posting.docs)
