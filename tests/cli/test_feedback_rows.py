"""`feedback stats` and `export` on what a store may hold or be given: a row
the program cannot read, an outcome it does not know, a URL with a bad port
or an '@' in its password, a store it may only read. One line, never a
traceback, and the password never shown."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine

from qa.cli import main
from qa.errors import FeedbackError
from qa.feedback.database import default_url, display_url, scrub
from qa.feedback.store import FeedbackStore
from tests.feedback.helpers import make_vote


def filled(tmp_path: Path) -> str:
    url = default_url(tmp_path / "feedback")
    with FeedbackStore.open(url) as store:
        store.record(make_vote(question="first"))
        store.record(make_vote(question="second", outcome="related", vote=1))
    return url


def sql(url: str, statement: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(statement))
    engine.dispose()


def test_a_row_with_an_unreadable_time_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    url = filled(tmp_path)
    sql(url, "UPDATE feedback_votes SET created_at = 'garbage' WHERE question = 'first'")
    for command in (["export"], ["stats"], ["stats", "--json"]):
        status = main(["feedback", *command, "--feedback-db", url])
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        if status != 0:
            assert status == 2 and err.startswith("error: feedback store ") and err.count("\n") == 1, err


def test_an_unknown_outcome_is_counted_in_the_totals_and_per_outcome(tmp_path: Path):
    url = filled(tmp_path)
    sql(url, "UPDATE feedback_votes SET outcome = 'from_the_future' WHERE question = 'first'")
    with FeedbackStore.open(url, create=False) as store:
        stats = store.stats()
    assert stats.votes == 2 == sum(t.votes for t in stats.by_index) == sum(t.votes for t in stats.by_outcome)
    assert [t.key for t in stats.by_outcome][-1] == "from_the_future"
    assert main(["feedback", "stats", "--feedback-db", url]) == 0


@pytest.mark.parametrize(
    "url, reason",
    [
        ("postgresql://me:hunter22@127.0.0.1:abc/feedback", "the port must be a number"),
        ("postgresql://me:hun@ter22@127.0.0.1:1/feedback", "write an '@' in the password as %40"),
        ("postgresql://me:hun@ter22@127.0.0.1:abc/feedback", "write an '@' in the password as %40"),
    ],
)
def test_a_bad_url_is_one_line_without_its_password(url: str, reason: str, capsys: pytest.CaptureFixture[str]):
    for command in ("stats", "export", "rotate-key"):
        assert main(["feedback", command, "--feedback-db", url]) == 2
        err = capsys.readouterr().err
        assert err.endswith(f": {reason}\n") and err.count("\n") == 1, err
        assert "hun" not in err and "ter22" not in err
    with pytest.raises(FeedbackError) as caught:
        FeedbackStore.open(url)
    assert "ter22" not in str(caught.value) and "hun" not in str(caught.value)


def test_a_password_with_an_at_sign_is_never_shown():
    assert display_url("postgresql://qa:t@PW@127.0.0.1/db") == "postgresql://qa:***@127.0.0.1/db"
    assert display_url("postgresql://qa:t%40PW@127.0.0.1/db") == "postgresql://qa:***@127.0.0.1/db"
    said = scrub('could not translate host name "x" in postgresql://qa:t@PW@127.0.0.1/db')
    assert "PW" not in said and "t@" not in said


def test_stats_and_export_only_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    url = filled(tmp_path)
    database = tmp_path / "feedback" / "feedback.sqlite3"
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        assert main(["feedback", "stats", "--feedback-db", url]) == 0
        assert main(["feedback", "export", "--feedback-db", url]) == 0
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    assert statements and all(s.lstrip().upper().startswith(("SELECT", "PRAGMA")) for s in statements), statements
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
    # The connection itself refuses writes.
    with FeedbackStore.open(url, create=False) as store, pytest.raises(FeedbackError, match="readonly"):
        store.record(make_vote())


def test_a_store_opened_to_read_refuses_writes(store_url: str):
    FeedbackStore.open(store_url).close()
    with FeedbackStore.open(store_url, create=False) as store, pytest.raises(FeedbackError, match=r"read-?only"):
        store.record(make_vote())
