"""Where a feedback store lives and how to reach it: the default SQLite
file, the URL checked and fit to print, engines with their time-outs and
pragmas, and database failures as one-line errors with the password hidden.

Knows nothing of votes or tables (``qa.feedback.store`` owns those).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.exc import SQLAlchemyError

from qa.errors import FeedbackError

DEFAULT_DIR = Path("feedback")
FILENAME = "feedback.sqlite3"
# A locked or hung store fails a vote within these seconds (the reader is
# told it was not saved) instead of holding it, and the vote workers, for as long.
SQLITE_BUSY_TIMEOUT_S = 5
POSTGRES_CONNECT_TIMEOUT_S = 5
POSTGRES_STATEMENT_TIMEOUT_MS = 5000
POOL_TIMEOUT_S = 5
SQLITE_HEADER = b"SQLite format 3\0"


def default_url(directory: Path = DEFAULT_DIR) -> str:
    """The SQLite store under ``directory`` (``feedback/feedback.sqlite3``), as a URL."""
    path = (directory / FILENAME).absolute()
    return URL.create("sqlite", database=str(path)).render_as_string(hide_password=False)


def display_url(url: str | URL) -> str:
    """``url`` fit to print: the password (and a ``password=`` query value) hidden."""
    if isinstance(url, str) and _ambiguous(url):
        return scrub(url)
    try:
        parsed = make_url(url)
    except (SQLAlchemyError, ValueError):
        return scrub(str(url))
    query = {k: v for k, v in parsed.query.items() if k.lower() not in ("password", "passwd")}
    return parsed.set(query=query).render_as_string(hide_password=True)


def parse_url(url: str | URL, name: str) -> URL:
    """``url`` parsed and checked (:func:`supported`); anything else is a one-line FeedbackError."""
    if isinstance(url, str) and _ambiguous(url):
        raise FeedbackError(f"feedback store {name}: write an '@' in the password as %40")
    try:
        parsed = make_url(url)
    except (SQLAlchemyError, ValueError) as exc:
        reason = "the port must be a number" if "int()" in str(exc) else "not a database URL"
        raise FeedbackError(f"feedback store {name}: {reason}") from None
    return supported(parsed, name)


def _ambiguous(url: str) -> bool:
    """Whether ``url``'s user part holds a second '@' (a password with a raw
    '@': parsed, part of the password would be taken for the host)."""
    authority = url.partition("://")[2].partition("?")[0]
    return authority.count("@") > 1


def supported(url: URL, name: str) -> URL:
    backend = url.get_backend_name()
    if backend in ("postgresql", "postgres"):
        # SQLAlchemy 2.0 would pick psycopg2 for a bare postgresql://; we ship psycopg 3.
        return url.set(drivername="postgresql+psycopg") if "+" not in url.drivername else url
    if backend == "sqlite":
        if url.database in (None, "", ":memory:"):
            raise FeedbackError(f"feedback store {name}: a SQLite store needs a file path (sqlite:///PATH)")
        return url
    raise FeedbackError(f"feedback store {name}: unsupported database {backend!r} (use sqlite:/// or postgresql://)")


def connect(url: URL, *, read_only: bool = False) -> Engine:
    """An engine on ``url``; ``read_only``: a SQLite file opened ``mode=ro``
    (no pragma written), so a read-only copy or another user's file will do."""
    if url.get_backend_name() == "sqlite":
        # The sqlite3 module's timeout is SQLite's busy timeout: a writer waits
        # for another instead of failing with "database is locked".
        if read_only:
            uri = Path(url.database or "").absolute().as_uri() + "?mode=ro"
            return create_engine("sqlite://", creator=lambda: _sqlite_read_only(uri))
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}, pool_timeout=POOL_TIMEOUT_S)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # The URL's own settings win; its options keep ours beside them.
    options = str(url.query.get("options", ""))
    if "statement_timeout" not in options:
        options = f"{options} -c statement_timeout={POSTGRES_STATEMENT_TIMEOUT_MS}".strip()
    if read_only:  # stats and export: the server refuses any write
        options += " -c default_transaction_read_only=on"
    connect_args = {"options": options, "connect_timeout": url.query.get("connect_timeout", POSTGRES_CONNECT_TIMEOUT_S)}
    # pre_ping: a replica's pooled connection may outlive a server restart.
    return create_engine(url, pool_pre_ping=True, pool_timeout=POOL_TIMEOUT_S, connect_args=connect_args)


def _sqlite_read_only(uri: str) -> Any:
    """A read-only connection; a WAL file in a directory it cannot write (no
    ``-shm`` to make) is read as immutable: nobody writes a read-only copy."""
    import sqlite3

    try:
        conn = sqlite3.connect(uri, uri=True, timeout=SQLITE_BUSY_TIMEOUT_S, check_same_thread=False)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        return sqlite3.connect(uri + "&immutable=1", uri=True, check_same_thread=False)


def open_sqlite_file(path: Path, name: str) -> int:
    """A descriptor on a SQLite store's file, for :func:`check_sqlite_file`,
    to keep open as long as the store's connections. Closing any descriptor
    on the file drops every lock this process holds on it (POSIX locks belong
    to the process): another process closing its last connection then takes
    the file for its own, checkpoints and deletes the write-ahead log under
    the open connections, and the votes they commit next are thanked and lost."""
    try:
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise FeedbackError(f"feedback store {name}: cannot read the file ({exc.strerror})") from None


def check_sqlite_file(fd: int, name: str) -> None:
    """A SQLite store's file (``fd``, from :func:`open_sqlite_file`) is still
    SQLite's (its header), before a write: one overwritten in place would take
    the vote, thank the reader, and lose it."""
    try:
        header = os.pread(fd, len(SQLITE_HEADER), 0)
    except OSError as exc:
        raise FeedbackError(f"feedback store {name}: cannot read the file ({exc.strerror})") from None
    if header != SQLITE_HEADER:
        raise FeedbackError(f"feedback store {name}: the file is no longer a SQLite database (restore it from a copy)")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers and the one writer do not block each other; the mode is
    # stored in the file. NORMAL sync is safe in WAL (a crash may lose the
    # last votes, never corrupt the file).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def file_identity(path: Path | None) -> tuple[int, int] | None:
    try:
        status = path.stat() if path is not None else None
    except OSError:
        return None
    return (status.st_dev, status.st_ino) if status else None


@contextmanager
def errors(name: str, url: str | URL | None = None) -> Iterator[None]:
    """Database, file and driver failures as one-line FeedbackErrors naming the store."""
    try:
        yield
    except FeedbackError:
        raise
    except (SQLAlchemyError, OSError, ImportError, ValueError) as exc:  # ValueError: a stored value unreadable
        detail = str(getattr(exc, "orig", None) or exc).strip()
        reason = detail.splitlines()[0] if detail else type(exc).__name__
        raise FeedbackError(f"feedback store {name}: {scrub(reason, url)}") from exc


def scrub(message: str, url: str | URL | None = None) -> str:
    """``message`` with anything shaped like ``scheme://user:password@`` hidden,
    and the URL's own password too (drivers may echo connection strings)."""
    message = re.sub(r"(://[^:/@\s]*:)\S*@", r"\1***@", message)  # up to the last '@': a password may hold one
    try:
        password = make_url(url).password if url is not None else None
    except SQLAlchemyError:
        password = None
    # Short passwords would mangle ordinary words; they are also not echoed.
    if password and len(str(password)) >= 4:
        message = message.replace(str(password), "***")
    return message
