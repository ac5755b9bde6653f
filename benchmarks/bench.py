"""Benchmarks: this project against a naive sentence-transformers + FAISS pipeline, side by side, in one run.

    . .venv/bin/activate
    python benchmarks/bench.py [--runs 7] [--questions 200] [--synthetic-documents 0] [--seed 0] [--only-synthetic]

The naive pipeline is benchmarks/naive.py: encode every paragraph with
sentence-transformers into a FAISS IndexFlatIP; a question is a fresh process
that imports sentence-transformers, loads the model, the index and the
passages, encodes the question and prints the top 5.

On the interview (a copy of corpus/ in a temporary directory):
  - cold ask: ``python -m qa ask Q --corpus C --index I`` vs ``naive.py ask``, a new process each,
    the index already built; median (min-max) of --runs, a different question each run, after one
    untimed run of each (page cache); peak RSS of those processes; and the project's cold ask of a
    Russian question (qa/train/data/dev-ru-d1.jsonl), the same way, taking turns with the others;
  - warm ask: top-5 latency in this process, ``Searcher.ask(q, k=5)`` (hybrid), then model.encode +
    index.search, over --questions questions from qa/eval/data/gold.jsonl and offtopic.jsonl, cycled;
    the project's also over --questions of the Russian and of the Chinese dev questions
    (qa/train/data/dev-ru-d1.jsonl, dev-zh-d1.jsonl; never the blind sets);
  - build: ``python -m qa build`` into a fresh index directory (so an empty embedding cache), the
    same command again (no-op), and ``naive.py build``;
  - app: ``python app.py`` on a free port until gradio_client's ``/ask`` answers.
With --synthetic-documents N: a corpus from benchmarks/synthetic.py built by the project (passages,
time, throughput, size on disk, peak RSS, warm and cold ask at that size), and its dense index
(HNSW above qa.build.APPROXIMATE_ABOVE passages) against exact IndexFlatIP on the same vectors,
read back from the built index: recall@10 and time per search over >= 200 queries.

Everything is written under a temporary directory (/tmp/bench-*), removed at the end; the project's
corpus/ and index/ are only read. Progress goes to stderr; the tables to stdout.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench_interview import interview_rows, targets
from bench_scale import synthetic_rows
from common import Row, load_questions


def markdown(rows: list[Row], header: Row) -> str:
    lines = [f"| {' | '.join(header)} |", "|" + "---|" * len(header)]
    return "\n".join([*lines, *(f"| {' | '.join(row)} |" for row in rows)])


def machine() -> str:
    """CPUs, versions, and how busy the machine is (load average; CPU pressure, where Linux has it)."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    try:
        pressure = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except OSError:
        pressure = "n/a"
    return (
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}; "
        f"load average {load}; CPU pressure {pressure}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="This project against a naive pipeline, side by side.")
    parser.add_argument("--runs", type=int, default=7, help="runs of each subprocess measurement (default 7)")
    parser.add_argument("--questions", type=int, default=200, help="questions for warm latency (default 200)")
    parser.add_argument("--synthetic-documents", type=int, default=0, help="also benchmark a synthetic corpus")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic corpus (default 0)")
    parser.add_argument("--only-synthetic", action="store_true", help="skip the interview measurements")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.questions < 1 or args.synthetic_documents < 0:
        parser.error("--runs and --questions must be at least 1, --synthetic-documents at least 0")
    started, before = time.perf_counter(), machine()
    questions = load_questions()
    workdir = Path(tempfile.mkdtemp(prefix="bench-", dir="/tmp"))
    output = []
    try:
        if not args.only_synthetic:
            rows, figures = interview_rows(args, questions, workdir)
            header = ("metric (interview)", "this project", "naive", "ratio naive/project")
            output += [markdown(rows, header), "", "Targets:", *targets(figures), ""]
        if args.synthetic_documents:
            header = ("metric (synthetic corpus)", "this project", "naive / exact", "ratio")
            output += [markdown(synthetic_rows(args, questions, workdir), header), ""]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    minutes = (time.perf_counter() - started) / 60
    print("\n".join(output))
    print(f"command: {shlex.join(['python', 'benchmarks/bench.py', *(argv if argv is not None else sys.argv[1:])])}")
    print(f"machine before: {before}")
    print(f"machine after:  {machine()}; took {minutes:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
