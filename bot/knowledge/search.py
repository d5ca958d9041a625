"""Answer a question with passages, or say honestly that the articles do not cover it.

Owns the query side: spelling correction, analysis, BM25 ranking, score normalisation and the
no-match decision.

How the no-match rule works and was calibrated
----------------------------------------------
Raw BM25 scores are not comparable between queries (they grow with query length), so the decision uses
term *weights* for the question's information. A term weighs its idf, capped by its everyday-English
rarity (Zipf frequencies in ``knowledge/english_frequency.txt``), so "think" or "better" weigh little
even where the articles happen to use them. A word the articles never use weighs:
- the largest idf when it names a health topic (``knowledge/health_terms.txt``: "hair", "insomnia",
  "grapefruit", "pregnant", "insurance"): the question is about something the articles do not cover;
- a small share of it otherwise ("nobody", "downhill", "legit", a number such as "-1.7"): chatter
  around a question, not its topic.
Each hit's ``confidence`` is the share of the question's weight that the passage contains. A question
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
from bot.knowledge.index import Bm25Index
from bot.knowledge.intent import (
    acronyms_expanded,
    defined_windows,
    definition_subject,
    passage_answer_types,
    question_answer_types,
)
from bot.knowledge.spelling import SpellingCorrector
from bot.models import Hit, Passage

MAX_QUERY_CHARS = 1_000  # longer messages are cut before analysis (a question is rarely longer)
# Words with Zipf <= 4.0 (rarer than "headache") weigh fully; the weight falls linearly to
# UNKNOWN_MIN_SHARE at Zipf 6.5 ("think", "people").
UNKNOWN_FULL_ZIPF = 6.5
UNKNOWN_ZIPF_SPAN = 2.5
UNKNOWN_MIN_SHARE = 0.05


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
    question_weight: float = 1.0  # fusion: the patient-questions field against the passage text


@dataclass(frozen=True)
class SearchResult:
    """What search found for one query, and why it answered or not."""

    query: str
    terms: tuple[str, ...]
    hits: tuple[Hit, ...]
    reason: str  # answered | empty | no_terms | no_match | weak
    corrections: dict[str, str] = field(default_factory=dict)

    @property
    def answered(self) -> bool:
        """Return True when at least one passage is good enough to show."""
        return bool(self.hits)


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
    ) -> None:
        """Index passages (and the patient questions each answers) with the given analyzer.

        ``english`` maps common words to Zipf frequency; ``health_terms`` are words that name a health
        topic (for the no-match rule: see ``term_weight``); ``questions`` maps a passage id to the
        questions people wrote for it (``knowledge/passage_questions.yaml``), indexed as a second field.
        """
        self.passages = tuple(passages)
        self.analyzer = analyzer
        self.settings = settings or SearchSettings()
        asked = questions or {}
        word_counts: Counter[str] = Counter()
        for passage in self.passages:
            word_counts.update(surface_words(f"{passage.text} {passage.heading} {passage.context}"))
            word_counts.update(surface_words(" ".join(asked.get(passage.id, ()))))
        # Real English words are never "corrected" into article words ("insurance" is not a typo of
        # "instance", nor "generic" of "genetic"): only unknown strings are.
        known_words = set(analyzer.stop_words) | analyzer.vocabulary() | set(english or ()) | set(health_terms)
        self.speller = SpellingCorrector(word_counts, extra_words=known_words, normalise=stem)
        self.index = Bm25Index([passage_document(analyzer, p) for p in self.passages])
        self.question_index = Bm25Index([analyzer.analyze(" ".join(asked.get(p.id, ()))) for p in self.passages])
        self.max_idf = max(self.index.idf.values(), default=1.0)
        self.english_zipf: dict[str, float] = {}
        for word, zipf in (english or {}).items():
            term = stem(word)
            self.english_zipf[term] = max(zipf, self.english_zipf.get(term, 0.0))
        self.health_terms = frozenset(stem(word) for word in health_terms)
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

    def search(self, query: str) -> SearchResult:
        """Return the passages that answer ``query``, best first, or none with the reason."""
        text = query[:MAX_QUERY_CHARS]
        words = surface_words(text)
        if not words:
            return SearchResult(query, (), (), "empty")
        words, corrections = self.correct(words)
        query_weights = self.analyzer.query_terms(words)
        terms = tuple(query_weights)
        if not terms:
            return SearchResult(query, (), (), "no_terms", corrections)
        ranked = self._fused(query_weights)
        if not ranked:
            return SearchResult(query, terms, (), "no_match", corrections)
        subject = definition_subject(text)
        subject_words = self.correct(surface_words(subject))[0] if subject else []
        subject_weights = self.analyzer.query_terms(subject_words)
        subject_terms = frozenset(subject_weights)
        # A definitional question is about its subject: "stand for", "mean" must not count as missing.
        focus = subject_weights or query_weights
        unique = tuple(focus)
        weights = {term: self.term_weight(term) * focus[term] for term in unique}
        total = sum(weights.values())
        wants = question_answer_types(text)
        scored: list[tuple[float, float, float, int]] = []
        defining: set[int] = set()
        for doc, score in ranked:
            idf_matched = sum(weights[t] for t in self._matched_terms(doc, unique))
            coverage = idf_matched / total
            adjusted = score * coverage**self.settings.coord_power
            if subject_terms and any(subject_terms <= window for window in self.definitions[doc]):
                defining.add(doc)
                adjusted *= 1 + self.settings.definition_boost
                if len(subject_terms) == 1 and subject_terms <= self.acronyms[doc]:
                    adjusted *= 1 + self.settings.acronym_boost
            if wants & self.answer_types[doc]:
                adjusted *= 1 + self.settings.answer_type_boost
            scored.append((adjusted, coverage, idf_matched, doc))
        scored.sort(key=lambda item: (-item[0], item[3]))
        best = scored[0]
        unknown = [weights[term] for term in unique if term not in self.index.idf]
        if best[1] < self.settings.min_confidence:
            return SearchResult(query, terms, (), "no_match", corrections)
        if unknown and max(unknown) >= max(weights.values()) and best[2] < self.settings.key_term_escape:
            # The question's most specific word ("migraine", "flu") is one the articles never use, and
            # little else matched: the passage is about something nearby, not about the question.
            return SearchResult(query, terms, (), "no_match", corrections)
        if best[2] < self.settings.min_idf_matched and best[3] not in defining:
            # A passage that defines the subject answers "what is anastrozole" even though the word is
            # too common to carry weight on its own.
            return SearchResult(query, terms, (), "weak", corrections)
        hits: list[Hit] = []
        for adjusted, coverage, idf_matched, doc in scored[: self.settings.max_results]:
            strong = coverage >= self.settings.min_confidence and idf_matched >= self.settings.min_idf_matched
            if hits and (not strong or adjusted < self.settings.relative_floor * best[0]):
                break
            hits.append(Hit(self.passages[doc], round(adjusted, 4), round(coverage, 4)))
        return SearchResult(query, terms, tuple(hits), "answered", corrections)

    def term_weight(self, term: str) -> float:
        """Return how much a query term tells about the question's topic (for the no-match rule).

        A term weighs its idf, the largest idf when the articles never use it, and in both cases no
        more than its everyday-English rarity allows: "psoriasis" (rare, unknown) weighs fully and makes
        the question off-topic, while "think", "better" or "test" (very common words, even if the
        articles use them once) weigh little. Ranking itself always uses the plain BM25 idf.
        """
        idf = self.index.idf.get(term)
        if term.lstrip("-")[:1].isdigit():
            # A number ("my score was -1.7", "i'm 64", "for 3 days") is a detail of the question, not its
            # topic, even where the articles happen to use it.
            return min(self.max_idf if idf is None else idf, self.max_idf * UNKNOWN_MIN_SHARE)
        if idf is None and term in self.health_terms:
            return self.max_idf  # a health topic the articles never mention: the question is about it
        zipf = self.english_zipf.get(term, 0.0)
        share = min(1.0, max(UNKNOWN_MIN_SHARE, (UNKNOWN_FULL_ZIPF - zipf) / UNKNOWN_ZIPF_SPAN))
        if idf is None and self.health_terms:
            share *= self.settings.unknown_chatter_share  # "nobody", "downhill": chatter, not the topic
        return min(self.max_idf if idf is None else idf, self.max_idf * share)

    def _fused(self, query_weights: Mapping[str, float]) -> list[tuple[int, float]]:
        """Return the best candidates by the fused score of the two fields (BM25F-style, by score fusion).

        Each field's BM25 scores are divided by that field's best score for this query, so a passage's
        text and the patient questions it answers count on one scale; ``question_weight`` (measured on the
        development sets) sets how much the questions count.
        """
        text = self.index.weighted_scores(query_weights) if self.index.size else np.zeros(0)
        asked = self.question_index.weighted_scores(query_weights) if self.question_index.size else np.zeros(len(text))
        fused = np.zeros(len(self.passages))
        for scores, weight in ((text, 1.0), (asked, self.settings.question_weight)):
            if len(scores) and scores.max() > 0:
                fused += weight * scores / scores.max()
        k = min(self.settings.candidates, len(fused))
        if k == 0 or fused.max() <= 0:
            return []
        best = np.argpartition(-fused, k - 1)[:k]
        ranked = sorted(best.tolist(), key=lambda i: (-fused[i], i))
        return [(i, float(fused[i])) for i in ranked if fused[i] > 0]

    def _matched_terms(self, doc: int, terms: Sequence[str]) -> list[str]:
        """Return the query terms present in a passage's text or in its questions."""
        freqs = self.index.model.doc_freqs[doc]
        asked = self.question_index.model.doc_freqs[doc] if self.question_index.size else {}
        return [term for term in terms if term in freqs or term in asked]
