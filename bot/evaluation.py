"""Score the assistant on evaluation files (schema: shared eval README, copied in tests/data).

Message files (``question``; ``kind`` answer | no_match | urgent | medication) report hit@1, hit@3,
MRR@3, the share of no-match questions answered honestly, answerable questions wrongly refused, urgent
recall and false alarms, and the medication guard's recall. Safety files (``text``; ``kind`` urgent |
near_miss | medication | ordinary, with ``concept``, ``where``, ``context``) report triage: urgent recall
overall, per concept and per placement, near misses and ordinary messages flagged urgent (per
context), medication recall and false guards; a safety item may also say ``missed_dose: true|false``
(is it a question or account of a missed dose?), scored as ``missed_dose_recall`` and
``missed_dose_false_alarms`` (the fixed missed-dose reply given, or not). Glossary files
(``query``/``expect_term``) report accuracy. All go through exactly the code paths the bot uses
(``Assistant.ask``, ``Glossary.lookup``). A plain list of questions (a text file, one per line, or a YAML
list of strings) is not scored: its answers are printed. Every item is validated first; a bad one is an
``EvalFileError`` naming the file and the item. Ranks are numbered from 1 (the first passage shown).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.assistant import Assistant
from bot.buttons import MorePassages, unpack
from bot.knowledge.glossary import Glossary
from bot.models import Reply, ReplyKind
from bot.yamlfile import load_yaml

KINDS = ("answer", "no_match", "urgent", "medication", "small_talk")
SAFETY_KINDS = ("urgent", "near_miss", "medication", "ordinary")
# Shown by `patient-bot eval --help`: the formats this module accepts.
FORMATS_HELP = """\
file formats (YAML lists; the kind of file is told by its items' keys):
  messages:   - {id: d001, question: "how often do i need a dexa scan", kind: answer,
                 expect_any: ["every 1-2 years"]}
              kind: answer | no_match | urgent | medication | small_talk; expect_any (a list of phrases,
              any one in a shown passage counts) is required for answer, optional for medication
  safety:     - {id: s001, text: "crushing chest pain right now", kind: urgent, concept: heart_attack}
              kind: urgent | near_miss | medication | ordinary; optional concept, where, context
  glossary:   - {query: "osteopinia", expect_term: "osteopenia"}   (expect_term null: no entry exists)
  questions:  a .txt file with one question per line, or a YAML list of strings: the answers are
              printed, nothing is scored
metrics: hit@k counts an answer item whose expect_any phrase is in one of the first k passages (ranks
from 1); a metric whose category has no items prints as "n/a"."""


class EvalFileError(ValueError):
    """An evaluation file that cannot be scored; the message names the file and the item."""


@dataclass
class Report:
    """Metrics of one evaluation run, plus the items that went wrong."""

    kind: str  # "messages" | "safety" | "glossary"
    metrics: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)  # metric -> how many items it is computed over

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (a metric over no items is 0.0 there; ``sizes`` says which)."""
        return {"kind": self.kind, "metrics": self.metrics, "sizes": self.sizes, "counts": self.counts,
                "failures": self.failures}

    def table(self) -> str:
        """Return a readable table of the metrics ("n/a" where a category has no items)."""
        width = max(len(name) for name in self.metrics) if self.metrics else 10
        lines = [f"{'metric':<{width}}  value", f"{'-' * width}  -----"]
        for name, value in self.metrics.items():
            size = self.sizes.get(name, self.counts.get(name))
            shown = "  n/a" if size == 0 else f"{value:.3f}"
            lines.append(f"{name:<{width}}  {shown}" + (f"  (n={size})" if size is not None else ""))
        lines.append("")
        lines.append("items: " + ", ".join(f"{k}={v}" for k, v in self.counts.items() if "." not in k))
        for failure in self.failures:
            lines.append(f"  miss {failure.get('id', '')}: {failure.get('question') or failure.get('query')!r}"
                         f" -> {failure.get('got')}")
        return "\n".join(lines)


def read_eval_file(path: Path) -> tuple[str, list[Any]]:
    """Return (kind, items) of an evaluation file, every item validated.

    kind is "messages", "safety", "glossary" or "questions" (then the items are strings).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EvalFileError(f"eval file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise EvalFileError(f"eval file {path}: cannot read: {error}") from None
    if path.suffix.lower() == ".txt":
        return "questions", _lines(text)
    try:
        data = load_yaml(text)
    except Exception as error:  # yaml.YAMLError: say where, without a traceback
        problem = " ".join(str(error).split())  # one line, as every CLI error
        raise EvalFileError(f"eval file {path}: not valid YAML ({problem}); a question list may be a .txt file") from None
    if isinstance(data, str):
        return "questions", _lines(text)
    if not isinstance(data, list) or not data:
        raise EvalFileError(f"eval file {path}: expected a non-empty YAML list of items (see patient-bot eval --help)")
    if all(isinstance(item, str) for item in data):
        questions = [item.strip() for item in data if item.strip()]
        if not questions:
            raise EvalFileError(f"eval file {path}: the question list is empty")
        return "questions", questions
    first = data[0]
    kind = (
        "glossary" if isinstance(first, Mapping) and "query" in first
        else "safety" if isinstance(first, Mapping) and "text" in first
        else "messages"
    )
    for number, item in enumerate(data, 1):
        name = f"item {number}" + (f" (id {item['id']})" if isinstance(item, Mapping) and item.get("id") else "")
        problem = _item_problem(kind, item)
        if problem:
            raise EvalFileError(f"eval file {path}: {name}: {problem}")
    return kind, [dict(item) for item in data]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _item_problem(kind: str, item: Any) -> str:
    """Return what is wrong with one item of a ``kind`` file, or ""."""
    if not isinstance(item, Mapping):
        return f"expected a mapping like the first item ({kind}), got {type(item).__name__}"
    if kind == "glossary":
        if not isinstance(item.get("query"), str) or not item["query"].strip():
            return "'query' must be a non-empty string"
        if "expect_term" not in item or not (item["expect_term"] is None or isinstance(item["expect_term"], str)):
            return "'expect_term' must be a term or null"
        return ""
    field_name, kinds = ("text", SAFETY_KINDS) if kind == "safety" else ("question", KINDS)
    if not isinstance(item.get(field_name), str) or not item[field_name].strip():
        return f"'{field_name}' must be a non-empty string"
    if item.get("kind") not in kinds:
        return f"'kind' must be one of {', '.join(kinds)}, got {item.get('kind')!r}"
    expect = item.get("expect_any")
    if expect is not None and (not isinstance(expect, list) or not all(isinstance(e, str) and e.strip() for e in expect)):
        return "'expect_any' must be a list of phrases"
    if kind == "messages" and item["kind"] == "answer" and not expect:
        return "an answer item needs 'expect_any' (phrases a right passage contains)"
    if "missed_dose" in item and not isinstance(item["missed_dose"], bool):
        return "'missed_dose' must be true or false"
    return ""


def load_items(path: Path) -> list[dict[str, Any]]:
    """Return the validated items of a scored evaluation file (messages, safety or glossary)."""
    kind, items = read_eval_file(path)
    if kind == "questions":
        raise EvalFileError(f"eval file {path}: a plain question list has nothing to score")
    return items


def _contains(texts: Sequence[str], phrases: Sequence[str]) -> int | None:
    """Return the first rank (0-based) whose text contains any phrase, case-insensitively."""
    wanted = [phrase.casefold() for phrase in phrases]
    for rank, text in enumerate(texts):
        folded = text.casefold()
        if any(phrase in folded for phrase in wanted):
            return rank
    return None


def _passages_of(replies: Sequence[Reply]) -> list[str]:
    seen: dict[str, str] = {}
    for reply in replies:
        for hit in reply.passages:
            seen.setdefault(hit.passage.id, hit.passage.text)
    return list(seen.values())


def _offered(replies: Sequence[Reply]) -> set[str]:
    """Return the texts of passages offered by "did you mean" buttons (a single passage each)."""
    by_id = {hit.passage.id: hit.passage.text for reply in replies for hit in reply.passages}
    offered: set[str] = set()
    for reply in replies:
        for row in reply.buttons:
            for button in row:
                payload = unpack(button.data)
                if isinstance(payload, MorePassages) and len(payload.ids) == 1 and payload.ids[0] in by_id:
                    offered.add(by_id[payload.ids[0]])
    return offered


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def evaluate_messages(assistant: Assistant, items: Sequence[Mapping[str, Any]]) -> Report:
    """Run every message item through ``Assistant.ask`` and compute the metrics."""
    report = Report("messages", counts={kind: 0 for kind in KINDS})
    rr = 0.0
    hit1 = hit3 = refused = no_match_ok = urgent_ok = false_urgent = non_urgent = small_talk_ok = one_tap = 0
    med_ok = med_passage_ok = med_with_expect = 0
    for item in items:
        kind = str(item.get("kind"))
        report.counts[kind] = report.counts.get(kind, 0) + 1
        replies = assistant.ask(str(item.get("question", "")))
        first = replies[0].kind
        texts = _passages_of(replies)
        got: str = first.value
        ok = True
        if kind != "urgent":
            non_urgent += 1
            false_urgent += first is ReplyKind.URGENT
        if kind == "answer":
            rank = _contains(texts[:3], item.get("expect_any") or [])
            refused += not texts
            offered = _offered(replies)
            one_tap += rank == 0 or (rank is not None and texts[rank] in offered)
            hit1 += rank == 0
            hit3 += rank is not None
            rr += 0 if rank is None else 1 / (rank + 1)
            ok = rank == 0
            got = f"{first.value}, rank {rank + 1}" if rank is not None else f"{first.value}, not in top 3"
        elif kind == "no_match":
            # Honest: no passage is shown (a "not covered" reply, or the medication guard on its own).
            ok = not texts and first is not ReplyKind.URGENT
            no_match_ok += ok
        elif kind == "small_talk":
            ok = first is ReplyKind.SMALL_TALK
            small_talk_ok += ok
        elif kind == "urgent":
            ok = first is ReplyKind.URGENT
            urgent_ok += ok
        elif kind == "medication":
            ok = first is ReplyKind.MEDICATION
            med_ok += ok
            if item.get("expect_any"):
                med_with_expect += 1
                med_passage_ok += _contains(texts[:3], item["expect_any"]) is not None
        if not ok:
            report.failures.append({"id": item.get("id", ""), "question": item.get("question"), "kind": kind, "got": got})
    answers = report.counts.get("answer", 0)
    count = report.counts.get
    report.sizes = {
        "hit@1": answers, "hit@3": answers, "mrr@3": answers, "one_tap": answers, "answerable_refused": answers,
        "no_match_correct": count("no_match", 0), "small_talk_as_small_talk": count("small_talk", 0),
        "urgent_recall": count("urgent", 0), "non_urgent_flagged_urgent": non_urgent,
        "medication_recall": count("medication", 0), "medication_passage_hit@3": med_with_expect,
    }
    report.metrics = {
        "hit@1": _ratio(hit1, answers),
        "hit@3": _ratio(hit3, answers),
        "mrr@3": round(rr / answers, 4) if answers else 0.0,
        "one_tap": _ratio(one_tap, answers),
        "no_match_correct": _ratio(no_match_ok, report.counts.get("no_match", 0)),
        "small_talk_as_small_talk": _ratio(small_talk_ok, report.counts.get("small_talk", 0)),
        "answerable_refused": _ratio(refused, answers),
        "urgent_recall": _ratio(urgent_ok, report.counts.get("urgent", 0)),
        "non_urgent_flagged_urgent": _ratio(false_urgent, non_urgent),
        "medication_recall": _ratio(med_ok, report.counts.get("medication", 0)),
        "medication_passage_hit@3": _ratio(med_passage_ok, med_with_expect),
    }
    return report


def _matches(term: str, expected: str) -> bool:
    """Compare ignoring case and a plural s, as the eval README defines."""
    a, b = term.casefold().strip(), expected.casefold().strip()
    return a == b or a.removesuffix("s") == b.removesuffix("s")


def evaluate_glossary(glossary: Glossary, items: Sequence[Mapping[str, Any]]) -> Report:
    """Run every glossary item through ``Glossary.lookup`` and compute accuracy."""
    report = Report("glossary", counts={"items": len(items)})
    right = 0
    for item in items:
        expected = item.get("expect_term")
        result = glossary.lookup(str(item.get("query", "")))
        entry = result.entry
        if expected is None:
            ok = entry is None
        else:
            ok = entry is not None and any(_matches(name, str(expected)) for name in (entry.term, *entry.aliases))
        right += ok
        if not ok:
            report.failures.append({"query": item.get("query"), "expect": expected, "got": entry.term if entry else None})
    report.metrics = {"accuracy": _ratio(right, len(items))}
    report.sizes = {"accuracy": len(items)}
    return report


def evaluate_safety(assistant: Assistant, items: Sequence[Mapping[str, Any]]) -> Report:
    """Run every triage item through ``Assistant.ask``; report recall and false alarms, overall and by group."""
    report = Report("safety", counts={kind: 0 for kind in SAFETY_KINDS})
    tallies: dict[str, list[int]] = {}

    def tally(name: str, hit: bool) -> None:
        counts = tallies.setdefault(name, [0, 0])
        counts[0] += hit
        counts[1] += 1

    for item in items:
        kind = str(item["kind"])
        report.counts[kind] += 1
        replies = assistant.ask(str(item["text"]))
        kinds = {reply.kind for reply in replies}
        urgent = replies[0].kind is ReplyKind.URGENT
        guarded = ReplyKind.MEDICATION in kinds
        if kind == "urgent":
            ok = urgent
            tally("urgent_recall", urgent)
            tally(f"urgent_recall.concept.{item.get('concept', '?')}", urgent)
            tally(f"urgent_recall.where.{item.get('where', 'plain')}", urgent)
        else:
            ok = not urgent
            tally(f"{kind}_flagged_urgent", urgent)
            if kind == "near_miss":
                tally(f"near_miss_flagged_urgent.context.{item.get('context', '?')}", urgent)
        if kind == "medication":
            ok = ok and guarded
            tally("medication_recall", guarded)
        elif kind != "urgent":
            tally("non_medication_flagged_medication", guarded)
        if "missed_dose" in item:
            said = ReplyKind.MISSED_DOSE in kinds
            tally("missed_dose_recall" if item["missed_dose"] else "missed_dose_false_alarms", said)
            ok = ok and said == bool(item["missed_dose"])
        if not ok:
            got = replies[0].kind.value + (" + medication guard" if guarded and not urgent else "")
            report.failures.append({"id": item.get("id", ""), "question": item["text"], "kind": kind, "got": got})
    order = ["urgent_recall", "near_miss_flagged_urgent", "ordinary_flagged_urgent", "medication_recall"]
    extra = ["non_medication_flagged_medication", "missed_dose_recall", "missed_dose_false_alarms"]
    names = [*order, *extra, *sorted(n for n in tallies if n not in order and "." in n)]
    report.metrics = {name: _ratio(*tallies[name]) for name in names if name in tallies}
    report.sizes = {name: tallies[name][1] for name in names if name in tallies}
    report.counts.update({name: tallies[name][1] for name in tallies if "." in name})
    return report


def evaluate_file(assistant: Assistant, path: Path) -> Report:
    """Evaluate a message, safety or glossary file, whichever ``path`` holds (EvalFileError if invalid)."""
    kind, items = read_eval_file(path)
    if kind == "questions":
        raise EvalFileError(f"eval file {path}: a plain question list has nothing to score")
    if kind == "glossary":
        return evaluate_glossary(assistant.knowledge.glossary, items)
    if kind == "safety":
        return evaluate_safety(assistant, items)
    return evaluate_messages(assistant, items)
