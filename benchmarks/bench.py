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
    untimed run of each (page cache); peak RSS of those processes;
  - warm ask: top-5 latency in this process, ``Searcher.ask(q, k=5)`` (hybrid), then model.encode +
    index.search, over --questions questions from qa/eval/data/gold.jsonl and offtopic.jsonl, cycled;
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
import json
import os
import platform
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import naive
import numpy as np
import synthetic

from qa.config import quiet

quiet(os.environ)  # nothing downloaded or reported, in this process and the ones it starts

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
PYTHON = sys.executable
QUESTION_FILES = (ROOT / "qa" / "eval" / "data" / "gold.jsonl", ROOT / "qa" / "eval" / "data" / "offtopic.jsonl")
APP_QUESTION = "When did Kuwait join?"
SUBPROCESS_TIMEOUT = 600.0
BUILD_TIMEOUT = 4 * 3600.0
APP_TIMEOUT = 120.0
WARMUP_QUESTIONS = 5
MIN_RECALL_QUERIES = 200
RECALL_K = 10
RECALL_KS = (RECALL_K, 50)  # 50: the dense candidates hybrid search takes (qa.search.CANDIDATES)
POLL_SECONDS = 0.1

Row = tuple[str, str, str, str]


@dataclass(frozen=True)
class Run:
    """One finished subprocess: wall seconds, its own peak RSS, what it printed."""

    seconds: float
    max_rss_mb: float
    stdout: str


@dataclass(frozen=True)
class Sample:
    values: tuple[float, ...]

    @property
    def median(self) -> float:
        return float(np.median(self.values))

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.values, q))

    def spread(self, scale: float = 1.0, digits: int = 2) -> str:
        """The median, then (min-max), times ``scale`` (1000 for seconds -> ms)."""
        low, mid, high = (scale * v for v in (min(self.values), self.median, max(self.values)))
        return f"{mid:.{digits}f} ({low:.{digits}f}-{high:.{digits}f})"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def child_env(**extra: str) -> dict[str, str]:
    """This environment without the project's QA_* settings (flags say everything), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    return {**env, **extra}


def run_measured(command: Sequence[str], cwd: Path, timeout: float = SUBPROCESS_TIMEOUT) -> Run:
    """Run ``command`` to the end; its wall time and peak RSS (os.wait4's rusage of that child alone)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(list(command), cwd=cwd, env=child_env(), stdout=out, stderr=err)
        try:
            status, usage = _wait(process, started + timeout)
        except BaseException:  # interrupted: leave no child behind
            if process.returncode is None:
                process.kill()
                process.wait()
            raise
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{shlex.join(command)} exited with {process.returncode}: {stderr.strip()[-2000:]}")
    return Run(seconds, usage.ru_maxrss / 1024, stdout)


def _wait(process: subprocess.Popen, deadline: float) -> tuple[int, Any]:
    """Reap ``process`` with os.wait4 (Popen.wait gives no rusage), killing it at ``deadline``."""
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return status, usage
        if time.perf_counter() > deadline:
            process.kill()
            os.wait4(process.pid, 0)
            process.returncode = -9
            raise TimeoutError(f"{process.args} did not finish in time")
        time.sleep(0.001)


def load_questions() -> list[str]:
    """Gold questions, then off-topic ones (the order they are cycled in)."""
    rows = [json.loads(line) for path in QUESTION_FILES for line in path.read_text().splitlines() if line.strip()]
    return [row["question"] for row in rows]


def model_path() -> str:
    from qa.index.embedding import resolve_model

    return resolve_model(None).location


def project_build(corpus: Path, index: Path, cwd: Path, timeout: float = SUBPROCESS_TIMEOUT) -> Run:
    return run_measured([PYTHON, "-m", "qa", "build", "--corpus", str(corpus), "--index", str(index)], cwd, timeout)


def project_ask(question: str, corpus: Path, index: Path, cwd: Path) -> Run:
    return run_measured([PYTHON, "-m", "qa", "ask", question, "--corpus", str(corpus), "--index", str(index)], cwd)


def naive_build(corpus: Path, out: Path, cwd: Path) -> Run:
    script = str(BENCH_DIR / "naive.py")
    command = [PYTHON, script, "build", "--corpus", str(corpus), "--out", str(out), "--model", model_path()]
    return run_measured(command, cwd)


def naive_ask(question: str, out: Path, cwd: Path) -> Run:
    script = str(BENCH_DIR / "naive.py")
    return run_measured([PYTHON, script, "ask", question, "--out", str(out), "--model", model_path()], cwd)


# --- measurements on the interview -------------------------------------------------------------


@dataclass(frozen=True)
class Builds:
    cold: list[Run]
    noop: list[Run]
    naive: list[Run]
    index: Path  # the project's last cold build, kept
    naive_out: Path  # the naive pipeline's last build, kept


def measure_builds(corpus: Path, workdir: Path, runs: int) -> Builds:
    """Cold project builds (each into a fresh directory) alternating with naive builds, then no-op builds."""
    cold, naive_runs = [], []
    for number in range(runs):
        index, naive_out = workdir / f"index-{number}", workdir / f"naive-{number}"
        for stale in (workdir / f"index-{number - 1}", workdir / f"naive-{number - 1}"):
            shutil.rmtree(stale, ignore_errors=True)  # one of each is kept at a time (the ONNX file is 90 MB)
        cold.append(project_build(corpus, index, workdir))
        naive_runs.append(naive_build(corpus, naive_out, workdir))
        log(f"build {number + 1}/{runs}: project {cold[-1].seconds:.2f} s, naive {naive_runs[-1].seconds:.2f} s")
    noop = [project_build(corpus, index, workdir) for _ in range(runs)]
    if any("up to date" not in run.stdout for run in noop):
        raise RuntimeError(f"a second build was not a no-op: {noop[0].stdout.strip()}")
    log(f"no-op builds: {Sample(tuple(r.seconds for r in noop)).spread()} s")
    return Builds(cold, noop, naive_runs, index, naive_out)


def measure_cold_asks(
    questions: list[str], corpus: Path, builds: Builds, workdir: Path, runs: int
) -> tuple[list[Run], list[Run]]:
    """Alternating fresh processes, one untimed pair first; run i asks question i of each."""
    project_ask(questions[-1], corpus, builds.index, workdir)
    naive_ask(questions[-1], builds.naive_out, workdir)
    project_runs, naive_runs = [], []
    for number in range(runs):
        question = questions[number % len(questions)]
        project_runs.append(project_ask(question, corpus, builds.index, workdir))
        if not project_runs[-1].stdout.startswith("Q: "):
            raise RuntimeError(f"unexpected output of qa ask: {project_runs[-1].stdout[:200]!r}")
        naive_runs.append(naive_ask(question, builds.naive_out, workdir))
        times = f"project {project_runs[-1].seconds:.2f} s, naive {naive_runs[-1].seconds:.2f} s"
        log(f"cold ask {number + 1}/{runs}: {times}")
    return project_runs, naive_runs


def latencies(ask: Callable[[str], object], questions: list[str], count: int) -> Sample:
    """Seconds per call of ``ask`` over ``count`` questions cycled, after a few untimed ones."""
    for question in questions[:WARMUP_QUESTIONS]:
        ask(question)
    times = []
    for number in range(count):
        question = questions[number % len(questions)]
        started = time.perf_counter()
        ask(question)
        times.append(time.perf_counter() - started)
    return Sample(tuple(times))


def open_searcher(corpus: Path, index: Path) -> Any:
    import qa
    from qa.config import Config

    return qa.open_searcher(Config(corpus_dir=corpus, index_dir=index))


def warm_asks(corpus: Path, builds: Builds, questions: list[str], count: int) -> tuple[Sample, Sample]:
    """In this process: the project's top-5 hybrid ask, then the naive encode + search. One after
    the other, not taking turns: the project never has torch in its query processes, and once
    torch's threads were started, the project's asks taking turns with it were slower (trial:
    p50 3.8 ms alone, 8.9 ms taking turns)."""
    searcher = open_searcher(corpus, builds.index)
    project = latencies(lambda q: searcher.ask(q, k=5), questions, count)
    model, dense, passages = naive.load(builds.naive_out, model_path())
    return project, latencies(lambda q: naive.search(model, dense, passages, q, 5), questions, count)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def app_ready(corpus: Path, index: Path, workdir: Path) -> tuple[float, float]:
    """Seconds from starting ``python app.py`` until ``/ask`` answers through gradio_client, and the
    app's peak RSS in MB then. The app is terminated whatever happens."""
    from gradio_client import Client  # imported before the clock starts

    port = free_port()
    command = [PYTHON, str(ROOT / "app.py"), "--corpus", str(corpus), "--index", str(index)]
    with open(workdir / "app.log", "wb") as app_log:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=workdir, env=child_env(GRADIO_SERVER_PORT=str(port)), stdout=app_log, stderr=app_log
        )
        try:
            poll_app(Client, f"http://127.0.0.1:{port}/", process, started + APP_TIMEOUT)
            seconds = time.perf_counter() - started
            return seconds, _peak_rss_mb(process.pid)
        finally:
            stop_app(process)


def stop_app(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """Terminate a launched app, killing it if it has not exited after ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def poll_app(client_class: Any, url: str, process: subprocess.Popen, deadline: float) -> None:
    """Return once ``/ask`` at ``url`` answers with passages; raise if the app exits or ``deadline`` passes."""
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app.py exited with {process.returncode} before it was ready")
        try:
            result = client_class(url, verbose=False).predict(APP_QUESTION, 5, api_name="/ask")
        except Exception:  # not listening yet, or Gradio still starting: any failure means "not ready"
            time.sleep(POLL_SECONDS)
            continue
        if not isinstance(result, dict) or not result.get("passages"):
            raise RuntimeError(f"unexpected /ask result: {str(result)[:200]}")
        return
    raise TimeoutError(f"app.py did not answer within {APP_TIMEOUT:.0f} s")


def _peak_rss_mb(pid: int) -> float:
    """VmHWM of a running process (Linux), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- the synthetic corpus at scale ------------------------------------------------------------


def directory_mb(path: Path, skip: frozenset[str] = frozenset()) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and f.name not in skip) / 1e6


def recall_queries(count: int, seed: int, passages: list[Any]) -> list[str]:
    """Varied interview sentences that are not the text of any passage."""
    texts = {p.text for p in passages}
    made = [q for q in synthetic.queries(2 * count, seed + 1) if q not in texts]
    return made[:count]


def timed_searches(index: Any, vectors: np.ndarray, k: int) -> tuple[np.ndarray, Sample]:
    """Top-k ids of each query, one query per search call, and the seconds per call."""
    ids, times = [], []
    for vector in vectors:
        started = time.perf_counter()
        _, found = index.search(vector[None, :], k)
        times.append(time.perf_counter() - started)
        ids.append(found[0])
    return np.array(ids), Sample(tuple(times))


@dataclass(frozen=True)
class DenseComparison:
    kind: str  # the built index's class, with its HNSW settings
    queries: int
    recall: dict[int, float]  # k -> mean share of the exact top k that the project's index returns
    approximate: Sample  # seconds per one-query search, k = RECALL_K
    exact: Sample
    approximate_build: float  # seconds for qa.build.dense_index on these vectors
    exact_build: float


def overlap(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of each row of ``truth`` (exact top-k ids) that the same row of ``found`` holds."""
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth, strict=True)]))


def compare_dense(stored: Any, embedder: Any, queries: list[str]) -> DenseComparison:
    """The dense index the project built and queries (its vectors read back) against exact search."""
    import faiss

    from qa.build.builder import dense_index

    vectors = stored.reconstruct_n(0, stored.ntotal)
    started = time.perf_counter()
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    exact_build = time.perf_counter() - started
    started = time.perf_counter()
    dense_index(vectors)  # how long the project's choice at this size takes to build
    approximate_build = time.perf_counter() - started
    query_vectors = embedder.encode(queries)
    searches = {
        k: (timed_searches(stored, query_vectors, k), timed_searches(exact, query_vectors, k)) for k in RECALL_KS
    }
    recall = {k: overlap(found[0], truth[0]) for k, (found, truth) in searches.items()}
    (_, approximate), (_, exact_sample) = searches[RECALL_K]
    kind = type(stored).__name__
    if hasattr(stored, "hnsw"):
        kind += f" (M {stored.hnsw.nb_neighbors(1)}, efSearch {stored.hnsw.efSearch})"
    return DenseComparison(kind, len(queries), recall, approximate, exact_sample, approximate_build, exact_build)


@dataclass(frozen=True)
class Scale:
    documents: int
    passages: int
    build: Run
    noop: Sample
    cold: list[Run]
    opened: float  # seconds for qa.open_searcher in this process
    warm: Sample
    index: Path


def synthetic_rows(args: argparse.Namespace, questions: list[str], workdir: Path) -> list[Row]:
    from qa.index.store import read_manifest

    corpus, index = workdir / "synthetic", workdir / "synthetic-index"
    synthetic.generate(corpus, args.synthetic_documents, args.seed)
    log(f"synthetic corpus: {args.synthetic_documents} documents; building (this takes a while)")
    build = project_build(corpus, index, workdir, BUILD_TIMEOUT)
    passages = read_manifest(index).counts.passages
    log(f"synthetic build: {passages} passages in {build.seconds:.0f} s")
    repeats = min(3, args.runs)
    noop = Sample(tuple(project_build(corpus, index, workdir).seconds for _ in range(repeats)))
    cold = [project_ask(questions[n], corpus, index, workdir) for n in range(repeats)]
    started = time.perf_counter()
    searcher = open_searcher(corpus, index)
    opened = time.perf_counter() - started
    warm = latencies(lambda q: searcher.ask(q, k=5), questions, args.questions)
    log(f"synthetic warm ask p50 {1000 * warm.median:.1f} ms; comparing dense indexes")
    queries = recall_queries(max(args.questions, MIN_RECALL_QUERIES), args.seed, searcher.passages)
    dense = compare_dense(searcher.index.dense, searcher.embedder, queries)
    scale = Scale(args.synthetic_documents, passages, build, noop, cold, opened, warm, index)
    return scale_rows(scale) + dense_rows(dense)


def scale_rows(scale: Scale) -> list[Row]:
    without_encoder = directory_mb(scale.index, frozenset({"encoder.onnx"}))
    figures = [
        ("documents / passages", f"{scale.documents} / {scale.passages}"),
        ("build, cold (s)", f"{scale.build.seconds:.1f}"),
        ("build throughput (passages/s)", f"{scale.passages / scale.build.seconds:.1f}"),
        ("build peak RSS (MB)", f"{scale.build.max_rss_mb:.0f}"),
        ("index on disk, all files (MB)", f"{directory_mb(scale.index):.1f}"),
        ("index on disk without encoder.onnx (MB)", f"{without_encoder:.1f}"),
        ("  of which the embedding cache/ (MB)", f"{directory_mb(scale.index / 'cache'):.1f}"),
        ("build, no-op (s, median (min-max))", scale.noop.spread()),
        ("cold ask, end to end (s, median (min-max))", Sample(tuple(r.seconds for r in scale.cold)).spread()),
        ("cold ask peak RSS (MB, max)", f"{max(r.max_rss_mb for r in scale.cold):.0f}"),
        ("open_searcher in-process (s)", f"{scale.opened:.2f}"),
        ("warm ask top-5 hybrid p50 (ms)", f"{1000 * scale.warm.median:.2f}"),
        ("warm ask top-5 hybrid p95 (ms)", f"{1000 * scale.warm.percentile(95):.2f}"),
    ]
    return [(metric, value, "–", "–") for metric, value in figures]


def dense_rows(dense: DenseComparison) -> list[Row]:
    speedup = dense.exact.median / dense.approximate.median
    return [
        ("dense index (project vs exact IndexFlatIP)", dense.kind, "IndexFlatIP", "–"),
        *(
            (f"recall@{k} vs exact ({dense.queries} queries)", f"{dense.recall[k]:.4f}", "1 (by definition)", "–")
            for k in RECALL_KS
        ),
        (
            f"dense search, one query, top {RECALL_K} (ms, p50)",
            f"{1000 * dense.approximate.median:.3f}",
            f"{1000 * dense.exact.median:.3f}",
            f"{speedup:.1f}×",
        ),
        (
            f"dense search, one query, top {RECALL_K} (ms, p95)",
            f"{1000 * dense.approximate.percentile(95):.3f}",
            f"{1000 * dense.exact.percentile(95):.3f}",
            f"{dense.exact.percentile(95) / dense.approximate.percentile(95):.1f}×",
        ),
        ("dense index build from the vectors (s)", f"{dense.approximate_build:.2f}", f"{dense.exact_build:.2f}", "–"),
    ]


# --- the interview table ----------------------------------------------------------------------


def ratio(project: float, naive_value: float) -> str:
    return f"{naive_value / project:.1f}×" if project > 0 else "–"


def interview_rows(args: argparse.Namespace, questions: list[str], workdir: Path) -> tuple[list[Row], dict]:
    corpus = workdir / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    builds = measure_builds(corpus, workdir, args.runs)
    project_cold, naive_cold = measure_cold_asks(questions, corpus, builds, workdir, args.runs)
    warm, warm_n = warm_asks(corpus, builds, questions, args.questions)
    log(f"warm ask p50: project {1000 * warm.median:.2f} ms, naive {1000 * warm_n.median:.2f} ms")
    app_seconds, app_rss = app_ready(corpus, builds.index, workdir)
    log(f"app ready in {app_seconds:.2f} s")
    seconds = {name: Sample(tuple(r.seconds for r in runs)) for name, runs in (
        ("cold", project_cold), ("naive_cold", naive_cold), ("build", builds.cold),
        ("naive_build", builds.naive), ("noop", builds.noop),
    )}  # fmt: skip
    rss = {name: float(np.median([r.max_rss_mb for r in runs])) for name, runs in (
        ("cold", project_cold), ("naive_cold", naive_cold), ("build", builds.cold), ("naive_build", builds.naive),
    )}  # fmt: skip
    figures = {"cold": seconds["cold"].median, "cold_ratio": seconds["naive_cold"].median / seconds["cold"].median,
               "warm_p50": warm.median, "noop": seconds["noop"].median, "app": app_seconds}  # fmt: skip
    rows: list[Row] = [
        ("cold ask, end to end (s, median (min-max))", seconds["cold"].spread(), seconds["naive_cold"].spread(),
         ratio(seconds["cold"].median, seconds["naive_cold"].median)),
        ("cold ask peak RSS (MB, median)", f"{rss['cold']:.0f}", f"{rss['naive_cold']:.0f}",
         ratio(rss["cold"], rss["naive_cold"])),
        ("warm ask top-5 p50 (ms; project hybrid, naive dense)", f"{1000 * warm.median:.2f}",
         f"{1000 * warm_n.median:.2f}", ratio(warm.median, warm_n.median)),
        ("warm ask top-5 p95 (ms)", f"{1000 * warm.percentile(95):.2f}", f"{1000 * warm_n.percentile(95):.2f}",
         ratio(warm.percentile(95), warm_n.percentile(95))),
        ("build, cold: fresh index, empty cache (s)", seconds["build"].spread(), seconds["naive_build"].spread(),
         ratio(seconds["build"].median, seconds["naive_build"].median)),
        ("build peak RSS (MB, median)", f"{rss['build']:.0f}", f"{rss['naive_build']:.0f}",
         ratio(rss["build"], rss["naive_build"])),
        ("build, no-op (s)", seconds["noop"].spread(), "– (always rebuilds)", "–"),
        ("app.py: start to first /ask answer (s)", f"{app_seconds:.2f}", "–", "–"),
        ("app.py peak RSS at ready (MB)", f"{app_rss:.0f}", "–", "–"),
    ]  # fmt: skip
    return rows, figures


def targets(figures: dict) -> list[str]:
    checks = [
        ("cold `qa ask` median <= 1.0 s", figures["cold"] <= 1.0, f"{figures['cold']:.2f} s"),
        (">= 8x faster than naive cold", figures["cold_ratio"] >= 8, f"{figures['cold_ratio']:.1f}×"),
        ("warm p50 <= 5 ms (top-5 hybrid)", figures["warm_p50"] <= 0.005, f"{1000 * figures['warm_p50']:.2f} ms"),
        ("no-op build median <= 0.5 s", figures["noop"] <= 0.5, f"{figures['noop']:.2f} s"),
        ("app ready within 10 s", figures["app"] <= 10, f"{figures['app']:.2f} s"),
    ]
    return [f"- {name}: {value} — {'met' if ok else 'NOT met'}" for name, ok, value in checks]


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
