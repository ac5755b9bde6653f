"""Votes: validation, cleaning, bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from qa.errors import InvalidVote
from qa.feedback import votes as feedback
from tests.feedback.helpers import make_vote


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"vote": 0}, "+1 (like) or -1 (dislike)"),
        ({"vote": 2}, "+1 (like) or -1 (dislike)"),
        ({"vote": True}, "+1 (like) or -1 (dislike)"),
        ({"outcome": "maybe"}, "expected one of answered, related, not_covered"),
        ({"question": " \n\x00 "}, "needs the question"),
        ({"time": datetime(2025, 3, 1, 12, 0)}, "timezone-aware"),
        ({"shown_passages": (1, "2")}, "whole numbers"),
        ({"comment": None}, "comment must be text"),
    ],
)
def test_a_bad_vote_is_a_domain_error(changes, message):
    with pytest.raises(InvalidVote, match=message.replace("+", r"\+").replace("(", r"\(").replace(")", r"\)")):
        make_vote(**changes)


def test_every_outcome_is_accepted_and_time_becomes_utc():
    for outcome in ("answered", "related", "not_covered"):
        assert make_vote(outcome=outcome).outcome == outcome
    plus_two = timezone(timedelta(hours=2))
    assert make_vote(time=datetime(2025, 3, 1, 14, 0, tzinfo=plus_two)).time == datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_texts_lose_control_characters_and_are_cut():
    vote = make_vote(
        question="Who\x1b[2J chairs\tCICA?\x00\ud800 \u202eevil\u200b\ufeffone",
        previous="p" * 1500,
        answer="a" * 2500,
        comment="too\nold " + "c" * 600,
        index_id="i" * 300,
    )
    # One cleaner for everything people send (qa.inputs): control, zero-width and
    # direction characters become spaces, runs of spaces one.
    assert vote.question == "Who [2J chairs CICA? evil one"
    assert len(vote.previous) == feedback.MAX_QUESTION == 1000
    assert len(vote.answer) == feedback.MAX_ANSWER == 2000
    assert vote.comment.startswith("too old ") and len(vote.comment) == feedback.MAX_COMMENT == 500
    assert len(vote.index_id) == feedback.MAX_INDEX_ID
