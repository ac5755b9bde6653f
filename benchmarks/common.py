"""What the benchmarks share (bench.py and load.py): subprocesses timed with
their peak RSS, samples and their spread, the questions, the project's own
commands, and app.py started and polled until it answers."""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.config import quiet

quiet(os.environ)  # nothing downloaded or reported, in this process and the ones it starts

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
PYTHON = sys.executable
QUESTION_FILES = (ROOT / "qa" / "eval" / "data" / "gold.jsonl", ROOT / "qa" / "eval" / "data" / "offtopic.jsonl")
# Questions in other languages: the dev sets (never the blind ones in qa/eval/data/blind).
DEV_QUESTION_FILES = {
    "ru": ROOT / "qa" / "train" / "data" / "dev-ru-d1.jsonl",
    "zh": ROOT / "qa" / "train" / "data" / "dev-zh-d1.jsonl",
}
# Summary requests and list questions: the glance development set (never the blind glance sets).
GLANCE_DEV_FILE = ROOT / "qa" / "eval" / "data" / "glance_dev.jsonl"
APP_QUESTION = "When did Kuwait join?"
SUBPROCESS_TIMEOUT = 600.0
APP_TIMEOUT = 120.0
WARMUP_QUESTIONS = 5
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


def load_dev_questions(language: str) -> list[str]:
    """The dev questions written in ``language`` ("ru", "zh"), in file order."""
    lines = DEV_QUESTION_FILES[language].read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def load_glance_questions(kind: str) -> list[str]:
    """The glance development set's questions of ``kind`` ("summary", "list"), in file order."""
    rows = [json.loads(line) for line in GLANCE_DEV_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row["question"] for row in rows if row["kind"] == kind]


def model_path() -> str:
    from qa.index.embedding import resolve_model

    return resolve_model(None).location


def project_build(corpus: Path, index: Path, cwd: Path, timeout: float = SUBPROCESS_TIMEOUT) -> Run:
    return run_measured([PYTHON, "-m", "qa", "build", "--corpus", str(corpus), "--index", str(index)], cwd, timeout)


def project_ask(question: str, corpus: Path, index: Path, cwd: Path) -> Run:
    return run_measured([PYTHON, "-m", "qa", "ask", question, "--corpus", str(corpus), "--index", str(index)], cwd)


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
