"""Command-line interface: ``patient-bot run | chat | ask | glossary | eval | reload``.

The JSON shapes printed by ``ask --json`` and ``glossary --json`` are a stable contract (acceptance
checks and scripts use them); tests/test_cli.py pins them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from bot.config import Settings, load_settings
from bot.errors import ConfigError, KnowledgeError
from bot.models import GlossaryResult, Reply


def _questions(args: Sequence[str], stdin: TextIO) -> Iterable[str]:
    """Yield the question given on the command line, or one per stdin line."""
    if args:
        yield " ".join(args)
        return
    for line in stdin:
        if line.strip():
            yield line.rstrip("\n")


def ask_json(replies: Sequence[Reply]) -> dict[str, Any]:
    """Return the JSON object for the replies to one question."""
    passages: dict[str, dict[str, Any]] = {}
    for reply in replies:
        for hit in reply.passages:
            passages.setdefault(
                hit.passage.id,
                {
                    "id": hit.passage.id,
                    "article": hit.passage.article,
                    "title": hit.passage.title,
                    "section": hit.passage.section,
                    "heading": hit.passage.heading,
                    "text": hit.passage.text,
                    "score": round(hit.score, 4),
                },
            )
    kind = replies[0].kind.value if replies else "no_match"
    if kind not in {"answer", "no_match", "urgent", "medication", "missed_dose", "small_talk"}:
        kind = "no_match"  # an empty message or another language: nothing was answered
    return {"kind": kind, "text": "\n\n".join(r.plain_text for r in replies), "passages": list(passages.values())}


def glossary_json(result: GlossaryResult) -> dict[str, Any]:
    """Return the JSON object for one glossary lookup."""
    entry = result.entry
    return {
        "term": entry.term if entry else None,
        "aliases": list(entry.aliases) if entry else [],
        "definition": entry.definition.text if entry else None,
        "sources": list(entry.sources) if entry else [],
        "suggestions": [suggestion.term for suggestion in result.suggestions],
    }


def _print_json(data: object, out: TextIO) -> None:
    out.write(json.dumps(data, ensure_ascii=False) + "\n")


def _cmd_ask(settings: Settings, options: argparse.Namespace, out: TextIO) -> int:
    from bot.app import build_assistant
    from bot.channels.console import render_plain

    assistant = build_assistant(settings)
    for question in _questions(options.question, sys.stdin):
        replies = assistant.ask(question)
        if options.json:
            _print_json(ask_json(replies), out)
        else:
            out.write("\n\n".join(render_plain(reply) for reply in replies) + "\n\n")
    return 0


def _cmd_glossary(settings: Settings, options: argparse.Namespace, out: TextIO) -> int:
    from bot.app import build_assistant
    from bot.channels.console import render_plain

    assistant = build_assistant(settings)
    for term in _questions(options.term, sys.stdin):
        result = assistant.knowledge.glossary.lookup(term)
        if options.json:
            _print_json(glossary_json(result), out)
        else:
            out.write(render_plain(assistant.deps.compose.glossary_result(result)) + "\n\n")
    return 0


def _cmd_eval(settings: Settings, options: argparse.Namespace, out: TextIO) -> int:
    from bot.app import build_assistant
    from bot.evaluation import evaluate_file

    report = evaluate_file(build_assistant(settings), Path(options.file))
    if options.json:
        _print_json(report.as_dict(), out)
    else:
        out.write(report.table() + "\n")
    return 0


def _cmd_chat(settings: Settings, options: argparse.Namespace, out: TextIO) -> int:
    from bot.channels.console import run_console

    return run_console(settings, sys.stdin, out, user_id=options.user_id, notice=False)


def _cmd_run(settings: Settings, options: argparse.Namespace, out: TextIO) -> int:
    if not settings.telegram_token:
        from bot.channels.console import run_console

        return run_console(settings, sys.stdin, out, user_id=getattr(options, "user_id", 1), notice=True)
    from bot.channels.telegram import run_telegram

    return run_telegram(settings, webhook=bool(getattr(options, "webhook", False)))


def _cmd_reload(settings: Settings, options: argparse.Namespace, out: TextIO) -> int:
    from bot.channels.control import request_reload

    return request_reload(settings, out)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser (also used to document the CLI in the README)."""
    parser = argparse.ArgumentParser(prog="patient-bot", description="Patient assistant for bone health on anastrozole.")
    parser.add_argument("--config", type=Path, help="YAML config file (default: $PATIENT_BOT_CONFIG)")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run on Telegram (with TELEGRAM_BOT_TOKEN) or as a console chat")
    run.add_argument("--webhook", action="store_true", help="receive updates by webhook instead of polling")
    chat = sub.add_parser("chat", help="console chat (reads stdin, one message per line)")
    chat.add_argument("--user-id", type=int, default=1, help="the console user's id in the database")
    ask = sub.add_parser("ask", help="answer questions (argument, or one per stdin line)")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("question", nargs="*")
    glossary = sub.add_parser("glossary", help="look up glossary terms (argument, or one per stdin line)")
    glossary.add_argument("--json", action="store_true", help="one JSON object per term")
    glossary.add_argument("term", nargs="*")
    evaluate = sub.add_parser("eval", help="score an evaluation file (messages or glossary)")
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument("file")
    sub.add_parser("reload", help="validate knowledge/ and ask the running bot to re-read it")
    return parser


COMMANDS = {
    "run": _cmd_run,
    "chat": _cmd_chat,
    "ask": _cmd_ask,
    "glossary": _cmd_glossary,
    "eval": _cmd_eval,
    "reload": _cmd_reload,
}


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the CLI; return the process exit code."""
    options = build_parser().parse_args(argv)
    stream = out or sys.stdout
    try:
        settings = load_settings(config_path=options.config)
        return COMMANDS[options.command or "run"](settings, options, stream)
    except (ConfigError, KnowledgeError) as error:
        sys.stderr.write(f"patient-bot: {error}\n")
        return 2
    except KeyboardInterrupt:
        return 130
