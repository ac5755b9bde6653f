"""The chat's votes: a like or dislike on a reply, and the comment a dislike
may add, stored in a :class:`~qa.feedback.store.FeedbackStore`. A store that
fails costs the vote, never the chat."""

from __future__ import annotations

import logging
from typing import Any

from qa.errors import FeedbackError, InvalidVote
from qa.feedback.store import FeedbackStore
from qa.feedback.votes import DISLIKE, LIKE, MAX_COMMENT, Vote
from qa.web.conversation import Turn, to_records, turns_from_records
from qa.web.handlers import KEPT_TURNS

THANKS = "Thank you for your vote."
ASK_COMMENT = "Thank you. What was wrong with this answer? Tell us below if you like (optional)."
KEPT_VOTE = "Your first vote on this answer ({vote}) is kept."
NOTHING_TO_VOTE = "There is no answer to vote on in this reply."
GONE = "That reply is no longer in the conversation."
VOTE_FAILED = "Sorry, your vote could not be saved just now; the chat works as before."
COMMENT_FAILED = "Sorry, your comment could not be saved just now; your vote is kept."
log = logging.getLogger("qa")


def record_vote(store: FeedbackStore, turn: Turn, liked: bool, comment: str = "") -> tuple[int | None, str]:
    """Store a like or dislike on ``turn``'s reply, with what the reader was
    shown: (the vote's id, what to tell the reader). A store that fails
    costs the vote, never the chat: no id, a short notice, one line in the log."""
    if turn.outcome is None:
        return None, NOTHING_TO_VOTE
    try:
        vote = Vote(
            question=turn.question,
            outcome=turn.outcome,
            index_id=turn.index_id,
            vote=LIKE if liked else DISLIKE,
            previous=turn.previous,
            answer=turn.sentence.text if turn.sentence is not None else None,
            shown_passages=tuple(shown.id for shown in turn.passages),
            comment=comment,
        )
    except InvalidVote:
        return None, NOTHING_TO_VOTE
    try:
        vote_id = store.record(vote)
    except FeedbackError as exc:
        log.warning("warning: a vote was not stored: %s", exc)
        return None, VOTE_FAILED
    return vote_id, THANKS if liked else ASK_COMMENT


def vote(store: FeedbackStore, records: Any, index: Any, liked: Any) -> tuple[list[dict[str, Any]], str, int | None]:
    """A thumb clicked on the reply at chat message ``index``: the turns (the
    reply's vote noted), what to tell the reader, and the id of a dislike
    awaiting its comment. Only the first vote on a reply is stored; taking a
    thumb back (``liked`` neither True nor False) stores nothing."""
    turns = turns_from_records(records, KEPT_TURNS)
    number = (index - 1) // 2 if isinstance(index, int) and not isinstance(index, bool) and index % 2 == 1 else -1
    if not 0 <= number < len(turns):
        return to_records(turns), GONE, None
    turn = turns[number]
    if turn.vote is not None:
        return to_records(turns), KEPT_VOTE.format(vote=turn.vote), None
    if liked is not True and liked is not False:
        return to_records(turns), "", None
    vote_id, notice = record_vote(store, turn, liked)
    if vote_id is not None:
        turns[number] = turn.with_vote("like" if liked else "dislike")
    return to_records(turns), notice, None if liked else vote_id


def send_comment(store: FeedbackStore, vote_id: int | None, comment: Any) -> str:
    """The comment on the dislike just stored (cut to MAX_COMMENT characters); what to tell the reader."""
    if vote_id is None or not isinstance(comment, str) or not comment.strip():
        return ""
    try:
        store.add_comment(vote_id, comment[: 4 * MAX_COMMENT])
    except FeedbackError as exc:
        log.warning("warning: a comment was not stored: %s", exc)
        return COMMENT_FAILED
    return "Thank you: your comment is saved."
