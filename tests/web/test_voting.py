"""Votes and comments from the chat: what is stored, bounds, a store that
fails."""

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from qa.errors import FeedbackError
from qa.feedback.database import default_url
from qa.feedback.store import FeedbackStore
from qa.feedback.votes import DISLIKE, MAX_COMMENT
from qa.web import voting
from qa.web.conversation import turns_from_records
from tests.web.chat import asked


def test_a_vote_is_stored_with_everything_the_reader_was_shown(tiny_searcher, store):
    records = asked(tiny_searcher, "When did Kuwait join CICA?", "When did it join?", store=store)
    turn = turns_from_records(records, 20)[1]
    assert turn.sentence is not None  # a follow-up with an answer: the vote keeps both
    began = datetime.now(UTC)
    records, notice, awaiting = voting.vote(store, records, 3, False)  # the second reply is chat message 3
    assert notice == voting.ASK_COMMENT and awaiting is not None
    assert (
        voting.send_comment(store, awaiting, "  Not the <b>priority</b>: " + "x" * 900)
        == "Thank you: your comment is saved."
    )
    (stored,) = store.disliked()
    v = stored.vote
    assert stored.vote.reply_id == turn.reply_id and awaiting.startswith(turn.reply_id + ".")
    assert (v.question, v.previous, v.outcome, v.vote) == (
        "When did it join?",
        "When did Kuwait join CICA?",
        turn.outcome,
        DISLIKE,
    )
    assert v.answer == (turn.sentence.text if turn.sentence else None)
    assert v.shown_passages == tuple(p.id for p in turn.passages) and len(v.shown_passages) == 3
    assert v.index_id == tiny_searcher.index_id
    assert v.comment == ("Not the <b>priority</b>: " + "x" * 900)[:MAX_COMMENT]  # bounded, kept as typed
    assert began - timedelta(seconds=1) <= v.time <= datetime.now(UTC)
    assert records[1]["vote"] == "dislike" and records[0]["vote"] is None


def test_a_like_is_stored_and_asks_for_nothing(tiny_searcher, store):
    records, notice, awaiting = voting.vote(
        store, asked(tiny_searcher, "When did Kuwait join CICA?", store=store), 1, True
    )
    assert (notice, awaiting, records[0]["vote"]) == (voting.THANKS, None, "like")
    assert store.stats().likes == 1 and store.stats().votes == 1


def test_only_the_first_vote_on_a_reply_is_kept(tiny_searcher, store):
    records = asked(tiny_searcher, "When did Kuwait join CICA?", store=store)
    records, _, _ = voting.vote(store, records, 1, True)
    for liked in (False, True, ""):  # the other thumb, the same again, a thumb taken back
        again, notice, awaiting = voting.vote(store, records, 1, liked)
        assert (again, notice, awaiting) == (records, "Your first vote on this answer (like) is kept.", None)
    assert store.stats().votes == 1


@pytest.mark.parametrize("index", [0, 2, 3, -1, "1", None, True])
def test_a_vote_on_no_reply_stores_nothing(tiny_searcher, store, index):
    records = asked(tiny_searcher, "When did Kuwait join CICA?", store=store)
    assert voting.vote(store, records, index, True) == (records, voting.GONE, None)
    assert store.stats().votes == 0


def test_a_refused_message_has_nothing_to_vote_on(tiny_searcher, store):
    records = asked(tiny_searcher, "   ", store=store)
    assert voting.vote(store, records, 1, False) == (records, voting.NOTHING_TO_VOTE, None)
    assert voting.send_comment(store, None, "a comment with no vote") == voting.COMMENT_LOST  # said, never silent
    assert store.stats().votes == 0


class FailingStore:
    """A store whose database has gone away (what FeedbackStore raises then)."""

    def key(self, fresh=False):
        raise FeedbackError("feedback store postgresql://qa@db/qa: connection refused")

    def record(self, vote):
        raise FeedbackError("feedback store postgresql://qa@db/qa: connection refused")

    def add_comment(self, vote_id, comment):
        raise FeedbackError("feedback store postgresql://qa@db/qa: connection refused")


def test_a_vote_the_store_cannot_take_costs_the_vote_not_the_chat(tiny_searcher, caplog):
    records = asked(tiny_searcher, "When did Kuwait join CICA?")
    again, notice, awaiting = voting.vote(FailingStore(), records, 1, False)
    assert (again, notice, awaiting) == (records, voting.VOTE_FAILED, None)  # no vote noted: the reader may try again
    assert voting.send_comment(FailingStore(), 7, "stale") == voting.COMMENT_FAILED
    assert [r.getMessage() for r in caplog.records] == [
        "warning: a vote was not stored: feedback store postgresql://qa@db/qa: connection refused",
        "warning: a comment was not stored: feedback store postgresql://qa@db/qa: connection refused",
    ]


def test_a_vote_on_a_store_whose_table_is_gone_is_a_notice(tiny_searcher, tmp_path):
    with FeedbackStore.open(default_url(tmp_path)) as broken:
        with sqlite3.connect(tmp_path / "feedback.sqlite3") as db:
            db.execute("DROP TABLE feedback_votes")
        records = asked(tiny_searcher, "When did Kuwait join CICA?", store=broken)
        assert voting.vote(broken, records, 1, True) == (records, voting.VOTE_FAILED, None)


def test_a_vote_committed_before_its_checkpoint_failed_is_thanked_once(tiny_searcher, store, monkeypatch):
    from qa.feedback import store as store_module

    def disk_full(conn):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store_module, "wal_checkpoint", disk_full)
    records = asked(tiny_searcher, "When did Kuwait join CICA?", store=store)
    voted, notice, reference = voting.vote(store, records, 1, False)
    assert notice == voting.ASK_COMMENT and voted[0]["vote"] == "dislike"  # stored, so thanked and noted
    assert voting.send_comment(store, reference, "outdated") == voting.COMMENT_SAVED
    assert voting.vote(store, records, 1, False)[1] == voting.FIRST_KEPT  # not stored twice
    assert store.stats().votes == 1


def test_a_vote_on_a_file_overwritten_in_place_is_refused_not_thanked(tiny_searcher, tmp_path):
    with FeedbackStore.open(default_url(tmp_path)) as store:
        records = asked(tiny_searcher, "When did Kuwait join CICA?", store=store)
        with (tmp_path / "feedback.sqlite3").open("r+b") as file:
            file.write(b"garbage!" * 512)
        assert voting.vote(store, records, 1, True)[1] == voting.VOTE_FAILED


def test_a_stopped_postgres_fails_the_vote_instead_of_holding_it(tiny_searcher, postgres_url, monkeypatch):
    """The server process of the store's connection stopped (kill -STOP: its
    statement time-out cannot fire): the vote fails with the notice; once the
    server goes on, a vote it stored after all is the reply's one row."""
    import os
    import signal
    import threading

    from sqlalchemy import text

    monkeypatch.setattr(voting, "STORE_TIMEOUT_S", 1.0)
    with FeedbackStore.open(postgres_url) as store:
        records = asked(tiny_searcher, "When did Kuwait join CICA?", store=store)
        store._engine.dispose()  # one pooled connection from here on: the one whose server process is stopped
        with store._engine.connect() as conn:
            backend = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        os.kill(backend, signal.SIGSTOP)
        answered: list = []
        try:
            worker = threading.Thread(target=lambda: answered.append(voting.vote(store, records, 1, True)))
            worker.start()
            worker.join(timeout=60)  # a guard against a hang, not a measurement
            assert answered and answered[0][1] == voting.VOTE_FAILED
        finally:
            os.kill(backend, signal.SIGCONT)
        again = voting.vote(store, records, 1, True)[1]
        assert again in (voting.THANKS, voting.FIRST_KEPT)
        assert store.stats().votes == 1
