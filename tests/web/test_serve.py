"""Serving: `python app.py`'s flags and start-up errors, and what the
launched app does not send."""

import subprocess
import sys

import pytest
from gradio_client import Client

from qa.web import page, serve
from tests.conftest import ROOT

pytestmark = pytest.mark.e2e


def test_the_app_sends_no_telemetry(real_searcher, monkeypatch):
    import gradio.analytics

    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "True")  # Gradio's default, which a CI may have changed
    sent = []
    monkeypatch.setattr(gradio.analytics, "_do_analytics_request", lambda **kw: sent.append(kw["topic"]))
    monkeypatch.setattr(gradio.analytics, "version_check", lambda: sent.append("version check"))
    demo = page.build_demo(real_searcher)
    serve.launch(demo, "127.0.0.1", None, prevent_thread_lock=True, quiet=True)
    try:
        Client(demo.local_url, verbose=False).predict("When did Kuwait join?", 1, api_name="/ask")
    finally:
        demo.close()
    assert sent == []


def run_app(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "app.py", *argv], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_a_feedback_store_that_cannot_be_opened_stops_the_start_in_one_line():
    result = run_app("--feedback-db", "postgresql://qa:s3cret-pw@127.0.0.1:1/qa")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: feedback store postgresql://qa:***@127.0.0.1:1/qa: ")
    assert line.endswith("; choose another store with --feedback-db, or run with --no-feedback")
    assert "s3cret-pw" not in result.stderr


def test_readme_documents_every_flag_of_the_app():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for action in serve.build_parser()._actions:
        longest = max(action.option_strings, key=len, default=None)
        if longest and longest != "--help":
            assert f"`{longest}" in readme, longest


def test_feedback_db_and_no_feedback_do_not_go_together():
    result = run_app("--feedback-db", "sqlite:///x.sqlite3", "--no-feedback")
    assert result.returncode == 2 and "not allowed with argument" in result.stderr
