"""The learned "do the articles answer this?" decision: evidence of the best passage, weighed by a model.

Owns ``knowledge/models/answerable.npz`` (trained offline by ``training/train_answerable.py``): a logistic
regression over the evidence below, standardised, with the threshold chosen on cross-validated
predictions. It replaces the hand-set refusal rules of ``search.py`` (coverage, key term, weak match) and
the router's own "not covered" veto when both the model and the router's probability are at hand; a
clinic's new article (passages nobody wrote questions for) keeps the hand rules, since the model learnt
what a matching question looks like from the written ones.

Why a model: each rule alone hangs on one signal. "How do I renew my passport" shares "renew" with a
passage; "what sort of exercise is good for your skeleton, i hate gyms" has a word the articles never use
("gyms") that the key-term rule took for the topic. The evidence together (how much of the question the
best passage holds, whether its unknown words name a health topic, how close it is in meaning to any
question people asked of the articles, what the router read) decides better (figures in
``training/README.md``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.errors import KnowledgeError
from bot.knowledge.rank import Candidate

if TYPE_CHECKING:  # the searcher imports this module: only its type is needed here
    from bot.knowledge.search import Prepared, Searcher

FILE = Path("models") / "answerable.npz"
# The evidence, in the model's order. Shares are of the question's term weight (``weights.py``).
FEATURES = (
    "p_not_covered",  # the router's probability that the articles do not cover the message
    "coverage",  # share of the question's weight the best passage (or its questions) holds
    "idf_matched",  # log(1 + that weight, unnormalised)
    "unknown_share",  # the heaviest word the articles never use, against the heaviest word of the question
    "unknown_mass",  # share of the question's weight in words the articles never use
    "unknown_health",  # 1 when such a word names a health topic ("psoriasis", "insurance")
    "closest_question",  # best cosine of the question's vector with any written question
    "closest_passage",  # best cosine with any passage text
    "terms",  # log(1 + number of search terms)
    "defining",  # 1 when the best passage defines the subject of a "what is X" question
)


def evidence(searcher: Searcher, prepared: Prepared, best: Candidate, p_not_covered: float) -> dict[str, float]:
    """Return the named evidence (``FEATURES``) that the best candidate answers the prepared question."""
    weights = prepared.weights
    total = sum(weights.values()) or 1.0
    heaviest = max(weights.values(), default=0.0) or 1.0
    unknown = {term: weight for term, weight in weights.items() if term not in searcher.index.idf}
    dense = prepared.dense
    return {
        "p_not_covered": p_not_covered,
        "coverage": best.coverage,
        "idf_matched": math.log1p(best.idf_matched),
        "unknown_share": max(unknown.values(), default=0.0) / heaviest,
        "unknown_mass": sum(unknown.values()) / total,
        "unknown_health": float(any(term in searcher.weights.health_terms for term in unknown)),
        "closest_question": dense.closest_question if dense is not None else 0.0,
        "closest_passage": dense.closest_passage if dense is not None else 0.0,
        "terms": math.log1p(len(weights)),
        "defining": float(best.defining),
    }


@dataclass(frozen=True)
class AnswerabilityModel:
    """Standardised logistic regression over ``FEATURES`` and its decision threshold."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float

    @classmethod
    def load(cls, root: Path) -> AnswerabilityModel | None:
        """Return the model of ``root/models/answerable.npz``, or None when the folder has none.

        Raises KnowledgeError when the file exists but does not fit this code (other features).
        """
        path = root / FILE
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                names = tuple(str(name) for name in data["features"])
                if names != FEATURES:
                    raise ValueError(f"features {names} differ from the code's {FEATURES}; retrain it")
                meta = json.loads(str(data["meta"]))
                return cls(data["mean"], data["scale"], data["coef"], float(data["intercept"]), float(meta["threshold"]))
        except (OSError, KeyError, ValueError) as error:
            raise KnowledgeError(str(FILE), "-", f"cannot read the answerability model: {error}") from None

    def probability(self, features: Mapping[str, float]) -> float:
        """Return P(the articles answer the question) for named evidence."""
        x = (np.asarray([features[name] for name in FEATURES]) - self.mean) / self.scale
        return float(1.0 / (1.0 + math.exp(-(float(x @ self.coef) + self.intercept))))

    def answers(self, features: Mapping[str, float]) -> bool:
        """Return True when the evidence says the question is answered."""
        return self.probability(features) >= self.threshold
