"""The feedback store, on SQLite (tmp_path) and on a real PostgreSQL server
(the ``store_url`` fixture in tests/conftest.py gives both)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from qa.errors import FeedbackNotFound, InvalidArgument
from qa.eval.datasets import load_gold
from qa.feedback import votes as feedback
from qa.feedback.store import FeedbackStore
from qa.feedback.votes import DISLIKE, LIKE, StoredVote, Tally
from tests.feedback.helpers import T0, make_vote


@pytest.fixture
def store(store_url: str):
    with FeedbackStore.open(store_url) as opened:
        yield opened


def test_round_trip(store: FeedbackStore):
    disliked = make_vote(
        previous="What is CICA?",
        answer="The Conference now has 28 member states.",
        shown_passages=(7, 3, 12),
        comment="It asked about observers too",
        index_id="sha256:abc123",
    )
    liked = make_vote(question="When did Kuwait join?", vote=LIKE, time=T0 + timedelta(seconds=1))
    first = store.record(disliked)
    second = store.record(liked)
    assert second > first
    assert store.disliked() == [StoredVote(first, disliked)]
    assert store.stats().votes == 2


def test_long_and_dirty_texts_are_stored_cut_and_clean(store: FeedbackStore):
    # A NUL or a lone surrogate would make PostgreSQL (and UTF-8) refuse the row.
    vote = make_vote(question="q\x00\ud800" * 600, comment="c" * 900, answer=None)
    store.record(vote)
    [stored] = store.disliked()
    assert (
        stored.vote.question == " ".join(["q"] * 600)[: feedback.MAX_QUESTION].rstrip()
    )  # each NUL, surrogate a space
    assert len(stored.vote.comment) == 500
    assert stored.vote.answer is None


def test_a_comment_is_added_once_to_a_dislike_without_one(store: FeedbackStore):
    disliked, liked = store.record(make_vote()), store.record(make_vote(vote=LIKE))
    commented = store.record(make_vote(comment="stale"))
    assert store.add_comment(disliked, "  Kuwait joined in 2022,\nnot 2021 " + "x" * 600)
    assert not store.add_comment(disliked, "a second comment")  # the first stays
    assert not store.add_comment(liked, "a like takes none")
    assert not store.add_comment(commented, "replaced?")
    assert not store.add_comment(disliked + 100, "no such vote")
    assert not store.add_comment(store.record(make_vote()), " \x00 ")  # nothing left once cleaned
    comments = {stored.id: stored.vote.comment for stored in store.disliked()}
    assert comments[disliked] == ("Kuwait joined in 2022, not 2021 " + "x" * 600)[: feedback.MAX_COMMENT]
    assert comments[commented] == "stale"


def test_stats_on_hand_made_votes(store: FeedbackStore):
    # build-a was voted on first, build-b later: by_index lists build-b first.
    votes = [
        ("build-a", "How many members?", "answered", DISLIKE),
        ("build-a", "How many members?", "answered", DISLIKE),
        ("build-a", "When did Kuwait join?", "answered", LIKE),
        ("build-a", "What is the Charter?", "related", DISLIKE),
        ("build-b", "How many members?", "answered", DISLIKE),
        ("build-b", "When did Kuwait join?", "answered", LIKE),
        ("build-b", "What is the weather?", "not_covered", LIKE),
        ("build-b", "What is the Charter?", "related", LIKE),
    ]
    for minute, (index_id, question, outcome, vote) in enumerate(votes):
        store.record(
            make_vote(
                index_id=index_id, question=question, outcome=outcome, vote=vote, time=T0 + timedelta(minutes=minute)
            )
        )
    stats = store.stats()
    assert (stats.votes, stats.likes, stats.dislikes) == (8, 4, 4)
    assert stats.by_outcome == (Tally("answered", 2, 3), Tally("related", 1, 1), Tally("not_covered", 1, 0))
    assert stats.most_disliked == (Tally("How many members?", 0, 3), Tally("What is the Charter?", 1, 1))
    assert stats.by_index == (Tally("build-b", 3, 1), Tally("build-a", 1, 3))
    assert store.stats(top=1).most_disliked == (Tally("How many members?", 0, 3),)
    assert stats.to_dict()["by_outcome"][0] == {"outcome": "answered", "votes": 5, "likes": 2, "dislikes": 3}


def test_an_empty_store_has_zero_stats(store: FeedbackStore):
    stats = store.stats()
    assert stats == feedback.EMPTY_STATS
    assert stats.votes == 0 and store.disliked() == []


def test_disliked_filters_by_index_build(store: FeedbackStore):
    a = store.record(make_vote(index_id="build-a"))
    store.record(make_vote(index_id="build-b"))
    store.record(make_vote(index_id="build-a", vote=LIKE))
    assert [s.id for s in store.disliked(index_id="build-a")] == [a]
    assert len(store.disliked()) == 2


def test_export_records_are_gold_set_lines_awaiting_evidence(store: FeedbackStore, tmp_path: Path):
    row = store.record(
        make_vote(previous="What is CICA?", answer="28 states.", shown_passages=(4, 9), comment="stale", index_id="b1")
    )
    [candidate] = [s.to_gold_candidate() for s in store.disliked()]
    assert candidate == {
        "id": f"fb{row}",
        "question": "How many member states does CICA have?",
        "evidence": [],
        "split": "dev",
        "previous": "What is CICA?",
        "shown_passages": [4, 9],
        "answer": "28 states.",
        "comment": "stale",
        "index_id": "b1",
    }
    gold = tmp_path / "candidates.jsonl"
    gold.write_text(json.dumps(candidate) + "\n", encoding="utf-8")
    # The gold-set loader refuses a candidate until a person fills in the evidence...
    with pytest.raises(InvalidArgument, match="evidence must not be empty"):
        load_gold(gold)
    # ...and then reads it as any gold question.
    gold.write_text(json.dumps({**candidate, "evidence": ["the number of Member States increased to 28"]}) + "\n")
    [item] = load_gold(gold)
    assert (item.id, item.question, item.split) == (f"fb{row}", candidate["question"], "dev")


@pytest.mark.parametrize("shared", [True, False], ids=["one store, 20 threads", "a store per thread"])
def test_many_users_at_once(store_url: str, shared: bool):
    """20 threads x 10 votes, started together. A store per thread also races
    the creation of the tables, as app replicas starting at once would."""
    threads, votes_each = 20, 10
    start = threading.Barrier(threads)
    errors: list[BaseException] = []
    ids: list[int] = []
    common = FeedbackStore.open(store_url) if shared else None

    def user(number: int) -> None:
        try:
            start.wait()
            own = common or FeedbackStore.open(store_url)
            for i in range(votes_each):
                ids.append(
                    own.record(make_vote(question=f"user {number} question {i}", vote=LIKE if i % 2 else DISLIKE))
                )
            if own is not common:
                own.close()
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=user, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert len(set(ids)) == threads * votes_each
    with FeedbackStore.open(store_url) as check:
        stats = check.stats()
        assert (stats.votes, stats.likes, stats.dislikes) == (200, 100, 100)
    if common:
        common.close()


def test_open_without_create_finds_no_store(store_url: str, tmp_path: Path):
    with pytest.raises(FeedbackNotFound, match="nobody has voted yet"):
        FeedbackStore.open(store_url, create=False)
    assert not (tmp_path / "feedback").exists(), "looking must not create the store"
    FeedbackStore.open(store_url).close()
    with FeedbackStore.open(store_url, create=False) as store:
        assert store.stats().votes == 0
