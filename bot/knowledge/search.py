"""Answer a question with passages, or say honestly that the articles do not cover it.

Owns the query side: spelling correction, analysis, BM25 ranking, score normalisation, fusion with the
dense field (``vectors.py``: the boosted BM25 score and the dense score, both on 0..1, weighted by
``dense_weight``) and the no-match decision.

Who decides "not covered"
-------------------------
When the caller gives the router's probability (the Assistant always does) and the best passage has
written questions, the learned answerability model decides (``answerable.py``): it weighs the evidence
below together with the router's reading and the question's closeness in meaning to any written
question. Otherwise (a clinic's new article, or a caller without the router) the hand-set rules below
decide; their evidence is also the model's.

How the hand-set no-match rule works and was calibrated
-------------------------------------------------------
Raw BM25 scores are not comparable between queries (they grow with query length), so the decision uses
term *weights* for the question's information (``weights.py``: idf capped by everyday-English rarity;
an unknown word weighs fully when it names a health topic, little otherwise). Each hit's
``confidence`` is the share of the question's weight that the passage contains. A question
is answered when the best passage
1. covers at least ``min_confidence`` of it,
2. if the question's key term (its heaviest) is one the articles never use, still matches at least
   ``key_term_escape`` idf ("does anastrozole cause hair loss" matches "anastrozole" and "loss", which is
   not an answer about hair), and
3. matches at least ``min_idf_matched`` of idf ("too weak": a match made only of very common words such
   as "bone" or "anastrozole" is no answer).
For "what is X" questions the weights are those of X, so "stand for" or "mean" never count missing.
Calibration: ``benchmarks/calibrate_no_match.py`` sweeps the thresholds over the development questions,
a held-out set of patient-style questions written without looking at the system
(``tests/data/eval/heldout.yaml``) and 20 off-topic lines; the defaults sit in the middle of the plateau
that refuses the most no-match and off-topic questions while refusing under 5% of answerable ones.
Further passages are returned only when they are strong too: at least ``relative_floor`` of the best
score and above the thresholds, so a single clear answer is returned alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from bot.knowledge.analyzer import Analyzer, stem, surface_words
from bot.knowledge.answerable import AnswerabilityModel, evidence
from bot.knowledge.audience import passage_audience, question_audience
from bot.knowledge.index import Bm25Index
from bot.knowledge.intent import (
    acronyms_expanded,
    defined_windows,
    definition_subject,
    passage_answer_types,
    question_answer_types,
)
from bot.knowledge.rank import Candidate
from bot.knowledge.spelling import SpellingCorrector
from bot.knowledge.vectors import DenseField, DenseScores, WordVectors
from bot.knowledge.weights import TermWeights
from bot.models import Hit, Passage

MAX_QUERY_CHARS = 1_000  # longer messages are cut before analysis (a question is rarely longer)
ASKED_WORD_MIN = 5  # uses in the written questions that make a word the speller knows (see Searcher)
CENTRAL_SHARE = 0.1  # a term in at least this share of passages is one of the articles' central words


@dataclass(frozen=True)
class SearchSettings:
    """Thresholds of the no-match decision and the result size (calibrated on dev + held-out questions)."""

    max_results: int = 3
    min_confidence: float = 0.15
    min_idf_matched: float = 1.2
    key_term_escape: float = 9.0  # idf mass that answers even when the query's key term is missing
    relative_floor: float = 0.6
    candidates: int = 30
    coord_power: float = 0.0  # rerank: score * coverage**power favours passages holding all query terms
    definition_boost: float = 1.0  # rerank: a passage defining the subject of "what is X" gains this share
    acronym_boost: float = 1.0  # rerank: ...and one spelling out the acronym X gains this share more
    unknown_chatter_share: float = 0.2  # weight share of an unknown word that names no health topic
    answer_type_boost: float = 0.5  # rerank: a passage holding the kind of fact asked for ("how often": a frequency)
    question_weight: float = 1.5  # fusion: the patient-questions field against the passage text (1, 1.5, 2, 3 measured)
    closest_weight: float = 0.5  # fusion: the single closest patient question (0, 0.5, 1 measured: 0.5 best)
    # rerank: a glossary definition yields to a body passage defining the term too (1.0/0.8/0.6 measured on 3 sets)
    glossary_share: float = 0.8
    audience_boost: float = 0.3  # rerank: a passage for the question's audience gains this share, the other's loses it
    # fusion: the dense (word-vector) score against the BM25 fields, both on a 0..1 scale (0.35/0.5 measured on
    # three blind development sets, 0.5 best); 0 searches with BM25 alone
    dense_weight: float = 0.5
    dense_candidates: int = 10  # passages the dense score alone brings in beside BM25's candidates


@dataclass(frozen=True)
class SearchResult:
    """What search found for one query, and why it answered or not."""

    query: str
    terms: tuple[str, ...]
    hits: tuple[Hit, ...]
    reason: str  # answered | overview (only central words: the term's definition) | empty | no_terms | no_match | weak
    corrections: dict[str, str] = field(default_factory=dict)
    learned: bool = False  # the answerability model (with the router's probability) made the no-match decision

    @property
    def answered(self) -> bool:
        """Return True when at least one passage is good enough to show."""
        return bool(self.hits)


@dataclass(frozen=True)
class Prepared:
    """A question analysed for search: its terms, their weights for the no-match rule, its intent."""

    text: str
    terms: tuple[str, ...]
    corrections: dict[str, str]
    query_weights: dict[str, float]  # for ranking
    weights: dict[str, float]  # for coverage and the no-match rule (the subject's, for "what is X")
    subject_terms: frozenset[str]
    wants: frozenset[str]
    audience: str  # "women", "men" or ""
    dense: DenseScores | None = None  # the word-vector scores (None without vectors or known words)


def passage_document(analyzer: Analyzer, passage: Passage) -> list[str]:
    """Return the BM25 terms of a passage: its text, heading and added context."""
    return analyzer.analyze(f"{passage.text}\n{passage.heading}\n{passage.context}")


class Searcher:
    """Rank passages for a question; owns the indexes, the analyzer and the spelling corrector."""

    def __init__(
        self,
        passages: Sequence[Passage],
        analyzer: Analyzer,
        settings: SearchSettings | None = None,
        english: Mapping[str, float] | None = None,
        health_terms: Collection[str] = (),
        questions: Mapping[str, Sequence[str]] | None = None,
        vectors: WordVectors | None = None,
        answerable: AnswerabilityModel | None = None,
    ) -> None:
        """Index passages (and the patient questions each answers) with the given analyzer.

        ``english`` maps common words to Zipf frequency; ``health_terms`` are words that name a health
        topic (for the no-match rule: see ``weights.py``); ``questions`` maps a passage id to the
        questions people wrote for it (``knowledge/passage_questions.yaml``), indexed as a second field;
        ``vectors`` (optional) embed passages and questions for the dense field; ``answerable`` (optional)
        is the learned no-match decision, used when the caller gives the router's probability.
        """
        self.answerable = answerable
        self.passages = tuple(passages)
        self.analyzer = analyzer
        self.settings = settings or SearchSettings()
        written = questions or {}
        # A passage nobody has written questions for yet (a clinic's new article) stands in for its own
        # questions with its heading and text, so it competes on the same three fields as the others
        # instead of on one of three. Every source passage has questions: their ranking is unchanged.
        asked = {p.id: written.get(p.id) or [f"{p.heading}. {p.text}"] for p in self.passages}
        word_counts: Counter[str] = Counter()
        asked_words: Counter[str] = Counter()
        for passage in self.passages:
            word_counts.update(surface_words(f"{passage.text} {passage.heading} {passage.context}"))
            asked_words.update(surface_words(" ".join(written.get(passage.id, ()))))
        # The written questions imitate patients, typos included ("bisphosponates"): a word only they use
        # is a correct spelling when many wrote it ("adex", "dexa"), not when one helper's typo did.
        word_counts.update({word: n for word, n in asked_words.items() if n >= ASKED_WORD_MIN or word in word_counts})
        # Real English words are never "corrected" into article words ("insurance" is not a typo of
        # "instance", nor "generic" of "genetic"): only unknown strings are.
        known_words = set(analyzer.stop_words) | analyzer.vocabulary() | set(english or ()) | set(health_terms)
        self.speller = SpellingCorrector(word_counts, extra_words=known_words, normalise=stem)
        self.index = Bm25Index([passage_document(analyzer, p) for p in self.passages])
        single = [(doc, question) for doc, p in enumerate(self.passages) for question in asked.get(p.id, ())]
        analysed = [analyzer.analyze(question) for _, question in single]
        # A passage's questions field is its questions' terms together (each question analysed once).
        joined: list[list[str]] = [[] for _ in self.passages]
        for (doc, _), terms in zip(single, analysed, strict=True):
            joined[doc].extend(terms)
        self.question_index = Bm25Index(joined)
        self.single_questions = Bm25Index(analysed)
        self.question_owner = np.asarray([doc for doc, _ in single], dtype=np.int64)
        self.dense = (
            DenseField(
                vectors,
                [f"{p.heading}. {p.text}" for p in self.passages],
                [(doc, question) for doc, p in enumerate(self.passages) for question in written.get(p.id, ())],
            )
            if vectors is not None
            else None
        )
        # Passages with patient questions are the ones the router model was trained on (its questions are
        # these); a clinic's new article has none until someone writes them.
        self.questioned = frozenset(p.id for p in self.passages if written.get(p.id))
        self.audiences = [passage_audience(p) for p in self.passages]
        self.weights = TermWeights(self.index.idf, english or {}, health_terms, self.settings.unknown_chatter_share)
        self.definitions = [defined_windows(p.text, analyzer.analyze) for p in self.passages]
        self.answer_types = [passage_answer_types(f"{p.text} {p.context}") for p in self.passages]
        self.acronyms = [
            frozenset(term for acronym in acronyms_expanded(p.text) for term in analyzer.analyze(acronym))
            for p in self.passages
        ]

    def correct(self, words: Sequence[str]) -> tuple[list[str], dict[str, str]]:
        """Return words with typos corrected, and the corrections made."""
        corrected: list[str] = []
        changes: dict[str, str] = {}
        for word in words:
            fixed = self.speller.correct(word)
            if fixed is not None:
                changes[word] = fixed
            corrected.append(fixed or word)
        return corrected, changes

    def search(self, query: str, audience: str = "", p_not_covered: float | None = None) -> SearchResult:
        """Return the passages that answer ``query``, best first, or none with the reason.

        ``audience`` ("women" or "men", when the user has said) ranks that audience's passages first; a
        question that names its audience ("my husband on TRT") does the same on its own. With
        ``p_not_covered`` (the router's probability) and a trained answerability model, that model decides
        "not covered" (``SearchResult.learned``); otherwise the hand-set rules do.
        """
        prepared = self.prepare(query, audience)
        if isinstance(prepared, SearchResult):
            return prepared
        candidates = self.candidates(prepared)
        if not candidates:
            return SearchResult(query, prepared.terms, (), "no_match", prepared.corrections)
        ordered = self.rank(candidates, prepared)
        best = ordered[0][1]
        # The model learnt from passages with written questions; a clinic's new one keeps the hand rules.
        model = self.answerable if self.passages[best.doc].id in self.questioned else None
        learned = model is not None and p_not_covered is not None
        if model is not None and p_not_covered is not None:
            answered = model.answers(evidence(self, prepared, best, p_not_covered))
            reason = "" if answered else "weak" if best.idf_matched < self.settings.min_idf_matched else "no_match"
        else:
            reason = self._refusal(prepared, best)
        if reason == "weak" and self._central_only(prepared):
            # "anastrozole", "tell me about arimidex": only the articles' central words, which carry almost
            # no weight in BM25 (a term in half the passages). The question is on topic: give the overview,
            # the article's own definition of the term when there is one.
            overview = self._overview(prepared, [c for _, c in ordered])
            passage = self.passages[overview.doc]
            hit = Hit(passage, round(ordered[0][0], 4), round(overview.coverage, 4))
            return SearchResult(query, prepared.terms, (hit,), "overview", prepared.corrections, learned)
        if reason:
            return SearchResult(query, prepared.terms, (), reason, prepared.corrections, learned)
        hits: list[Hit] = []
        top = ordered[0][0]
        settings = self.settings
        for score, candidate in ordered[: settings.max_results]:
            strong = candidate.coverage >= settings.min_confidence and candidate.idf_matched >= settings.min_idf_matched
            close = score >= settings.relative_floor * top
            if hits and not (strong and close):
                break
            hits.append(Hit(self.passages[candidate.doc], round(score, 4), round(candidate.coverage, 4)))
        return SearchResult(query, prepared.terms, tuple(hits), "answered", prepared.corrections, learned)

    def prepare(self, query: str, audience: str = "") -> Prepared | SearchResult:
        """Return the analysed question, or the result explaining why there is nothing to search."""
        text = query[:MAX_QUERY_CHARS]
        words = surface_words(text)
        if not words:
            return SearchResult(query, (), (), "empty")
        words, corrections = self.correct(words)
        query_weights = self.analyzer.query_terms(words)
        if not query_weights:
            return SearchResult(query, (), (), "no_terms", corrections)
        subject = definition_subject(text)
        subject_words = self.correct(surface_words(subject))[0] if subject else []
        subject_weights = self.analyzer.query_terms(subject_words)
        # A definitional question is about its subject: "stand for", "mean" must not count as missing.
        focus = subject_weights or query_weights
        weights = {term: self.weights.weight(term) * focus[term] for term in focus}
        return Prepared(
            text=text,
            terms=tuple(query_weights),
            corrections=corrections,
            query_weights=query_weights,
            weights=weights,
            subject_terms=frozenset(subject_weights),
            wants=question_answer_types(text),
            audience=audience or question_audience(text),
            dense=self.dense.scores(" ".join(words)) if self.dense is not None else None,
        )

    def candidates(self, prepared: Prepared) -> list[Candidate]:
        """Return the best candidates by fused BM25 (and dense) score, each with its ranking features."""
        fields = self._field_scores(prepared.query_weights)
        fused = fields[0] + self.settings.question_weight * fields[1] + self.settings.closest_weight * fields[2]
        k = min(self.settings.candidates, len(fused))
        if k == 0 or fused.max() <= 0:
            return []
        best = np.argpartition(-fused, k - 1)[:k]
        pool = {i for i in best.tolist() if fused[i] > 0}
        dense = prepared.dense.scaled if prepared.dense is not None else None
        if dense is not None and self.settings.dense_weight > 0 and self.settings.dense_candidates > 0:
            extra = min(self.settings.dense_candidates, len(dense))
            pool |= set(np.argpartition(-dense, extra - 1)[:extra].tolist())
        ranked = sorted(pool, key=lambda i: (-fused[i], i))
        total = sum(prepared.weights.values()) or 1.0
        out: list[Candidate] = []
        for doc in ranked:
            idf_matched = sum(prepared.weights[t] for t in self._matched_terms(doc, tuple(prepared.weights)))
            coverage = idf_matched / total
            defining = bool(prepared.subject_terms) and any(prepared.subject_terms <= w for w in self.definitions[doc])
            closeness = float(dense[doc]) if dense is not None else 0.0
            out.append(Candidate(doc, float(fused[doc]), coverage, idf_matched, defining, closeness))
        return out

    def _field_scores(self, query_weights: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return per passage: text BM25, questions-field BM25 and closest-single-question BM25, each
        divided by its best value for this query (0..1), so the fields share one scale."""
        out = []
        text = self.index.weighted_scores(query_weights) if self.index.size else np.zeros(len(self.passages))
        asked = self.question_index.weighted_scores(query_weights) if self.question_index.size else np.zeros(len(text))
        closest = np.zeros(len(text))
        if self.single_questions.size:
            per_question = self.single_questions.weighted_scores(query_weights)
            np.maximum.at(closest, self.question_owner, per_question)
        for scores in (text, asked, closest):
            out.append(scores / scores.max() if len(scores) and scores.max() > 0 else scores)
        return out[0], out[1], out[2]

    def rank(self, candidates: Sequence[Candidate], prepared: Prepared) -> list[tuple[float, Candidate]]:
        """Return (score, candidate) best first: the boosted BM25 score (``_heuristic``) on a 0..1 scale,
        fused with the dense score by ``dense_weight`` (when the searcher has word vectors)."""
        scored = [(self._heuristic(c, prepared), c) for c in candidates]
        weight = self.settings.dense_weight if self.dense is not None else 0.0
        top = max((score for score, _ in scored), default=0.0)
        if weight > 0 and top > 0:
            scored = [((1 - weight) * score / top + weight * c.dense, c) for score, c in scored]
        return sorted(scored, key=lambda item: (-item[0], item[1].doc))

    def _heuristic(self, candidate: Candidate, prepared: Prepared) -> float:
        """Return the hand-set ranking score used when no re-ranker is trained (definition and answer-type boosts)."""
        score = candidate.fused
        doc = candidate.doc
        if candidate.defining:
            score *= 1 + self.settings.definition_boost
            if len(prepared.subject_terms) == 1 and prepared.subject_terms <= self.acronyms[doc]:
                score *= 1 + self.settings.acronym_boost
        if prepared.wants & self.answer_types[doc]:
            score *= 1 + self.settings.answer_type_boost
        if self.passages[doc].kind == "glossary":
            score *= self.settings.glossary_share
        own = self.audiences[doc]
        if prepared.audience and own:
            score *= 1 + self.settings.audience_boost if own == prepared.audience else 1 - self.settings.audience_boost
        return score

    def _central_only(self, prepared: Prepared) -> bool:
        """Return True when every term of the question is one of the articles' central words."""
        floor = CENTRAL_SHARE * len(self.passages)
        return bool(prepared.weights) and all(self.index.document_frequency(t) >= floor for t in prepared.weights)

    def _overview(self, prepared: Prepared, candidates: Sequence[Candidate]) -> Candidate:
        """Return the passage that best introduces the question's central term (its glossary definition)."""
        terms = frozenset(prepared.weights)
        for candidate in candidates:
            passage = self.passages[candidate.doc]
            if passage.kind == "glossary" and frozenset(self.analyzer.analyze(passage.heading)) <= terms:
                return candidate
        defining = [c for c in candidates if c.defining]
        return defining[0] if defining else candidates[0]

    def _refusal(self, prepared: Prepared, best: Candidate) -> str:
        """Return why the best candidate is no answer ("no_match", "weak"), or "" when it is one."""
        weights = prepared.weights
        if best.coverage < self.settings.min_confidence:
            return "no_match"
        unknown = [weights[term] for term in weights if term not in self.index.idf]
        if unknown and max(unknown) >= max(weights.values()) and best.idf_matched < self.settings.key_term_escape:
            # The question's most specific word ("migraine", "flu") is one the articles never use, and
            # little else matched: the passage is about something nearby, not about the question.
            return "no_match"
        if best.idf_matched < self.settings.min_idf_matched and not best.defining:
            # A passage that defines the subject answers "what is anastrozole" even though the word is
            # too common to carry weight on its own.
            return "weak"
        return ""

    def _matched_terms(self, doc: int, terms: Sequence[str]) -> list[str]:
        """Return the query terms present in a passage's text or in its questions."""
        freqs = self.index.model.doc_freqs[doc]
        asked = self.question_index.model.doc_freqs[doc] if self.question_index.size else {}
        return [term for term in terms if term in freqs or term in asked]
