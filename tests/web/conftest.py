"""Fixtures of the web tests."""

import pytest

from qa.feedback.database import default_url
from qa.feedback.store import FeedbackStore


@pytest.fixture
def store(tmp_path):
    with FeedbackStore.open(default_url(tmp_path)) as opened:
        yield opened


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, once per session (see tests/web/browser.py)."""
    from tests.web.browser import launch_chromium

    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        launched = launch_chromium(playwright)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, launched_app):
    from tests.web.browser import open_page

    opened = open_page(browser, launched_app)
    yield opened
    opened.context.close()
