"""The load check's harness (benchmarks/load.py) against the launched app, with the installed
gradio_client: every answer is timed, every failure is counted rather than raised."""

from __future__ import annotations

import importlib
import os
import ssl
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture
def load(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("load")


def test_load_check_times_every_answer(load, launched_app):
    scenario = load.Scenario("lean", 3, 2, ssl.create_default_context())
    result = load.run(launched_app, os.getpid(), scenario, ["When did Kuwait join?", "What is the Youth Council?"])
    assert result.errors == ()
    assert len(result.latencies.values) == 6
    assert all(0 < seconds < 60 for seconds in result.latencies.values)
    assert result.server_cpu > 0
    assert "| lean | 3 x 2 | 0 |" in load.row(scenario, result)


def test_load_check_counts_failures(load, launched_app):
    scenario = load.Scenario("stock", 2, 1)
    result = load.run(launched_app, os.getpid(), scenario, ["   "])  # a blank question: the API refuses it
    assert len(result.errors) == 2
    assert "| stock | 2 x 1 | 2 |" in load.row(scenario, result)
