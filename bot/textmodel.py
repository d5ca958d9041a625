"""Linear text classifiers over word and character n-grams, trained offline and run in process.

Two models use this: the safety triage (``knowledge/models/safety.npz``) and the conversation router
(``knowledge/models/router.npz``: question, not covered, small talk by act). Each is trained with
scikit-learn (``training/``: TF-IDF of word 1-2-grams and ``char_wb`` 2-5-grams, each L2-normalised,
then multinomial logistic regression) and exported as vocabularies, idf, coefficients, thresholds and a
few reference predictions. Here the same transform is recomputed with the standard library and numpy, so
the bot never imports scikit-learn (its import alone costs ~0.65 s of cold start); tests check that the
probabilities equal scikit-learn's reference ones. Character n-grams make typos and odd spellings
("brethe", "cant breath") land near the right class.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.errors import KnowledgeError

_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern
_SPACES = re.compile(r"\s\s+")
MAX_CHARS = 20_000  # a classifier input longer than this is cut (windows cover the rest)
WORD_CACHE = 100_000  # words whose character n-gram ids are kept


def _preprocess(text: str) -> str:
    """Lowercase, then strip accents exactly as scikit-learn's ``strip_accents="unicode"`` does."""
    text = text[:MAX_CHARS].lower()
    normalized = unicodedata.normalize("NFKD", text)
    if normalized == text:
        return text
    return "".join(ch for ch in normalized if not unicodedata.combining(ch))


def word_ngrams(text: str, low: int, high: int) -> list[str]:
    """Return scikit-learn's word n-grams of preprocessed text."""
    tokens = _TOKEN.findall(text)
    grams = list(tokens) if low == 1 else []
    for n in range(max(2, low), high + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def char_wb_ngrams(text: str, low: int, high: int) -> list[str]:
    """Return scikit-learn's ``char_wb`` n-grams (each word padded with spaces) of preprocessed text."""
    grams: list[str] = []
    for word in _SPACES.sub(" ", text).split():
        padded = f" {word} "
        length = len(padded)
        for n in range(low, high + 1):
            if n > length:
                break
            grams.extend(padded[i : i + n] for i in range(length - n + 1))
            if n >= length:
                break
    return grams


@dataclass(frozen=True)
class Vectorizer:
    """One TF-IDF block of the model: its analyzer, n-gram range, vocabulary and idf."""

    analyzer: str  # "word" | "char_wb"
    low: int
    high: int
    index: dict[str, int]
    idf: np.ndarray  # float64, one per term
    coef: np.ndarray  # float64 (terms x classes)
    # char_wb n-grams never cross a word, so each word's feature ids are computed once and reused.
    word_cache: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False, repr=False)

    def counts(self, text: str) -> Counter[int]:
        """Return how often each known n-gram (by feature index) occurs in preprocessed text."""
        index = self.index
        if self.analyzer == "word":
            grams = word_ngrams(text, self.low, self.high)
            return Counter(position for gram in grams if (position := index.get(gram)) is not None)
        counts: Counter[int] = Counter()
        cache = self.word_cache
        for word in _SPACES.sub(" ", text).split():
            ids = cache.get(word)
            if ids is None:
                grams = char_wb_ngrams(word, self.low, self.high)
                ids = tuple(position for gram in grams if (position := index.get(gram)) is not None)
                if len(cache) < WORD_CACHE:
                    cache[word] = ids
            counts.update(ids)
        return counts

    def scores(self, counts: Counter[int]) -> np.ndarray:
        """Return this block's contribution to the class scores for n-gram counts."""
        if not counts:
            return np.zeros(self.coef.shape[1])
        ids = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        weights = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))  # sublinear tf
        values = weights * self.idf[ids]
        values /= np.sqrt(values @ values)  # L2 per block, as FeatureUnion of two TfidfVectorizers
        result: np.ndarray = values @ self.coef[ids]
        return result


@dataclass(frozen=True)
class TextModel:
    """The exported classifier: classes, blocks, intercept, decision thresholds and provenance."""

    classes: tuple[str, ...]
    blocks: tuple[Vectorizer, ...]
    intercept: np.ndarray
    thresholds: dict[str, float]
    meta: dict[str, object]

    def counts(self, text: str) -> list[Counter[int]]:
        """Return the n-gram counts of a text, one Counter per block (they add up over parts of a text)."""
        prepared = _preprocess(text)
        return [block.counts(prepared) for block in self.blocks]

    def probabilities(self, text: str) -> dict[str, float]:
        """Return P(class) for a message."""
        return self.probabilities_of(self.counts(text))

    def probabilities_of(self, counts: Sequence[Counter[int]]) -> dict[str, float]:
        """Return P(class) for n-gram counts (of one text, or summed over several sentences)."""
        scores = self.intercept.copy()
        for block, block_counts in zip(self.blocks, counts, strict=True):
            scores += block.scores(block_counts)
        scores -= scores.max()
        exp = np.exp(scores)
        probs = exp / exp.sum()
        return dict(zip(self.classes, (float(p) for p in probs), strict=True))

    @classmethod
    def load(cls, path: Path) -> TextModel:
        """Load an exported model; KnowledgeError naming the file when it is missing or malformed."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                blocks = tuple(
                    Vectorizer(
                        analyzer=str(spec["analyzer"]),
                        low=int(spec["ngram"][0]),
                        high=int(spec["ngram"][1]),
                        index={str(term): i for i, term in enumerate(data[f"{spec['name']}_terms"].tolist())},
                        idf=data[f"{spec['name']}_idf"].astype(np.float64),
                        coef=data[f"{spec['name']}_coef"].astype(np.float64),
                    )
                    for spec in meta["blocks"]
                )
                return cls(
                    classes=tuple(str(c) for c in data["classes"].tolist()),
                    blocks=blocks,
                    intercept=data["intercept"].astype(np.float64),
                    thresholds={str(k): float(v) for k, v in meta["thresholds"].items()},
                    meta=meta,
                )
        except FileNotFoundError:
            problem = f"model file not found at {path} (train it: see training/README.md)"
            raise KnowledgeError(path.name, "-", problem) from None
        except (OSError, KeyError, ValueError, TypeError) as error:
            raise KnowledgeError(path.name, "-", f"cannot read the model: {error}") from None


def windows(parts: Sequence[list[Counter[int]]], size: int = 3) -> list[list[Counter[int]]]:
    """Return the summed counts of every ``size`` consecutive sentences (a long message is judged in parts
    too). Word pairs across a sentence boundary are not counted: a window is its sentences' n-grams."""
    if len(parts) <= size:
        return []
    out = []
    for start in range(len(parts) - size + 1):
        summed = [Counter[int]() for _ in parts[0]]
        for part in parts[start : start + size]:
            for total, block in zip(summed, part, strict=True):
                total.update(block)
        out.append(summed)
    return out
