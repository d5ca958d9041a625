"""Scale test of the BM25 index: 100,000 synthetic passages, inverted index versus rank-bm25's full scan.

What it measures, and how
-------------------------
The corpus is synthetic but shaped like the real one. The real passages are analyzed
(``kb.searcher.analyzer.analyze(passage.text)``, passage text only, without the heading and context the
live index adds) to get a vocabulary with its real term counts and the real document-length
distribution. With numpy (seed 7), 100,000 documents are generated: each length is drawn from the real
lengths (empirical distribution, with replacement) and each term from the real term-frequency
distribution, independently. Questions (``tests/data/eval/dev.yaml`` when present, plus the built-in list
in ``sample_questions.py``) are analyzed the same way and those with at least one term are cycled to 200
queries.

Printed:
- corpus shape and generation time;
- ``Bm25Index`` build time (rank-bm25's ``BM25Okapi`` statistics plus our postings);
- p50/p99 of ``index.top(query_terms, 10)`` over the 200 queries (after 20 untimed warm-up calls);
- p50/p99 of rank-bm25's ``get_scores(query_terms)`` (the ``BM25Okapi`` kept in ``index.model``, which
  scores every document) over the first 50 queries, and the speed-up (get_scores time / top time, at
  p50 and at p99, with ``top`` timed on those same 50 queries); get_scores does not even pick the top 10;
- equivalence on the first 20 queries: the top 10 of ``index.top`` against the top 10 of ``get_scores``
  (sorted by score, then document id). Scores must agree to 1e-9 relative at every rank; a different
  document id is accepted only where get_scores gives it the same score as the document it replaces (a
  tie). Prints ``equivalence: ok (20 queries)`` or the first mismatches.

- the dense field (``bot/knowledge/vectors.py``) at the same size: 100,000 synthetic passage texts (words
  drawn from the real passages' words, lengths from the real lengths), each standing in for its own
  question as a clinic's new article does (so 100,000 passage rows and 100,000 question rows); p50/p99 of
  ``DenseField.scores(question)`` over the questions, and of BM25 ``top`` plus the dense scores together.

Run from the repository root: ``python benchmarks/bench_scale.py``. Peak memory about 700 MB; about
25 s on 2 cores (rank-bm25's BM25Okapi and 50 full scans, then embedding 200,000 texts for the dense
field). Prints figures, asserts nothing.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sample_questions import BUILTIN_QUESTIONS, fmt_ms, load_questions, percentile_ms

from bot.config import load_settings
from bot.knowledge.analyzer import Analyzer
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.index import Bm25Index
from bot.knowledge.vectors import DenseField, WordVectors

SEED = 7
DOCUMENTS = 100_000
QUERIES = 200
SCAN_QUERIES = 50
CHECK_QUERIES = 20
TOP_K = 10
REL_TOL = 1e-9


def synthetic_corpus(real: Sequence[Sequence[str]], size: int, seed: int) -> list[list[str]]:
    """Return ``size`` documents with the real length distribution and real term frequencies."""
    counts = Counter(term for document in real for term in document)
    vocabulary = sorted(counts)
    frequency = np.array([counts[term] for term in vocabulary], dtype=np.float64)
    lengths_real = np.array([len(document) for document in real if document], dtype=np.int64)
    rng = np.random.default_rng(seed)
    lengths = rng.choice(lengths_real, size=size, replace=True)
    term_ids = rng.choice(len(vocabulary), size=int(lengths.sum()), replace=True, p=frequency / frequency.sum())
    tokens = np.array(vocabulary, dtype=object)[term_ids].tolist()
    corpus: list[list[str]] = []
    start = 0
    for length in lengths.tolist():
        corpus.append(tokens[start : start + length])
        start += length
    return corpus


def query_terms(analyzer: Analyzer, count: int) -> tuple[list[list[str]], int]:
    """Return ``count`` analyzed queries (distinct questions cycled) and how many distinct ones there are."""
    questions, _ = load_questions()
    distinct = list(dict.fromkeys([*questions, *BUILTIN_QUESTIONS]))
    analyzed = [terms for terms in (analyzer.analyze(q) for q in distinct) if terms]
    return [analyzed[i % len(analyzed)] for i in range(count)], len(analyzed)


def time_each(function: Callable[[Any], object], queries: Sequence[Any]) -> list[int]:
    """Return the nanoseconds of ``function(query)`` for each query."""
    samples: list[int] = []
    clock = time.perf_counter_ns
    for query in queries:
        start = clock()
        function(query)
        samples.append(clock() - start)
    return samples


def reference_top(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Return the k best positive (document, score) pairs of a full score vector, ties by document id."""
    order = np.lexsort((np.arange(len(scores)), -scores))[:k]
    return [(int(i), float(scores[i])) for i in order if scores[i] > 0]


def compare(index: Bm25Index, query: Sequence[str]) -> str | None:
    """Return a description of how index.top differs from get_scores' top 10, or None when they agree."""
    scores = index.model.get_scores(list(query))
    expected = reference_top(scores, TOP_K)
    got = index.top(query, TOP_K)
    if len(got) != len(expected):
        return f"{len(got)} hits from top, {len(expected)} from get_scores"
    for rank, ((doc, score), (ref_doc, ref_score)) in enumerate(zip(got, expected, strict=True)):
        if not math.isclose(score, ref_score, rel_tol=REL_TOL):
            return f"rank {rank + 1}: top doc {doc} score {score!r}, get_scores doc {ref_doc} score {ref_score!r}"
        if doc != ref_doc and not math.isclose(float(scores[doc]), ref_score, rel_tol=REL_TOL):
            return f"rank {rank + 1}: top doc {doc}, get_scores doc {ref_doc} (not a tie)"
    return None


def main() -> None:
    """Build the synthetic corpus and index, time both scorers, and check they agree."""
    knowledge = KnowledgeBase.load(load_settings({}).knowledge_dir)
    analyzer = knowledge.searcher.analyzer
    real = [analyzer.analyze(passage.text) for passage in knowledge.passages]
    vocabulary = len({term for document in real for term in document})

    start = time.perf_counter()
    corpus = synthetic_corpus(real, DOCUMENTS, SEED)
    generated = time.perf_counter() - start
    lengths = [len(document) for document in corpus]
    print(
        f"synthetic corpus: {len(corpus):,} documents, {sum(lengths):,} terms (mean length "
        f"{statistics.fmean(lengths):.1f}, real {statistics.fmean([len(d) for d in real]):.1f}), vocabulary "
        f"{vocabulary:,} terms from {len(real)} real passages, seed {SEED}; generated in {generated:.2f} s"
    )

    start = time.perf_counter()
    index = Bm25Index(corpus)
    built = time.perf_counter() - start
    print(f"index build (Bm25Index, {DOCUMENTS:,} documents): {built:.2f} s")

    queries, distinct = query_terms(analyzer, QUERIES)
    mean_terms = statistics.fmean([len(q) for q in queries])
    for query in queries[:20]:  # warm-up
        index.top(query, TOP_K)
    top_all = time_each(lambda q: index.top(q, TOP_K), queries)
    print(
        f"index.top(terms, {TOP_K}) latency ({DOCUMENTS:,} documents): p50 {fmt_ms(percentile_ms(top_all, 50))}, "
        f"p99 {fmt_ms(percentile_ms(top_all, 99))}, n={len(top_all)} ({distinct} distinct queries, "
        f"mean {mean_terms:.1f} terms)"
    )

    subset = queries[:SCAN_QUERIES]
    scan = time_each(lambda q: index.model.get_scores(list(q)), subset)
    top_subset = time_each(lambda q: index.top(q, TOP_K), subset)
    scan50, scan99 = percentile_ms(scan, 50), percentile_ms(scan, 99)
    top50, top99 = percentile_ms(top_subset, 50), percentile_ms(top_subset, 99)
    print(
        f"rank-bm25 get_scores(terms) latency ({DOCUMENTS:,} documents): p50 {fmt_ms(scan50)}, "
        f"p99 {fmt_ms(scan99)}, n={len(scan)}"
    )
    print(
        f"speed-up of index.top over get_scores (same {len(subset)} queries; top p50 {fmt_ms(top50)}, "
        f"p99 {fmt_ms(top99)}): p50 {scan50 / top50:.0f}x, p99 {scan99 / top99:.0f}x"
    )

    mismatches: list[str] = []
    for number, query in enumerate(queries[:CHECK_QUERIES], 1):
        problem = compare(index, query)
        if problem is not None:
            mismatches.append(f"query {number} {list(query)}: {problem}")
    if mismatches:
        print(f"equivalence: MISMATCH in {len(mismatches)} of {CHECK_QUERIES} queries")
        for line in mismatches[:5]:
            print(f"  {line}")
    else:
        print(f"equivalence: ok ({CHECK_QUERIES} queries)")
    dense_at_scale(knowledge, index, queries)


def dense_at_scale(knowledge: KnowledgeBase, index: Bm25Index, queries: Sequence[Sequence[str]]) -> None:
    """Time the dense field over 100,000 synthetic passages (see the module docstring)."""
    vectors = WordVectors.load(load_settings({}).knowledge_dir)
    if vectors is None:
        print("dense field: no word vectors in the knowledge folder; skipped")
        return
    rng = np.random.default_rng(SEED)
    words = np.asarray([word for passage in knowledge.passages for word in passage.text.split()])
    lengths = rng.choice([len(passage.text.split()) for passage in knowledge.passages], size=DOCUMENTS)
    texts = [" ".join(words[rng.integers(0, len(words), size=int(length))]) for length in lengths]
    start = time.perf_counter()
    field = DenseField(vectors, texts, list(enumerate(texts)))
    built = time.perf_counter() - start
    asked = load_questions()[0]
    pairs = [(asked[i % len(asked)], queries[i]) for i in range(len(queries))]
    for question, _ in pairs[:20]:  # warm-up
        field.scores(question)
    dense = time_each(lambda pair: field.scores(pair[0]), pairs)
    both = time_each(lambda pair: (field.scores(pair[0]), index.top(pair[1], TOP_K)), pairs)
    print(
        f"dense field ({DOCUMENTS:,} passages and as many question rows, {vectors.dimensions} dimensions): embedded in "
        f"{built:.1f} s; scores() p50 {fmt_ms(percentile_ms(dense, 50))}, p99 {fmt_ms(percentile_ms(dense, 99))}; "
        f"with BM25 top p50 {fmt_ms(percentile_ms(both, 50))}, p99 {fmt_ms(percentile_ms(both, 99))}, n={len(both)}"
    )


if __name__ == "__main__":
    main()
