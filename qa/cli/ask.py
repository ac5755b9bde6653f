"""``ask``: questions from the command line, a file or stdin, answered one at a
time as they come, as readable text or one JSON object per line."""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import shutil
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from qa import wording
from qa.cli.args import SOME_FAILED, add_common, add_mode, add_top_k
from qa.config import Config
from qa.errors import InvalidArgument
from qa.types import Answer, Outcome


def register(commands: argparse._SubParsersAction) -> None:
    ask = commands.add_parser("ask", help="answer questions with passages from the corpus")
    ask.add_argument("questions", nargs="*", metavar="QUESTION", help="a question (several are answered in order)")
    ask.add_argument(
        "-q", "--questions-file", type=Path, metavar="F", help="read one question per line ('-' for stdin)"
    )
    add_top_k(ask)
    add_mode(ask)
    ask.add_argument(
        "-p",
        "--previous",
        metavar="QUESTION",
        default="",
        help="the question asked before, for follow-ups such as 'what is its main priority?'",
    )
    ask.add_argument("--json", action="store_true", help="one JSON object per question per line")
    add_common(ask)
    ask.set_defaults(run=run_ask)


def run_ask(args: argparse.Namespace, config: Config) -> int:
    """Questions given as arguments are checked first (a bad one is a usage
    error); a bad line of --questions-file gets an error in its place, and
    every other line its answer."""
    from qa import open_searcher
    from qa.inputs import check_previous, clean_question

    for number, question in enumerate(args.questions, start=1):
        try:
            clean_question(question)
        except InvalidArgument as exc:
            raise InvalidArgument(f"question {number}: {exc}") from None
    check_previous(args.previous)
    questions = itertools.chain(args.questions, _questions_in(args.questions_file) if args.questions_file else ())
    searcher, failed, number = None, 0, 0
    for number, question in enumerate(questions, start=1):
        if isinstance(question, _BadLine):
            failed += 1
            _print_failure(number, question.start, question.error, args.json)
            continue
        searcher = searcher or open_searcher(config)  # opened once, at the first question; its errors end the run
        try:
            answer = searcher.ask(question, k=args.top_k, mode=args.mode, previous=args.previous)
        except InvalidArgument as exc:
            failed += 1
            _print_failure(number, question, str(exc), args.json)
            continue
        print(json.dumps(answer.to_dict(), ensure_ascii=False) if args.json else format_answer(answer), flush=True)
    if number == 0:
        raise InvalidArgument("no question given (pass QUESTION or --questions-file)")
    return SOME_FAILED if failed else 0


def format_answer(answer: Answer) -> str:
    width = min(100, shutil.get_terminal_size((100, 20)).columns)
    lines = [f"Q: {answer.question}"]
    if answer.language != "en":
        lines.append(f"   ({wording.from_english(answer.question, answer.language)})")
    if answer.previous:
        lines += textwrap.wrap(
            f"(read together with: {answer.previous})", width, initial_indent="   ", subsequent_indent="   "
        )
    words = wording.outcome(answer.outcome, answer.language)
    said = wording.reply_sentence(answer.outcome, answer.question, answer.reason, answer.language)
    if answer.outcome == Outcome.ANSWERED and answer.sentence is not None:
        says = "(the interviewer says) " if answer.sentence.speaker == "interviewer" else ""
        if answer.sentence.short is not None:  # the short answer first, its sentence under it
            lines.append(f"A: {answer.sentence.short.text}")
            lines += textwrap.wrap(says + answer.sentence.text, width, initial_indent="   ", subsequent_indent="   ")
        else:
            lines += textwrap.wrap(says + answer.sentence.text, width, initial_indent="A: ", subsequent_indent="   ")
        lines.append(f"   (on topic {answer.confidence:.2f}, answer {answer.answer_confidence:.2f})")
        for number, point in enumerate(answer.points, start=1):  # a list, a summary, the interview itself
            lines += textwrap.wrap(
                f"{number}. {point.text} (paragraph {point.paragraph})", width, initial_indent="   ",
                subsequent_indent="      ",
            )  # fmt: skip
    elif answer.outcome == Outcome.RELATED:
        sure = f"(on topic {answer.confidence:.2f}" + (
            f", answer {answer.answer_confidence:.2f})" if answer.answer_confidence is not None else ")"
        )
        lines += textwrap.wrap(f"A: {said} {sure}", width, subsequent_indent="   ")
        if answer.closest is not None:
            lines += textwrap.wrap(
                f"The closest it comes: {answer.closest.text}", width, initial_indent="   ", subsequent_indent="   "
            )
    else:
        lines.append(f"A: {said} (on topic {answer.confidence:.2f})")
    if answer.hits and answer.outcome != Outcome.ANSWERED:
        lines.append(f"   {words.passages}:")
    for hit in answer.hits:
        p = hit.passage
        lines.append("")
        speaker = ", the interviewer" if p.speaker == "interviewer" else ""
        lines.append(f"  [{hit.rank}] score {hit.score:.3f}  {p.source}, paragraph {p.paragraph}{speaker}")
        lines += textwrap.wrap(f"In reply to: {p.section}", width, initial_indent="      ", subsequent_indent="      ")
        lines += textwrap.wrap(p.text, width, initial_indent="      | ", subsequent_indent="      | ")
    return "\n".join(lines) + "\n"


def _print_failure(number: int, question: str, message: str, as_json: bool) -> None:
    from qa.inputs import MAX_QUESTION_CHARS, shorten

    if as_json:
        shown = shorten(question, MAX_QUESTION_CHARS)
        print(json.dumps({"question": shown, "error": message}, ensure_ascii=False), flush=True)
    else:
        print(f"error: question {number}: {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class _BadLine:
    """A line of --questions-file that cannot be a question: how it starts, and why."""

    start: str
    error: str


def _questions_in(path: Path) -> Iterator[str | _BadLine]:
    """One question per line, read as they come (a pipe is answered line by
    line) and never more than one line's worth at a time: a line too long to
    be a question, or not UTF-8, is a _BadLine in its place (and the rest of
    that line is skipped, however long). Lines end at "\\n" (and "\\r\\n")
    only: a U+2028 or form feed inside a question is part of it. The file is
    opened now, so that one that cannot be read is an error before any answer."""
    try:
        stream = sys.stdin.buffer if str(path) == "-" else path.open("rb")
    except OSError as exc:
        raise InvalidArgument(f"cannot read questions file {path}: {exc.strerror}") from exc
    return _lines_of(stream, path)


def _lines_of(stream: BinaryIO, path: Path) -> Iterator[str | _BadLine]:
    from qa.inputs import MAX_QUESTION_CHARS

    limit = 4 * MAX_QUESTION_CHARS + 2  # bytes: UTF-8 takes at most 4 a character, and "\\r\\n"
    with stream if stream is not sys.stdin.buffer else contextlib.nullcontext(stream):
        while line := _read_line(stream, limit, path):
            if len(line) == limit and not line.endswith(b"\n"):
                yield _BadLine(
                    line.decode("utf-8", "replace"), f"the question is longer than {MAX_QUESTION_CHARS} characters"
                )
                while (rest := _read_line(stream, limit, path)) and not rest.endswith(b"\n"):
                    pass
                continue
            try:
                text = line.removesuffix(b"\n").removesuffix(b"\r").decode("utf-8")
            except UnicodeDecodeError:
                yield _BadLine(line.decode("utf-8", "replace").strip(), "the line is not UTF-8 text")
                continue
            if text.strip():
                yield text


def _read_line(stream: BinaryIO, limit: int, path: Path) -> bytes:
    try:
        return stream.readline(limit)
    except OSError as exc:
        raise InvalidArgument(f"cannot read questions file {path}: {exc.strerror}") from exc
