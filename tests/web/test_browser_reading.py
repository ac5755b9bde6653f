"""Issue 20's "done when", in the browser, on a desktop and a phone: the
answer in view after a reply, a reload, a link that asks and Retry; one
passage open; a badge per outcome; the source view one click away, the
paragraph highlighted; suggested questions that ask; the comment box under
its reply, with the focus."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from qa import wording
from tests.web.browser import DESKTOP, PHONE, answer_top_in_view, ask, last, loaded, open_page, settle

pytestmark = pytest.mark.browser
LONG_ONES = ("When did Kuwait join CICA?", "What did the Youth Council work on?")  # replies taller than the chat


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_answer_is_in_view_after_a_reply_a_reload_a_link_and_retry(browser, launched_app, viewport):
    page = open_page(browser, launched_app, viewport)
    for question in LONG_ONES:
        ask(page, question)
        assert answer_top_in_view(page), f"after the reply to {question!r}"
    page.reload()
    loaded(page)
    page.locator("#chat .qa-reply").nth(1).wait_for()
    settle(page)
    assert answer_top_in_view(page), "after a reload"
    page.locator("#chat button[aria-label='Retry']").click()
    page.wait_for_timeout(800)
    settle(page)
    assert answer_top_in_view(page), "after Retry"
    page.context.close()
    linked = open_page(browser, f"{launched_app}?q={quote(LONG_ONES[0])}", viewport, wait=False)
    linked.locator("#chat .qa-reply").first.wait_for()
    settle(linked)
    assert answer_top_in_view(linked), "after a link that asks"
    linked.context.close()


def test_one_passage_is_open_and_none_when_the_interview_is_not_about_it(page):
    ask(page, "When did Kuwait join CICA?")
    reply = last(page, ".qa-reply")
    visible = [card.is_visible() for card in reply.locator(".qa-card").all()]
    assert visible == [True, False, False, False, False]
    assert reply.locator(".qa-more summary").inner_text() == "More passages (4)"
    assert "score" not in reply.inner_text()  # no raw score: it cannot be compared across questions
    assert not reply.locator(".qa-sure p").is_visible()  # the percentages wait behind "How sure?"
    reply.locator(".qa-sure summary").click()
    assert "About the interview: 100%" in reply.locator(".qa-sure p").inner_text()
    ask(page, "What is the capital of France?")
    off = last(page, ".qa-reply")
    assert not any(card.is_visible() for card in off.locator(".qa-card").all())
    assert off.locator(".qa-more summary").inner_text().startswith("The closest passages, about something else")


@pytest.mark.parametrize(
    "question, outcome",
    [
        ("When did Kuwait join CICA?", "answered"),
        ("What is CICA's budget?", "related"),
        ("What is the capital of France?", "not_covered"),
    ],
)
def test_each_outcome_has_its_badge_and_sentence(page, question, outcome):
    ask(page, question)
    words = wording.outcome(outcome)
    reply = last(page, ".qa-reply")
    assert reply.locator(".qa-badge").inner_text() == words.badge
    assert reply.locator(".qa-says").inner_text() == wording.reply_sentence(outcome, question)


def test_the_paragraph_link_opens_the_source_with_the_sentence_marked(page, launched_app):
    ask(page, "When did Kuwait join CICA?")
    with page.context.expect_page() as opened:
        last(page, "blockquote.qa-answer a.qa-para").click()
    source = opened.value
    source.wait_for_load_state()
    assert source.url.startswith(f"{launched_app}source/cica_interview.txt?mark=") and source.url.endswith("#p4")
    target = source.locator("#p4")
    assert target.is_visible() and "Kuwait joining in 2022" in target.locator("mark").inner_text()
    assert source.evaluate("() => document.querySelector(':target').id") == "p4"
    top = target.evaluate("e => e.getBoundingClientRect().top")
    assert 0 <= top < 200  # scrolled to it
    assert source.locator("h2.question").count() == 6  # the interviewer's six questions, set apart
    source.close()


def test_source_p4_shows_paragraph_4_highlighted(browser, launched_app):
    source = open_page(browser, f"{launched_app}source#p4", wait=False)
    source.wait_for_load_state()
    colour = source.evaluate("() => getComputedStyle(document.querySelector('#p4')).backgroundColor")
    other = source.evaluate("() => getComputedStyle(document.querySelector('#p5')).backgroundColor")
    assert colour != other and colour not in ("rgba(0, 0, 0, 0)", "transparent")
    assert source.locator("h1").count() == 1 and source.outside_requests == []
    source.context.close()


def test_a_suggested_question_asks_when_clicked(page):
    ask(page, "When did Kuwait join CICA?")
    suggestion = last(page, ".qa-next button.qa-ask").first
    question = suggestion.inner_text()
    assert question.endswith("?")
    suggestion.click()
    page.wait_for_function("() => document.querySelectorAll('#chat .qa-reply').length === 2")
    assert page.locator("#chat [data-testid='user']").last.inner_text().strip() == question


def test_the_comment_box_opens_under_the_disliked_reply_with_the_focus(page):
    ask(page, "When did Kuwait join CICA?")
    ask(page, "What did the Youth Council work on?")
    page.locator("#chat button[aria-label='Dislike']").first.click()  # the first reply, not the last
    page.locator("#comment textarea").wait_for()
    page.wait_for_function("() => document.activeElement === document.querySelector('#comment textarea')")
    placed = page.evaluate(
        """() => {
            const panel = document.querySelector('#feedback-panel');
            const first = document.querySelectorAll('#chat .bot-row')[0];
            return first.nextElementSibling.nextElementSibling === panel || first.nextElementSibling === panel;
        }"""
    )
    assert placed, "the comment box is not under the reply it is about"
    assert "When did Kuwait join CICA?" in page.locator("#comment").inner_text()  # its label names the question
