"""The chat's votes: a like or dislike on a reply, and the comment a dislike
may add, stored in a :class:`~qa.feedback.store.FeedbackStore`. A store that
fails costs the vote, never the chat.

A vote is taken only on a reply the server signed (:mod:`qa.feedback.tokens`),
and what is stored is what the signature covers: a record made up or edited
in the browser stores nothing. One vote per reply, kept by the store (a
replay or a second tab is told the first is kept). The dislike's comment
comes back with a signed reference to its reply, kept in the browser, so it
is attached even when the server restarted in between.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as NoAnswer
from dataclasses import replace
from typing import Any, TypeVar

from qa.errors import FeedbackError, InvalidVote, StoreFull, VoteKept
from qa.feedback import tokens
from qa.feedback.store import FeedbackStore
from qa.feedback.votes import DISLIKE, LIKE, MAX_COMMENT, Vote
from qa.web.conversation import Turn, to_records, turns_from_records
from qa.web.handlers import KEPT_TURNS
from qa.web.limits import RateLimit

THANKS = "Thank you for your vote."
ASK_COMMENT = "Thank you. What was wrong with this answer? Tell us below if you like (optional)."
KEPT_VOTE = "Your first vote on this answer ({vote}) is kept."
FIRST_KEPT = "Your first vote on this answer is kept."
NOTHING_TO_VOTE = "There is no answer to vote on in this reply."
GONE = "That reply is no longer in the conversation."
VOTE_FAILED = "Sorry, your vote could not be saved just now; the chat works as before."
FORGED = "This reply cannot be voted on: it is not one the chat gave, or it was changed."
STALE = "This reply can no longer be voted on (it is older than the chat's voting key): ask the question again."
TOO_FAST = "You are voting faster than the chat takes votes ({limit} a minute): please wait a moment."
FULL = "Sorry, the chat takes no more votes for now: its store is full."
COMMENT_SAVED = "Thank you: your comment is saved."
COMMENT_FAILED = "Sorry, your comment could not be saved just now; your vote is kept."
COMMENT_LOST = "Sorry, your comment could not be attached to your vote; your vote is kept."
log = logging.getLogger("qa")
# A store that does not answer (a stopped PostgreSQL server: its statement
# time-out cannot fire) fails the vote after this long instead of holding it,
# and a vote worker, until it answers. The call goes on in the background; if
# it stores the vote after all, the reply's unique id keeps it to one row.
STORE_TIMEOUT_S = 6.0
_calls = ThreadPoolExecutor(max_workers=8, thread_name_prefix="qa-vote")
T = TypeVar("T")


def bounded(store: FeedbackStore, call: Callable[..., T], *args: Any) -> T:
    """``call(*args)`` on the store, or a FeedbackError when it does not answer within STORE_TIMEOUT_S."""
    try:
        return _calls.submit(call, *args).result(timeout=STORE_TIMEOUT_S)
    except NoAnswer:
        raise FeedbackError(f"feedback store {store.name}: no answer within {STORE_TIMEOUT_S:.0f} s") from None


def reply_of(turn: Turn) -> tokens.Reply:
    """What a vote on ``turn`` stores, as its token covers it."""
    return tokens.Reply(
        reply_id=turn.reply_id,
        question=turn.question,
        previous=turn.previous,
        outcome=str(turn.outcome.value if turn.outcome is not None else ""),
        answer=turn.sentence.text if turn.sentence is not None else None,
        passage_ids=tuple(shown.id for shown in turn.passages),
        index_id=turn.index_id,
    )


def sign_turn(store: FeedbackStore, turn: Turn) -> Turn:
    """``turn`` (just produced by the server) with its token; unsigned when
    it has nothing to vote on or the store cannot give its key (no vote then)."""
    if turn.outcome is None or not turn.reply_id:
        return turn
    try:
        key = bounded(store, store.key)
    except FeedbackError as exc:
        log.warning("warning: a reply was not signed (no vote on it): %s", exc)
        return turn
    return replace(turn, token=tokens.sign(key, reply_of(turn)))


def record_vote(store: FeedbackStore, turn: Turn, liked: bool, comment: str = "") -> tuple[int | None, str]:
    """Store a like or dislike on ``turn``'s reply, if its token is good:
    (the vote's id, what to tell the reader). A store that fails costs the
    vote, never the chat: no id, a short notice, one line in the log."""
    if turn.outcome is None:
        return None, NOTHING_TO_VOTE
    try:
        key = bounded(store, lambda: store.key(fresh=True))  # a rotated key refuses what the old one signed
        # No token at all: a reply kept from before replies were signed (or a
        # record made up without one): either way, asking again gives a vote.
        checked = tokens.check(key, reply_of(turn), turn.token) if turn.reply_id and turn.token else "stale"
        if checked != "ok":
            log.warning("warning: a vote on a %s reply was refused", "stale" if checked == "stale" else "forged")
            return None, STALE if checked == "stale" else FORGED
        vote = Vote(
            question=turn.question,
            outcome=turn.outcome,
            index_id=turn.index_id,
            vote=LIKE if liked else DISLIKE,
            previous=turn.previous,
            answer=turn.sentence.text if turn.sentence is not None else None,
            shown_passages=tuple(shown.id for shown in turn.passages),
            comment=comment,
            reply_id=turn.reply_id,
        )
        return bounded(store, store.record, vote), THANKS if liked else ASK_COMMENT
    except InvalidVote:
        return None, NOTHING_TO_VOTE
    except VoteKept:
        return None, FIRST_KEPT
    except StoreFull as exc:
        log.warning("warning: a vote was not stored: %s", exc)
        return None, FULL
    except FeedbackError as exc:
        log.warning("warning: a vote was not stored: %s", exc)
        return None, VOTE_FAILED


def vote(
    store: FeedbackStore, records: Any, index: Any, liked: Any, *, client: str = "", limit: RateLimit | None = None
) -> tuple[list[dict[str, Any]], str, str | None]:
    """A thumb clicked on the reply at chat message ``index`` of the
    conversation the browser sent back (``records``): see :func:`vote_on`."""
    return vote_on(store, turns_from_records(records, KEPT_TURNS), index, liked, client=client, limit=limit)


def vote_on(
    store: FeedbackStore, turns: list[Turn], index: Any, liked: Any, *, client: str = "", limit: RateLimit | None = None
) -> tuple[list[dict[str, Any]], str, str | None]:
    """A thumb clicked on the reply at chat message ``index`` of ``turns``
    (read from the browser's records, checked): the turns as records (the
    reply's vote noted), what to tell the reader, and for a dislike the
    signed reference its comment comes back with. Only the first vote on a
    reply is stored; taking a thumb back (``liked`` neither True nor False)
    stores nothing; a ``client`` over its ``limit`` stores nothing."""
    turns = list(turns)
    number = (index - 1) // 2 if isinstance(index, int) and not isinstance(index, bool) and index % 2 == 1 else -1
    if not 0 <= number < len(turns):
        return to_records(turns), GONE, None
    turn = turns[number]
    if turn.vote is not None:
        return to_records(turns), KEPT_VOTE.format(vote=turn.vote), None
    if liked is not True and liked is not False:
        return to_records(turns), "", None
    if limit is not None and not limit.allow(client):
        return to_records(turns), TOO_FAST.format(limit=limit.per_minute), None
    vote_id, notice = record_vote(store, turn, liked)
    if vote_id is None:
        return to_records(turns), notice, None
    turns[number] = turn.with_vote("like" if liked else "dislike")
    reference = None if liked else _reference(store, turn.reply_id)
    return to_records(turns), notice, reference


def _reference(store: FeedbackStore, reply_id: str) -> str | None:
    try:
        return tokens.sign_reference(store.key(), reply_id)
    except FeedbackError:
        return None


def send_comment(store: FeedbackStore, reference: Any, comment: Any) -> str:
    """The comment on the dislike ``reference`` names (cut to MAX_COMMENT
    characters); what to tell the reader, never nothing when there was a comment."""
    if not isinstance(comment, str) or not comment.strip():
        return ""
    try:
        reply_id, checked = tokens.referenced(bounded(store, lambda: store.key(fresh=True)), reference)
        if reply_id is None or checked != "ok":
            return COMMENT_LOST
        added = bounded(store, store.add_comment, reply_id, comment[: 4 * MAX_COMMENT])
    except FeedbackError as exc:
        log.warning("warning: a comment was not stored: %s", exc)
        return COMMENT_FAILED
    return COMMENT_SAVED if added else COMMENT_LOST
