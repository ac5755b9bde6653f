"""``eval`` and ``tune``: measuring the system on the question sets, and fitting
its scoring models on their dev split."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from qa.cli.args import add_common, add_top_k, checkout_data
from qa.config import DEFAULT_MODE, MODES, Config
from qa.errors import InvalidArgument
from qa.types import Passage

if TYPE_CHECKING:
    from qa.eval.datasets import GoldQuestion
    from qa.eval.metrics import QuestionResult

# The evaluation sets ship with the package (qa/eval/data), so eval runs from any directory.
EVAL_DATA = Path(__file__).resolve().parent.parent / "eval" / "data"
DEFAULT_GOLD = EVAL_DATA / "gold.jsonl"
DEFAULT_OFF_TOPIC = EVAL_DATA / "offtopic.jsonl"
DEFAULT_FOLLOWUPS = EVAL_DATA / "followups.jsonl"
DEFAULT_GOLD_SETS = (DEFAULT_GOLD, EVAL_DATA / "gold_styles.jsonl")
QUESTION_SETS = ("en-", "ru-", "kk-", "zh-", "glance-")  # the blind sets (glance- sets are judged by their points)


def register(commands: argparse._SubParsersAction) -> None:
    evaluate = commands.add_parser("eval", help="measure retrieval against a gold set")
    add_gold(evaluate)
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
    add_top_k(evaluate, help_text="a question misses when no relevant passage is in the top K")
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")
    evaluate.add_argument("--plot", type=Path, metavar="PNG", help="save the risk-coverage curve (needs matplotlib)")
    evaluate.add_argument(
        "--run-out", type=Path, metavar="FILE", help="write the ranking as a TREC run, for trec_eval, ir_measures, ranx"
    )
    evaluate.add_argument("--qrels-out", type=Path, metavar="FILE", help="write the relevance judgements as TREC qrels")
    evaluate.add_argument(
        "--run-mode", choices=MODES, help=f"the mode --run-out writes (default {DEFAULT_MODE}); needs --run-out"
    )
    evaluate.add_argument(
        "--blind",
        type=Path,
        action="append",
        metavar="F",
        help="a blind set (repeatable; 'all' for every set in qa/eval/data/blind): what the answers claim on "
        "questions written by outsiders, reported apart from the sets the system is tuned on; a glance set "
        "(about the interview, summaries, lists): the recall of its points on the answer alone",
    )
    add_common(evaluate)
    evaluate.set_defaults(run=run_eval)

    tune = commands.add_parser("tune", help="fit the scoring models on the dev split, with cross-validation")
    add_gold(tune)
    tune.add_argument(
        "--off-topic", type=Path, default=DEFAULT_OFF_TOPIC, metavar="F", help="near-misses are its kind near-miss"
    )
    tune.add_argument("--write", action="store_true", help="write the fitted models to qa/build/data/scoring.json")
    add_common(tune)
    tune.set_defaults(run=run_tune)


def run_eval(args: argparse.Namespace, config: Config) -> int:
    from qa import open_searcher
    from qa.eval.datasets import load_followups, load_gold_sets, load_off_topic
    from qa.eval.evaluation import evaluate_modes, full_report

    if args.run_out is not None and args.run_out == args.qrels_out:
        raise InvalidArgument(f"--run-out and --qrels-out are both {args.run_out}: give two files")
    if args.plot is not None:
        _check_plot_path(args.plot)
    if args.run_mode is not None and args.run_out is None:
        raise InvalidArgument("--run-mode picks the run --run-out writes: give --run-out FILE too")
    run_mode = args.run_mode or DEFAULT_MODE
    if args.blind:
        return _run_blind(args, config)
    gold_sets = load_gold_sets(args.gold or list(DEFAULT_GOLD_SETS))
    off_topic_path = args.off_topic or (DEFAULT_OFF_TOPIC if DEFAULT_OFF_TOPIC.exists() else None)
    off_topic = load_off_topic(off_topic_path) if off_topic_path else []
    followups_path = args.followups or (DEFAULT_FOLLOWUPS if DEFAULT_FOLLOWUPS.exists() else None)
    followup_pairs = load_followups(followups_path) if followups_path else []
    searcher = open_searcher(config)
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


def _run_blind(args: argparse.Namespace, config: Config) -> int:
    """``eval --blind F``: the blind sets alone, each reported apart."""
    from qa import open_searcher
    from qa.eval.blind import by_language, evaluate_blind, load_blind
    from qa.eval.glance import evaluate_glance, is_glance_set, load_glance
    from qa.index.documents import load_corpus

    paths = []
    for path in args.blind:
        paths += (
            [p for p in sorted((EVAL_DATA / "blind").glob("*.jsonl")) if p.name.startswith(QUESTION_SETS)]
            if str(path) == "all"
            else [path]
        )
    paths = [path for path in paths if path.name != "audit.jsonl"]
    glance = [(path.name, load_glance(path)) for path in paths if is_glance_set(path)]
    sets = [(path.name, load_blind(path)) for path in paths if not is_glance_set(path)]
    searcher = open_searcher(config)
    texts = {d.source: d.text for d in load_corpus(config.corpus_dir)}
    reports = [evaluate_blind(searcher, name, questions, texts, args.top_k) for name, questions in sets]
    glances = [evaluate_glance(searcher, name, questions, texts, args.top_k) for name, questions in glance]
    if args.json:
        print(json.dumps([r.to_dict() for r in [*reports, *glances]], indent=2, ensure_ascii=False))
    else:
        tables = [r.to_table() for r in [*reports, *glances]]
        print("\n\n".join([*tables, *(["\n".join(by_language(reports))] if reports else [])]))
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
    from qa import open_searcher
    from qa.eval.datasets import load_gold_sets, load_off_topic
    from qa.eval.tuning import tune, write

    gold_files = args.gold or list(DEFAULT_GOLD_SETS)
    gold = [item for items in load_gold_sets(gold_files).values() for item in items]
    near_misses = [item for item in load_off_topic(args.off_topic) if item.kind == "near-miss"]
    target = checkout_data() / "scoring.json" if args.write else None  # refused before the work, not after
    report = tune(open_searcher(config), gold, near_misses)
    print(report.to_table())
    if target is not None:
        write(report, target, [*gold_files, args.off_topic])
        print(f"wrote {target}; the next ask or build recalibrates the index")
    return 0


def add_gold(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-g",
        "--gold",
        type=Path,
        action="append",
        metavar="F",
        help=f"gold set, JSON Lines (repeatable; default {', '.join(map(str, DEFAULT_GOLD_SETS))})",
    )
