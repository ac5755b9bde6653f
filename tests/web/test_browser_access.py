"""Accessibility in the browser: axe-core finds no critical or serious
violation on the empty page, after each outcome and with the comment box
open, in light and dark; an h1, a skip link, labelled controls, a visible
focus ring. The README's screenshots come from here (desktop, dark)."""

from __future__ import annotations

import pytest

from tests.web.browser import DESKTOP, ask, last, open_page, save, serious_violations

pytestmark = pytest.mark.browser
OUTCOMES = ("When did Kuwait join CICA?", "What is CICA's budget?", "What is the capital of France?")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_critical_or_serious_violations_in_any_state(browser, launched_app, scheme, tmp_path):
    page = open_page(browser, launched_app, DESKTOP, scheme)
    assert serious_violations(page) == [], "the empty page"
    for question in OUTCOMES:
        ask(page, question)
        assert serious_violations(page) == [], f"after {question!r}"
    page.locator("#chat button[aria-label='Dislike']").last.click()
    page.locator("#comment textarea").wait_for()
    assert serious_violations(page) == [], "with the comment box open"
    page.context.close()


def test_screenshots_for_the_readme(browser, launched_app, tmp_path):
    for scheme, name in (("light", "chat-desktop.png"), ("dark", "chat-dark.png")):
        page = open_page(browser, launched_app, DESKTOP, scheme)
        ask(page, "When did Kuwait join CICA?")
        assert save(page, tmp_path, name).stat().st_size > 10_000
        page.context.close()


def test_one_h1_a_skip_link_named_controls_and_a_visible_focus_ring(page):
    assert page.locator("h1").all_inner_texts() == ["Ask the CICA interview"]
    # Gradio's semi-bold Source Sans drew the title's capital A in a fallback font: the system's fonts instead.
    assert "Source Sans" not in page.evaluate("() => getComputedStyle(document.querySelector('h1')).fontFamily")
    assert page.get_by_label("Your question about the interview").count() == 1
    page.keyboard.press("Tab")
    skip = page.locator(".qa-skip-link")
    assert page.evaluate("() => document.activeElement.className").startswith("qa-skip-link") and skip.is_visible()
    skip.press("Enter")
    box = page.locator("#question textarea")
    assert page.evaluate("() => document.activeElement === document.querySelector('#question textarea')")
    ring = page.evaluate(
        "() => { const s = getComputedStyle(document.querySelector('#question textarea')); "
        "return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert ring == ["solid", "3px"]  # the question box shows it has the focus
    ask(page, "When did Kuwait join CICA?")
    last(page, "a.qa-skip").click()  # from a reply back to the question box
    assert page.evaluate("() => document.activeElement === document.querySelector('#question textarea')")
    box.blur()
