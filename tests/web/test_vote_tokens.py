"""Votes bound to what the server said: signed replies, one vote per reply,
a rotated key, a rate limit and a cap on stored votes, and a comment that
finds its vote after a restart."""

from __future__ import annotations

import copy

import pytest

from qa.cli import main as cli
from qa.feedback.database import default_url
from qa.feedback.store import FeedbackStore
from qa.web import serve, voting
from qa.web.limits import RateLimit
from tests.web.chat import asked

QUESTION = "When did Kuwait join CICA?"


def forged(records: list, **changes: object) -> list:
    records = copy.deepcopy(records)
    records[0].update(changes)
    return records


@pytest.mark.parametrize(
    "changes",
    [
        {"question": "A question never asked"},
        {"index_id": "deadbeef0000"},
        {"previous": "an earlier question"},
        {"outcome": "related", "sentence": None},
        {"token": "1." + "0" * 64},
        {"reply_id": "another-reply"},
    ],
)
def test_a_record_made_up_or_edited_in_the_browser_stores_nothing(tiny_searcher, store, changes):
    records = asked(tiny_searcher, QUESTION, store=store)
    again, notice, reference = voting.vote(store, forged(records, **changes), 1, True)
    assert (notice, reference) == (voting.FORGED, None)
    assert again[0]["vote"] is None and store.stats().votes == 0


def test_a_reply_kept_from_before_signed_replies_asks_to_ask_again(tiny_searcher, store):
    records = asked(tiny_searcher, QUESTION, store=store)
    for unsigned in (forged(records, token=""), forged(records, token="", reply_id="")):
        assert voting.vote(store, unsigned, 1, True)[1] == voting.STALE
    assert store.stats().votes == 0


def test_a_forged_passage_or_answer_stores_nothing(tiny_searcher, store):
    records = asked(tiny_searcher, QUESTION, store=store)
    passages = copy.deepcopy(records[0]["passages"])
    passages[0][0] = 999999
    assert voting.vote(store, forged(records, passages=passages), 1, True)[1] == voting.FORGED
    sentence = dict(records[0]["sentence"], text="An answer the server never gave.")
    assert voting.vote(store, forged(records, sentence=sentence), 1, True)[1] == voting.FORGED
    assert store.stats().votes == 0


def test_a_replay_or_a_second_tab_stores_one_vote(tiny_searcher, store):
    records = asked(tiny_searcher, QUESTION, store=store)
    first, notice, _ = voting.vote(store, records, 1, True)
    assert notice == voting.THANKS
    for liked in (True, False):  # the record as it was before the vote: a replay, or another tab
        again, notice, reference = voting.vote(store, records, 1, liked)
        assert (notice, reference) == (voting.FIRST_KEPT, None)
    assert store.stats().votes == 1 and store.stats().likes == 1


def test_a_rotated_key_refuses_the_replies_signed_before(tiny_searcher, store, capsys):
    old = asked(tiny_searcher, QUESTION, store=store)
    with FeedbackStore.open(store_url := default_url(store._path.parent)) as other:  # another replica, or the CLI
        assert other.key() == store.key()
    assert cli(["feedback", "rotate-key", "--feedback-db", store_url]) == 0
    assert capsys.readouterr().out.endswith("signing key 2 in use; replies signed before can no longer be voted on\n")
    assert voting.vote(store, old, 1, True)[1] == voting.STALE
    assert store.stats().votes == 0
    new = asked(tiny_searcher, QUESTION, store=store)  # signed with the new key, read again by the vote
    assert voting.vote(store, new, 1, True)[1] == voting.THANKS


def test_a_client_over_its_rate_is_slowed_and_stores_nothing(tiny_searcher, store):
    now = [1000.0]
    limit = RateLimit(2, clock=lambda: now[0])
    replies = [asked(tiny_searcher, QUESTION, store=store) for _ in range(4)]
    notices = [voting.vote(store, r, 1, True, client="10.0.0.1", limit=limit)[1] for r in replies[:3]]
    assert notices == [voting.THANKS, voting.THANKS, voting.TOO_FAST.format(limit=2)]
    assert voting.vote(store, replies[2], 1, True, client="10.0.0.2", limit=limit)[1] == voting.THANKS  # another client
    now[0] += 60.0  # the first votes leave the window
    assert voting.vote(store, replies[3], 1, True, client="10.0.0.1", limit=limit)[1] == voting.THANKS
    assert store.stats().votes == 4


def test_a_full_store_refuses_votes_with_a_notice(tiny_searcher, tmp_path):
    with FeedbackStore.open(default_url(tmp_path), max_votes=1) as store:
        first, second = (asked(tiny_searcher, QUESTION, store=store) for _ in range(2))
        assert voting.vote(store, first, 1, True)[1] == voting.THANKS
        assert voting.vote(store, second, 1, True) == (second, voting.FULL, None)
        assert store.stats().votes == 1


def test_a_comment_after_a_restart_finds_its_vote(tiny_searcher, tmp_path):
    url = default_url(tmp_path)
    with FeedbackStore.open(url) as store:
        records = asked(tiny_searcher, QUESTION, store=store)
        _, notice, reference = voting.vote(store, records, 1, False)
        assert notice == voting.ASK_COMMENT
    with FeedbackStore.open(url) as restarted:  # a new process: only the browser's reference is left
        assert voting.send_comment(restarted, reference, "outdated") == voting.COMMENT_SAVED
        assert voting.send_comment(restarted, reference, "again") == voting.COMMENT_LOST  # the first comment stays
        assert voting.send_comment(restarted, reference.replace(".1.", ".1.0"), "forged") == voting.COMMENT_LOST
        assert voting.send_comment(restarted, None, "no reference") == voting.COMMENT_LOST
        (stored,) = restarted.disliked()
        assert stored.vote.comment == "outdated"


def test_the_app_takes_the_vote_limits_as_flags(capsys):
    args = serve.build_parser().parse_args(["--votes-per-minute", "5", "--max-votes", "100"])
    assert (args.votes_per_minute, args.max_votes) == (5, 100)
    defaults = serve.build_parser().parse_args([])
    assert (defaults.votes_per_minute, defaults.max_votes) == (30, 1_000_000)
    for flag in ("--votes-per-minute", "--max-votes"):
        with pytest.raises(SystemExit) as exited:
            serve.build_parser().parse_args([flag, "0"])
        assert exited.value.code == 2
        assert capsys.readouterr().err.count("\n") == 1


def test_a_forging_client_over_http_stores_nothing_forged_and_is_slowed(tiny_searcher, store):
    """What a ~20-line client posting to the queue did: a made-up record, a
    replay, a flood. The rate is per client address, read from Gradio's request."""
    from qa.web import page
    from qa.web.render import text
    from tests.web.chat import chat_over_http, page_event, send_event

    demo = page.build_demo(tiny_searcher, store, votes_per_minute=3)
    _, url, _ = serve.launch(demo, "127.0.0.1", None, prevent_thread_lock=True, quiet=True)
    try:
        records = chat_over_http(url, QUESTION)["output"]["data"][2]
        like = page_event(url, "chat", "like")

        def thumb(sent: list) -> str:
            done = send_event(url, *like, [sent], {"index": 1, "value": [], "liked": True})
            assert done["success"], done
            return done["output"]["data"][1]

        assert thumb(forged(records, question="A question never asked", index_id="deadbeef0000")) == text(voting.FORGED)
        assert thumb(records) == text(voting.THANKS)
        assert thumb(records) == text(voting.FIRST_KEPT)  # the same record again: a replay, or a second tab
        assert thumb(records) == text(voting.TOO_FAST.format(limit=3))  # the fourth vote in a minute
        assert store.stats().votes == 1
    finally:
        demo.close()
