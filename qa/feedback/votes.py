"""A vote's values: a like or dislike on one answer, as the store keeps it,
and the tallies read back from the store. Plain values, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import index as as_int
from typing import Any

from qa.errors import InvalidVote
from qa.inputs import MAX_QUESTION_CHARS, clean_text
from qa.types import Outcome

OUTCOMES = tuple(Outcome)
LIKE, DISLIKE = 1, -1
# Longer texts are cut to these many characters (code points) before storing.
MAX_QUESTION = MAX_QUESTION_CHARS
MAX_COMMENT = 500
MAX_ANSWER = 2000
MAX_INDEX_ID = 200
MAX_SHOWN = 50  # passage ids kept per vote: the CLI's and app's largest k


@dataclass(frozen=True, kw_only=True)
class Vote:
    """A like (+1) or dislike (-1) on one answer, as stored.

    Built values are already what the store keeps: texts are cleaned with
    :func:`qa.inputs.clean_text` and cut (question and previous to 1000 characters,
    answer to 2000, comment to 500), ``time`` is in UTC. An unknown outcome, a
    vote other than +1/-1, an empty question or a naive time is
    :class:`~qa.errors.InvalidVote`.
    """

    question: str
    outcome: str  # an Outcome's value: "answered" | "related" | "not_covered"
    index_id: str  # the identity of the index build that answered
    vote: int  # LIKE (+1) or DISLIKE (-1)
    previous: str = ""  # the earlier question this one leaned on, if any
    answer: str | None = None  # the answer sentence shown, None when there was none
    shown_passages: tuple[int, ...] = ()  # passage ids, in the order shown
    comment: str = ""  # optional, asked for on a dislike
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    reply_id: str | None = None  # the signed reply voted on (qa.feedback.tokens); one vote per reply

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
        if self.reply_id is not None and not (isinstance(self.reply_id, str) and 0 < len(self.reply_id) <= 64):
            raise InvalidVote(f"a reply id is text of 1 to 64 characters, not {self.reply_id!r}")


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
