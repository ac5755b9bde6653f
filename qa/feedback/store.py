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

The tables, their version and the migrations are :mod:`qa.feedback.schema`:
a store written by a newer version, or with an unreadable version, is a
:class:`~qa.errors.FeedbackError`; an older one is migrated in place. The key
replies are signed with (:mod:`qa.feedback.tokens`) is kept in the store:
``key()`` reads it, ``rotate_key()`` replaces it. Every database failure
surfaces as a one-line ``FeedbackError`` that names the store with its
password hidden. Opened with ``create=False`` the store is only read.

Nothing here renders HTML, and nothing stored should ever be rendered as HTML:
the texts are what people typed, cleaned of control characters only.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import UTC, datetime
from operator import index as as_int
from pathlib import Path
from typing import Any

from sqlalchemy import (
    URL,
    Connection,
    Engine,
    case,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from qa.errors import FeedbackError, FeedbackNotFound, InvalidVote, StoreFull, VoteKept
from qa.feedback.database import (
    check_sqlite_file,
    connect,
    display_url,
    errors,
    file_identity,
    open_sqlite_file,
    parse_url,
)
from qa.feedback.schema import VOTES, prepare
from qa.feedback.tokens import SigningKey, current_key, new_key
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
# The signing key is read again after this long, so that a key rotated by the
# CLI or on another replica signs this process's replies within seconds.
KEY_FRESH_S = 10.0


class FeedbackStore:
    """Votes in a database; thread-safe (one engine, a pool of connections).

    ``max_votes``: a vote once the store holds that many is :class:`StoreFull`."""

    def __init__(self, engine: Engine, name: str, max_votes: int | None = None) -> None:
        self._engine = engine
        self.name = name  # the URL with the password hidden
        self.max_votes = max_votes
        self._path: Path | None = None  # a SQLite store's file, watched (see _follow_file), set by open()
        self._file: tuple[int, int] | None = None
        self._fd: int | None = None  # on that file, open as long as the engine (see database.open_sqlite_file)
        self._lock = threading.Lock()
        self._key: SigningKey | None = None
        self._key_read_at = 0.0
        self._clock = time.monotonic  # tests move it

    @classmethod
    def open(cls, url: str | URL, *, create: bool = True, max_votes: int | None = None) -> FeedbackStore:
        """Open the store at ``url``, creating it (and a SQLite file's directory)
        when ``create``; otherwise it is opened read-only (no table made, no
        pragma written: a read-only copy will do), and a missing store is
        :class:`FeedbackNotFound`."""
        name = display_url(url)
        with errors(name, url):
            parsed = parse_url(url, name)
            if parsed.get_backend_name() == "sqlite":
                path = Path(parsed.database or "")
                if not create and not path.exists():
                    raise FeedbackNotFound(f"no feedback store at {path}: nobody has voted yet")
                if create:
                    path.parent.mkdir(parents=True, exist_ok=True)
            store = cls(connect(parsed, read_only=not create), name, max_votes)
            try:
                prepare(store._engine, create, name)
            except BaseException:
                store.close()
                raise
            if parsed.get_backend_name() == "sqlite":
                store._path, store._file = path, file_identity(path)
        return store

    def record(self, vote: Vote) -> int:
        """Store ``vote``; returns its row id. A second vote on the same reply
        is :class:`VoteKept`; one more than ``max_votes``, :class:`StoreFull`.
        Stored is decided by the commit alone (see _checkpoint)."""
        self._follow_file()
        with errors(self.name), self._engine.connect() as conn:
            try:
                with conn.begin():
                    if self.max_votes is not None and self._count(conn) >= self.max_votes:
                        raise StoreFull(f"feedback store {self.name} is full ({self.max_votes} votes)")
                    row_id = int(conn.execute(insert(VOTES).values(_row(vote))).inserted_primary_key[0])
            except IntegrityError:
                if vote.reply_id is None:
                    raise
                raise VoteKept(f"reply {vote.reply_id} already has a vote") from None
            self._checkpoint(conn)
        return row_id

    def add_comment(self, vote: int | str, comment: str) -> bool:
        """Attach ``comment`` (cleaned and cut as a Vote's) to the dislike
        stored as ``vote`` (its row id, or the reply id it was given on), if it
        has none yet; whether it did. The chat stores a dislike at once and
        asks for the comment after, so a reader who writes none still counts."""
        if not isinstance(comment, str):
            raise InvalidVote(f"comment must be text, not {type(comment).__name__}")
        cleaned = clean_text(comment, MAX_COMMENT)
        if not cleaned:
            return False
        which = VOTES.c.reply_id == vote if isinstance(vote, str) else VOTES.c.id == as_int(vote)
        pending = which & (VOTES.c.vote == DISLIKE) & (VOTES.c.comment == "")
        self._follow_file()
        with errors(self.name), self._engine.connect() as conn:
            with conn.begin():
                added = conn.execute(update(VOTES).where(pending).values(comment=cleaned)).rowcount == 1
            self._checkpoint(conn)
        return added

    def key(self, *, fresh: bool = False) -> SigningKey:
        """The key replies are signed with: read again when ``fresh`` (a vote
        checks its token against the key the store holds now) or when the one
        read is KEY_FRESH_S old."""
        now = self._clock()
        if self._key is None or fresh or now - self._key_read_at >= KEY_FRESH_S:
            with errors(self.name), self._engine.connect() as conn:
                key = current_key(conn)
            if key is None:
                raise FeedbackError(f"feedback store {self.name} has no signing key")
            self._key, self._key_read_at = key, now
        return self._key

    def rotate_key(self) -> SigningKey:
        """A new signing key in place of the old: replies signed before can no longer be voted on."""
        self._follow_file()
        with errors(self.name), self._engine.begin() as conn:
            self._key = new_key(conn)
        self._key_read_at = self._clock()
        return self._key

    def stats(self, top: int = 10) -> FeedbackStats:
        """Votes per outcome (a stored outcome this version does not know is
        listed after the known ones), the ``top`` most disliked questions,
        votes per index build."""
        likes = func.sum(case((VOTES.c.vote == LIKE, 1), else_=0))
        dislikes = func.sum(case((VOTES.c.vote == DISLIKE, 1), else_=0))
        with errors(self.name), self._engine.connect() as conn:
            outcomes = {
                str(row[0]): Tally(str(row[0]), int(row[1]), int(row[2]))
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
            unknown = tuple(outcomes[o] for o in sorted(outcomes) if o not in OUTCOMES)
            return FeedbackStats(
                by_outcome=tuple(outcomes.get(o, Tally(o, 0, 0)) for o in OUTCOMES) + unknown,
                most_disliked=tuple(Tally(q, int(like), int(dislike)) for q, like, dislike in questions),
                by_index=tuple(Tally(i, int(like), int(dislike)) for i, like, dislike in indexes),
            )

    def disliked(self, index_id: str | None = None) -> list[StoredVote]:
        """Every dislike, oldest first; only those on ``index_id`` when given."""
        query = select(VOTES).where(VOTES.c.vote == DISLIKE).order_by(VOTES.c.id)
        if index_id is not None:
            query = query.where(VOTES.c.index_id == index_id)
        with errors(self.name), self._engine.connect() as conn:
            return [StoredVote(row.id, _vote(row, self.name)) for row in conn.execute(query)]

    @staticmethod
    def _count(conn: Connection) -> int:
        return int(conn.execute(select(func.count()).select_from(VOTES)).scalar_one())

    def close(self) -> None:
        self._engine.dispose()
        with self._lock:
            self._close_file()

    def _close_file(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> FeedbackStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _checkpoint(self, conn: Connection) -> None:
        """A SQLite store's votes copied from its write-ahead log into the file
        itself, so that the file named ``feedback.sqlite3`` holds them: copied,
        moved or backed up alone it is whole. PASSIVE: never waits for another
        reader or writer (what it cannot copy now, the next vote does). After
        the commit, so a failure here (a full disk) is logged: the vote is stored."""
        if self._path is None:
            return
        try:
            wal_checkpoint(conn)
        except Exception as exc:  # noqa: BLE001 - whatever it is, the commit stands
            logger.warning("feedback store %s: checkpoint failed after a stored vote: %s", self.name, exc)

    def _follow_file(self) -> None:
        """Before a write: a SQLite file removed or replaced while the app runs
        (an operator clearing the votes, a restore) is opened again by path,
        created if need be: the pool's connections would otherwise go on writing
        into the removed file, and every later vote would be lost while the
        reader is thanked for it. A file overwritten in place that is no longer
        SQLite's is a FeedbackError (the vote refused, not thanked then lost)."""
        if self._path is None:
            return
        if file_identity(self._path) == self._file:
            with self._lock:  # the descriptor is replaced when the file is (below)
                if self._fd is None:
                    self._fd = open_sqlite_file(self._path, self.name)
                check_sqlite_file(self._fd, self.name)
            return
        with self._lock, errors(self.name):
            if file_identity(self._path) == self._file:
                return  # another thread opened it again
            logger.warning("feedback store %s was removed or replaced: opening it again", self.name)
            self._engine.dispose()
            self._close_file()  # the old file's: its locks go with its connections
            self._path.parent.mkdir(parents=True, exist_ok=True)
            prepare(self._engine, True, self.name)
            self._file = file_identity(self._path)
            self._key = None


def wal_checkpoint(conn: Connection) -> None:
    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")


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
        "reply_id": vote.reply_id,
    }


def _vote(row: Any, name: str) -> Vote:
    time = row.created_at
    if not isinstance(time, datetime):
        raise FeedbackError(f"feedback store {name}: vote {row.id} has an unreadable time {time!r}")
    time = time if time.tzinfo else time.replace(tzinfo=UTC)
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
        reply_id=row.reply_id,
    )
