"""Fixtures of the web tests."""

import pytest

from qa.feedback.store import FeedbackStore, default_url


@pytest.fixture
def store(tmp_path):
    with FeedbackStore.open(default_url(tmp_path)) as opened:
        yield opened
