"""Question intent that plain BM25 cannot see: "what is X", "what does X stand for", "what do X do".

A definitional question is best answered by a passage that *defines* its subject ("osteopenia (lower
than normal bone density)", "Dual-energy X-ray Absorptiometry (DEXA)", "osteoblasts, the cells that
build new bone"), not by the passage that merely mentions it most. This module finds the subject of such
questions and, at index time, the subjects each passage defines, so search can prefer definitions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.knowledge.analyzer import fold

# "what is osteopenia", "whats a t-score", "what does dexa stand for", "what do osteoblasts do",
# "define bmd", "meaning of p1np", "what is p1np on my blood test" (the subject ends at a preposition).
_DEFINITION_QUESTION = re.compile(
    r"^\s*(?:(?:so|ok|and|hi|hey|please)[\s,]+)*"
    r"(?:(?:what|wat|wht)\s+(?:is|are|does|do|was|were)\s+|(?:what's|whats|wats)\s+|"
    r"(?:define|definition of|meaning of|explain)\s+)(?:(?:a|an|the|my|your)\s+)?"
    r"(?P<subject>[\w' -]{1,60}?)"
    r"(?:(?:\s+(?:stand for|stands for|mean|means|do|does|measure|measures))?\s*[?.!]*"
    r"|\s+(?:on|in|from)\s+(?:my|the|a|your)\b.*)\s*$",
)
_NOT_A_SUBJECT = re.compile(r"^(?:the )?(?:best|difference|risk|chance|point|reason|way|normal)\b")

# Cues that a term is being defined, and on which side of the cue the term stands. The cues are plain
# regexes and the neighbouring words are taken by slicing, which keeps indexing linear-time.
_CUES_AFTER_TERM = re.compile(
    r",\s+(?:which|the|a|an)\b|\s+(?:is|are)\s+(?:a|an|the|cells|substances|proteins)\b"
    r"|\s+(?:refers? to|means|describes|stands for|involves)\b"
)
_CUES_BEFORE_TERM = re.compile(r"\b(?:known as|called|termed|referred to as)\s+")
_PARENTHESIS = re.compile(r"\(([^()]{1,90})\)")
_TEXT_WORD = re.compile(r"[\w’'-]+")


def _words_before(text: str, position: int, count: int) -> list[str]:
    return _TEXT_WORD.findall(text[max(0, position - 160) : position])[-count:]


def _words_after(text: str, position: int, count: int) -> list[str]:
    return _TEXT_WORD.findall(text[position : position + 160])[:count]


def definition_subject(question: str) -> str | None:
    """Return the subject of a definitional question ("what does dexa stand for" -> "dexa"), else None."""
    match = _DEFINITION_QUESTION.match(fold(question)[:200])
    if not match:
        return None
    subject = match.group("subject").strip(" -'")
    if not subject or _NOT_A_SUBJECT.match(subject) or len(subject.split()) > 5:
        return None
    return subject


def defined_windows(text: str, analyze: Callable[[str], Sequence[str]]) -> tuple[frozenset[str], ...]:
    """Return the analyzed term sets of every span of ``text`` that reads like a definition.

    "osteopenia (lower than normal bone density)" and "Osteoprotegerin (OPG)" define the one or two words
    before the parenthesis (more would reach back into the sentence's verb); "osteoblasts, the cells that"
    and "Anastrozole is a medication" define up to four words before the cue; "known as bone remodeling"
    the four words after it.
    """
    spans: list[list[str]] = []
    for match in _PARENTHESIS.finditer(text):
        spans.append(_words_before(text, match.start(), 2))
        spans.append(_TEXT_WORD.findall(match.group(1)))
    for match in _CUES_AFTER_TERM.finditer(text):
        spans.append(_words_before(text, match.start(), 4))
    for match in _CUES_BEFORE_TERM.finditer(text):
        spans.append(_words_after(text, match.end(), 4))
    windows = [frozenset(analyze(" ".join(words))) for words in spans if words]
    return tuple(dict.fromkeys(window for window in windows if window))


def acronyms_expanded(text: str) -> frozenset[str]:
    """Return the acronyms a text spells out: "Dual-energy X-ray Absorptiometry (DEXA)" -> {"dexa"}.

    Both orders count: "ATAC (Arimidex, Tamoxifen, Alone or in Combination)". An acronym is expanded when
    its letters appear, in order, among the initials of the neighbouring words, the first letter on the
    first word (so "a baseline bone mineral density scan (DEXA)" is not an expansion of DEXA).
    """
    found: set[str] = set()
    for match in _PARENTHESIS.finditer(text):
        before_words = _words(" ".join(_words_before(text, match.start(), 8)))
        inside = match.group(1)
        inside_words = _words(inside)
        if len(inside_words) == 1 and len(before_words) > 1:
            acronym = inside_words[0]
            for start in range(len(before_words) - 1, -1, -1):  # shortest expansion ending at "("
                expansion = before_words[start:]
                if _spells(acronym, expansion) or _spells(acronym.removesuffix("s"), expansion):
                    found.add(acronym)
                    break
        if before_words and len(inside_words) > 1 and _spells(before_words[-1], inside_words):
            found.add(before_words[-1])
    return frozenset(found)


def _words(text: str) -> list[str]:
    return [part for part in re.split(r"[^a-z0-9]+", text.casefold()) if part]


def _spells(acronym: str, words: list[str]) -> bool:
    """Return True when ``acronym`` (2-8 letters) is spelled by the initials of ``words``, from the first."""
    if not 2 <= len(acronym) <= 8 or not words or words[0][0] != acronym[0] or len(words) > 2 * len(acronym):
        return False
    initials = iter("".join(word[0] for word in words))
    return all(letter in initials for letter in acronym)


# Answer types: what kind of answer a question asks for, and whether a passage holds that kind of fact.
# A "how often" question is answered by a passage that states a frequency ("every 1-2 years"), a
# "how much" question by one with a figure ("1% to 3%"), "which drugs count as X" by one listing
# examples ("like anastrozole, letrozole, and exemestane"). BM25 sees neither side of this.
_N = r"(?:\d+(?:\.\d+)?|one|two|three|four|five|six|twelve|several|few)"
ANSWER_TYPES: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "examples": (
        re.compile(
            r"\b(?:which|what)\s+(?:drugs|medications|medicines|meds|ones|types|kinds|agents|tests|foods)\b|"
            r"\b(?:examples? of|count as|types of|kinds of|list of|names of|other ways|options)\b"
        ),
        re.compile(
            r"\b(?:like|such as|including|include|includes|e\.g\.)\s+[\w-]+(?:\s+[\w-]+)?,\s+[\w-]+(?:\s+[\w-]+)?,?"
            r"\s+(?:and|or)\s+[\w-]+",
            re.IGNORECASE,
        ),
    ),
    "frequency": (
        re.compile(r"\bhow (?:often|frequently|regularly)\b|\bhow many times\b|\bevery how\b|\bfrequency\b"),
        re.compile(
            rf"\bevery\s+(?:{_N}|other)\b|\b(?:annually|yearly|periodically|monthly)\b|\b(?:once|twice) (?:a|per|every)\b",
            re.IGNORECASE,
        ),
    ),
    "amount": (
        re.compile(
            r"\bhow (?:much|many|low|high|far|fast|quickly)\b|\bwhat (?:percent|percentage|dose|dosage|amount)\b|"
            r"\b(?:numbers|figures|stats|statistics|roughly)\b|\bper (?:year|month)\b"
        ),
        re.compile(r"\d%|\d\s?percent\b|\b\d+(?:\.\d+)?\s?(?:mg|mcg|iu|ng|pg|nmol)\b", re.IGNORECASE),
    ),
    "timing": (
        re.compile(r"\bwhen\b|\bhow long\b|\bhow soon\b|\bat what point\b|\bhow quickly\b|\bwhich year\b"),
        re.compile(
            rf"\b(?:within|after|during|over|first|by|for)\s+(?:the\s+)?(?:first\s+)?{_N}(?:\s*(?:to|-)\s*{_N})?\s*"
            r"(?:days?|weeks?|months?|years?)\b",
            re.IGNORECASE,
        ),
    ),
}


def question_answer_types(question: str) -> frozenset[str]:
    """Return the kinds of answer a question asks for ("frequency", "amount", "timing", "examples")."""
    text = fold(question)[:500]
    return frozenset(name for name, (asks, _) in ANSWER_TYPES.items() if asks.search(text))


def passage_answer_types(text: str) -> frozenset[str]:
    """Return the kinds of answer a passage holds."""
    return frozenset(name for name, (_, holds) in ANSWER_TYPES.items() if holds.search(text))
