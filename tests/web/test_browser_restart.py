"""A comment sent after the app restarted (its sessions gone) between the
dislike and the comment is still attached to the vote: the reference to it
is kept in the browser, signed. In a real browser, because where that
reference lives is what is tested."""

from __future__ import annotations

import socket

import pytest

from qa.feedback.database import default_url
from qa.feedback.store import FeedbackStore
from qa.web import page as web_page
from qa.web import serve
from tests.web.browser import ask, open_page

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_comment_sent_after_a_restart_is_attached(browser, real_searcher, tmp_path):
    url, port = default_url(tmp_path), free_port()

    def start():
        store = FeedbackStore.open(url)
        demo = web_page.build_demo(real_searcher, store)
        serve.launch(demo, "127.0.0.1", port, (), prevent_thread_lock=True, quiet=True)
        return demo, store

    demo, store = start()
    page = open_page(browser, f"http://127.0.0.1:{port}/")
    try:
        ask(page, "What did the Youth Council work on?")
        page.locator("#chat button[aria-label='Dislike']").last.click()
        box = page.locator("#comment textarea")
        box.wait_for()
        demo.close()
        store.close()
        demo, store = start()  # the app restarted: every session's state is gone
        box.fill("outdated, sent after a restart")
        page.locator("#send-comment").click()
        page.wait_for_function("() => !document.querySelector('#comment textarea')?.checkVisibility?.()")
        page.wait_for_function("() => document.querySelector('#feedback-note').innerText.trim() !== ''")
        assert "comment is saved" in page.locator("#feedback-note").inner_text()
        (stored,) = store.disliked()
        assert stored.vote.comment == "outdated, sent after a restart"
    finally:
        page.context.close()
        demo.close()
        store.close()
