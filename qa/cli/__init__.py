"""The command line: ``python -m qa`` / ``cica-qa``.

Each subcommand parses its flags, calls one library function and formats
the result: readable text for people, ``--json`` for programs. Errors the
user can act on (a :class:`~qa.errors.QAError`, a bad flag) are one line on
stderr with exit status 2; anything else is a bug, shown with its traceback
and exit status 1.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import itertools
import json
import logging
import os
import shutil
import sys
import textwrap
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, NoReturn

from qa import __version__
from qa.config import DEFAULT_MODE, DEFAULT_TOP_K, MAX_TOP_K, MIN_MAX_TOKENS, MODES, Config, config_from_env, quiet
from qa.errors import InvalidArgument, QAError
from qa.types import Answer, Passage

if TYPE_CHECKING:
    from qa.eval.datasets import GoldQuestion
    from qa.eval.metrics import QuestionResult

USAGE_ERROR = 2
SOME_FAILED = 1
BUG = 1
# The evaluation sets ship with the package (qa/eval/data), so eval runs from any directory.
EVAL_DATA = Path(__file__).resolve().parent.parent / "eval" / "data"
DEFAULT_GOLD = EVAL_DATA / "gold.jsonl"
DEFAULT_OFF_TOPIC = EVAL_DATA / "offtopic.jsonl"
DEFAULT_FOLLOWUPS = EVAL_DATA / "followups.jsonl"
DEFAULT_GOLD_SETS = (DEFAULT_GOLD, EVAL_DATA / "gold_styles.jsonl")


def main(argv: Sequence[str] | None = None) -> int:
    quiet(os.environ)  # before any library that would download or report is imported
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging()
    config = config_from_env(
        os.environ,
        corpus_dir=args.corpus,
        index_dir=args.index,
        model=args.model,
        max_tokens=getattr(args, "max_tokens", None),
    )
    if sys.stdout is None:  # started with standard output closed (``>&-``): answers would vanish
        print("error: standard output is closed: nothing could be written", file=sys.stderr)
        return USAGE_ERROR
    try:
        return args.run(args, config)
    except QAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``| head``); silence the final flush too.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    except OSError as exc:
        if exc.errno not in _OUTPUT_FULL:
            return _bug(exc)
        print(f"error: cannot write the output: {exc.strerror}", file=sys.stderr)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the final flush would fail again
        return USAGE_ERROR
    except Exception as exc:  # noqa: BLE001 - not the user's doing: a bug, and it says so
        return _bug(exc)


_OUTPUT_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)
"""Write errors that reach main: the output (files the commands write say so themselves)."""


def _bug(exc: BaseException) -> int:
    traceback.print_exception(exc)
    print(f"error: internal error, this is a bug ({type(exc).__name__}: {exc})", file=sys.stderr)
    return BUG


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a bad flag said in one line (not the usage block)."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="cica-qa", description="Ask questions of the CICA interview: build the index, ask, evaluate."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=OneLineParser)

    build = commands.add_parser("build", help="build the index (or say it is up to date)")
    _add_common(build)
    build.add_argument("-f", "--force", action="store_true", help="rebuild even if the index is up to date")
    build.add_argument(
        "--max-tokens", type=_at_least(MIN_MAX_TOKENS), help="largest passage in word pieces (default 128)"
    )
    build.set_defaults(run=run_build)

    ask = commands.add_parser("ask", help="answer questions with passages from the corpus")
    ask.add_argument("questions", nargs="*", metavar="QUESTION", help="a question (several are answered in order)")
    ask.add_argument(
        "-q", "--questions-file", type=Path, metavar="F", help="read one question per line ('-' for stdin)"
    )
    _add_top_k(ask)
    _add_mode(ask)
    ask.add_argument(
        "-p",
        "--previous",
        metavar="QUESTION",
        default="",
        help="the question asked before, for follow-ups such as 'what is its main priority?'",
    )
    ask.add_argument("--json", action="store_true", help="one JSON object per question per line")
    _add_common(ask)
    ask.set_defaults(run=run_ask)

    evaluate = commands.add_parser("eval", help="measure retrieval against a gold set")
    _add_gold(evaluate)
    evaluate.add_argument(
        "--off-topic",
        type=Path,
        metavar="F",
        help=f"questions the corpus does not answer, for abstention (default {DEFAULT_OFF_TOPIC} if present)",
    )
    evaluate.add_argument(
        "--followups",
        type=Path,
        metavar="F",
        help=f"follow-up questions with the question before (default {DEFAULT_FOLLOWUPS} if present)",
    )
    _add_top_k(evaluate, help_text="a question misses when no relevant passage is in the top K")
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")
    evaluate.add_argument("--plot", type=Path, metavar="PNG", help="save the risk-coverage curve (needs matplotlib)")
    evaluate.add_argument(
        "--run-out", type=Path, metavar="FILE", help="write the ranking as a TREC run, for trec_eval, ir_measures, ranx"
    )
    evaluate.add_argument("--qrels-out", type=Path, metavar="FILE", help="write the relevance judgements as TREC qrels")
    evaluate.add_argument(
        "--run-mode", choices=MODES, help=f"the mode --run-out writes (default {DEFAULT_MODE}); needs --run-out"
    )
    _add_common(evaluate)
    evaluate.set_defaults(run=run_eval)

    tune = commands.add_parser("tune", help="fit the scoring models on the dev split, with cross-validation")
    _add_gold(tune)
    tune.add_argument(
        "--off-topic", type=Path, default=DEFAULT_OFF_TOPIC, metavar="F", help="near-misses are its kind near-miss"
    )
    tune.add_argument("--write", action="store_true", help="write the fitted models to qa/build/data/scoring.json")
    _add_common(tune)
    tune.set_defaults(run=run_tune)
    _add_feedback_commands(commands)
    return parser


def run_build(args: argparse.Namespace, config: Config) -> int:
    from qa.build.builder import build_index

    report = build_index(config, force=args.force, progress=sys.stderr.isatty())
    detail = f" ({report.reason}; {report.embedded} texts embedded)" if report.built else ""
    print(
        f"index {report.action} in {config.index_dir}: {report.documents} documents, {report.passages} passages, "
        f"{report.sentences} sentences, {report.seconds:.2f} s{detail}"
    )
    return 0


def run_ask(args: argparse.Namespace, config: Config) -> int:
    """Questions given as arguments are checked first (a bad one is a usage
    error); a bad line of --questions-file gets an error in its place, and
    every other line its answer."""
    from qa.answer.search import Searcher
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
        searcher = searcher or Searcher.open(config)  # opened once, at the first question; its errors end the run
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


def run_eval(args: argparse.Namespace, config: Config) -> int:
    from qa.answer.search import Searcher
    from qa.eval.datasets import load_followups, load_gold_sets, load_off_topic
    from qa.eval.evaluation import evaluate_modes, full_report

    if args.run_out is not None and args.run_out == args.qrels_out:
        raise InvalidArgument(f"--run-out and --qrels-out are both {args.run_out}: give two files")
    if args.plot is not None:
        _check_plot_path(args.plot)
    if args.run_mode is not None and args.run_out is None:
        raise InvalidArgument("--run-mode picks the run --run-out writes: give --run-out FILE too")
    run_mode = args.run_mode or DEFAULT_MODE
    gold_sets = load_gold_sets(args.gold or list(DEFAULT_GOLD_SETS))
    off_topic_path = args.off_topic or (DEFAULT_OFF_TOPIC if DEFAULT_OFF_TOPIC.exists() else None)
    off_topic = load_off_topic(off_topic_path) if off_topic_path else []
    followups_path = args.followups or (DEFAULT_FOLLOWUPS if DEFAULT_FOLLOWUPS.exists() else None)
    followup_pairs = load_followups(followups_path) if followups_path else []
    searcher = Searcher.open(config)
    gold = [item for items in gold_sets.values() for item in items]
    results = evaluate_modes(searcher, gold, args.top_k)
    report = full_report(searcher, gold_sets, off_topic, args.top_k, followup_pairs, results)
    if args.plot:
        try:
            report.plot(args.plot)
        except OSError as exc:
            raise InvalidArgument(f"cannot write the plot {args.plot}: {exc.strerror}") from exc
        print(f"wrote the risk-coverage curve to {args.plot}", file=sys.stderr)
    _write_trec(args, run_mode, results[run_mode], gold, searcher.passages)
    print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) if args.json else report.to_table())
    return 0


def _check_plot_path(path: Path) -> None:
    """Before the evaluation runs: a PNG file name in a directory that exists."""
    if path.suffix.lower() != ".png" or path.is_dir():
        raise InvalidArgument(f"--plot writes a PNG: give a file name ending in .png, not {path}")
    if not path.parent.is_dir():
        raise InvalidArgument(f"--plot {path}: no directory {path.parent}")


def _write_trec(
    args: argparse.Namespace,
    mode: str,
    results: Sequence[QuestionResult],
    gold: Sequence[GoldQuestion],
    passages: Sequence[Passage],
) -> None:
    """``--run-out`` and ``--qrels-out``: eval's own ranking and judgements (see qa.eval.trec)."""
    from qa.eval import trec

    if args.run_out:
        lines = trec.run_lines(results, trec.run_tag(mode))
        trec.write_lines(args.run_out, lines, "run")
        print(f"wrote the {mode} run, {len(lines)} lines, to {args.run_out}", file=sys.stderr)
    if args.qrels_out:
        lines = trec.qrels_lines(gold, passages)
        trec.write_lines(args.qrels_out, lines, "qrels")
        print(f"wrote the qrels, {len(lines)} lines, to {args.qrels_out}", file=sys.stderr)


def run_tune(args: argparse.Namespace, config: Config) -> int:
    from importlib import resources

    from qa.answer.search import Searcher
    from qa.eval.datasets import load_gold_sets, load_off_topic
    from qa.eval.tuning import tune, write

    gold_files = args.gold or list(DEFAULT_GOLD_SETS)
    gold = [item for items in load_gold_sets(gold_files).values() for item in items]
    near_misses = [item for item in load_off_topic(args.off_topic) if item.kind == "near-miss"]
    report = tune(Searcher.open(config), gold, near_misses)
    print(report.to_table())
    if args.write:
        target = Path(str(resources.files("qa.build").joinpath("data/scoring.json")))
        write(report, target, [*gold_files, args.off_topic])
        print(f"wrote {target}; the next ask or build recalibrates the index")
    return 0


def format_answer(answer: Answer) -> str:
    width = min(100, shutil.get_terminal_size((100, 20)).columns)
    lines = [f"Q: {answer.question}"]
    if answer.context:
        lines += textwrap.wrap(
            f"(read together with: {answer.context})", width, initial_indent="   ", subsequent_indent="   "
        )
    if answer.outcome == "answered" and answer.sentence is not None:
        says = "(the interviewer says) " if answer.sentence.speaker == "interviewer" else ""
        lines += textwrap.wrap(says + answer.sentence.text, width, initial_indent="A: ", subsequent_indent="   ")
        lines.append(f"   (on topic {answer.confidence:.2f}, answer {answer.answer_confidence:.2f})")
    elif answer.outcome == "related":
        lines += textwrap.wrap(
            "A: The interview discusses this, but does not seem to answer this exact question "
            f"(on topic {answer.confidence:.2f}, answer {answer.answer_confidence:.2f}).",
            width,
            subsequent_indent="   ",
        )
        lines.append("   The closest passages; they may not answer your exact question:")
    else:
        lines.append(f"A: The interview does not seem to cover this (confidence {answer.confidence:.2f}).")
        if answer.hits:
            lines.append("   The closest passages, low confidence:")
    for hit in answer.hits:
        p = hit.passage
        lines.append("")
        speaker = ", the interviewer" if p.speaker == "interviewer" else ""
        lines.append(f"  [{hit.rank}] score {hit.score:.3f}  {p.source}, paragraph {p.paragraph}{speaker}")
        lines += textwrap.wrap(f"In reply to: {p.section}", width, initial_indent="      ", subsequent_indent="      ")
        lines += textwrap.wrap(p.text, width, initial_indent="      | ", subsequent_indent="      | ")
    return "\n".join(lines) + "\n"


def _print_failure(number: int, question: str, message: str, as_json: bool) -> None:
    from qa.inputs import MAX_QUESTION_CHARS

    if as_json:
        shown = question if len(question) <= MAX_QUESTION_CHARS else question[:MAX_QUESTION_CHARS] + "…"
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


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, metavar="DIR", help="corpus directory (default: corpus, or $QA_CORPUS)")
    parser.add_argument("--index", type=Path, metavar="DIR", help="index directory (default: index, or $QA_INDEX)")
    parser.add_argument(
        "--model",
        metavar="M",
        help="sentence-transformers model name or path (default: the packaged all-MiniLM-L6-v2, or $QA_MODEL)",
    )


def _add_gold(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-g",
        "--gold",
        type=Path,
        action="append",
        metavar="F",
        help=f"gold set, JSON Lines (repeatable; default {', '.join(map(str, DEFAULT_GOLD_SETS))})",
    )


def _add_top_k(parser: argparse.ArgumentParser, help_text: str = "number of passages to show") -> None:
    parser.add_argument(
        "-k",
        "--top-k",
        type=_top_k,
        default=DEFAULT_TOP_K,
        metavar="K",
        help=f"{help_text} (1-{MAX_TOP_K}, default {DEFAULT_TOP_K})",
    )


def _add_mode(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-m", "--mode", choices=MODES, default=DEFAULT_MODE, help=f"retrieval mode (default {DEFAULT_MODE})"
    )


def _at_least(least: int) -> Callable[[str], int]:
    def whole_number(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
        if number < least:
            raise argparse.ArgumentTypeError(f"must be at least {least}: {value}")
        return number

    return whole_number


def _top_k(value: str) -> int:
    number = _at_least(1)(value)
    if number > MAX_TOP_K:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_TOP_K}: {value}")
    return number


def _configure_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("qa")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False


# --- feedback: `feedback stats` and `feedback export` over qa.feedback.store's store ---
# Self-contained: build_parser calls _add_feedback_commands; nothing else here
# refers to this block. sqlalchemy is imported only inside the commands.

FEEDBACK_DIR = Path("feedback")
QUESTION_COLUMN = 70  # characters of a question shown in the stats table


def _add_feedback_commands(commands: argparse._SubParsersAction) -> None:
    feedback = commands.add_parser("feedback", help="read the likes and dislikes people gave answers")
    actions = feedback.add_subparsers(dest="feedback_command", required=True, metavar="ACTION")
    stats = actions.add_parser("stats", help="votes per outcome, the most disliked questions, votes per index build")
    stats.add_argument(
        "-n", "--top", type=_at_least(1), default=10, metavar="N", help="most disliked questions to list (default 10)"
    )
    stats.add_argument("--json", action="store_true", help="print the figures as JSON")
    stats.set_defaults(run=run_feedback_stats)
    export = actions.add_parser("export", help="disliked answers as gold-set candidates, JSON Lines")
    export.add_argument("-o", "--out", type=Path, metavar="FILE", help="write to FILE instead of stdout")
    export.add_argument("--index-id", metavar="ID", help="only votes on this index build")
    export.set_defaults(run=run_feedback_export)
    for action in (stats, export):
        action.add_argument(
            "--feedback-db",
            metavar="URL",
            help=f"the store: sqlite:///PATH or postgresql://USER@HOST/DB (default {FEEDBACK_DIR}/feedback.sqlite3)",
        )
        # main() builds a Config from these for every command; feedback needs none.
        action.set_defaults(corpus=None, index=None, model=None)


def run_feedback_stats(args: argparse.Namespace, config: Config) -> int:
    from qa.errors import FeedbackNotFound
    from qa.feedback.store import EMPTY_STATS, FeedbackStore

    try:
        store = FeedbackStore.open(_feedback_url(args), create=False)
    except FeedbackNotFound as exc:
        if args.json:
            print(json.dumps(EMPTY_STATS.to_dict(), indent=2))
        print(exc, file=sys.stderr if args.json else sys.stdout)
        return 0
    with store:
        stats = store.stats(top=args.top)
    if args.json:
        print(json.dumps(stats.to_dict(), indent=2, ensure_ascii=False))
    elif not stats.votes:
        print(f"no votes yet in {store.name}")
    else:
        print(format_feedback_stats(stats, store.name))
    return 0


def run_feedback_export(args: argparse.Namespace, config: Config) -> int:
    from qa.errors import FeedbackNotFound
    from qa.feedback.store import FeedbackStore

    try:
        store = FeedbackStore.open(_feedback_url(args), create=False)
    except FeedbackNotFound as exc:
        print(exc, file=sys.stderr)
        return 0
    with store:
        candidates = [vote.to_gold_candidate() for vote in store.disliked(index_id=args.index_id)]
    if not candidates:
        which = f" on index {args.index_id}" if args.index_id is not None else ""
        print(f"no disliked answers{which} in {store.name}", file=sys.stderr)
        return 0
    lines = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in candidates)
    if args.out is None:
        sys.stdout.write(lines)
        return 0
    try:
        args.out.write_text(lines, encoding="utf-8")
    except OSError as exc:
        raise InvalidArgument(f"cannot write {args.out}: {exc.strerror}") from exc
    print(
        f"wrote {_count(len(candidates), 'gold-set candidate')} to {args.out} (fill in their evidence)", file=sys.stderr
    )
    return 0


def format_feedback_stats(stats, store_name: str) -> str:  # stats: qa.feedback.FeedbackStats
    from qa.tables import table

    counts = ", ".join(
        _count(n, noun) for n, noun in [(stats.votes, "vote"), (stats.likes, "like"), (stats.dislikes, "dislike")]
    )
    lines = [f"{store_name}: {counts}", ""]
    rows = [["outcome", "votes", "likes", "dislikes"]]
    rows += [[t.key, str(t.votes), str(t.likes), str(t.dislikes)] for t in stats.by_outcome]
    lines += [*table(rows), ""]
    if stats.most_disliked:
        rows = [["dislikes", "likes", "most disliked questions"]]
        rows += [[str(t.dislikes), str(t.likes), _shorten(t.key, QUESTION_COLUMN)] for t in stats.most_disliked]
        lines += [*table(rows), ""]
    rows = [["index build", "votes", "likes", "dislikes"]]
    rows += [[t.key or "-", str(t.votes), str(t.likes), str(t.dislikes)] for t in stats.by_index]
    return "\n".join(lines + table(rows))


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _feedback_url(args: argparse.Namespace) -> str:
    from qa.feedback.store import default_url

    return args.feedback_db or default_url(FEEDBACK_DIR)
