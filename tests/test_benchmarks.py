"""The load check's harness (benchmarks/load.py) against the launched app, with the installed
gradio_client: every answer is timed, every failure is counted rather than raised."""

from __future__ import annotations

import importlib
import os
import queue
import ssl
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture
def load(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("load")


def test_load_check_times_every_answer(load, launched_app):
    scenario = load.Scenario("lean", 3, 2, processes=False, ssl_verify=ssl.create_default_context())
    result = load.run(launched_app, os.getpid(), scenario, ["When did Kuwait join?", "What is the Youth Council?"])
    assert (result.failed, result.messages) == (0, ())
    assert len(result.latencies) == 6 and all(seconds > 0 for seconds in result.latencies)
    assert "| lean | 3 x 2 | 0 | 0 |" in load.row(scenario, result)


def test_load_check_counts_failures(load, launched_app):
    scenario = load.Scenario("stock", 2, 1, processes=False)
    result = load.run(launched_app, os.getpid(), scenario, ["   "])  # a blank question: the API refuses it
    assert result.failed == 2 and len(result.messages) == 2 and not result.latencies
    assert "| stock | 2 x 1 | 2 | 0 | – | – | – |" in load.row(scenario, result)


def test_load_check_counts_clients_that_cannot_connect(load):
    scenario = load.Scenario("nobody there", 2, 3, processes=False)
    result = load.run(f"http://127.0.0.1:{load.free_port()}/", os.getpid(), scenario, ["When did Kuwait join?"])
    assert result.failed == 6 and len(result.messages) == 2
    assert "| nobody there | 2 x 3 | 6 | 0 |" in load.row(scenario, result)


def test_users_in_their_own_processes_report_answers_failures_and_cpu(load, launched_app):
    scenario = load.Scenario("processes", 2, 2)
    result = load.run(launched_app, os.getpid(), scenario, ["When did Kuwait join?", "   "])
    assert len(result.latencies) == 2 and result.failed == 2 and len(result.messages) == 2
    assert result.client_cpu > 0
    assert "| processes | 2 x 2 | 2 | 0 |" in load.row(scenario, result)


def test_process_users_that_cannot_connect_are_counted_without_waiting(load):
    scenario = load.Scenario("nobody there", 2, 3, timeout=60)
    started = time.perf_counter()
    result = load.run(f"http://127.0.0.1:{load.free_port()}/", os.getpid(), scenario, ["When did Kuwait join?"])
    assert result.failed == 6 and len(result.messages) == 2
    assert time.perf_counter() - started < 60, "waited for the timeout instead of the users"


def test_gathering_stops_when_the_awaited_users_are_gone(load):
    class Gone:
        def is_alive(self):
            return False

    outbox = queue.Queue()
    outbox.put(("report", 0, "from user 0"))
    deadline = time.perf_counter() + 60
    assert load.gather(outbox, [Gone(), Gone()], "report", deadline) == {0: "from user 0"}
    assert time.perf_counter() < deadline


def test_cpu_seconds_reads_a_process_cpu_time(load):
    before, started = load.cpu_seconds(os.getpid()), time.process_time()
    while time.process_time() - started < 0.3:
        pass
    burnt = load.cpu_seconds(os.getpid()) - before
    assert burnt == pytest.approx(time.process_time() - started, abs=0.05)


def stored_votes(url: str) -> int:
    from qa.feedback.store import FeedbackStore

    with FeedbackStore.open(url) as store:
        return store.stats().votes


def test_load_check_votes_through_the_page_and_counts_the_rows_stored(load, launched_app, feedback_url):
    before = stored_votes(feedback_url)
    scenario = load.VoteScenario("SQLite", 3, 2)
    result = load.vote_run(launched_app, scenario, load.rows_in(feedback_url))
    assert (result.failed, result.messages) == (0, ())
    assert len(result.latencies) == 6 and result.stored == 6
    assert stored_votes(feedback_url) == before + 6
    assert load.vote_row(scenario, result).startswith("| SQLite | 3 | 6 | 0 | 0 | 6 |")


def test_load_check_counts_votes_that_were_not_stored(load, real_searcher):
    """A store that fails: every vote answered with a notice, none stored, all counted as errors."""
    from qa.errors import FeedbackError
    from qa.web import page, serve

    class Unavailable:
        def record(self, vote):
            raise FeedbackError("feedback store sqlite:///gone: disk I/O error")

    demo = page.build_demo(real_searcher, Unavailable())
    _, url, _ = serve.launch(demo, "127.0.0.1", None, prevent_thread_lock=True, quiet=True)
    try:
        scenario = load.VoteScenario("broken", 2, 2)
        result = load.vote_run(url, scenario, lambda: 0)
    finally:
        demo.close()
    assert result.failed == 4 and not result.latencies and result.stored == 0
    assert "not stored: Sorry, your vote could not be saved" in result.messages[0]
    assert load.vote_row(scenario, result).startswith("| broken | 2 | 4 | 4 | 0 | 0 | – | – | – |")


def test_load_check_votes_into_postgresql(load, real_searcher):
    url = os.environ.get("QA_TEST_POSTGRES_URL", "")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but QA_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL server: set QA_TEST_POSTGRES_URL")
    from qa.feedback.store import FeedbackStore
    from qa.web import page, serve

    with load.postgres_schema(url) as schema_url, FeedbackStore.open(schema_url) as store:
        demo = page.build_demo(real_searcher, store)
        _, served, _ = serve.launch(demo, "127.0.0.1", None, prevent_thread_lock=True, quiet=True)
        try:
            result = load.vote_run(served, load.VoteScenario("PostgreSQL", 3, 2), load.rows_in(schema_url))
        finally:
            demo.close()
        assert (result.failed, result.stored, len(result.latencies)) == (0, 6, 6)
        assert stored_votes(schema_url) == 6
