"""A Kazakh-speaking citizen on a phone: register, vote, post, later find the official answer."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.browser

DEMO = "/consultations/almaty-winter-air"
PASSWORD = "a long enough password"


def test_citizen_in_kazakh_follows_their_statement_to_the_official_response(
    browser: Any,
    live_server: str,
    live_mail: Callable[[str], str],
    log_in_as: Callable[[Any, str, str], None],
) -> None:
    citizen_context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        extra_http_headers={"Accept-Language": "kk"},
    )
    phone = citizen_context.new_page()
    phone.set_default_timeout(15_000)

    # Register: logged in at once, the interface in Kazakh.
    phone.goto(f"{live_server}/register?next={DEMO}")
    assert phone.evaluate("document.documentElement.lang") == "kk"
    phone.fill("#email", "aigerim-kk@example.org")
    phone.fill("#display_name", "Айгерім")
    phone.fill("#password", PASSWORD)
    phone.fill("#confirm", PASSWORD)
    phone.click("form.form button[type=submit]")
    phone.wait_for_url(f"{live_server}{DEMO}")

    # Vote on the first statement, then post a position in Kazakh.
    agree = phone.locator("article.statement button.vote-button.agree").first
    agree.click()
    phone.wait_for_function(
        "() => document.querySelector('article.statement button.vote-button.agree')"
        ".getAttribute('aria-pressed') === 'true'"
    )
    text = "Әр мектепке ауа тазартқыш орнату керек."
    phone.fill("#position-text", text)
    phone.locator("form.position-form button[type=submit]").click()
    phone.wait_for_url(re.compile(r"#s-\d+$"))
    statement_id = int(phone.url.rsplit("#s-", 1)[1])
    # Until the address is confirmed the position waits, shown to its author only; the link
    # mailed at registration publishes it.
    assert phone.locator(f"#s-{statement_id}.statement-pending").count() == 1
    phone.goto(f"{live_server}{live_mail('aigerim-kk@example.org')}")

    # Its own page, reached from the thread, leads back to the question.
    phone.goto(f"{live_server}/statements/{statement_id}/branch")
    assert text in phone.inner_text("main")
    assert phone.locator(f"article#s-{statement_id}:not(.statement-pending)").count() == 1
    assert phone.locator(".branch-crumbs a").first.get_attribute("href") == DEMO

    # The policymaker answers it.
    office = browser.new_context(viewport={"width": 1280, "height": 800})
    desk = office.new_page()
    log_in_as(desk, live_server, "policymaker@demo.kenes.kz")  # password, then a code
    token = desk.evaluate("document.querySelector('meta[name=csrf-token]')?.content")
    answer = desk.request.post(
        f"{live_server}/api/v1/statements/{statement_id}/responses",
        data={"decision": "accepted", "text": "Келесі жылы барлық мектептерге тазартқыш беріледі."},
        headers={"X-CSRFToken": token or "", "Content-Type": "application/json"},
    )
    assert answer.status == 201, answer.text()
    office.close()

    # Later: a notification, and "My participation" shows the answer under the statement.
    phone.goto(f"{live_server}/notifications")
    assert text in phone.inner_text(".notification-list")
    phone.goto(f"{live_server}/account/participation")
    mine = phone.locator(f"#mine-{statement_id}")
    assert text in mine.inner_text()
    assert "Келесі жылы барлық мектептерге тазартқыш беріледі." in mine.inner_text()
    overflow = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    citizen_context.close()
