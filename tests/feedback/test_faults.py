"""A vote is either stored and thanked, or not stored and said so: a failing
checkpoint after the commit, a file overwritten in place, a locked or hung
store (SQLite and PostgreSQL), each injected, not timed."""

from __future__ import annotations

import logging
import sqlite3
import threading

import pytest
from sqlalchemy import create_engine, make_url, text

from qa.errors import FeedbackError
from qa.feedback import database
from qa.feedback import store as store_module
from qa.feedback.database import default_url
from qa.feedback.store import FeedbackStore
from tests.feedback.helpers import make_vote


def test_a_failing_checkpoint_after_the_commit_is_logged_and_the_vote_kept(tmp_path, monkeypatch, caplog):
    def disk_full(conn):
        raise sqlite3.OperationalError("database or disk is full")

    with FeedbackStore.open(default_url(tmp_path)) as store:
        monkeypatch.setattr(store_module, "wal_checkpoint", disk_full)
        with caplog.at_level(logging.WARNING):
            vote_id = store.record(make_vote())  # stored: no FeedbackError
            assert store.add_comment(vote_id, "stored too")
        assert [r.getMessage() for r in caplog.records if "checkpoint failed" in r.getMessage()] != []
        (stored,) = store.disliked()
        assert (stored.id, stored.vote.comment) == (vote_id, "stored too")


def test_a_file_overwritten_in_place_refuses_the_next_vote(tmp_path):
    path = tmp_path / "feedback.sqlite3"
    with FeedbackStore.open(default_url(tmp_path)) as store:
        vote_id = store.record(make_vote())
        inode = path.stat().st_ino
        with path.open("r+b") as file:  # the same file (inode), its bytes replaced
            file.write(b"garbage!" * 512)
        assert path.stat().st_ino == inode
        for write in (lambda: store.record(make_vote()), lambda: store.add_comment(vote_id, "lost?")):
            with pytest.raises(FeedbackError) as caught:
                write()
            assert "no longer a SQLite database" in str(caught.value) and "\n" not in str(caught.value)


def test_a_locked_sqlite_store_fails_the_vote_in_one_line(tmp_path, monkeypatch):
    assert database.SQLITE_BUSY_TIMEOUT_S == 5  # a locked store fails a vote within 5 s, not 30
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_S", 0.1)  # the same path, without the wait
    with FeedbackStore.open(default_url(tmp_path)) as store:
        holder = sqlite3.connect(tmp_path / "feedback.sqlite3", isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            with pytest.raises(FeedbackError, match="database is locked"):
                store.record(make_vote())
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        store.record(make_vote())  # the lock gone, votes are stored again
        assert store.stats().votes == 1


def test_postgres_connections_carry_the_time_outs(postgres_url):
    engine = database.connect(database.parse_url(postgres_url, "test"))
    assert engine.pool.timeout() == database.POOL_TIMEOUT_S == 5
    with engine.connect() as conn:
        assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "5s"
        assert conn.execute(text("SHOW search_path")).scalar_one().startswith("qa_test_")  # the URL's options kept
    engine.dispose()
    with_own = make_url(postgres_url).update_query_dict({"options": "-c statement_timeout=7000"})
    engine = database.connect(database.parse_url(with_own.render_as_string(hide_password=False), "test"))
    with engine.connect() as conn:
        assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "7s"
    engine.dispose()


def test_a_hung_postgres_fails_the_vote_within_the_statement_timeout(postgres_url):
    """A table locked by another connection (what a hung server looks like to
    a writer): the vote fails with the statement time-out, and is not stored
    later behind the reader's back."""
    with FeedbackStore.open(postgres_url) as store:
        holder = create_engine(make_url(postgres_url).set(drivername="postgresql+psycopg"))
        locked, release = threading.Event(), threading.Event()

        def hold() -> None:
            with holder.begin() as conn:
                conn.execute(text("LOCK TABLE feedback_votes IN ACCESS EXCLUSIVE MODE"))
                locked.set()
                release.wait()

        worker = threading.Thread(target=hold)
        worker.start()
        try:
            assert locked.wait(10)
            with pytest.raises(FeedbackError, match="statement timeout"):
                store.record(make_vote())
        finally:
            release.set()
            worker.join()
            holder.dispose()
        assert store.stats().votes == 0
