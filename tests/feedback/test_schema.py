"""The store's schema version: a newer or invalid one refused in one line,
a version 1 store (before signed replies) migrated in place."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, make_url, text

from qa.errors import FeedbackError, VoteKept
from qa.feedback import schema
from qa.feedback.store import FeedbackStore
from tests.feedback.helpers import make_vote, set_schema_version


def _engine(url: str):
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed)


def make_version_1(url: str) -> None:
    """A store as version 1 left it: no reply ids, no keys, one vote."""
    with FeedbackStore.open(url) as store:
        store.record(make_vote(question="an old vote"))
    engine = _engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX feedback_votes_reply_id"))
        conn.execute(text("ALTER TABLE feedback_votes DROP COLUMN reply_id"))
        conn.execute(text("DROP TABLE feedback_keys"))
        conn.execute(text("UPDATE feedback_meta SET schema_version = 1"))
    engine.dispose()


def test_a_version_1_store_is_migrated_in_place(store_url: str):
    make_version_1(store_url)
    with FeedbackStore.open(store_url) as store:
        (old,) = store.disliked()
        assert old.vote.question == "an old vote" and old.vote.reply_id is None
        store.record(make_vote(reply_id="r1"))
        with pytest.raises(VoteKept):  # the unique reply id came with the migration
            store.record(make_vote(reply_id="r1", vote=1))
        assert store.key().number == 1
    engine = _engine(store_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT schema_version FROM feedback_meta")).scalar_one() == 2
    engine.dispose()
    with FeedbackStore.open(store_url) as store:  # opened again: nothing to migrate
        assert store.stats().votes == 2


def test_a_newer_schema_is_refused_in_one_line(store_url: str):
    FeedbackStore.open(store_url).close()
    set_schema_version(store_url, schema.SCHEMA_VERSION + 1)
    for create in (True, False):
        with pytest.raises(FeedbackError) as caught:
            FeedbackStore.open(store_url, create=create)
        message = str(caught.value)
        assert "schema version 3; this program reads up to 2" in message and "\n" not in message


@pytest.mark.parametrize("version", ["0", "-1", "'abc'", None])
def test_an_invalid_schema_version_is_one_line(store_url: str, version: str | None):
    with FeedbackStore.open(store_url) as store:
        store.record(make_vote())
    engine = _engine(store_url)
    with engine.begin() as conn:
        if version is None:
            conn.execute(text("DELETE FROM feedback_meta"))
        elif version == "'abc'":
            if conn.dialect.name == "postgresql":
                conn.execute(text("ALTER TABLE feedback_meta ALTER COLUMN schema_version TYPE text"))
            conn.execute(text("UPDATE feedback_meta SET schema_version = 'abc'"))
        else:
            conn.execute(text(f"UPDATE feedback_meta SET schema_version = {version}"))
    engine.dispose()
    for create in (True, False):
        with pytest.raises(FeedbackError) as caught:
            FeedbackStore.open(store_url, create=create)
        assert str(caught.value).startswith("feedback store ") and "\n" not in str(caught.value)
