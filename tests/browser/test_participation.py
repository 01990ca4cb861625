"""End to end on a phone: register, open the demo, post, vote, reply; pages fit 360 px."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"
_people = itertools.count(1)


def register_and_log_in(page: Any, base: str, mail: Any) -> str:
    email = f"browser-{next(_people)}@example.org"
    page.goto(f"{base}/register")
    page.fill("#email", email)
    page.fill("#display_name", "Phone tester")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("button:has-text('Create account')")
    # Registering logs the person in straight away.
    page.wait_for_url(re.compile(r"/$"))
    assert page.locator("text=Welcome, Phone tester.").count() == 1
    # Confirm the address from the mailed link, so that what this account posts is published.
    page.goto(base + mail(email))
    page.wait_for_url(re.compile(r"/account$"))
    page.goto(f"{base}/")
    return email


def test_register_post_a_position_and_vote_on_it(
    phone: Any, live_server: str, live_mail: Any
) -> None:
    register_and_log_in(phone, live_server, live_mail)
    phone.click("text=How should Almaty reduce winter air pollution?")
    phone.wait_for_url(re.compile(r"/consultations/almaty-winter-air"))

    text = "Give every school an air purifier before next winter."
    phone.fill("#position-text", text)
    phone.click("button:has-text('Publish position')")
    phone.wait_for_url(re.compile(r"#s-\d+$"))
    anchor = phone.url.rsplit("#", 1)[1]
    card = phone.locator(f"#{anchor}")
    assert text in card.inner_text()
    assert "Your position has been published." in phone.inner_text(".flashes")

    # Posting records its author's agree vote (as Pol.is does).
    agree = card.locator("button.vote-button.agree")
    assert agree.get_attribute("aria-pressed") == "true"
    assert agree.locator(".count").inner_text() == "1"
    assert float(card.locator("rect[data-part=agree]").get_attribute("width")) == 100.0

    # Change the vote: the last one counts, and it survives a reload.
    card.locator("button.vote-button.disagree").click()
    phone.wait_for_function(
        "id => document.querySelector('#' + id + ' button.vote-button.disagree')"
        ".getAttribute('aria-pressed') === 'true'",
        arg=anchor,
    )
    phone.reload()
    card = phone.locator(f"#{anchor}")
    assert card.locator("button.vote-button.disagree").get_attribute("aria-pressed") == "true"
    assert card.locator("button.vote-button.disagree .count").inner_text() == "1"
    assert card.locator("button.vote-button.agree .count").inner_text() == "0"


def test_reply_against_a_statement(phone: Any, live_server: str, live_mail: Any) -> None:
    register_and_log_in(phone, live_server, live_mail)
    phone.goto(f"{live_server}/consultations/almaty-winter-air")
    target = phone.locator("article.statement-position").first
    target_id = target.get_attribute("id")
    target.locator("details.reply > summary").click()
    target.locator("label.choice-attack").click()
    target.locator("textarea[name=text]").fill("Gas prices will rise for everyone.")
    target.locator("button:has-text('Post argument')").click()
    phone.wait_for_url(re.compile(r"#s-\d+$"))
    new_id = phone.url.rsplit("#", 1)[1]
    argument = phone.locator(f"#{new_id}")
    assert argument.locator(".relation-label").text_content().strip() == "Against"
    # It is nested in the target's thread.
    parent = phone.locator(f"li:has(> #{target_id})")
    assert parent.locator(f"#{new_id}").count() == 1


def test_reply_without_choosing_a_side_is_explained(
    phone: Any, live_server: str, live_mail: Any
) -> None:
    register_and_log_in(phone, live_server, live_mail)
    phone.goto(f"{live_server}/consultations/almaty-winter-air")
    target = phone.locator("article.statement-position").nth(1)
    target.locator("details.reply > summary").click()
    target.locator("textarea[name=text]").fill("Which side am I on?")
    # The browser itself asks for the missing choice (required radio), nothing is sent.
    target.locator("button:has-text('Post argument')").click()
    assert target.locator("details.reply input[type=radio]:invalid").count() == 2
    assert "#s-" not in phone.url


@pytest.mark.parametrize("width", [360, 390])
def test_pages_fit_a_narrow_phone(browser: Any, live_server: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    for path in ("/", "/consultations/almaty-winter-air", "/login", "/register"):
        page.goto(f"{live_server}{path}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways at {width}px"
    # Keyboard: the first Tab reaches the skip link, which is then visible.
    page.goto(f"{live_server}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").bounding_box()["width"] > 10
    context.close()
