"""Keyboard-only journeys: vote, post, reply, moderate and respond without a mouse.

Each control is reached by pressing Tab from the top of the page (never clicked or focused by
script), so a control missing from the tab order, or placed after hundreds of others, fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.browser

DEMO = "/consultations/almaty-winter-air"
DEMO_PASSWORD = "kenes-demo-password"
MAX_TABS = 400


@pytest.fixture
def keyboard_user(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def tab_to(page: Any, selector: str, *, limit: int = MAX_TABS) -> int:
    """Press Tab until the focused element matches ``selector``; return the number of presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return presses
    raise AssertionError(f"{selector} not reached with {limit} Tab presses")


def type_in(page: Any, text: str) -> None:
    page.keyboard.type(text, delay=0)


def log_in_by_keyboard(
    page: Any, base: str, role: str, totp_code: Callable[[str], str] | None = None
) -> None:
    """Log in with the keyboard; staff type the code of their authenticator app next."""
    email = f"{role}@demo.kenes.kz"
    page.goto(f"{base}/login")
    tab_to(page, "#email")
    type_in(page, email)
    tab_to(page, "#password", limit=3)
    type_in(page, DEMO_PASSWORD)
    page.keyboard.press("Enter")
    if totp_code is not None:
        page.wait_for_url(f"{base}/login/two-factor")
        # The code field has the focus (autofocus), or is reached with Tab.
        if not page.evaluate("document.activeElement?.matches('#code') ?? false"):
            tab_to(page, "#code")
        type_in(page, totp_code(email))
        page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")


def test_keyboard_vote_on_a_statement(keyboard_user: Any, live_server: str) -> None:
    page = keyboard_user
    log_in_by_keyboard(page, live_server, "citizen")
    page.goto(f"{live_server}{DEMO}")
    first = page.locator("article.statement button.vote-button.pass").first
    card_id = first.evaluate("b => b.closest('article').id")
    tab_to(page, f"#{card_id} button.vote-button.pass")
    page.keyboard.press("Space")
    page.wait_for_function(
        "id => document.querySelector('#' + id + ' button.vote-button.pass')"
        ".getAttribute('aria-pressed') === 'true'",
        arg=card_id,
    )


def test_keyboard_post_a_position_and_reply(keyboard_user: Any, live_server: str) -> None:
    page = keyboard_user
    log_in_by_keyboard(page, live_server, "citizen")
    page.goto(f"{live_server}{DEMO}")
    tab_to(page, "#position-text")
    type_in(page, "Plant trees along every school street, typed without a mouse.")
    tab_to(page, "button[type=submit]", limit=10)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#s-\d+$"))
    posted = page.url.rsplit("#", 1)[1]
    assert "typed without a mouse" in page.inner_text(f"#{posted}")

    # Reply to it: open the reply form, choose a side, write, send. The thread shows a page of
    # positions at a time: the new one is on the page posting landed on (reloaded from the top).
    page.goto(page.url.split("#", 1)[0])
    tab_to(page, f"#{posted} details.reply > summary")
    page.keyboard.press("Enter")
    tab_to(page, f"#{posted} details.reply input[type=radio]", limit=10)
    page.keyboard.press("Space")
    tab_to(page, f"#{posted} details.reply textarea[name=text]", limit=10)
    type_in(page, "Trees also cool the street in summer.")
    tab_to(page, f"#{posted} details.reply button[type=submit]", limit=10)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#s-\d+$"))
    reply = page.url.rsplit("#", 1)[1]
    assert reply != posted
    assert page.locator(f"li:has(> #{posted}) #{reply}").count() == 1


def test_keyboard_moderate_a_statement(
    keyboard_user: Any, live_server: str, totp_code: Callable[[str], str]
) -> None:
    page = keyboard_user
    log_in_by_keyboard(page, live_server, "moderator", totp_code)
    page.goto(f"{live_server}/moderation/statements/2")
    tab_to(page, "form input[name=action][value=hide]")
    page.keyboard.press("Space")
    tab_to(page, "#decision-reason", limit=10)
    type_in(page, "Hidden from the keyboard for the test.")
    tab_to(page, "button.decision-submit", limit=10)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/moderation(\?.*)?$"))
    page.goto(f"{live_server}/moderation/audit")
    assert "Hidden from the keyboard for the test." in page.inner_text("main")


def test_keyboard_respond_officially(
    keyboard_user: Any, live_server: str, totp_code: Callable[[str], str]
) -> None:
    page = keyboard_user
    log_in_by_keyboard(page, live_server, "policymaker", totp_code)
    page.goto(f"{live_server}/consultations/panfilov-street-pedestrian-zone/responses")
    tab_to(page, "input[name=statements][form=respond-form]")
    page.keyboard.press("Space")
    tab_to(page, "#respond-form input[name=decision]", limit=10)
    page.keyboard.press("Space")
    tab_to(page, "#respond-form textarea", limit=10)
    type_in(page, "We will fund school air purifiers next year; answered from the keyboard.")
    tab_to(page, "#respond-form button[type=submit]", limit=10)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "answered from the keyboard" in page.inner_text("main")
