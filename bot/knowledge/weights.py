"""How much each word of a question tells about its topic: the weights of the no-match evidence.

Raw BM25 scores are not comparable between questions (they grow with the question's length), so the
"not covered" evidence (``search.py``'s hand rules, ``answerable.py``'s model) uses term *weights*. A
term weighs its idf, capped by its everyday-English rarity (Zipf frequencies in
``knowledge/english_frequency.txt``), so "think" or "better" weigh little even where the articles happen
to use them. A word the articles never use weighs:
- the largest idf when it names a health topic (``knowledge/health_terms.txt``: "hair", "insomnia",
  "grapefruit", "pregnant", "insurance"): the question is about something the articles do not cover;
- a small share of it otherwise ("nobody", "downhill", "legit", a number such as "-1.7"): chatter
  around a question, not its topic.
Ranking itself always uses the plain BM25 idf.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from bot.knowledge.analyzer import stem

# Words with Zipf <= 4.0 (rarer than "headache") weigh fully; the weight falls linearly to
# UNKNOWN_MIN_SHARE at Zipf 6.5 ("think", "people").
UNKNOWN_FULL_ZIPF = 6.5
UNKNOWN_ZIPF_SPAN = 2.5
UNKNOWN_MIN_SHARE = 0.05


class TermWeights:
    """Owns the idf of the articles' terms, everyday-English Zipf frequencies and the health-topic words."""

    def __init__(
        self, idf: Mapping[str, float], english: Mapping[str, float], health_terms: Collection[str], chatter_share: float
    ) -> None:
        """Use the BM25 ``idf`` (term -> idf), ``english`` (word -> Zipf), ``health_terms`` (words) and the
        share an unknown word that names no health topic keeps (``SearchSettings.unknown_chatter_share``)."""
        self.idf = idf
        self.max_idf = max(idf.values(), default=1.0)
        self.english_zipf: dict[str, float] = {}
        for word, zipf in english.items():
            term = stem(word)
            self.english_zipf[term] = max(zipf, self.english_zipf.get(term, 0.0))
        self.health_terms = frozenset(stem(word) for word in health_terms)
        self.chatter_share = chatter_share

    def weight(self, term: str) -> float:
        """Return how much a query term tells about the question's topic.

        A term weighs its idf, the largest idf when the articles never use it, and in both cases no
        more than its everyday-English rarity allows: "psoriasis" (rare, unknown) weighs fully and makes
        the question off-topic, while "think", "better" or "test" (very common words, even if the
        articles use them once) weigh little.
        """
        idf = self.idf.get(term)
        if term.lstrip("-")[:1].isdigit():
            # A number ("my score was -1.7", "i'm 64", "for 3 days") is a detail of the question, not its
            # topic, even where the articles happen to use it.
            return min(self.max_idf if idf is None else idf, self.max_idf * UNKNOWN_MIN_SHARE)
        if idf is None and term in self.health_terms:
            return self.max_idf  # a health topic the articles never mention: the question is about it
        zipf = self.english_zipf.get(term, 0.0)
        share = min(1.0, max(UNKNOWN_MIN_SHARE, (UNKNOWN_FULL_ZIPF - zipf) / UNKNOWN_ZIPF_SPAN))
        if idf is None and self.health_terms:
            share *= self.chatter_share  # "nobody", "downhill": chatter, not the topic
        return min(self.max_idf if idf is None else idf, self.max_idf * share)
