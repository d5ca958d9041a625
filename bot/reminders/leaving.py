"""Whether a message typed at a guided step ("When is it?") is a way out of it.

Owns one decision: the message, read as whole words, is made up entirely of ways to leave listed in
``knowledge/dates.yaml`` (``flow_exits``: hand-written and helper-written forms in several languages)
and politeness (``flow_exit_fillers``): "cancel please", "nah forget it", "changed my mind, no
reminder". A misspelt word one edit from a word of those phrases is read as that word ("cancle",
"forgt it"). A message that merely starts with such a word ("stop smoking clinic", "no, it's a blood
test") is an answer. Questions are told apart by the Assistant, which can search the articles.
"""

from __future__ import annotations

from rapidfuzz.distance import OSA

from bot.reminders.vocabulary import DateVocabulary, normalise

TYPO_MIN = 4  # a word this long may be misspelt by one edit
MAX_PHRASE = 8  # words in the longest way-out phrase looked for


def _spell(word: str, known: frozenset[str], english: frozenset[str]) -> str:
    """The way-out word ``word`` is one edit from, when it is not a word of its own."""
    if word in known or len(word) < TYPO_MIN or word in english:
        return word
    close = [k for k in known if len(k) >= TYPO_MIN and OSA.distance(word, k, score_cutoff=1) <= 1]
    return close[0] if len(close) == 1 else word


def is_way_out(text: str, vocabulary: DateVocabulary) -> bool:
    """Return True when ``text`` asks to leave the guided step."""
    known = vocabulary.flow_exit_words
    words = [_spell(w, known, vocabulary.english_words) for w in normalise(text).split()]
    if not words or len(words) > 3 * MAX_PHRASE:
        return False
    # Cover the words with way-out phrases and politeness, longest phrase first; at least one way out.
    reachable: list[bool | None] = [None] * (len(words) + 1)  # None: not reachable; bool: an exit seen
    reachable[0] = False
    for start in range(len(words)):
        seen = reachable[start]
        if seen is None:
            continue
        for end in range(min(len(words), start + MAX_PHRASE), start, -1):
            phrase = " ".join(words[start:end])
            if phrase in vocabulary.flow_exits:
                reachable[end] = True
            elif phrase in vocabulary.flow_exit_fillers and reachable[end] is None:
                reachable[end] = seen
            elif phrase in vocabulary.flow_exit_fillers:
                reachable[end] = bool(reachable[end]) or seen
    return reachable[len(words)] is True
