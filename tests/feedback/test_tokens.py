"""Signing keys and tokens at the store's level: what a token with an odd
key number is, and how soon a key rotated elsewhere signs this process's replies."""

from __future__ import annotations

from qa.feedback import store as store_module
from qa.feedback import tokens
from qa.feedback.database import default_url
from qa.feedback.store import FeedbackStore

REPLY = tokens.Reply(
    reply_id="r1", question="q", previous="", outcome="answered", answer="a", passage_ids=(1,), index_id="x"
)


def test_a_token_or_reference_whose_key_number_is_not_ascii_digits_is_forged_not_an_error(tmp_path):
    with FeedbackStore.open(default_url(tmp_path)) as store:
        key = store.key()
    assert tokens.check(key, REPLY, tokens.sign(key, REPLY)) == "ok"
    # "²".isdigit() is True, int("²") raises: a made-up record must not raise.
    assert tokens.check(key, REPLY, "².00") == "forged"
    assert tokens.referenced(key, "r1.².00") == ("r1", "forged")


def test_a_key_rotated_by_another_process_signs_this_ones_replies_within_seconds(tmp_path):
    url = default_url(tmp_path)
    with FeedbackStore.open(url) as app, FeedbackStore.open(url) as cli:
        now = [100.0]
        app._clock = lambda: now[0]
        before = app.key()
        rotated = cli.rotate_key()
        assert rotated.number != before.number
        now[0] += 1
        assert app.key() == before  # read a second ago: kept
        now[0] += store_module.KEY_FRESH_S
        assert app.key() == rotated  # older than KEY_FRESH_S: read again
        reply_token = tokens.sign(app.key(), REPLY)
        assert tokens.check(cli.key(fresh=True), REPLY, reply_token) == "ok"
