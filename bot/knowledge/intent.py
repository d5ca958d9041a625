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

# Places in passage text where a term is defined; each yields the defining words as one window.
_DEFINES = (
    # "osteopenia (lower than normal bone density)", "Osteoprotegerin (OPG)": the one or two words before
    # the parenthesis are what it explains (more would reach back into the sentence's verb and subject).
    re.compile(r"((?:[\w’'-]+\s+)?[\w’'-]+)\s*\(([^()]{2,90})\)"),
    re.compile(r"\b(?:known as|called|termed|referred to as)\s+((?:[\w’'-]+\s+){0,3}[\w’'-]+)"),
    re.compile(r"((?:[\w’'-]+\s+){0,3}[\w’'-]+),\s+(?:which|the|a|an)\b"),
    re.compile(r"((?:[\w’'-]+\s+){0,3}[\w’'-]+)\s+(?:is|are)\s+(?:a|an|the|cells|substances|proteins)\b"),
    re.compile(r"((?:[\w’'-]+\s+){0,3}[\w’'-]+)\s+(?:refers? to|means|describes|stands for|involves)\b"),
)


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
    """Return the analyzed term sets of every span of ``text`` that reads like a definition."""
    windows: list[frozenset[str]] = []
    for pattern in _DEFINES:
        for match in pattern.finditer(text):
            for group in match.groups():
                terms = frozenset(analyze(group))
                if terms:
                    windows.append(terms)
    return tuple(dict.fromkeys(windows))


_PAREN = re.compile(r"((?:[\w’'-]+[\s,]+){1,8})\(([^()]{1,90})\)")


def acronyms_expanded(text: str) -> frozenset[str]:
    """Return the acronyms a text spells out: "Dual-energy X-ray Absorptiometry (DEXA)" -> {"dexa"}.

    Both orders count: "ATAC (Arimidex, Tamoxifen, Alone or in Combination)". An acronym is expanded when
    its letters appear, in order, among the initials of the neighbouring words, the first letter on the
    first word (so "a baseline bone mineral density scan (DEXA)" is not an expansion of DEXA).
    """
    found: set[str] = set()
    for match in _PAREN.finditer(text):
        before_words = _words(match.group(1))
        inside = match.group(2)
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


# "which drugs count as aromatase inhibitors", "what are examples of bisphosphonates", "types of AIs".
_LIST_QUESTION = re.compile(
    r"\b(?:which|what)\s+(?:drugs|medications|medicines|meds|ones|types|kinds|agents|tests|foods)\b|"
    r"\b(?:examples? of|count as|types of|kinds of|list of|names of)\b"
)
_ENUMERATION = re.compile(
    r"\b(?:like|such as|including|include|includes|e\.g\.)\s+[\w-]+(?:\s+[\w-]+)?,\s+[\w-]+(?:\s+[\w-]+)?,?"
    r"\s+(?:and|or)\s+[\w-]+",
    re.IGNORECASE,
)


def asks_for_examples(question: str) -> bool:
    """Return True when a question asks for a list of things ("which drugs count as ...")."""
    return bool(_LIST_QUESTION.search(fold(question)[:500]))


def has_enumeration(text: str) -> bool:
    """Return True when a passage lists examples ("AIs like anastrozole, letrozole, and exemestane")."""
    return bool(_ENUMERATION.search(text))
