"""Issue 21's "done when", in the browser: a question in Russian is answered
with the English interview's passage, open, its words around it in Russian,
and the source link one click away."""

from __future__ import annotations

import pytest

from qa import wording
from tests.web.browser import ask, last, serious_violations

pytestmark = pytest.mark.browser
# Kuwait's joining (paragraph 4) is what it asks about; "СВМДА" is CICA in Russian.
QUESTION = "Какие страны присоединились к СВМДА в 2022 году?"


def test_a_russian_question_gets_the_english_passage_and_russian_words(page, launched_app):
    ask(page, QUESTION)
    reply = last(page, ".qa-reply")
    assert reply.locator(".qa-from-english").inner_text() == wording.from_english(QUESTION, "ru")
    words = wording.outcome("related", "ru")  # never a claimed answer in another language
    assert reply.locator(".qa-badge").inner_text() == words.badge
    assert reply.locator(".qa-says").inner_text() == words.sentence
    card = reply.locator(".qa-card.qa-main")
    assert card.is_visible() and "Kuwait joining in 2022" in card.locator(".qa-text").inner_text()
    said = wording.chat("ru")
    assert card.locator(".qa-label").inner_text() == said.closest_passage
    # The chat's own words around the passages are Russian too: the fold, the buttons, the way back.
    fold = reply.locator("details.qa-more > summary")
    assert fold.inner_text() == said.more_passages.format(count=reply.locator(".qa-more .qa-card").count())
    assert reply.locator("details.qa-sure > summary").inner_text() == said.how_sure
    assert reply.locator("button.qa-copy-link").inner_text() == said.copy_link
    assert reply.locator("a.qa-skip").inner_text() == said.back
    reply.locator("button.qa-copy-link").click()  # says it copied, for a moment, in Russian too
    page.wait_for_function(
        "said => [...document.querySelectorAll('#chat button.qa-copy-link')].pop().innerText === said",
        arg=said.copied,
    )
    assert page.evaluate("navigator.clipboard.readText()").startswith(f"{launched_app}?q=")
    fold.click()
    assert reply.locator(".qa-more .qa-card").first.is_visible()
    # Gradio's buttons under the reply are named in Russian (aria-label and title), and a vote still counts.
    buttons = page.locator("#chat .message-buttons").last
    for name in (said.retry, said.undo, said.dislike, said.like):
        button = buttons.get_by_role("button", name=name, exact=True)
        button.wait_for()
        assert button.get_attribute("title") == name
    assert buttons.get_by_role("button", name="Like", exact=True).count() == 0
    buttons.get_by_role("button", name=said.like, exact=True).click()
    buttons.get_by_role("button", name=said.liked, exact=True).wait_for()  # Gradio renames it once chosen
    page.wait_for_function("() => document.querySelector('#feedback-note').innerText.trim() !== ''")
    assert serious_violations(page) == []
    with page.context.expect_page() as opened:
        card.locator("a.qa-para").click()
    source = opened.value
    source.wait_for_load_state()
    assert source.url.startswith(f"{launched_app}source/cica_interview.txt") and source.url.endswith("#p4")
    assert "Kuwait joining in 2022" in source.locator("#p4").inner_text()
    source.close()
