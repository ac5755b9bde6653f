"""The feedback store's tables, its schema version and the migrations
between versions. ``prepare`` checks the version of the store it opens,
creates the tables of a new one and migrates an older one in place, inside
one transaction; a store opened read-only is only checked.

Version 1: ``feedback_meta`` and ``feedback_votes``. Version 2 adds the
signed replies (:mod:`qa.feedback.tokens`): a unique ``reply_id`` on votes
and the ``feedback_keys`` table.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Connection,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateIndex, CreateTable

from qa.errors import FeedbackError, FeedbackNotFound
from qa.feedback.tokens import KEYS, MAX_REPLY_ID, current_key, new_key

SCHEMA_VERSION = 2
_SCHEMA_LOCK = 0x5146_4545  # PostgreSQL advisory lock: one replica creates the tables

_metadata = MetaData()
META = Table(
    "feedback_meta",
    _metadata,
    # One row (id 1): a second writer's insert collides instead of adding a row.
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("schema_version", Integer, nullable=False),
)
VOTES = Table(
    "feedback_votes",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),  # UTC; SQLite keeps no zone
    Column("question", Text, nullable=False),
    Column("previous", Text, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("answer", Text),
    Column("shown_passages", JSON, nullable=False),  # a list of passage ids
    Column("index_id", Text, nullable=False),
    Column("vote", SmallInteger, CheckConstraint("vote IN (-1, 1)", name="feedback_vote_sign"), nullable=False),
    Column("comment", Text, nullable=False),
    # The reply voted on (qa.feedback.tokens): unique, so a replay or a second
    # tab stores nothing. None on votes stored before schema version 2.
    Column("reply_id", String(MAX_REPLY_ID)),
    Index("feedback_votes_reply_id", "reply_id", unique=True),
)


def _signed_replies(conn: Connection) -> None:
    """Version 2: votes name the signed reply they are on, and the store keeps the signing key."""
    conn.execute(text(f"ALTER TABLE {VOTES.name} ADD COLUMN reply_id VARCHAR({MAX_REPLY_ID})"))
    for index in VOTES.indexes:
        conn.execute(CreateIndex(index, if_not_exists=True))
    conn.execute(CreateTable(KEYS, if_not_exists=True))


# MIGRATIONS[n] brings a version-n store to version n + 1, inside the opening transaction.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _signed_replies}


def prepare(engine: Engine, create: bool, name: str) -> None:
    """Check the schema version; create or migrate the tables as needed."""
    for attempt in (1, 2):
        try:
            with engine.begin() as conn:
                _prepare_in(conn, create, name)
            return
        except IntegrityError:
            # Another process wrote the version row between our read and
            # insert (SQLite has no schema lock); its row is good: re-read.
            if attempt == 2:
                raise


def _prepare_in(conn: Connection, create: bool, name: str) -> None:
    if not create:  # read-only: nothing written, an old schema read as it is
        if not inspect(conn).has_table(VOTES.name):
            raise FeedbackNotFound(f"no feedback store at {name}: nobody has voted yet")
        _version(conn, name)
        return
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
    conn.execute(CreateTable(META, if_not_exists=True))
    version = _version(conn, name)
    if version is None:
        _create_tables(conn)
        conn.execute(insert(META).values(id=1, schema_version=SCHEMA_VERSION))
        new_key(conn)
        return
    for step in range(version, SCHEMA_VERSION):
        MIGRATIONS[step](conn)
    if version < SCHEMA_VERSION:
        conn.execute(update(META).values(schema_version=SCHEMA_VERSION))
    _create_tables(conn)  # a store left half-made
    if current_key(conn) is None:
        new_key(conn)


def _version(conn: Connection, name: str) -> int | None:
    """The store's schema version; one this program cannot read is a FeedbackError."""
    if not inspect(conn).has_table(META.name):
        return None
    # Votes read before the version: a vote is only stored once the version
    # row is, so votes without a version are a damaged store, whereas no votes
    # and no version is a store another process is making (its SQLite driver
    # commits each CREATE on its own), made again here.
    voted = inspect(conn).has_table(VOTES.name) and conn.execute(select(VOTES.c.id).limit(1)).first() is not None
    version = conn.execute(select(text("schema_version")).select_from(text(META.name))).scalar_one_or_none()
    if version is None:
        if voted:
            raise FeedbackError(f"feedback store {name} has no schema version (feedback_meta is empty)")
        return None
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise FeedbackError(f"feedback store {name} has an invalid schema version {version!r}")
    if version > SCHEMA_VERSION:
        raise FeedbackError(
            f"feedback store {name} has schema version {version}; "
            f"this program reads up to {SCHEMA_VERSION} (upgrade cica-qa)"
        )
    return version


def _create_tables(conn: Connection) -> None:
    conn.execute(CreateTable(VOTES, if_not_exists=True))
    for index in VOTES.indexes:
        conn.execute(CreateIndex(index, if_not_exists=True))
    conn.execute(CreateTable(KEYS, if_not_exists=True))
