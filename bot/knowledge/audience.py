"""Who a passage or a question is about: women on anastrozole for breast cancer, or men on TRT.

Search ranks the reader's own audience first and never shows the other audience's dosing as if it were
theirs (``search.py``, ``bot/conversation/answers.py``). Article 004 is the one written for men on TRT.
"""

from __future__ import annotations

import re

from bot.models import Passage

_MEN = re.compile(r"\b(?:men|man|male|males|husband|boyfriend|testosterone|trt|hypogonad\w*|andropause|his|he)\b", re.I)
_WOMEN = re.compile(
    r"\b(?:women|woman|female|wife|girlfriend|postmenopausal|post-menopausal|menopaus\w*|breast|her|she)\b", re.I
)


def passage_audience(passage: Passage) -> str:
    """Return "men" or "women" for a passage written for one of them, else ""."""
    text = f"{passage.heading} {passage.context} {passage.text}"
    men, women = len(_MEN.findall(text)), len(_WOMEN.findall(text))
    if passage.article == "004" and men >= women:
        return "men"
    if men > women:
        return "men"
    return "women" if women > men else ""


def question_audience(text: str) -> str:
    """Return the audience a question names about itself ("my husband on trt" -> "men"), else ""."""
    men, women = len(_MEN.findall(text)), len(_WOMEN.findall(text))
    return "men" if men > women else "women" if women > men else ""
