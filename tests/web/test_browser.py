"""The chat in a real browser (Debian's Chromium driven by Playwright), the way
a person uses it: type and press Enter, click an example, ask something the
interview does not cover, paste markup, follow up, on a desktop and a phone;
dislike a reply with a comment, reload, open a shared /?q= link, download the
conversation, copy a link and a citation, retry and undo. See browser.py."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from qa.feedback.store import FeedbackStore
from qa.feedback.votes import DISLIKE
from tests.web.browser import PHONE, ask, last, open_page, replies, save, settle

pytestmark = pytest.mark.browser  # and e2e, by tests/conftest.py: every test uses launched_app


def test_a_question_gets_the_answer_and_its_sources(page, tmp_path):
    ask(page, "When did Kuwait join CICA?")
    reply = last(page, ".qa-reply")
    assert "Kuwait joining in 2022" in reply.locator("blockquote.qa-answer").inner_text()
    assert reply.locator(".qa-short").inner_text() == "2022"
    card = reply.locator(".qa-card.qa-main")
    assert "¶4" in card.inner_text() and "in reply to:" in card.inner_text()
    assert "Kazakhstan's four-year chairmanship" in card.inner_text()  # apostrophes read as typed
    assert "Kuwait joining in 2022" in card.locator("mark").inner_text()
    assert reply.locator(".qa-card").count() == 5  # one open, four under "More passages (4)"
    assert "Answers are quoted from the interview" in page.locator("#status").inner_text()
    assert page.outside_requests == []


def test_an_example_inside_the_empty_chat_can_be_clicked(page):
    examples = page.locator("#chat").get_by_role("button", name="What are Azerbaijan's priorities as the new chair?")
    examples.click()
    page.locator("#chat .qa-reply").first.wait_for()
    assert "Azerbaijan" in page.locator("#chat").inner_text()


def test_an_off_topic_question_is_kindly_declined(page):
    ask(page, "What is the capital of France?")
    reply = last(page, ".qa-reply")
    assert "The interview is not about this." in reply.inner_text()
    assert "qa-not-covered" in (reply.get_attribute("class") or "")


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
    last(page, ".qa-more summary").click()
    assert "adopt the Charter" in page.locator("#chat").inner_text()


def test_readable_on_a_phone(browser, launched_app, tmp_path):
    page = open_page(browser, launched_app, PHONE)
    ask(page, "What did the Youth Council work on?")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    assert save(page, tmp_path, "chat-phone.png").stat().st_size > 10_000
    page.context.close()


def clipboard(page) -> str:
    return page.evaluate("navigator.clipboard.readText()")


def show_passages(page, number: int) -> None:
    """Settings: the number of passages a reply shows."""
    page.locator("#settings").get_by_text("Settings").first.click()
    field = page.locator("#settings input[type='number']").first
    field.fill(str(number))
    field.press("Enter")
    # The slider moves when the component has taken the value: only then does
    # the next question carry it (under load, typing alone was seen to be lost).
    page.wait_for_function("n => document.querySelector('#settings input[type=range]').value === n", arg=str(number))
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
    assert vote.answer and vote.answer in last(page, ".qa-answer").inner_text()
    assert page.locator("#chat button[aria-label='Disliked']").count() == 1
    assert page.dialogs == []


def test_a_reload_keeps_the_conversation(page):
    ask(page, "Which country took over the chairmanship in December 2024?")
    ask(page, "What is its main priority?")
    page.locator("#chat button[aria-label='Like']").first.click()
    page.wait_for_function("() => document.querySelector('#feedback-note').innerText.includes('Thank you')")
    before = replies(page)
    page.reload()
    page.locator("#chat .qa-reply").nth(1).wait_for()
    assert replies(page) == before
    assert "Read together with your earlier question" in page.locator("#chat").inner_text()
    assert page.locator("#chat button[aria-label='Liked']").count() == 1  # the vote is remembered too
    page.get_by_role("button", name="New conversation").click()
    page.wait_for_function("() => !document.querySelector('#chat .qa-reply')")
    page.reload()
    page.locator("#question textarea").wait_for()
    page.wait_for_timeout(1000)  # time for a restore that must not happen
    assert replies(page) == []


def test_a_link_with_a_question_asks_it_on_load(browser, launched_app):
    page = open_page(browser, f"{launched_app}?q={quote('When did Kuwait join CICA?')}", wait=False)
    page.locator("#chat .qa-reply").first.wait_for()
    assert "Kuwait joining in 2022" in page.locator("#chat .qa-answer").first.inner_text()
    assert page.locator("#chat .qa-user, #chat [data-testid='user']").first.inner_text().strip() == (
        "When did Kuwait join CICA?"
    )
    page.wait_for_function("() => !location.search")  # the address forgets the question...
    page.reload()
    page.locator("#chat .qa-reply").first.wait_for()
    page.wait_for_timeout(1000)
    assert len(replies(page)) == 1  # ...so a reload shows it, not asks it again
    page.context.close()


def test_the_downloaded_markdown_has_the_answer_its_passages_and_their_links(page, launched_app):
    ask(page, "When did Kuwait join CICA?")
    with page.expect_download() as download:
        page.locator("#download").click()
    assert download.value.suggested_filename == "cica-conversation.md"
    text = Path(download.value.path()).read_text(encoding="utf-8")
    source = f"{launched_app}source/cica_interview.txt"
    assert "## 1. When did Kuwait join CICA?\n\n**Answered.** The interview answers this.\n\n**2022**\n\n" in text
    assert "\n\n> “The CICA family” is consistently growing;" in text
    assert (
        f"Saudi Arabia in 2023.\n\n— Kairat Sarybay, interview on Kazakhstan's CICA chairmanship, [¶4]({source}?mark="
        in text
    )
    assert f"Passages shown:\n\n1. cica_interview.txt, [¶4]({source}?mark=" in text
    assert "\n   > The Conference was convened more than 30 years ago" in text  # the passage's text


def test_copy_with_citation_and_copy_link(page, launched_app):
    ask(page, "When did Kuwait join CICA?")
    last(page, "button.qa-copy-citation").click()
    page.wait_for_function("() => document.querySelector('#chat button.qa-copy-citation').innerText === 'Copied'")
    assert clipboard(page) == (
        "> “The CICA family” is consistently growing; during Kazakhstan's four-year chairmanship alone, the number "
        "of Member States increased to 28, with Kuwait joining in 2022 and two observer states –Turkmenistan in 2021 "
        "and Saudi Arabia in 2023.\n\n— Kairat Sarybay, interview on Kazakhstan's CICA chairmanship, "
        f"[¶4]({launched_app}source/cica_interview.txt?mark=1060-1297#p4)"
    )
    last(page, "button.qa-copy-link").click()
    page.wait_for_function("() => document.querySelector('#chat button.qa-copy-link').innerText === 'Copied'")
    assert clipboard(page) == f"{launched_app}?q=When%20did%20Kuwait%20join%20CICA%3F"


def test_the_interviewers_words_are_cited_as_theirs(page, launched_app):
    ask(page, "When did the CICA Chairmanship transition from Kazakhstan to Azerbaijan?")
    assert "The interviewer says:" in last(page, ".qa-answer").inner_text()
    last(page, "button.qa-copy-citation").click()
    page.wait_for_function("() => document.querySelector('#chat button.qa-copy-citation').innerText === 'Copied'")
    assert clipboard(page).startswith(
        "> In December 2024, the CICA Chairmanship transitioned from Kazakhstan to Azerbaijan.\n\n"
        f"— the interviewer, interview on Kazakhstan's CICA chairmanship, [¶38]({launched_app}source/"
    )


def test_retry_and_undo_the_last_turn(page):
    ask(page, "When did Kuwait join CICA?")
    ask(page, "What is the CICA Fund?")
    page.locator("#chat button[aria-label='Undo']").click()
    page.wait_for_function("() => document.querySelectorAll('#chat .qa-reply').length === 1")
    assert page.locator("#question textarea").input_value() == "What is the CICA Fund?"
    page.locator("#chat button[aria-label='Retry']").click()
    page.wait_for_function("() => document.querySelectorAll('#chat .qa-reply').length === 1")
    page.wait_for_timeout(500)
    settle(page)
    assert len(replies(page)) == 1 and "Kuwait joining in 2022" in replies(page)[0]
