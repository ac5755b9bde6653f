"""Where a feedback store lives and how to reach it: the default SQLite
file, the URL checked and fit to print, engines with their time-outs and
pragmas, and database failures as one-line errors with the password hidden.

Knows nothing of votes or tables (``qa.feedback.store`` owns those).
"""

from __future__ import annotations

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
SQLITE_BUSY_TIMEOUT_S = 30
POSTGRES_CONNECT_TIMEOUT_S = 10


def default_url(directory: Path = DEFAULT_DIR) -> str:
    """The SQLite store under ``directory`` (``feedback/feedback.sqlite3``), as a URL."""
    path = (directory / FILENAME).absolute()
    return URL.create("sqlite", database=str(path)).render_as_string(hide_password=False)


def display_url(url: str | URL) -> str:
    """``url`` fit to print: the password (and a ``password=`` query value) hidden."""
    try:
        parsed = make_url(url)
    except SQLAlchemyError:
        return scrub(str(url))
    query = {k: v for k, v in parsed.query.items() if k.lower() not in ("password", "passwd")}
    return parsed.set(query=query).render_as_string(hide_password=True)


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


def connect(url: URL) -> Engine:
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
    except (SQLAlchemyError, OSError, ImportError) as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip()
        reason = detail.splitlines()[0] if detail else type(exc).__name__
        raise FeedbackError(f"feedback store {name}: {scrub(reason, url)}") from exc


def scrub(message: str, url: str | URL | None = None) -> str:
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
