"""Hand-made votes for the feedback tests, and a store's schema version set
by hand."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import create_engine, make_url, text

from qa.feedback.votes import DISLIKE, Vote

T0 = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def make_vote(**changes: object) -> Vote:
    fields: dict[str, object] = {
        "question": "How many member states does CICA have?",
        "outcome": "answered",
        "index_id": "build-a",
        "vote": DISLIKE,
        "time": T0,
    }
    fields.update(changes)
    return Vote(**fields)  # type: ignore[arg-type]


def set_schema_version(url: str, version: int) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed)
    with engine.begin() as conn:
        conn.execute(text("UPDATE feedback_meta SET schema_version = :v"), {"v": version})
    engine.dispose()
