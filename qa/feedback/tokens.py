"""Signed replies: a vote is taken only on a reply the server produced.

Each reply carries a token, an HMAC-SHA256 over what a vote on it stores (the
reply id, the question, the earlier question, the outcome, the answer
sentence, the passage ids, the index build). The key is made once and kept in
the store (``feedback_keys``), so PostgreSQL replicas share it;
``python -m qa feedback rotate-key`` replaces it, and every token signed
before is refused. A token is ``<key number>.<hex HMAC>``: one signed with a
key no longer kept says so instead of looking forged.

Pure values and statements on a connection; :mod:`qa.feedback.store` runs them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, Connection, DateTime, Integer, MetaData, String, Table, delete, func, insert, select

KEYS = Table(
    "feedback_keys",
    MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=False),  # the key's number, 1 then one more per rotation
    Column("secret", String(64), nullable=False),  # 32 random bytes, hex
    Column("created_at", DateTime(timezone=True), nullable=False),
)
MAX_TOKEN = 80  # "<number>.<64 hex digits>", with room
MAX_REPLY_ID = 64


@dataclass(frozen=True)
class SigningKey:
    number: int
    secret: bytes


@dataclass(frozen=True)
class Reply:
    """What a vote on one reply stores: the fields a token covers."""

    reply_id: str
    question: str
    previous: str
    outcome: str
    answer: str | None
    passage_ids: tuple[int, ...]
    index_id: str

    def message(self) -> bytes:
        fields = [self.reply_id, self.question, self.previous, self.outcome, self.answer, list(self.passage_ids)]
        fields.append(self.index_id)
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")


def sign(key: SigningKey, reply: Reply) -> str:
    return f"{key.number}.{_mac(key, b'reply', reply.message())}"


def sign_reference(key: SigningKey, reply_id: str) -> str:
    """A reference to a reply's stored vote, for the comment sent after it."""
    return f"{reply_id}.{key.number}.{_mac(key, b'comment', reply_id.encode('utf-8', 'surrogatepass'))}"


def check(key: SigningKey, reply: Reply, token: object) -> str:
    """ "ok", "stale" (signed with a key no longer kept) or "forged" (anything else)."""
    return _check(key, token, b"reply", reply.message())


def referenced(key: SigningKey, reference: object) -> tuple[str | None, str]:
    """The reply id a reference names and its check ("ok", "stale" or "forged")."""
    if not isinstance(reference, str) or len(reference) > MAX_REPLY_ID + MAX_TOKEN:
        return None, "forged"
    reply_id, _, token = reference.partition(".")
    return reply_id, _check(key, token, b"comment", reply_id.encode("utf-8", "surrogatepass"))


def _check(key: SigningKey, token: object, purpose: bytes, message: bytes) -> str:
    if not isinstance(token, str) or len(token) > MAX_TOKEN:
        return "forged"
    number, _, mac = token.partition(".")
    if number != str(key.number):
        # ASCII digits only: "²" is a digit to isdigit() but not to int().
        return "stale" if number.isascii() and number.isdigit() and int(number) < key.number else "forged"
    return "ok" if hmac.compare_digest(mac, _mac(key, purpose, message)) else "forged"


def _mac(key: SigningKey, purpose: bytes, message: bytes) -> str:
    return hmac.new(key.secret, purpose + b"\0" + message, hashlib.sha256).hexdigest()


def current_key(conn: Connection) -> SigningKey | None:
    row = conn.execute(select(KEYS.c.id, KEYS.c.secret).order_by(KEYS.c.id.desc()).limit(1)).first()
    return None if row is None else SigningKey(int(row.id), bytes.fromhex(row.secret))


def new_key(conn: Connection) -> SigningKey:
    """A fresh key, numbered one past the last, in place of every older one."""
    number = int(conn.execute(select(func.coalesce(func.max(KEYS.c.id), 0))).scalar_one()) + 1
    secret = secrets.token_bytes(32)
    conn.execute(delete(KEYS))
    conn.execute(insert(KEYS).values(id=number, secret=secret.hex(), created_at=datetime.now(UTC)))
    return SigningKey(number, secret)
