"""The SQLite store's own cases (made on first use, WAL, its file removed or
copied while open), and stores that cannot be opened."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from qa.errors import FeedbackError
from qa.feedback import store as store_module
from qa.feedback.database import default_url
from qa.feedback.store import FeedbackStore
from qa.feedback.votes import DISLIKE, LIKE
from tests.feedback.helpers import make_vote


def test_sqlite_store_is_made_on_first_use_in_wal_mode(tmp_path: Path):
    directory = tmp_path / "feedback"
    url = default_url(directory)
    assert url == f"sqlite:///{directory}/feedback.sqlite3"
    assert not directory.exists()
    with FeedbackStore.open(url) as store:
        store.record(make_vote())
    database = directory / "feedback.sqlite3"
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("SELECT schema_version FROM feedback_meta").fetchall() == [(2,)]
        assert conn.execute("SELECT count(*) FROM feedback_votes").fetchone() == (1,)


@pytest.mark.parametrize("how", ["removed", "replaced", "directory removed"])
def test_votes_after_the_sqlite_file_is_removed_or_replaced_are_kept(tmp_path: Path, how: str, caplog):
    """Before, the pool's connections went on writing into the removed file:
    the chat thanked the reader and the vote was gone."""
    directory = tmp_path / "feedback"
    url = default_url(directory)
    database = directory / "feedback.sqlite3"
    with FeedbackStore.open(url) as store:
        store.record(make_vote(question="before", vote=LIKE))
        if how == "directory removed":
            shutil.rmtree(directory)
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)
        if how == "replaced":
            with FeedbackStore.open(url) as other:
                other.record(make_vote(question="elsewhere", vote=LIKE))
        vote_id = store.record(make_vote(question="after", vote=DISLIKE))
        assert store.add_comment(vote_id, "kept too")
    assert "was removed or replaced: opening it again" in caplog.text
    with FeedbackStore.open(url, create=False) as reopened:
        stored = [(v.vote.question, v.vote.comment) for v in reopened.disliked()]
        assert stored == [("after", "kept too")]
        assert reopened.stats().votes == (2 if how == "replaced" else 1)


def test_votes_stay_visible_when_another_process_closes_the_store(tmp_path: Path, monkeypatch):
    """The header check before each vote opened and closed the file, and
    closing any descriptor drops the process's locks on it: another process
    (a replica, ``feedback rotate-key``, the sqlite3 shell) closing its last
    connection then deleted the write-ahead log under the app's connections,
    and the votes they committed next were thanked and seen by nobody else
    (2 of 100 lost in a load run)."""
    database = tmp_path / "feedback" / "feedback.sqlite3"

    def count_elsewhere() -> int:
        count = "SELECT count(*) FROM feedback_votes"
        script = f"import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute({count!r}).fetchone()[0])"
        return int(subprocess.run([sys.executable, "-c", script, database], capture_output=True, check=True).stdout)

    # A checkpoint that copies nothing, as PASSIVE does while another connection reads (under load).
    monkeypatch.setattr(store_module, "wal_checkpoint", lambda conn: None)
    with FeedbackStore.open(default_url(tmp_path / "feedback")) as store:
        store.record(make_vote(question="first"))
        assert count_elsewhere() == 1  # another process opened the store and closed it
        store.record(make_vote(question="second"))
        assert count_elsewhere() == 2


def test_the_sqlite_file_alone_holds_the_votes_while_the_app_runs(tmp_path: Path):
    """WAL mode kept every vote (and the tables) in feedback.sqlite3-wal until
    the app closed: a copy or a move of the file the README names had none."""
    url = default_url(tmp_path / "feedback")
    with FeedbackStore.open(url) as store:
        vote_id = store.record(make_vote(question="kept", vote=DISLIKE))
        store.add_comment(vote_id, "and its comment")
        copy = tmp_path / "copy.sqlite3"
        shutil.copyfile(tmp_path / "feedback" / "feedback.sqlite3", copy)  # the file alone, while the store is open
        with FeedbackStore.open(f"sqlite:///{copy}", create=False) as copied:
            assert [(v.vote.question, v.vote.comment) for v in copied.disliked()] == [("kept", "and its comment")]


def test_default_url_survives_odd_directory_names(tmp_path: Path):
    directory = tmp_path / "a b?c#d%e"
    with FeedbackStore.open(default_url(directory)) as store:
        store.record(make_vote())
    assert (directory / "feedback.sqlite3").is_file()


@pytest.mark.parametrize(
    "url, expected",
    [
        ("mysql://me:hunter22@db/feedback", "unsupported database 'mysql'"),
        ("sqlite://", "needs a file path"),
        ("not a url", "not a database URL"),
        ("postgresql://me:hunter22@127.0.0.1:1/feedback", "Connection refused"),
    ],
)
def test_an_unopenable_store_is_one_line_without_its_password(url: str, expected: str):
    with pytest.raises(FeedbackError) as caught:
        FeedbackStore.open(url)
    message = str(caught.value)
    assert expected in message and message.startswith("feedback store ")
    assert "hunter22" not in message and "\n" not in message


def test_an_unwritable_directory_is_one_line(tmp_path: Path):
    blocker = tmp_path / "feedback"
    blocker.write_text("a file where the store's directory should be")
    with pytest.raises(FeedbackError, match=r"^feedback store sqlite:///.*feedback\.sqlite3: .*Not a directory"):
        FeedbackStore.open(default_url(blocker / "sub"))
