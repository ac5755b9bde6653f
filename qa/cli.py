"""The command line: ``python -m qa`` / ``cica-qa``.

Each subcommand parses its flags, calls one library function and formats
the result: readable text for people, ``--json`` for programs. Errors the
user can act on are one line on stderr with exit status 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from qa import __version__
from qa.config import DEFAULT_TOP_K, MAX_TOP_K, Config, config_from_env
from qa.errors import QAError
from qa.types import Answer

USAGE_ERROR = 2
DEFAULT_GOLD = Path("tests/data/gold.jsonl")
DEFAULT_OFF_TOPIC = Path("tests/data/offtopic.jsonl")
DEFAULT_FOLLOWUPS = Path("tests/data/followups.jsonl")


def main(argv: Sequence[str] | None = None) -> int:
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
    try:
        return args.run(args, config)
    except (QAError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``| head``); silence the final flush too.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cica-qa", description="Ask questions of the CICA interview: build the index, ask, evaluate."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="build the index (or say it is up to date)")
    _add_common(build)
    build.add_argument("-f", "--force", action="store_true", help="rebuild even if the index is up to date")
    build.add_argument("--max-tokens", type=_positive_int, help="largest passage in word pieces (default 128)")
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
    evaluate.add_argument(
        "-g",
        "--gold",
        type=Path,
        default=DEFAULT_GOLD,
        metavar="F",
        help=f"gold set, JSON Lines (default {DEFAULT_GOLD})",
    )
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
    _add_common(evaluate)
    evaluate.set_defaults(run=run_eval)
    _add_feedback_commands(commands)
    return parser


def run_build(args: argparse.Namespace, config: Config) -> int:
    from qa.indexing import build_index

    report = build_index(config, force=args.force, progress=sys.stderr.isatty())
    what = "built" if report.built else "up to date"
    detail = f" ({report.reason}; {report.embedded} texts embedded)" if report.built else ""
    print(
        f"index {what} in {config.index_dir}: {report.documents} documents, {report.passages} passages, "
        f"{report.sentences} sentences, {report.seconds:.2f} s{detail}"
    )
    return 0


def run_ask(args: argparse.Namespace, config: Config) -> int:
    from qa.search import clean_question

    questions = list(args.questions)
    if args.questions_file:
        questions += _read_questions(args.questions_file)
    if not questions:
        raise ValueError("no question given (pass QUESTION or --questions-file)")
    for number, question in enumerate(questions, start=1):
        try:
            clean_question(question)
        except ValueError as exc:
            raise ValueError(f"question {number}: {exc}") from None
    searcher = _open_searcher(config)
    for question in questions:
        answer = searcher.ask(question, k=args.top_k, mode=args.mode, previous=args.previous)
        if args.json:
            print(json.dumps(answer.to_dict(), ensure_ascii=False), flush=True)
        else:
            print(format_answer(answer), flush=True)
    return 0


def run_eval(args: argparse.Namespace, config: Config) -> int:
    from qa.evaluation import full_report, load_followups, load_gold, load_off_topic

    gold = load_gold(args.gold)
    off_topic_path = args.off_topic or (DEFAULT_OFF_TOPIC if DEFAULT_OFF_TOPIC.exists() else None)
    off_topic = load_off_topic(off_topic_path) if off_topic_path else []
    followups_path = args.followups or (DEFAULT_FOLLOWUPS if DEFAULT_FOLLOWUPS.exists() else None)
    followup_pairs = load_followups(followups_path) if followups_path else []
    searcher = _open_searcher(config)
    result = full_report(searcher, gold, off_topic, args.top_k, followup_pairs)
    print(json.dumps(result, indent=2, ensure_ascii=False) if args.json else format_report(result))
    return 0


def format_answer(answer: Answer) -> str:
    width = min(100, shutil.get_terminal_size((100, 20)).columns)
    lines = [f"Q: {answer.question}"]
    if answer.context:
        lines += textwrap.wrap(
            f"(read together with: {answer.context})", width, initial_indent="   ", subsequent_indent="   "
        )
    if answer.abstained:
        lines.append(f"A: The interview does not seem to cover this (confidence {answer.confidence:.2f}).")
        if answer.hits:
            lines.append("   The closest passages, low confidence:")
    else:
        lines += textwrap.wrap(answer.sentence.text, width, initial_indent="A: ", subsequent_indent="   ")
        lines.append(f"   (confidence {answer.confidence:.2f})")
    for hit in answer.hits:
        p = hit.passage
        lines.append("")
        lines.append(f"  [{hit.rank}] score {hit.score:.3f}  {p.source}, paragraph {p.paragraph}")
        lines += textwrap.wrap(f"In reply to: {p.section}", width, initial_indent="      ", subsequent_indent="      ")
        lines += textwrap.wrap(p.text, width, initial_indent="      | ", subsequent_indent="      | ")
    return "\n".join(lines) + "\n"


def format_report(result: dict) -> str:
    columns = ["questions", "hit@1", "hit@3", "hit@5", "mrr@10", "ndcg@10", "answer_accuracy"]
    rows = [["mode", "split", "n", "hit@1", "hit@3", "hit@5", "MRR@10", "nDCG@10", "answer"]]
    for mode, splits in result["modes"].items():
        for split, metrics in splits.items():
            if metrics.get("questions"):
                rows.append(
                    [mode, split, *(f"{metrics[c]:.3f}" if c != "questions" else str(metrics[c]) for c in columns)]
                )
    lines = _table(rows)
    rows = [["abstention", "off-topic abstained", "in-domain wrongly abstained"]]
    for split, figures in result["abstention"].items():
        rows.append([split, _share(figures, "off_topic"), _share(figures, "in_domain")])
    lines += ["", *_table(rows), ""]
    if result["followups"]:
        rows = [["follow-ups", "n", "hit@3 alone", "hit@3 with previous question"]]
        for split, figures in result["followups"].items():
            rows.append(
                [
                    split,
                    str(figures["questions"]),
                    f"{figures['hit@3_alone']:.3f}",
                    f"{figures['hit@3_with_previous']:.3f}",
                ]
            )
        lines += [*_table(rows), ""]
    misses = result["misses"]
    lines.append(
        f"{result['mode']} misses (no relevant passage in the top {result['top_k']}, "
        f"a wrong answer sentence, or an abstention): {len(misses)}"
    )
    for miss in misses:
        rank = miss["first_relevant_rank"] or "-"
        mark = "abstained" if miss["abstained"] else "answer ok" if miss["answer_correct"] else "answer wrong"
        lines.append(f"  {miss['id']} [{miss['split']}] rank {rank}, {mark}: {miss['question']}")
    for source, paragraphs in result["uncovered_paragraphs"].items():
        lines.append(f"paragraphs of {source} no gold question reaches: {', '.join(map(str, paragraphs))}")
    if result["evidence_not_in_index"]:
        lines.append(f"gold evidence found in no passage: {', '.join(result['evidence_not_in_index'])}")
    return "\n".join(lines)


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]


def _share(figures: dict, kind: str) -> str:
    total, share = figures[kind], figures[f"{kind}_abstained"]
    return "-" if not total else f"{round(share * total)}/{total} ({share:.3f})"


def _open_searcher(config: Config):  # -> qa.search.Searcher, imported lazily
    from qa.indexing import open_index
    from qa.search import Searcher

    return Searcher(*open_index(config))


def _read_questions(path: Path) -> list[str]:
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"cannot read questions file {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"questions file {path} is not UTF-8 text") from exc
    return [line for line in text.splitlines() if line.strip()]


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, metavar="DIR", help="corpus directory (default: corpus, or $QA_CORPUS)")
    parser.add_argument("--index", type=Path, metavar="DIR", help="index directory (default: index, or $QA_INDEX)")
    parser.add_argument(
        "--model",
        metavar="M",
        help="sentence-transformers model name or path (default: the packaged all-MiniLM-L6-v2, or $QA_MODEL)",
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
    from qa.search import DEFAULT_MODE, MODES

    parser.add_argument(
        "-m", "--mode", choices=MODES, default=DEFAULT_MODE, help=f"retrieval mode (default {DEFAULT_MODE})"
    )


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return number


def _top_k(value: str) -> int:
    number = _positive_int(value)
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


# --- feedback: `feedback stats` and `feedback export` over qa.feedback's store ---
# Self-contained: build_parser calls _add_feedback_commands; nothing else here
# refers to this block. sqlalchemy is imported only inside the commands.

FEEDBACK_DIR = Path("feedback")
QUESTION_COLUMN = 70  # characters of a question shown in the stats table


def _add_feedback_commands(commands: argparse._SubParsersAction) -> None:
    feedback = commands.add_parser("feedback", help="read the likes and dislikes people gave answers")
    actions = feedback.add_subparsers(dest="feedback_command", required=True, metavar="ACTION")
    stats = actions.add_parser("stats", help="votes per outcome, the most disliked questions, votes per index build")
    stats.add_argument(
        "-n", "--top", type=_positive_int, default=10, metavar="N", help="most disliked questions to list (default 10)"
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
    from qa.feedback import EMPTY_STATS, FeedbackStore

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
    from qa.feedback import FeedbackStore

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
        raise ValueError(f"cannot write {args.out}: {exc.strerror}") from exc
    print(
        f"wrote {_count(len(candidates), 'gold-set candidate')} to {args.out} (fill in their evidence)", file=sys.stderr
    )
    return 0


def format_feedback_stats(stats, store_name: str) -> str:  # stats: qa.feedback.FeedbackStats
    counts = ", ".join(
        _count(n, noun) for n, noun in [(stats.votes, "vote"), (stats.likes, "like"), (stats.dislikes, "dislike")]
    )
    lines = [f"{store_name}: {counts}", ""]
    rows = [["outcome", "votes", "likes", "dislikes"]]
    rows += [[t.key, str(t.votes), str(t.likes), str(t.dislikes)] for t in stats.by_outcome]
    lines += [*_table(rows), ""]
    if stats.most_disliked:
        rows = [["dislikes", "likes", "most disliked questions"]]
        rows += [[str(t.dislikes), str(t.likes), _shorten(t.key, QUESTION_COLUMN)] for t in stats.most_disliked]
        lines += [*_table(rows), ""]
    rows = [["index build", "votes", "likes", "dislikes"]]
    rows += [[t.key or "-", str(t.votes), str(t.likes), str(t.dislikes)] for t in stats.by_index]
    return "\n".join(lines + _table(rows))


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _feedback_url(args: argparse.Namespace) -> str:
    from qa.feedback import default_url

    return args.feedback_db or default_url(FEEDBACK_DIR)
