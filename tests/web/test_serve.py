"""Serving: `python app.py`'s flags and start-up errors, and what the
launched app does not send."""

import os
import socket
import subprocess
import sys

import pytest
from gradio_client import Client

from qa.web import page, serve
from tests.commands import notes, paths
from tests.conftest import ROOT


def test_the_app_sends_no_telemetry(tiny_searcher, monkeypatch):
    import gradio.analytics

    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "True")  # Gradio's default, which a CI may have changed
    sent = []
    monkeypatch.setattr(gradio.analytics, "_do_analytics_request", lambda **kw: sent.append(kw["topic"]))
    monkeypatch.setattr(gradio.analytics, "version_check", lambda: sent.append("version check"))
    demo = page.build_demo(tiny_searcher)
    serve.launch(demo, "127.0.0.1", None, prevent_thread_lock=True, quiet=True)
    try:
        Client(demo.local_url, verbose=False).predict("When did Kuwait join?", 1, api_name="/ask")
    finally:
        demo.close()
    assert sent == []


def run_app(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "app.py", *argv], cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "url, shown",
    [
        ("postgresql://qa:s3cret-pw@127.0.0.1:1/qa", "postgresql://qa:***@127.0.0.1:1/qa: "),
        ("postgresql://qa:s3cret-pw@127.0.0.1:port/qa", "postgresql://qa:***@127.0.0.1:port/qa: the port must be"),
        ("postgresql://qa:s3cret@-pw@127.0.0.1:1/qa", "postgresql://qa:***@127.0.0.1:1/qa: write an '@'"),
    ],
)
def test_a_feedback_store_that_cannot_be_opened_stops_the_start_in_one_line(url, shown):
    result = run_app("--feedback-db", url)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: feedback store {shown}")
    assert line.endswith("; choose another store with --feedback-db, or run with --no-feedback")
    assert "s3cret" not in result.stderr and "-pw" not in result.stderr


def test_readme_documents_every_flag_of_the_app():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for action in serve.build_parser()._actions:
        longest = max(action.option_strings, key=len, default=None)
        if longest and longest != "--help":
            assert f"`{longest}" in readme, longest


def test_feedback_db_and_no_feedback_do_not_go_together():
    result = run_app("--feedback-db", "sqlite:///x.sqlite3", "--no-feedback")
    assert result.returncode == 2 and "not allowed with argument" in result.stderr


@pytest.mark.parametrize(
    "flags, env, expected",
    [
        (["--port", "99999"], {}, "error: argument --port: a port is a number from 1 to 65535, not '99999'"),
        ([], {"GRADIO_SERVER_PORT": "abc"}, "error: GRADIO_SERVER_PORT: a port is a number from 1 to 65535, not 'abc'"),
        (["--host", "999.1.1.1", "--port", "7893"], {}, "error: cannot serve on 999.1.1.1: no such address"),
        (["--host", "192.0.2.1", "--port", "7893"], {}, "error: cannot serve on 192.0.2.1 port 7893: Cannot assign"),
    ],
)
def test_a_bad_port_or_host_for_the_app_is_one_line(real_config, flags, env, expected):
    """Before: a traceback (OverflowError, ValueError), or "port is in use"
    for an address that is not this machine's."""
    result = subprocess.run(
        [sys.executable, "app.py", *flags, "--no-feedback", *paths(real_config)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, **env},
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = notes(result.stderr)
    assert line.startswith(expected), line


def test_the_app_on_a_port_in_use_is_one_line(real_config):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "app.py", "--port", str(port), "--no-feedback", *paths(real_config)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert notes(result.stderr) == [
        f"error: cannot serve on 127.0.0.1: port {port} is in use; choose another with --port or GRADIO_SERVER_PORT"
    ]


def test_the_app_says_where_it_is_in_one_line_and_never_hints_at_a_share_link(real_config):
    """Before: Gradio's lines ending with "To create a public link, set
    `share=True`", a link the app never makes."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    app = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port), "--no-feedback", *paths(real_config)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        first = app.stdout.readline()
    finally:
        app.terminate()
        rest, _ = app.communicate(timeout=60)
    assert first == f"The chat is at http://127.0.0.1:{port}/ (Ctrl+C stops it).\n"
    assert "share" not in rest and "Warning" not in rest and notes(rest) == []


def test_make_run_takes_a_port_and_installs_only_what_running_needs():
    """`make run PORT=8150` serves on 8150; `make run` installs the project,
    not the test extra (Playwright, hypothesis, ...). -n -B: what make would run, from scratch."""
    dry = subprocess.run(["make", "-n", "-B", "run", "PORT=8150"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert dry.returncode == 0, dry.stderr
    assert "app.py --port 8150" in dry.stdout and "pip install --quiet -e ." in dry.stdout
    assert "[test]" not in dry.stdout
