"""The project's folders are found wherever the app or the command line is
started: `python /path/to/app.py` from another directory created
./feedback/feedback.sqlite3 where it stood, then failed on `corpus`, and
`feedback stats` there said "nobody has voted yet" beside a store with votes
(qa.config.project_dirs)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from qa import config
from qa.cli import main
from qa.errors import FeedbackError
from qa.feedback.database import default_url
from qa.feedback.store import FeedbackStore
from qa.web import serve
from tests.conftest import ROOT
from tests.feedback.helpers import make_vote


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The current directory: an empty one, outside any project."""
    where = tmp_path / "elsewhere"
    where.mkdir()
    monkeypatch.chdir(where)
    for name in ("QA_CORPUS", "QA_INDEX", "QA_MODEL"):
        monkeypatch.delenv(name, raising=False)
    return where


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The source checkout qa runs from, with its corpus/."""
    root = tmp_path / "project"
    (root / "corpus").mkdir(parents=True)
    monkeypatch.setattr(config, "CHECKOUT", root)
    return root


def test_the_folders_are_here_when_here_is_a_project_else_the_checkouts(tmp_path: Path, project: Path):
    here = tmp_path / "here"
    (here / "corpus").mkdir(parents=True)
    assert config.project_dirs(here) == config.Config()  # relative, as before
    found = config.project_dirs(tmp_path)
    assert (found.corpus_dir, found.index_dir, found.feedback_dir) == (
        project / "corpus",
        project / "index",
        project / "feedback",
    )


def test_without_a_project_the_folders_are_named_in_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(config, "CHECKOUT", tmp_path / "installed")  # site-packages: no corpus/ beside qa
    found = config.project_dirs(tmp_path)
    assert (found.corpus_dir, found.feedback_dir) == (tmp_path / "corpus", tmp_path / "feedback")


def test_feedback_stats_from_elsewhere_reads_the_projects_store(
    elsewhere: Path, project: Path, capsys: pytest.CaptureFixture[str]
):
    with FeedbackStore.open(default_url(project / "feedback")) as store:
        store.record(make_vote(question="How many members?"))
    assert main(["feedback", "stats"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"sqlite:///{project}/feedback/feedback.sqlite3: 1 vote, 0 likes, 1 dislike\n")
    assert list(elsewhere.iterdir()) == []


def test_the_app_from_elsewhere_opens_the_projects_store(elsewhere: Path, project: Path):
    opened = []

    def refuse(url: str, **kwargs: object) -> FeedbackStore:
        opened.append(url)
        raise FeedbackError("refused here, to stop the start")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FeedbackStore, "open", refuse)
        with pytest.raises(SystemExit) as stopped:
            serve.main([])
    assert stopped.value.code == 2
    assert opened == [default_url(project / "feedback")]
    assert list(elsewhere.iterdir()) == []


def test_the_app_without_a_corpus_creates_nothing_and_says_where_it_looked(
    tmp_path: Path, elsewhere: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setattr(config, "CHECKOUT", tmp_path / "installed")  # no project anywhere
    with pytest.raises(SystemExit) as stopped:
        serve.main([])
    assert stopped.value.code == 2
    assert capsys.readouterr().err == (
        f"error: no corpus directory at {elsewhere / 'corpus'} and no index at {elsewhere / 'index'}; "
        "run from the project or give --corpus\n"
    )
    assert list(elsewhere.iterdir()) == [], "nothing created before the corpus is found"


def test_the_command_line_from_another_directory_finds_this_checkout(tmp_path: Path):
    """Not patched: the checkout is found from the package's own location."""
    command = [sys.executable, "-m", "qa", "feedback", "stats"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"{ROOT}/feedback/feedback.sqlite3" in done.stdout
    assert list(tmp_path.iterdir()) == []
