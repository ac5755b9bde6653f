"""Issue 21's "done when", in the browser: a question in Russian is answered
with the English interview's passage, open, its words around it in Russian,
and the source link one click away."""

from __future__ import annotations

import pytest

from qa import wording
from tests.web.browser import ask, last

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
    assert card.locator(".qa-label").inner_text() == wording.CLOSEST_PASSAGE["ru"]
    with page.context.expect_page() as opened:
        card.locator("a.qa-para").click()
    source = opened.value
    source.wait_for_load_state()
    assert source.url.startswith(f"{launched_app}source/cica_interview.txt") and source.url.endswith("#p4")
    assert "Kuwait joining in 2022" in source.locator("#p4").inner_text()
    source.close()
