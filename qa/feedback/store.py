"""The feedback store: one row per like or dislike on an answer.

    from qa.feedback.database import default_url
    from qa.feedback.store import FeedbackStore
    from qa.feedback.votes import Vote
    store = FeedbackStore.open(default_url())  # feedback/feedback.sqlite3, made on first use
    store.record(Vote(question="How many member states?", outcome="answered", answer="There are 28.",
                      shown_passages=(4, 9), index_id="<the index's identity>", vote=-1, comment="outdated"))
    store.stats(), store.disliked()  # what `python -m qa feedback stats|export` print

The URL picks the database: SQLite through the standard library by default
(WAL, so readers never wait for the writer), or a ``postgresql://`` URL so
that several app replicas share one store. Both go through the same
SQLAlchemy Core statements; only the connection set-up differs.

The schema is versioned by a one-row ``feedback_meta`` table. Opening a store
written by a newer version is a :class:`~qa.errors.FeedbackError`; an older one
is migrated in place (``MIGRATIONS``). Every database failure surfaces as a
one-line ``FeedbackError`` that names the store with its password hidden.

Nothing here renders HTML, and nothing stored should ever be rendered as HTML:
the texts are what people typed, cleaned of control characters only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC
from operator import index as as_int
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    URL,
    CheckConstraint,
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    case,
    func,
    insert,
    inspect,
    make_url,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateTable

from qa.errors import FeedbackError, FeedbackNotFound, InvalidVote
from qa.feedback.database import connect, display_url, errors, file_identity, supported
from qa.feedback.votes import (
    DISLIKE,
    LIKE,
    MAX_COMMENT,
    OUTCOMES,
    FeedbackStats,
    StoredVote,
    Tally,
    Vote,
    clean_text,
)

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
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
)

# MIGRATIONS[n] brings a version-n store to version n + 1, inside the opening
# transaction. Version 1 is the first, so there is nothing to migrate yet.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {}


class FeedbackStore:
    """Votes in a database; thread-safe (one engine, a pool of connections)."""

    def __init__(self, engine: Engine, name: str) -> None:
        self._engine = engine
        self.name = name  # the URL with the password hidden
        self._path: Path | None = None  # a SQLite store's file, watched (see _follow_file), set by open()
        self._file: tuple[int, int] | None = None
        self._lock = threading.Lock()

    @classmethod
    def open(cls, url: str | URL, *, create: bool = True) -> FeedbackStore:
        """Open the store at ``url``, creating it (and a SQLite file's directory)
        when ``create``; otherwise a missing store is :class:`FeedbackNotFound`."""
        name = display_url(url)
        with errors(name, url):
            parsed = supported(make_url(url), name)
            if parsed.get_backend_name() == "sqlite":
                path = Path(parsed.database or "")
                if not create and not path.exists():
                    raise FeedbackNotFound(f"no feedback store at {path}: nobody has voted yet")
                path.parent.mkdir(parents=True, exist_ok=True)
            store = cls(connect(parsed), name)
            try:
                store._prepare(create)
            except BaseException:
                store.close()
                raise
            if parsed.get_backend_name() == "sqlite":
                store._path, store._file = path, file_identity(path)
        return store

    def record(self, vote: Vote) -> int:
        """Store ``vote``; returns its row id."""
        self._follow_file()
        with errors(self.name), self._engine.connect() as conn:
            with conn.begin():
                row_id = int(conn.execute(insert(VOTES).values(_row(vote))).inserted_primary_key[0])
            self._checkpoint(conn)
        return row_id

    def add_comment(self, vote_id: int, comment: str) -> bool:
        """Attach ``comment`` (cleaned and cut as a Vote's) to the dislike
        stored as ``vote_id``, if it has none yet; whether it did. The chat
        stores a dislike at once and asks for the comment after, so a reader
        who writes none still counts."""
        if not isinstance(comment, str):
            raise InvalidVote(f"comment must be text, not {type(comment).__name__}")
        cleaned = clean_text(comment, MAX_COMMENT)
        if not cleaned:
            return False
        pending = (VOTES.c.id == as_int(vote_id)) & (VOTES.c.vote == DISLIKE) & (VOTES.c.comment == "")
        self._follow_file()
        with errors(self.name), self._engine.connect() as conn:
            with conn.begin():
                added = conn.execute(update(VOTES).where(pending).values(comment=cleaned)).rowcount == 1
            self._checkpoint(conn)
        return added

    def stats(self, top: int = 10) -> FeedbackStats:
        """Votes per outcome, the ``top`` most disliked questions, votes per index build."""
        likes = func.sum(case((VOTES.c.vote == LIKE, 1), else_=0))
        dislikes = func.sum(case((VOTES.c.vote == DISLIKE, 1), else_=0))
        with errors(self.name), self._engine.connect() as conn:
            outcomes = {
                row[0]: Tally(row[0], int(row[1]), int(row[2]))
                for row in conn.execute(select(VOTES.c.outcome, likes, dislikes).group_by(VOTES.c.outcome))
            }
            questions = conn.execute(
                select(VOTES.c.question, likes, dislikes)
                .group_by(VOTES.c.question)
                .having(dislikes > 0)
                .order_by(dislikes.desc(), VOTES.c.question)
                .limit(top)
            )
            indexes = conn.execute(
                select(VOTES.c.index_id, likes, dislikes)
                .group_by(VOTES.c.index_id)
                .order_by(func.max(VOTES.c.created_at).desc(), VOTES.c.index_id)
            )
            return FeedbackStats(
                by_outcome=tuple(outcomes.get(o, Tally(o, 0, 0)) for o in OUTCOMES),
                most_disliked=tuple(Tally(q, int(like), int(dislike)) for q, like, dislike in questions),
                by_index=tuple(Tally(i, int(like), int(dislike)) for i, like, dislike in indexes),
            )

    def disliked(self, index_id: str | None = None) -> list[StoredVote]:
        """Every dislike, oldest first; only those on ``index_id`` when given."""
        query = select(VOTES).where(VOTES.c.vote == DISLIKE).order_by(VOTES.c.id)
        if index_id is not None:
            query = query.where(VOTES.c.index_id == index_id)
        with errors(self.name), self._engine.connect() as conn:
            return [StoredVote(row.id, _vote(row)) for row in conn.execute(query)]

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> FeedbackStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _checkpoint(self, conn: Connection) -> None:
        """A SQLite store's votes copied from its write-ahead log into the file
        itself, so that the file named ``feedback.sqlite3`` holds them: copied,
        moved or backed up alone it is whole. PASSIVE: never waits for another
        reader or writer (what it cannot copy now, the next vote does)."""
        if self._path is not None:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def _follow_file(self) -> None:
        """A SQLite file removed or replaced while the app runs (an operator
        clearing the votes, a restore) is opened again by path, created if
        need be: the pool's connections would otherwise go on writing into the
        removed file, and every later vote would be lost while the reader is
        thanked for it."""
        if self._path is None or file_identity(self._path) == self._file:
            return
        with self._lock, errors(self.name):
            if file_identity(self._path) == self._file:
                return  # another thread opened it again
            logger.warning("feedback store %s was removed or replaced: opening it again", self.name)
            self._engine.dispose()
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._prepare(create=True)
            self._file = file_identity(self._path)

    def _prepare(self, create: bool) -> None:
        """Check the schema version; create or migrate the tables as needed."""
        for attempt in (1, 2):
            try:
                with self._engine.begin() as conn:
                    self._prepare_in(conn, create)
                return
            except IntegrityError:
                # Another process wrote the version row between our read and
                # insert (SQLite has no schema lock); its row is good: re-read.
                if attempt == 2:
                    raise

    def _prepare_in(self, conn: Connection, create: bool) -> None:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
        if not create and not inspect(conn).has_table(VOTES.name):
            raise FeedbackNotFound(f"no feedback store at {self.name}: nobody has voted yet")
        conn.execute(CreateTable(META, if_not_exists=True))
        version = conn.execute(select(META.c.schema_version)).scalar_one_or_none()
        if version is not None and version > SCHEMA_VERSION:
            raise FeedbackError(
                f"feedback store {self.name} has schema version {version}; "
                f"this program reads up to {SCHEMA_VERSION} (upgrade cica-qa)"
            )
        if version is None:
            conn.execute(CreateTable(VOTES, if_not_exists=True))
            conn.execute(insert(META).values(id=1, schema_version=SCHEMA_VERSION))
            return
        for step in range(version, SCHEMA_VERSION):
            MIGRATIONS[step](conn)
        if version < SCHEMA_VERSION:
            conn.execute(update(META).values(schema_version=SCHEMA_VERSION))
        conn.execute(CreateTable(VOTES, if_not_exists=True))  # a store left half-made


def _row(vote: Vote) -> dict[str, Any]:
    return {
        "created_at": vote.time,
        "question": vote.question,
        "previous": vote.previous,
        "outcome": vote.outcome,
        "answer": vote.answer,
        "shown_passages": list(vote.shown_passages),
        "index_id": vote.index_id,
        "vote": vote.vote,
        "comment": vote.comment,
    }


def _vote(row: Any) -> Vote:
    time = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return Vote(
        question=row.question,
        outcome=row.outcome,
        index_id=row.index_id,
        vote=row.vote,
        previous=row.previous,
        answer=row.answer,
        shown_passages=tuple(row.shown_passages),
        comment=row.comment,
        time=time,
    )
