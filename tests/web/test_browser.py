"""The chat in a real browser (Debian's Chromium driven by Playwright), the way
a person uses it: type and press Enter, click an example, ask something the
interview does not cover, paste markup, follow up, on a desktop and a phone;
dislike a reply with a comment, reload, open a shared /?q= link, download the
conversation, copy a link and a citation, retry and undo.

Chromium comes from the distribution (``apt-get install chromium``), never
downloaded by Playwright. With CI=true a missing browser fails the run; on a
developer machine without it these tests skip. Set QA_SCREENSHOTS=DIR to keep
the screenshots (README's comes from here: ``QA_SCREENSHOTS=docs``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

from qa.feedback.store import FeedbackStore
from qa.feedback.votes import DISLIKE

pytestmark = pytest.mark.browser  # and e2e, by tests/conftest.py: every test uses launched_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, launched_app):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    # Headless Chromium lets a page use the clipboard once granted; the test reads it back.
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=launched_app.rstrip("/"))
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.dialogs = []
    page.outside_requests = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on(
        "request",
        lambda request: (
            urlparse(request.url).hostname not in ("127.0.0.1", "localhost", None)
            and not request.url.startswith("data:")
            and page.outside_requests.append(request.url)
        ),
    )
    page.goto(launched_app)
    page.locator("#question textarea").wait_for()
    page.wait_for_function("() => !document.querySelector('.progress-text, .eta-bar')")  # the page's load event done
    yield page
    context.close()


def ask(page, question: str) -> None:
    replies = page.locator("#chat .qa-answer").count() + page.locator("#chat .qa-plain").count()
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#chat .qa-answer, #chat .qa-plain').length > n", arg=replies
    )


def last(page, selector: str):
    return page.locator(f"#chat {selector}").last


def save(page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=False)
    keep = os.environ.get("QA_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / name)
    return path


def test_a_question_gets_the_answer_and_its_sources(page, tmp_path):
    ask(page, "When did Kuwait join CICA?")
    answer = last(page, ".qa-answer")
    assert "Answer" in answer.inner_text() and "Kuwait joining in 2022" in answer.inner_text()
    assert page.locator("#chat .qa-card").count() == 5
    card = page.locator("#chat .qa-card").first
    assert "paragraph 4" in card.inner_text() and "In reply to:" in card.inner_text()
    assert "Kazakhstan's four-year chairmanship" in card.inner_text()  # apostrophes read as typed
    assert "Kuwait joining in 2022" in card.locator("mark").inner_text()
    card.locator("summary").click()
    assert card.locator("details p").first.is_visible()
    assert "Index: model" in page.locator("#status").inner_text()
    page.locator("#chat [role='log'], #chat .bubble-wrap").first.evaluate("e => e.scrollTo(0, 0)")
    assert save(page, tmp_path, "chat-desktop.png").stat().st_size > 10_000
    assert page.outside_requests == []


def test_an_example_can_be_clicked(page):
    page.get_by_role("button", name="What are Azerbaijan's priorities as the new chair?").click()
    page.locator("#chat .qa-answer").first.wait_for()
    assert "Azerbaijan" in page.locator("#chat").inner_text()


def test_an_off_topic_question_is_kindly_declined(page):
    ask(page, "What is the capital of France?")
    reply = last(page, ".qa-answer")
    assert "does not seem to cover this" in reply.inner_text()
    assert "qa-low" in (reply.get_attribute("class") or "")


@pytest.mark.parametrize(
    "payload",
    ["<img src=x onerror=alert(1)>", "[x](javascript:alert(1)) **bold** <script>alert(2)</script>"],
)
def test_typed_markup_is_shown_as_text_and_never_runs(page, payload):
    ask(page, payload)
    chat = page.locator("#chat")
    assert chat.locator("img[src='x']").count() == 0
    assert chat.locator("a[href^='javascript']").count() == 0
    assert chat.locator("script").count() == 0
    assert payload in chat.inner_text()
    assert page.dialogs == []


def test_a_follow_up_is_read_with_the_earlier_question(page):
    ask(page, "Which country took over the chairmanship in December 2024?")
    ask(page, "What is its main priority?")
    text = page.locator("#chat").inner_text()
    assert "Read together with your earlier question" in text
    assert "adopt the Charter" in text


def test_readable_on_a_phone(browser, launched_app, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(launched_app)
    page.locator("#question textarea").wait_for()
    ask(page, "What did the Youth Council work on?")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    assert save(page, tmp_path, "chat-phone.png").stat().st_size > 10_000
    context.close()


def clipboard(page) -> str:
    return page.evaluate("navigator.clipboard.readText()")


def replies(page) -> list[str]:
    return page.locator("#chat .qa-answer").all_inner_texts()


def show_passages(page, number: int) -> None:
    """Settings: the number of passages a reply shows."""
    page.locator("#settings").get_by_text("Settings").first.click()
    field = page.locator("#settings input[type='number']").first
    field.fill(str(number))
    field.press("Enter")
    page.locator("#settings").get_by_text("Settings").first.click()


def test_a_dislike_with_a_comment_lands_as_a_row_in_the_store(page, feedback_url, real_searcher, tmp_path):
    show_passages(page, 1)  # a short reply: the screenshot shows it whole, with its buttons
    ask(page, "What did the Youth Council work on?")
    assert page.locator("#chat .qa-card").count() == 1
    page.locator("#chat button[aria-label='Dislike']").last.click()
    box = page.locator("#comment textarea")
    box.wait_for()
    assert "What was wrong with this answer?" in page.locator("#feedback-note").inner_text()
    comment = "It misses the <b>volunteers</b> [rally](javascript:alert(1))"
    box.fill(comment)
    save(page, tmp_path, "chat-feedback.png")
    page.locator("#send-comment").click()
    page.wait_for_function("() => document.querySelector('#feedback-note').innerText.includes('comment is saved')")
    assert not box.is_visible()
    with FeedbackStore.open(feedback_url) as store:
        stored = [s.vote for s in store.disliked() if s.vote.comment == comment]
    (vote,) = stored
    assert (vote.question, vote.outcome, vote.vote) == ("What did the Youth Council work on?", "answered", DISLIKE)
    assert vote.index_id == real_searcher.index_id and len(vote.shown_passages) == 1
    assert vote.answer and vote.answer in page.locator("#chat .qa-answer").last.inner_text()
    assert page.locator("#chat button[aria-label='Disliked']").count() == 1
    assert page.dialogs == []


def test_a_reload_keeps_the_conversation(page):
    ask(page, "Which country took over the chairmanship in December 2024?")
    ask(page, "What is its main priority?")
    page.locator("#chat button[aria-label='Like']").first.click()
    page.wait_for_function("() => document.querySelector('#feedback-note').innerText.includes('Thank you')")
    before = replies(page)
    page.reload()
    page.locator("#chat .qa-answer").nth(1).wait_for()
    assert replies(page) == before
    assert "Read together with your earlier question" in page.locator("#chat").inner_text()
    assert page.locator("#chat button[aria-label='Liked']").count() == 1  # the vote is remembered too
    page.get_by_role("button", name="New conversation").click()
    page.wait_for_function("() => !document.querySelector('#chat .qa-answer')")
    page.reload()
    page.locator("#question textarea").wait_for()
    page.wait_for_timeout(1000)  # time for a restore that must not happen
    assert replies(page) == []


def test_a_link_with_a_question_asks_it_on_load(browser, launched_app):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{launched_app}?q={quote('When did Kuwait join CICA?')}")
    page.locator("#chat .qa-answer").first.wait_for()
    assert "Kuwait joining in 2022" in page.locator("#chat .qa-answer").first.inner_text()
    assert page.locator("#chat .qa-user, #chat [data-testid='user']").first.inner_text().strip() == (
        "When did Kuwait join CICA?"
    )
    page.wait_for_function("() => !location.search")  # the address forgets the question...
    page.reload()
    page.locator("#chat .qa-answer").first.wait_for()
    page.wait_for_timeout(1000)
    assert len(replies(page)) == 1  # ...so a reload shows it, not asks it again
    context.close()


def test_the_downloaded_markdown_has_the_quote_and_its_reference(page):
    ask(page, "When did Kuwait join CICA?")
    with page.expect_download() as download:
        page.locator("#download").click()
    assert download.value.suggested_filename == "cica-conversation.md"
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "## 1. When did Kuwait join CICA?\n\n> “The CICA family” is consistently growing;" in text
    assert "Saudi Arabia in 2023.\n\n— Kairat Sarybay, interview on Kazakhstan's CICA chairmanship, ¶4\n" in text
    assert "Passages shown:\n\n1. cica_interview.txt, paragraph 4\n" in text


def test_copy_with_citation_and_copy_link(page, launched_app):
    ask(page, "When did Kuwait join CICA?")
    page.locator("#chat button.qa-copy-citation").last.click()
    page.wait_for_function("() => document.querySelector('#chat button.qa-copy-citation').innerText === 'Copied'")
    assert clipboard(page) == (
        "> “The CICA family” is consistently growing; during Kazakhstan's four-year chairmanship alone, the number "
        "of Member States increased to 28, with Kuwait joining in 2022 and two observer states –Turkmenistan in 2021 "
        "and Saudi Arabia in 2023.\n\n— Kairat Sarybay, interview on Kazakhstan's CICA chairmanship, ¶4"
    )
    page.locator("#chat button.qa-copy-link").last.click()
    page.wait_for_function("() => document.querySelector('#chat button.qa-copy-link').innerText === 'Copied'")
    assert clipboard(page) == f"{launched_app}?q=When%20did%20Kuwait%20join%20CICA%3F"


def test_the_interviewers_words_are_cited_as_theirs(page):
    ask(page, "When did the CICA Chairmanship transition from Kazakhstan to Azerbaijan?")
    assert "The interviewer says:" in page.locator("#chat .qa-answer").last.inner_text()
    page.locator("#chat button.qa-copy-citation").last.click()
    page.wait_for_function("() => document.querySelector('#chat button.qa-copy-citation').innerText === 'Copied'")
    assert clipboard(page) == (
        "> In December 2024, the CICA Chairmanship transitioned from Kazakhstan to Azerbaijan.\n\n"
        "— the interviewer, interview on Kazakhstan's CICA chairmanship, ¶38"
    )


def test_retry_and_undo_the_last_turn(page):
    ask(page, "When did Kuwait join CICA?")
    ask(page, "What is the CICA Fund?")
    page.locator("#chat button[aria-label='Undo']").click()
    page.wait_for_function("() => document.querySelectorAll('#chat .qa-answer').length === 1")
    assert page.locator("#question textarea").input_value() == "What is the CICA Fund?"
    page.locator("#chat button[aria-label='Retry']").click()
    page.wait_for_function("() => document.querySelectorAll('#chat .qa-answer').length === 1")
    page.wait_for_timeout(500)
    assert len(replies(page)) == 1 and "Kuwait joining in 2022" in replies(page)[0]
