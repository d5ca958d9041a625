"""Static word vectors: a text's meaning as one vector, for the dense field of search.

Owns ``knowledge/models/word_vectors.npz`` (built offline by ``training/build_word_vectors.py``: words of
about 11,500, each encoded on its own by all-MiniLM-L6-v2, mean-centred, stored as int8, with SIF weights
a / (a + p(word)) from wordfreq). A text is embedded as the weighted mean of its words' vectors,
L2-normalised; words outside the vocabulary add nothing. Embedding a question costs a dictionary lookup
per word and one small sum (tens of microseconds), so the bot needs no neural network at run time.

Why: BM25 and the written passage questions only match words; "will my hips go back to how they were"
shares none with "may not return to their pre-treatment baseline". Fused with BM25 (``search.py``),
the vectors raised hit@1 on the blind development sets (figures in ``training/README.md``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.errors import KnowledgeError

FILE = Path("models") / "word_vectors.npz"
EMBED_CHUNK = 256  # texts embedded together by embed_all
FIT_MIN = 20  # questioned passages needed to fit the stand-in line (see DenseField._stand_in)
WORD = re.compile(r"[a-z][a-z'\-]*[a-z]|[a-z]")  # the tokens the build script encoded


class WordVectors:
    """The vocabulary's unit vectors (float32, words x dims) and each word's SIF weight."""

    def __init__(self, words: Sequence[str], vectors: np.ndarray, weights: np.ndarray) -> None:
        """Hold ``vectors`` (one row per word, any scale: rows are normalised here) and ``weights``."""
        if len(words) != vectors.shape[0] or len(words) != weights.shape[0]:
            raise ValueError("word vectors: words, vectors and weights differ in length")
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self.vectors = (vectors / np.where(norms > 0, norms, 1.0) * weights[:, None]).astype(np.float32)
        self.index = {word: row for row, word in enumerate(words)}
        self.dimensions = int(vectors.shape[1])

    @classmethod
    def load(cls, root: Path) -> WordVectors | None:
        """Return the vectors of ``root/models/word_vectors.npz``, or None when the folder has none.

        A clinic's folder without the file searches with BM25 alone. Raises KnowledgeError when the file
        exists but cannot be read.
        """
        path = root / FILE
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                return cls([str(w) for w in data["words"]], data["vectors"].astype(np.float32), data["weights"])
        except (OSError, KeyError, ValueError) as error:
            raise KnowledgeError(str(FILE), "-", f"cannot read the word vectors: {error}") from None

    def embed(self, text: str) -> np.ndarray:
        """Return the text's unit vector (all zeros when no word of it is known)."""
        rows = [self.index[word] for word in WORD.findall(text.lower()) if word in self.index]
        if not rows:
            return np.zeros(self.dimensions, dtype=np.float32)
        vector: np.ndarray = self.vectors[rows].sum(axis=0)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else vector

    def embed_all(self, texts: Sequence[str]) -> np.ndarray:
        """Return one unit vector per text (rows of a len(texts) x dims float32 matrix), as ``embed`` does.

        One gather and one segmented sum for all texts (``np.add.reduceat``), not a sum per text: a clinic's
        folder of many passages loads in seconds.
        """
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        rows: list[int] = []
        starts: list[int] = []
        owners: list[int] = []
        for number, text in enumerate(texts):
            found = [self.index[word] for word in WORD.findall(text.lower()) if word in self.index]
            if found:
                starts.append(len(rows))
                owners.append(number)
                rows.extend(found)
        # In chunks of texts: the gathered word rows of all questions at once would be ~150 MB.
        for first in range(0, len(starts), EMBED_CHUNK):
            chunk_starts = starts[first : first + EMBED_CHUNK]
            end = starts[first + EMBED_CHUNK] if first + EMBED_CHUNK < len(starts) else len(rows)
            gathered = self.vectors[np.asarray(rows[chunk_starts[0] : end])]
            sums = np.add.reduceat(gathered, np.asarray(chunk_starts) - chunk_starts[0], axis=0)
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            out[np.asarray(owners[first : first + EMBED_CHUNK])] = sums / np.where(norms > 0, norms, 1.0)
        return out


@dataclass(frozen=True)
class DenseScores:
    """The dense field's reading of one question."""

    scaled: np.ndarray  # per passage: mean cosine with the passage and its closest question, min-max to 0..1
    closest_question: float  # the best raw cosine with any written question (how familiar the question is)
    closest_passage: float  # the best raw cosine with any passage text


class DenseField:
    """Passages and their written questions as unit vectors, scored against a question's vector."""

    def __init__(self, vectors: WordVectors, passage_texts: Sequence[str], questions: Sequence[tuple[int, str]]) -> None:
        """Embed ``passage_texts`` (one per passage) and ``questions`` ((passage index, question) pairs: the
        written ones only; a passage without any gets a stand-in score, see ``_stand_in``)."""
        self.vectors = vectors
        self.passages = vectors.embed_all(passage_texts)
        self.questions = vectors.embed_all([question for _, question in questions])
        self.owner = np.asarray([doc for doc, _ in questions], dtype=np.int64)

    def scores(self, text: str) -> DenseScores | None:
        """Return the question's dense scores, or None when no word of it has a vector."""
        query = self.vectors.embed(text)
        if not query.any() or not len(self.passages):
            return None
        own = self.passages @ query
        closest = np.full(len(own), -2.0)  # below any cosine: "no written question"
        asked = self.questions @ query if len(self.owner) else np.zeros(0)
        if len(asked):
            np.maximum.at(closest, self.owner, asked)
        closest = self._stand_in(own, closest)
        mixed = 0.5 * own + 0.5 * closest
        low, high = float(mixed.min()), float(mixed.max())
        scaled = (mixed - low) / (high - low) if high > low else np.zeros(len(mixed))
        return DenseScores(scaled, float(asked.max()) if len(asked) else float(own.max()), float(own.max()))

    @staticmethod
    def _stand_in(own: np.ndarray, closest: np.ndarray) -> np.ndarray:
        """Return ``closest`` with a stand-in for passages nobody wrote questions for (a clinic's article).

        A question is nearer to another question than to a passage's text, so using the text's own cosine
        would rank such passages under every questioned one. The stand-in is what a questioned passage
        with that text cosine gets for this question: a least-squares line of closest on own, fitted over
        the questioned passages (the own cosine itself when fewer than ``FIT_MIN`` have questions).
        """
        missing = closest < -1.0
        if not missing.any():
            return closest
        known = ~missing
        if known.sum() < FIT_MIN:
            return np.where(missing, own, closest)
        slope, intercept = np.polyfit(own[known], closest[known], 1)
        return np.where(missing, np.minimum(1.0, slope * own + intercept), closest)
