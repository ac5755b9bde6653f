"""What the browser tests share: Debian's Chromium driven by Playwright (never
a downloaded browser), a page of the launched app on a desktop or a phone, in
light or dark, asking as a person does, and axe-core's accessibility check.

With CI=true a missing browser fails the run; on a developer machine without
it these tests skip. Set QA_SCREENSHOTS=DIR to keep the screenshots
(README's come from here: ``QA_SCREENSHOTS=docs``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

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
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
REPLIES = "#chat .qa-reply"


def launch_chromium(playwright_api):
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return playwright_api.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def open_page(browser, url: str, viewport: dict | None = None, scheme: str = "light", wait: bool = True):
    """A new context's page on ``url``: its dialogs and any request that
    leaves this machine recorded (there must be none)."""
    phone = viewport == PHONE
    context = browser.new_context(
        viewport=viewport or DESKTOP, color_scheme=scheme, is_mobile=phone, device_scale_factor=2 if phone else 1
    )
    origin = urlparse(url)._replace(path="", query="", fragment="").geturl()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.dialogs = []
    page.outside_requests = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on(
        "request",
        lambda request: (
            urlparse(request.url).hostname not in ("127.0.0.1", "localhost", None)
            and not request.url.startswith(("data:", "blob:"))
            and page.outside_requests.append(request.url)
        ),
    )
    page.goto(url)
    if wait:
        loaded(page)
    return page


def loaded(page) -> None:
    page.locator("#question textarea").wait_for()
    page.wait_for_function("() => !document.querySelector('.progress-text, .eta-bar')")  # the page's load event done


def ask(page, question: str) -> None:
    """Type ``question``, press Enter, wait for its reply and for the page to show it."""
    before = page.locator(REPLIES).count()
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function("n => document.querySelectorAll('#chat .qa-reply').length > n", arg=before)
    settle(page)


def settle(page) -> None:
    """Wait until the page has scrolled to the last reply (qaShowLastReply has run)."""
    page.wait_for_function("() => window.qaShowLastReply !== undefined")
    page.evaluate("() => window.qaShowLastReply()")
    page.wait_for_timeout(150)


def last(page, selector: str):
    return page.locator(f"#chat {selector}").last


def replies(page) -> list[str]:
    return page.locator(REPLIES).all_inner_texts()


def answer_top_in_view(page) -> bool:
    """Whether the top of the last reply (its outcome, the answer) is in the
    viewport and in the chat's visible part."""
    return page.evaluate(
        """() => {
            const reply = [...document.querySelectorAll('#chat .qa-reply')].pop();
            const chat = document.querySelector('#chat .bubble-wrap');
            const top = reply.getBoundingClientRect().top, box = chat.getBoundingClientRect();
            return top >= 0 && top < window.innerHeight - 40 && top >= box.top - 1 && top < box.bottom - 40;
        }"""
    )


def save(page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=False)
    keep = os.environ.get("QA_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / name)
    return path


def serious_violations(page) -> list[str]:
    """axe-core's critical and serious violations on the page as it is now
    (axe-core's JavaScript ships in the axe-playwright-python package, read from disk)."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright")
    found = axe.Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in ("critical", "serious")
    ]
