"""Benchmark inputs: the development questions when the repository has them, else a built-in list.

Shared by the scripts in this folder (they import it as ``sample_questions``, which works because
``python benchmarks/NAME.py`` puts this folder first on ``sys.path``). Nothing here reads outside the
repository: the dev set is ``tests/data/eval/dev.yaml``; when it is missing, ``BUILTIN_QUESTIONS`` stands
in (messy, phone-typed patient questions plus a few off-topic ones).
"""

from __future__ import annotations

from pathlib import Path

from bot.evaluation import load_items

REPO = Path(__file__).resolve().parents[1]
DEV_FILE = REPO / "tests" / "data" / "eval" / "dev.yaml"

BUILTIN_QUESTIONS: tuple[str, ...] = (
    # anastrozole / aromatase inhibitors
    "just started anastrozole does it make your bones thin",
    "how much bone do u lose on arimidex in the first year",
    "is the bone loss from anastrozole permanent or does it come back after i stop",
    "my onc says i need 5 yrs of anastrozole, will my bones be ok??",
    "why do aromatase inhibitors cause osteoporosis",
    "does letrozole or anastrozole cause more bone loss",
    "joint pain and achy bones on arimidex is that normal",
    "what does anastrozole actually do to estrogen",
    # DEXA scans
    "do i need a dexa scan before starting anastrozole",
    "what is a dexa scan",
    "how often shud i get a bone density scan on AI",
    "is a dxa scan the same as an xray? does it hurt",
    "which bones do they scan on a dexa",
    "how much radiation is a dexa scan",
    # T-scores
    "what does a t score of -2.1 mean",
    "my t-score is -2.6 at the hip is that osteoporosis",
    "whats the diffrence between t score and z score",
    "t score -1.8 spine, osteopenia?? what now",
    "is a t score of minus 1 bad",
    # vitamin D and calcium
    "how much vitamin d should i take with anastrozole",
    "vit d level 18 is that low",
    "should i take calcium supplements while on arimidex",
    "can i get enough vitamin d from the sun",
    "calcium and vitamin d together or seperate?",
    # bisphosphonates / denosumab
    "what are bisphosphonates",
    "zoledronic acid every 6 months, does it protect my bones on AI",
    "alendronate side effects jaw",
    "should i be on a bisphosphonate if my dexa is normal",
    "denosumab vs zoledronic acid which is better for bone loss",
    "how long do i stay on fosamax",
    # men, testosterone, TRT
    "im a man on TRT and my doctor added anastrozole, is that bad for my bones",
    "men taking anastrozole with testosterone bone density",
    "does trt protect bones in men",
    "my husband is on arimidex for gyno does he need a bone scan",
    "low estradiol in men on trt bones",
    # off-topic
    "what should i eat for dinner tonight",
    "how do i reset my password",
    "who won the football last night",
    "can my dog eat grapes",
    "best shampoo for thinning hair",
)


def load_questions(path: Path = DEV_FILE) -> tuple[list[str], str]:
    """Return the questions of a message eval file and a label, or the built-in list when it is absent."""
    if path.is_file():
        items = load_items(path)
        questions = [str(item["question"]) for item in items if str(item.get("question", "")).strip()]
        if questions:
            return questions, "dev questions"
    return list(BUILTIN_QUESTIONS), "built-in questions"


def percentile_ms(samples_ns: list[int], quantile: float) -> float:
    """Return a quantile (0..100) of nanosecond samples, in milliseconds (linear interpolation)."""
    ordered = sorted(samples_ns)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * quantile / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    value = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return value / 1e6


def fmt_ms(value: float) -> str:
    """Return a millisecond figure with a sensible number of digits."""
    if value >= 100:
        return f"{value:.0f} ms"
    if value >= 10:
        return f"{value:.1f} ms"
    if value >= 1:
        return f"{value:.2f} ms"
    return f"{value:.3f} ms"
