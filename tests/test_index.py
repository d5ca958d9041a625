"""The BM25 index wrapper: same scores as rank-bm25, and its traps guarded."""

from __future__ import annotations

import math

import pytest

from bot.knowledge.index import Bm25Index

DOCS = [
    ["bone", "loss", "anastrozol", "dexa"],
    ["bone", "vitamin", "d", "calcium"],
    ["bone", "fractur", "risk", "hip"],
    ["estrogen", "bone", "osteoclast"],
    ["dexa", "scan", "hip", "spine", "bone"],
]


def test_scores_equal_rank_bm25_get_scores() -> None:
    index = Bm25Index(DOCS)
    for query in (["dexa", "hip"], ["calcium"], ["bone", "fractur", "fractur"], ["unknown"]):
        expected = index.model.get_scores(query)
        got = index.score(query)
        for doc, score in got.items():
            # Our floor replaces rank-bm25's idf only where it is <= 0 ("bone" is in every document).
            if all(index.model.idf[t] > 0 for t in query if t in index.model.idf):
                assert math.isclose(score, expected[doc], rel_tol=1e-9)
        assert set(got) == {i for i, doc in enumerate(DOCS) if set(query) & set(doc)}


def test_common_terms_get_positive_idf() -> None:
    # The rank-bm25 trap: a term in exactly half the documents gets idf 0, one in all of them a negative
    # idf (floored with epsilon * mean idf, itself negative in a small corpus).
    index = Bm25Index([["a", "b"], ["a", "c"]])
    assert index.model.idf["b"] == 0 and index.model.idf["a"] < 0
    assert all(value > 0 for value in index.idf.values())
    assert all(score > 0 for _, score in index.top(["a"], 2))
    assert [doc for doc, _ in index.top(["b"], 2)] == [0]


def test_empty_corpus_and_empty_documents_return_nothing() -> None:
    assert Bm25Index([]).top(["bone"], 3) == []
    assert Bm25Index([[], []]).top(["bone"], 3) == []
    assert Bm25Index([]).score(["bone"]) == {}


def test_no_matching_term_is_no_ranking() -> None:
    index = Bm25Index(DOCS)
    assert index.top([], 3) == []
    assert index.top(["pizza"], 3) == []


def test_top_is_sorted_deterministic_and_bounded() -> None:
    index = Bm25Index(DOCS)
    top = index.top(["dexa", "hip", "bone"], 3)
    assert len(top) == 3
    assert [s for _, s in top] == sorted((s for _, s in top), reverse=True)
    assert top == index.top(["dexa", "hip", "bone"], 3)
    assert index.top(["dexa"], 0) == []


def test_query_weights_scale_each_term() -> None:
    index = Bm25Index(DOCS)
    plain = dict(index.top(["dexa", "hip"], 5))
    weighted = dict(index.top({"dexa": 1.0, "hip": 1.0}, 5))
    assert weighted == pytest.approx(plain)
    half = dict(index.top({"dexa": 0.5}, 5))
    assert half == pytest.approx({doc: score / 2 for doc, score in index.top(["dexa"], 5)})
    assert index.top({"dexa": 0.0}, 5) == []
