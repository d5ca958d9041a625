"""The dense field (static word vectors fused with BM25) and the learned answerability decision."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from bot.assistant import Assistant
from bot.errors import KnowledgeError
from bot.knowledge.analyzer import Analyzer
from bot.knowledge.answerable import FEATURES, AnswerabilityModel, evidence
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.search import Prepared, Searcher
from bot.knowledge.vectors import DenseField, WordVectors
from bot.models import Passage, ReplyKind

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"


def _toy_vectors() -> WordVectors:
    """Four directions: "jab" and "injection" share one, "often"/"daily" another (hand-made, for the mechanics)."""
    words = ["jab", "injection", "denosumab", "often", "daily", "calcium", "tablets", "months"]
    basis = np.eye(4)
    rows = [basis[0], basis[0] * 0.9 + basis[1] * 0.1, basis[0], basis[2], basis[2], basis[3], basis[3], basis[1]]
    return WordVectors(words, np.asarray(rows, dtype=np.float32), np.ones(len(words), dtype=np.float32))


def _toy_searcher(vectors: WordVectors | None) -> Searcher:
    passages = [
        Passage("001-001", "001", "Leaflet", "Basics", "Bone medicines", "Denosumab is an injection given every six months."),
        Passage("001-002", "001", "Leaflet", "Basics", "Calcium",
                "How often to take calcium tablets: daily, and often with food, as often as the label says."),
    ]
    return Searcher(passages, Analyzer(["the", "is", "an", "to", "do", "i", "get", "how"], {}), vectors=vectors)


def test_word_vectors_embed_texts_as_unit_vectors_and_unknown_words_add_nothing() -> None:
    vectors = _toy_vectors()
    assert np.isclose(np.linalg.norm(vectors.embed("the JAB, often")), 1.0)
    assert not vectors.embed("zzz qqq").any()
    texts = ["jab often", "nothing known", "", "injection months"]
    assert np.allclose(vectors.embed_all(texts), np.asarray([vectors.embed(t) for t in texts]))


def _order(searcher: Searcher, question: str) -> list[str]:
    prepared = _prepared(searcher, question)
    return [searcher.passages[c.doc].id for _, c in searcher.rank(searcher.candidates(prepared), prepared)]


def test_dense_field_brings_in_a_passage_that_shares_no_word_with_the_question() -> None:
    # BM25 sees only "often" (the calcium passage); the vectors know a jab is an injection.
    assert _order(_toy_searcher(None), "how often do i get the jab") == ["001-002"]
    with_vectors = _toy_searcher(_toy_vectors())
    dense = with_vectors.dense.scores("jab") if with_vectors.dense is not None else None
    assert dense is not None and dense.scaled.tolist() == [1.0, 0.0]
    assert _order(with_vectors, "how often do i get the jab") == ["001-001", "001-002"]


def _prepared(searcher: Searcher, question: str) -> Prepared:
    prepared = searcher.prepare(question)
    assert isinstance(prepared, Prepared)
    return prepared


def test_the_shipped_vectors_put_patients_words_near_the_articles_words(knowledge: KnowledgeBase) -> None:
    vectors = WordVectors.load(KNOWLEDGE)
    assert vectors is not None and knowledge.searcher.dense is not None

    def cosine(a: str, b: str) -> float:
        return float(vectors.embed(a) @ vectors.embed(b))

    assert cosine("injection", "jab") > cosine("injection", "breakfast")
    assert cosine("osteoporosis", "brittle bones") > cosine("osteoporosis", "train ticket")


def test_a_folder_without_vectors_or_model_searches_with_bm25_and_the_rules(tmp_path: Path) -> None:
    assert WordVectors.load(tmp_path) is None and AnswerabilityModel.load(tmp_path) is None
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "word_vectors.npz").write_bytes(b"not a zip")
    with pytest.raises(KnowledgeError, match="word vectors"):
        WordVectors.load(tmp_path)


def test_a_model_for_other_features_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    np.savez(tmp_path / "models" / "answerable.npz", features=np.asarray(["coverage"]), mean=np.zeros(1),
             scale=np.ones(1), coef=np.ones(1), intercept=np.asarray(0.0), meta=json.dumps({"threshold": 0.5}))
    with pytest.raises(KnowledgeError, match="retrain"):
        AnswerabilityModel.load(tmp_path)


def test_evidence_names_every_feature_the_model_weighs(knowledge: KnowledgeBase) -> None:
    searcher = knowledge.searcher
    prepared = _prepared(searcher, "how often should i have a bone scan on arimidex")
    best = searcher.rank(searcher.candidates(prepared), prepared)[0][1]
    values = evidence(searcher, prepared, best, 0.1)
    assert tuple(values) == FEATURES
    assert 0.0 <= values["coverage"] <= 1.0 and values["closest_question"] > 0.5


@pytest.mark.parametrize(
    "question",
    ["how do i renew my passport", "telegram keeps logging me out", "best way to scan a document to pdf on my phone",
     "what is a normal resting heart rate"],
)
def test_one_shared_word_does_not_make_a_question_answerable(assistant: Assistant, question: str) -> None:
    # Each shares a word with some passage ("renew", "scan", "normal"), and the hand rules alone answered it.
    [reply] = assistant.ask(question)
    assert reply.kind is ReplyKind.NO_MATCH and not reply.passages


@pytest.mark.parametrize(
    "question",
    ["how often should i have a bone scan on arimidex", "what does a t score of -2.5 mean",
     "do men on trt with adex need their bones checked"],
)
def test_answerable_questions_are_answered_by_the_learned_decision(knowledge: KnowledgeBase, assistant: Assistant,
                                                                   question: str) -> None:
    result = knowledge.searcher.search(question, "", 0.05)
    assert result.learned and result.answered
    assert assistant.ask(question)[0].kind is ReplyKind.ANSWER


def test_without_the_routers_probability_the_hand_rules_decide(knowledge: KnowledgeBase) -> None:
    assert not knowledge.searcher.search("how often should i have a bone scan on arimidex").learned


def test_the_decision_follows_the_models_threshold(knowledge: KnowledgeBase) -> None:
    searcher = knowledge.searcher
    model = searcher.answerable
    assert model is not None
    question = "how often should i have a bone scan on arimidex"
    prepared = _prepared(searcher, question)
    best = searcher.rank(searcher.candidates(prepared), prepared)[0][1]
    p = model.probability(evidence(searcher, prepared, best, 0.05))
    assert model.answers(evidence(searcher, prepared, best, 0.05)) == (p >= model.threshold)
    never = dataclasses.replace(model, threshold=1.01)
    assert not never.answers(evidence(searcher, prepared, best, 0.05))


def test_the_model_was_trained_on_the_data_in_the_repository() -> None:
    with np.load(KNOWLEDGE / "models" / "answerable.npz", allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
    digest = hashlib.sha256()
    for name in meta["trained_from"]:
        path = ROOT / name
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    assert digest.hexdigest() == meta["data_sha256"], "training data changed: run training/train_answerable.py"
    assert "knowledge/models/word_vectors.npz" in meta["trained_from"]


def test_dense_field_scores_are_scaled_to_the_unit_interval(knowledge: KnowledgeBase) -> None:
    field = knowledge.searcher.dense
    assert isinstance(field, DenseField)
    scores = field.scores("does arimidex thin the bones")
    assert scores is not None
    assert scores.scaled.min() == 0.0 and scores.scaled.max() == 1.0 and -1.0 <= scores.closest_question <= 1.0
    assert field.scores("zzzz qqqq") is None


def test_a_passage_nobody_wrote_questions_for_is_scored_on_the_questioned_passages_scale() -> None:
    # 30 questioned passages whose closest question sits 0.3 above their own cosine: the unquestioned
    # passage (own 0.5) gets the fitted 0.8, not its bare 0.5, so it is not ranked under them all.
    own = np.linspace(0.0, 0.6, 31)
    closest = np.where(np.arange(31) == 30, -2.0, own + 0.3)
    own[30] = 0.5
    filled = DenseField._stand_in(own, closest)
    assert np.isclose(filled[30], 0.8) and np.allclose(filled[:30], closest[:30])
    few = np.asarray([0.2, 0.5]), np.asarray([0.6, -2.0])
    assert DenseField._stand_in(*few).tolist() == [0.6, 0.5]  # too few to fit: the own cosine
