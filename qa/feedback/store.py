"""The feedback store: one row per like or dislike on an answer.

    from qa.feedback.store import FeedbackStore, Vote, default_url
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
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
    create_engine,
    event,
    func,
    insert,
    inspect,
    make_url,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.schema import CreateTable

from qa.errors import FeedbackError, FeedbackNotFound, InvalidVote

logger = logging.getLogger(__name__)

OUTCOMES = ("answered", "related", "not_covered")
LIKE, DISLIKE = 1, -1
# Longer texts are cut to these many characters (code points) before storing.
MAX_QUESTION = 1000
MAX_COMMENT = 500
MAX_ANSWER = 2000
MAX_INDEX_ID = 200
MAX_SHOWN = 50  # passage ids kept per vote: the CLI's and app's largest k
DEFAULT_DIR = Path("feedback")
FILENAME = "feedback.sqlite3"
SCHEMA_VERSION = 1
SQLITE_BUSY_TIMEOUT_S = 30
POSTGRES_CONNECT_TIMEOUT_S = 10
_SCHEMA_LOCK = 0x5146_4545  # PostgreSQL advisory lock: one replica creates the tables

# Line breaks and tabs become spaces; other C0/C1 controls, lone surrogates
# (which no database encoding accepts) and bidirectional overrides (which can
# reorder what a terminal shows) are removed.
_SPACES = re.compile("[\t\n\r\x0b\x0c\x1c-\x1f\x85\u2028\u2029]+")
_UNWANTED = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str, limit: int) -> str:
    """``value`` without control characters, stripped, cut to ``limit`` characters."""
    cleaned = _UNWANTED.sub("", _SPACES.sub(" ", value)).strip()
    return cleaned[:limit].rstrip()


@dataclass(frozen=True, kw_only=True)
class Vote:
    """A like (+1) or dislike (-1) on one answer, as stored.

    Built values are already what the store keeps: texts are cleaned with
    :func:`clean_text` and cut (question and previous to 1000 characters,
    answer to 2000, comment to 500), ``time`` is in UTC. An unknown outcome, a
    vote other than +1/-1, an empty question or a naive time is
    :class:`~qa.errors.InvalidVote`.
    """

    question: str
    outcome: str  # "answered" | "related" | "not_covered"
    index_id: str  # the identity of the index build that answered
    vote: int  # LIKE (+1) or DISLIKE (-1)
    previous: str = ""  # the earlier question this one leaned on, if any
    answer: str | None = None  # the answer sentence shown, None when there was none
    shown_passages: tuple[int, ...] = ()  # passage ids, in the order shown
    comment: str = ""  # optional, asked for on a dislike
    time: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise InvalidVote(f"unknown outcome {self.outcome!r}: expected one of {', '.join(OUTCOMES)}")
        if isinstance(self.vote, bool) or self.vote not in (LIKE, DISLIKE):
            raise InvalidVote(f"a vote is +1 (like) or -1 (dislike), not {self.vote!r}")
        texts = {"question": MAX_QUESTION, "previous": MAX_QUESTION, "comment": MAX_COMMENT, "index_id": MAX_INDEX_ID}
        if self.answer is not None:
            texts["answer"] = MAX_ANSWER
        for name, limit in texts.items():
            value = getattr(self, name)
            if not isinstance(value, str):
                raise InvalidVote(f"{name} must be text, not {type(value).__name__}")
            object.__setattr__(self, name, clean_text(value, limit))
        if not self.question:
            raise InvalidVote("a vote needs the question it was given on")
        try:
            shown = tuple(as_int(i) for i in self.shown_passages)[:MAX_SHOWN]
        except TypeError:
            raise InvalidVote(f"shown passage ids must be whole numbers: {self.shown_passages!r}") from None
        object.__setattr__(self, "shown_passages", shown)
        if not isinstance(self.time, datetime) or self.time.tzinfo is None:
            raise InvalidVote("a vote's time must be a timezone-aware datetime")
        object.__setattr__(self, "time", self.time.astimezone(UTC))


@dataclass(frozen=True)
class StoredVote:
    """A vote with the row id the store gave it."""

    id: int
    vote: Vote

    def to_gold_candidate(self) -> dict[str, Any]:
        """A line for qa/eval/data/gold.jsonl, with ``evidence`` left for a person to fill."""
        v = self.vote
        return {
            "id": f"fb{self.id}",
            "question": v.question,
            "evidence": [],
            "split": "dev",
            "previous": v.previous,
            "shown_passages": list(v.shown_passages),
            "answer": v.answer,
            "comment": v.comment,
            "index_id": v.index_id,
        }


@dataclass(frozen=True)
class Tally:
    """Likes and dislikes for one key: an outcome, a question or an index id."""

    key: str
    likes: int
    dislikes: int

    @property
    def votes(self) -> int:
        return self.likes + self.dislikes


@dataclass(frozen=True)
class FeedbackStats:
    by_outcome: tuple[Tally, ...]  # every outcome, in OUTCOMES order
    most_disliked: tuple[Tally, ...]  # questions with dislikes, most disliked first
    by_index: tuple[Tally, ...]  # index builds, the one voted on most recently first

    @property
    def likes(self) -> int:
        return sum(t.likes for t in self.by_outcome)

    @property
    def dislikes(self) -> int:
        return sum(t.dislikes for t in self.by_outcome)

    @property
    def votes(self) -> int:
        return self.likes + self.dislikes

    def to_dict(self) -> dict[str, Any]:
        def rows(tallies: tuple[Tally, ...], key: str) -> list[dict[str, Any]]:
            return [{key: t.key, "votes": t.votes, "likes": t.likes, "dislikes": t.dislikes} for t in tallies]

        return {
            "votes": self.votes,
            "likes": self.likes,
            "dislikes": self.dislikes,
            "by_outcome": rows(self.by_outcome, "outcome"),
            "most_disliked": rows(self.most_disliked, "question"),
            "by_index": rows(self.by_index, "index_id"),
        }


EMPTY_STATS = FeedbackStats(tuple(Tally(o, 0, 0) for o in OUTCOMES), (), ())

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


def default_url(directory: Path = DEFAULT_DIR) -> str:
    """The SQLite store under ``directory`` (``feedback/feedback.sqlite3``), as a URL."""
    path = (directory / FILENAME).absolute()
    return URL.create("sqlite", database=str(path)).render_as_string(hide_password=False)


def display_url(url: str | URL) -> str:
    """``url`` fit to print: the password (and a ``password=`` query value) hidden."""
    try:
        parsed = make_url(url)
    except SQLAlchemyError:
        return _scrub(str(url))
    query = {k: v for k, v in parsed.query.items() if k.lower() not in ("password", "passwd")}
    return parsed.set(query=query).render_as_string(hide_password=True)


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
        with _errors(name, url):
            parsed = _supported(make_url(url), name)
            if parsed.get_backend_name() == "sqlite":
                path = Path(parsed.database or "")
                if not create and not path.exists():
                    raise FeedbackNotFound(f"no feedback store at {path}: nobody has voted yet")
                path.parent.mkdir(parents=True, exist_ok=True)
            store = cls(_create_engine(parsed), name)
            try:
                store._prepare(create)
            except BaseException:
                store.close()
                raise
            if parsed.get_backend_name() == "sqlite":
                store._path, store._file = path, _file_identity(path)
        return store

    def record(self, vote: Vote) -> int:
        """Store ``vote``; returns its row id."""
        self._follow_file()
        with _errors(self.name), self._engine.connect() as conn:
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
        with _errors(self.name), self._engine.connect() as conn:
            with conn.begin():
                added = conn.execute(update(VOTES).where(pending).values(comment=cleaned)).rowcount == 1
            self._checkpoint(conn)
        return added

    def stats(self, top: int = 10) -> FeedbackStats:
        """Votes per outcome, the ``top`` most disliked questions, votes per index build."""
        likes = func.sum(case((VOTES.c.vote == LIKE, 1), else_=0))
        dislikes = func.sum(case((VOTES.c.vote == DISLIKE, 1), else_=0))
        with _errors(self.name), self._engine.connect() as conn:
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
        with _errors(self.name), self._engine.connect() as conn:
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
        if self._path is None or _file_identity(self._path) == self._file:
            return
        with self._lock, _errors(self.name):
            if _file_identity(self._path) == self._file:
                return  # another thread opened it again
            logger.warning("feedback store %s was removed or replaced: opening it again", self.name)
            self._engine.dispose()
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._prepare(create=True)
            self._file = _file_identity(self._path)

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


def _file_identity(path: Path | None) -> tuple[int, int] | None:
    try:
        status = path.stat() if path is not None else None
    except OSError:
        return None
    return (status.st_dev, status.st_ino) if status else None


def _supported(url: URL, name: str) -> URL:
    backend = url.get_backend_name()
    if backend in ("postgresql", "postgres"):
        # SQLAlchemy 2.0 would pick psycopg2 for a bare postgresql://; we ship psycopg 3.
        return url.set(drivername="postgresql+psycopg") if "+" not in url.drivername else url
    if backend == "sqlite":
        if url.database in (None, "", ":memory:"):
            raise FeedbackError(f"feedback store {name}: a SQLite store needs a file path (sqlite:///PATH)")
        return url
    raise FeedbackError(f"feedback store {name}: unsupported database {backend!r} (use sqlite:/// or postgresql://)")


def _create_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        # The sqlite3 module's timeout is SQLite's busy timeout: a writer waits
        # for another instead of failing with "database is locked".
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args = {} if "connect_timeout" in url.query else {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}
    # pre_ping: a replica's pooled connection may outlive a server restart.
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers and the one writer do not block each other; the mode is
    # stored in the file. NORMAL sync is safe in WAL (a crash may lose the
    # last votes, never corrupt the file).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


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


@contextmanager
def _errors(name: str, url: str | URL | None = None) -> Iterator[None]:
    """Database, file and driver failures as one-line FeedbackErrors naming the store."""
    try:
        yield
    except FeedbackError:
        raise
    except (SQLAlchemyError, OSError, ImportError) as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip()
        reason = detail.splitlines()[0] if detail else type(exc).__name__
        raise FeedbackError(f"feedback store {name}: {_scrub(reason, url)}") from exc


def _scrub(message: str, url: str | URL | None = None) -> str:
    """``message`` with anything shaped like ``scheme://user:password@`` hidden,
    and the URL's own password too (drivers may echo connection strings)."""
    message = re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", message)
    try:
        password = make_url(url).password if url is not None else None
    except SQLAlchemyError:
        password = None
    # Short passwords would mangle ordinary words; they are also not echoed.
    if password and len(str(password)) >= 4:
        message = message.replace(str(password), "***")
    return message
