"""Issue 23 in the browser, on a desktop and a phone: "The interview at a
glance" in the empty chat asks for the summary; a summary and a list show as
bulleted points, each linking to its paragraph; axe-core finds no critical or
serious violation with them shown."""

from __future__ import annotations

import pytest

from qa.web import source
from tests.web.browser import DESKTOP, PHONE, ask, last, open_page, serious_violations, settle

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_interview_at_a_glance_and_a_list_show_their_points(browser, launched_app, viewport):
    page = open_page(browser, launched_app, viewport)
    page.locator("#chat").get_by_role("button", name="The interview at a glance").click()
    settle(page)
    summary = last(page, ".qa-reply")
    items = summary.locator("ul.qa-points li")
    assert 6 <= items.count() <= 12
    assert items.first.inner_text().startswith("Kazakhstan has concluded its chairmanship")
    links = summary.locator("ul.qa-points li a.qa-para")
    assert links.count() == items.count()
    assert all(f"{source.ROUTE}/" in a.get_attribute("href") and "#p" in a.get_attribute("href") for a in links.all())
    assert serious_violations(page) == [], "with the summary shown"
    ask(page, "What are Azerbaijan's priorities as the new chair?")
    listed = last(page, ".qa-reply").locator("ul.qa-points li")
    assert listed.count() >= 3
    assert any("Azerbaijan" in text for text in listed.all_inner_texts())
    assert serious_violations(page) == [], "with a list shown"
    page.context.close()
