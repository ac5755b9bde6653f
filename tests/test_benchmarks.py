"""The load check's harness (benchmarks/load.py, load_asks.py, load_votes.py) against the
launched app, with the installed gradio_client: every answer is timed, every failure is
counted rather than raised. And both benchmark scripts start: their modules import."""

from __future__ import annotations

import importlib
import os
import queue
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def benchmark(monkeypatch, name: str):
    """A module of benchmarks/, imported as the scripts import each other."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module(name)


@pytest.fixture
def asks(monkeypatch):
    return benchmark(monkeypatch, "load_asks")


@pytest.fixture
def votes(monkeypatch):
    return benchmark(monkeypatch, "load_votes")


@pytest.fixture
def common(monkeypatch):
    return benchmark(monkeypatch, "common")


def test_load_check_times_every_answer(asks, launched_app):
    scenario = asks.Scenario("lean", 3, 2, processes=False, ssl_verify=ssl.create_default_context())
    result = asks.run(launched_app, os.getpid(), scenario, ["When did Kuwait join?", "What is the Youth Council?"])
    assert (result.failed, result.messages) == (0, ())
    assert len(result.latencies) == 6 and all(seconds > 0 for seconds in result.latencies)
    assert "| lean | 3 x 2 | 0 | 0 |" in asks.row(scenario, result)


def test_load_check_counts_failures(asks, launched_app):
    scenario = asks.Scenario("stock", 2, 1, processes=False)
    result = asks.run(launched_app, os.getpid(), scenario, ["   "])  # a blank question: the API refuses it
    assert result.failed == 2 and len(result.messages) == 2 and not result.latencies
    assert "| stock | 2 x 1 | 2 | 0 | – | – | – |" in asks.row(scenario, result)


def test_load_check_counts_clients_that_cannot_connect(asks, common):
    scenario = asks.Scenario("nobody there", 2, 3, processes=False)
    result = asks.run(f"http://127.0.0.1:{common.free_port()}/", os.getpid(), scenario, ["When did Kuwait join?"])
    assert result.failed == 6 and len(result.messages) == 2
    assert "| nobody there | 2 x 3 | 6 | 0 |" in asks.row(scenario, result)


def test_users_in_their_own_processes_report_answers_failures_and_cpu(asks, launched_app):
    scenario = asks.Scenario("processes", 2, 2)
    result = asks.run(launched_app, os.getpid(), scenario, ["When did Kuwait join?", "   "])
    assert len(result.latencies) == 2 and result.failed == 2 and len(result.messages) == 2
    assert result.client_cpu > 0
    assert "| processes | 2 x 2 | 2 | 0 |" in asks.row(scenario, result)


def test_process_users_that_cannot_connect_are_counted_without_waiting(asks, common):
    scenario = asks.Scenario("nobody there", 2, 3, timeout=60)
    started = time.perf_counter()
    result = asks.run(f"http://127.0.0.1:{common.free_port()}/", os.getpid(), scenario, ["When did Kuwait join?"])
    assert result.failed == 6 and len(result.messages) == 2
    assert time.perf_counter() - started < 60, "waited for the timeout instead of the users"


def test_gathering_stops_when_the_awaited_users_are_gone(asks):
    class Gone:
        def is_alive(self):
            return False

    outbox = queue.Queue()
    outbox.put(("report", 0, "from user 0"))
    deadline = time.perf_counter() + 60
    assert asks.gather(outbox, [Gone(), Gone()], "report", deadline) == {0: "from user 0"}
    assert time.perf_counter() < deadline


def test_cpu_seconds_reads_a_process_cpu_time(asks):
    before, started = asks.cpu_seconds(os.getpid()), time.process_time()
    while time.process_time() - started < 0.3:
        pass
    burnt = asks.cpu_seconds(os.getpid()) - before
    assert burnt == pytest.approx(time.process_time() - started, abs=0.05)


def stored_votes(url: str) -> int:
    from qa.feedback.store import FeedbackStore

    with FeedbackStore.open(url) as store:
        return store.stats().votes


def test_load_check_votes_through_the_page_and_counts_the_rows_stored(votes, launched_app, feedback_url):
    before = stored_votes(feedback_url)
    scenario = votes.VoteScenario("SQLite", 3, 2)
    result = votes.vote_run(launched_app, scenario, votes.rows_in(feedback_url))
    assert (result.failed, result.messages) == (0, ())
    assert len(result.latencies) == 6 and result.stored == 6
    assert stored_votes(feedback_url) == before + 6
    assert votes.vote_row(scenario, result).startswith("| SQLite | 3 | 6 | 0 | 0 | 6 |")


def test_load_check_counts_votes_that_were_not_stored(votes, real_searcher):
    """A store that fails: every vote answered with a notice, none stored, all counted as errors."""
    from qa.errors import FeedbackError
    from qa.web import page, serve

    class Unavailable:
        def key(self, fresh=False):
            raise FeedbackError("feedback store sqlite:///gone: disk I/O error")

        def record(self, vote):
            raise FeedbackError("feedback store sqlite:///gone: disk I/O error")

    demo = page.build_demo(real_searcher, Unavailable())
    _, url, _ = serve.launch(demo, "127.0.0.1", None, prevent_thread_lock=True, quiet=True)
    try:
        scenario = votes.VoteScenario("broken", 2, 2)
        result = votes.vote_run(url, scenario, lambda: 0)
    finally:
        demo.close()
    assert result.failed == 4 and not result.latencies and result.stored == 0
    assert "not stored: Sorry, your vote could not be saved" in result.messages[0]
    assert votes.vote_row(scenario, result).startswith("| broken | 2 | 4 | 4 | 0 | 0 | – | – | – |")


def test_load_check_votes_into_postgresql(votes, real_searcher):
    url = os.environ.get("QA_TEST_POSTGRES_URL", "")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but QA_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL server: set QA_TEST_POSTGRES_URL")
    from qa.feedback.store import FeedbackStore
    from qa.web import page, serve

    with votes.postgres_schema(url) as schema_url, FeedbackStore.open(schema_url) as store:
        demo = page.build_demo(real_searcher, store)
        _, served, _ = serve.launch(demo, "127.0.0.1", None, prevent_thread_lock=True, quiet=True)
        try:
            result = votes.vote_run(served, votes.VoteScenario("PostgreSQL", 3, 2), votes.rows_in(schema_url))
        finally:
            demo.close()
        assert (result.failed, result.stored, len(result.latencies)) == (0, 6, 6)
        assert stored_votes(schema_url) == 6


@pytest.mark.parametrize("script", ["bench.py", "load.py"])
def test_the_benchmark_scripts_start(script):
    """Each script imports the modules it is made of (no test imports bench.py itself)."""
    command = [sys.executable, script, "--help"]
    done = subprocess.run(command, cwd=BENCHMARKS, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: {script} ")


def test_the_bench_asks_in_russian_and_chinese_from_the_dev_sets_never_the_blind_ones(common):
    for language in ("ru", "zh"):
        path = common.DEV_QUESTION_FILES[language]
        assert path.is_file() and "blind" not in path.parts and path.name.startswith(f"dev-{language}-")
    russian, chinese = common.load_dev_questions("ru"), common.load_dev_questions("zh")
    assert len(russian) >= 30 and all(any("а" <= c.lower() <= "я" for c in q) for q in russian)
    assert len(chinese) >= 30 and all(any("\u4e00" <= c <= "\u9fff" for c in q) for q in chinese)


def test_the_bench_times_summaries_and_lists_from_the_glance_dev_set_never_the_blind_ones(common):
    assert "blind" not in common.GLANCE_DEV_FILE.parts and common.GLANCE_DEV_FILE.name == "glance_dev.jsonl"
    summaries, lists = common.load_glance_questions("summary"), common.load_glance_questions("list")
    assert len(summaries) >= 5 and len(lists) >= 10 and not set(summaries) & set(lists)
