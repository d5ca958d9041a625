"""Command-line interface: ``patient-bot run | chat | ask | glossary | eval | reload | knowledge``.

The JSON shapes printed by ``ask --json`` and ``glossary --json`` are a stable contract (acceptance
checks and scripts use them); tests/test_cli.py pins them. Errors a user can fix (settings, knowledge,
an evaluation file) are one line on stderr and exit code 2, never a traceback; output piped into a
command that stops reading (``| head``) ends quietly.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from bot.config import Settings, check_for_telegram, load_settings
from bot.errors import ConfigError, KnowledgeError
from bot.models import GlossaryResult, Reply

SIGPIPE_EXIT = 141  # what a shell reports for a process ended by a closed pipe (128 + SIGPIPE)


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
    from bot.channels.console import render_plain
    from bot.evaluation import evaluate_file, read_eval_file

    path = Path(options.file)
    kind, items = read_eval_file(path)  # validated before the knowledge is loaded: a bad item fails fast
    assistant = build_assistant(settings)
    if kind == "questions":  # nothing to score: show what the bot answers
        for number, question in enumerate(items, 1):
            replies = assistant.ask(question)
            if options.json:
                _print_json({"question": question, **ask_json(replies)}, out)
            else:
                out.write(f"{number}. {question}\n\n" + "\n\n".join(render_plain(reply) for reply in replies) + "\n\n")
        return 0
    report = evaluate_file(assistant, path)
    if options.json:
        _print_json(report.as_dict(), out)
    else:
        out.write(report.table() + "\n")
    return 0


def _cmd_knowledge(settings: Settings, options: argparse.Namespace, out: TextIO) -> int:
    from bot.knowledge_check import answered_by, check_knowledge, init_folder

    if options.action == "init":
        from bot.config import DEFAULT_KNOWLEDGE

        target = Path(options.dir).expanduser().resolve()
        try:
            count = init_folder(DEFAULT_KNOWLEDGE, target)
        except FileExistsError as error:
            sys.stderr.write(f"patient-bot: {error}\n")
            return 2
        out.write(f"copied {count} files of the default knowledge to {target}\n"
                  f"use it: knowledge_dir: {target} in the config file, or PATIENT_BOT_KNOWLEDGE={target}\n"
                  f"after editing: patient-bot knowledge check {target}, then patient-bot reload\n")
        return 0
    root = Path(options.dir).expanduser() if options.dir else settings.knowledge_dir
    content, report = check_knowledge(root, date.today())
    out.write("\n".join(report.lines) + "\n")
    if content is not None and options.questions:
        from bot.evaluation import read_eval_file

        kind, items = read_eval_file(Path(options.questions))
        questions = items if kind == "questions" else [
            str(item.get("question") or item.get("text") or item.get("query")) for item in items
        ]
        out.write("\nwhich article answers each question:\n" + "\n".join(answered_by(content, settings, questions)) + "\n")
    if report.errors:
        return 2
    return 1 if options.strict and report.warnings else 0


def _cmd_chat(settings: Settings, options: argparse.Namespace, out: TextIO) -> int:
    from bot.channels.console import run_console

    return run_console(settings, sys.stdin, out, user_id=options.user_id, notice=False)


def _cmd_run(settings: Settings, options: argparse.Namespace, out: TextIO) -> int:
    webhook = bool(getattr(options, "webhook", False))
    if not settings.telegram_token:
        if not sys.stdin.isatty() or webhook:
            # A container or service without a token: fail loudly instead of a console that reads end of
            # input and exits 0 (a silent restart loop).
            sys.stderr.write("patient-bot: TELEGRAM_BOT_TOKEN is not set: set it to run on Telegram "
                             "(or run `patient-bot chat` for the console)\n")
            return 2
        from bot.channels.console import run_console

        return run_console(settings, sys.stdin, out, user_id=getattr(options, "user_id", 1), notice=True)
    check_for_telegram(settings, webhook=webhook)
    from bot.channels.telegram import run_telegram

    return run_telegram(settings, webhook=webhook, standby=bool(getattr(options, "standby", False)))


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
    run.add_argument("--standby", action="store_true",
                     help="wait for the running bot's database lease and take over when it stops (instead of exiting)")
    chat = sub.add_parser("chat", help="console chat (reads stdin, one message per line)")
    chat.add_argument("--user-id", type=int, default=1, help="the console user's id in the database")
    ask = sub.add_parser("ask", help="answer questions (argument, or one per stdin line)")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("question", nargs="*")
    glossary = sub.add_parser("glossary", help="look up glossary terms (argument, or one per stdin line)")
    glossary.add_argument("--json", action="store_true", help="one JSON object per term")
    glossary.add_argument("term", nargs="*")
    from bot.evaluation import FORMATS_HELP

    evaluate = sub.add_parser(
        "eval", help="score an evaluation file (messages, safety or glossary), or answer a question list",
        description="Score an evaluation file through the bot's own answer path, or print the answers to a "
        "plain list of questions.", epilog=FORMATS_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    evaluate.add_argument("--json", action="store_true", help="one JSON object (or one per question)")
    evaluate.add_argument("file", help="a .yaml evaluation file, or a .txt file of questions")
    sub.add_parser("reload", help="validate knowledge/ and ask the running bot to re-read it")
    knowledge = sub.add_parser("knowledge", help="check a knowledge folder, or copy the defaults out for editing")
    actions = knowledge.add_subparsers(dest="action", required=True)
    check = actions.add_parser(
        "check", help="validate everything and report per article (exit 2 on errors)",
        description="Load a knowledge folder as the bot would and report: per article its passages (count, "
        "shortest, longest), suspected captions and navigation lines; glossary terms missing or duplicated; "
        "passages without questions. Exit code 0: valid; 2: errors (the bot would refuse it); with --strict, "
        "1 when there are warnings.",
    )
    check.add_argument("dir", nargs="?", help="the folder (default: the configured knowledge_dir)")
    check.add_argument("--questions", metavar="FILE", help="show which article answers each question of FILE "
                       "(.txt, one per line, or an evaluation file)")
    check.add_argument("--strict", action="store_true", help="exit 1 when there are warnings")
    init = actions.add_parser("init", help="copy the default knowledge to DIR, to edit and point knowledge_dir at")
    init.add_argument("dir", help="a new or empty folder")
    return parser


COMMANDS = {
    "run": _cmd_run,
    "chat": _cmd_chat,
    "ask": _cmd_ask,
    "glossary": _cmd_glossary,
    "eval": _cmd_eval,
    "reload": _cmd_reload,
    "knowledge": _cmd_knowledge,
}


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the CLI; return the process exit code."""
    from bot.evaluation import EvalFileError

    options = build_parser().parse_args(argv)
    stream = out or sys.stdout
    try:
        settings = load_settings(config_path=options.config)
        return COMMANDS[options.command or "run"](settings, options, stream)
    except (ConfigError, KnowledgeError, EvalFileError) as error:
        sys.stderr.write(f"patient-bot: {error}\n")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`patient-bot ask ... | head`): stop quietly. Python's documented recipe:
        # point stdout at devnull so the interpreter's final flush does not raise again.
        if out is None:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return SIGPIPE_EXIT
