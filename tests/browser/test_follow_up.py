"""A Kazakh-speaking citizen on a phone: register, read and vote on every statement in Kazakh,
post in Kazakh, see the statement reach Russian and English readers, later find the official
answer."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.browser

DEMO = "/consultations/almaty-winter-air"
PASSWORD = "a long enough password"
KAZAKH = "Әр мектепке ауа тазартқыш орнату керек."
RUSSIAN = "В каждую школу нужно поставить очиститель воздуха."
ENGLISH = "Every school should get an air purifier."
ANSWER = "Келесі жылы барлық мектептерге тазартқыш беріледі."


def _phone(browser: Any, language: str) -> Any:
    """A 390×844 phone whose browser asks for ``language``."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        extra_http_headers={"Accept-Language": language},
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _register(page: Any, base: str, email: str, name: str, language: str) -> None:
    """Register from the demo consultation's link: logged in at once, the interface in
    ``language``."""
    page.goto(f"{base}/register?next={DEMO}")
    assert page.evaluate("document.documentElement.lang") == language
    page.fill("#email", email)
    page.fill("#display_name", name)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}{DEMO}")


def _shown_id(page: Any) -> int | None:
    """The statement the next-statement page offers, or None once every one is voted on."""
    if page.locator(".next-done").count():
        return None
    return int(page.locator(".next-vote input[name=statement]").get_attribute("value"))


def _vote_through(page: Any, base: str, language: str, *, until: int | None = None) -> list[int]:
    """Vote on the next-statement page until none is left (or statement ``until`` is offered),
    checking that each one, and what it argues about, is shown in ``language``.

    Returns the statements offered, in order.
    """
    page.goto(f"{base}{DEMO}/next")
    offered: list[int] = []
    while (statement_id := _shown_id(page)) is not None:
        assert statement_id not in offered, f"statement {statement_id} offered twice"
        offered.append(statement_id)
        assert page.get_attribute("#next-text", "lang") == language, statement_id
        for context in page.locator(".next-context span[lang]").all():
            assert context.get_attribute("lang") == language, statement_id
        if statement_id == until:
            return offered
        assert len(offered) <= 200, "the next-statement page never ran out"
        value = ("agree", "disagree", "pass")[len(offered) % 3]
        page.locator(f".next-vote button[value={value}]").click()
        page.wait_for_url(re.compile(r"/next\?voted=\d+$"))
        assert page.locator(".notice-ok[role=status]").count() == 1
    return offered


def test_citizen_in_kazakh_follows_their_statement_to_the_official_response(
    browser: Any,
    live_server: str,
    live_mail: Callable[[str], str],
    log_in_as: Callable[[Any, str, str], None],
) -> None:
    phone = _phone(browser, "kk")
    _register(phone, live_server, "aigerim-kk@example.org", "Айгерім", "kk")

    # Read and vote on every statement, each one in Kazakh, until none is left.
    offered = _vote_through(phone, live_server, "kk")
    assert len(offered) >= 30  # the demo's visible statements
    assert "every statement" not in phone.inner_text(".next-done")  # in Kazakh, not English
    progress = phone.locator(".next-progress progress")
    assert progress.get_attribute("value") == progress.get_attribute("max") == str(len(offered))

    # Post a position in Kazakh.
    phone.goto(f"{live_server}{DEMO}")
    phone.fill("#position-text", KAZAKH)
    phone.locator("form.position-form button[type=submit]").click()
    phone.wait_for_url(re.compile(r"#s-\d+$"))
    statement_id = int(phone.url.rsplit("#s-", 1)[1])
    # Until the address is confirmed the position waits, shown to its author only; the link
    # mailed at registration publishes it.
    assert phone.locator(f"#s-{statement_id}.statement-pending").count() == 1
    phone.goto(f"{live_server}{live_mail('aigerim-kk@example.org')}")

    # Its own page, reached from the thread, leads back to the question; its language is known.
    phone.goto(f"{live_server}/statements/{statement_id}/branch")
    assert KAZAKH in phone.inner_text("main")
    mine = phone.locator(f"article#s-{statement_id}:not(.statement-pending)")
    assert mine.count() == 1
    assert mine.locator(".statement-text").get_attribute("lang") == "kk"
    assert phone.locator(".branch-crumbs a").first.get_attribute("href") == DEMO

    # The consultation's moderator translates it into Russian and English through its page.
    office = browser.new_context(viewport={"width": 1280, "height": 800})
    desk = office.new_page()
    desk.set_default_timeout(15_000)
    log_in_as(desk, live_server, "moderator@demo.kenes.kz")
    for language, text in (("ru", RUSSIAN), ("en", ENGLISH)):
        desk.goto(f"{live_server}/statements/{statement_id}/translations")
        desk.select_option("#language", language)
        desk.fill("#text", text)
        desk.locator("form[action$='/translations'] button[type=submit]").click()
        desk.wait_for_url(f"{live_server}/statements/{statement_id}/translations")
        assert desk.locator(f".translation-list [lang={language}]").inner_text().strip() == text
    office.close()

    # A Russian reader and an English reader: the statement in their language on the thread and
    # on its page, with the Kazakh original a tap away, and the next-statement page leads to it.
    for language, email, text in (
        ("ru", "ivan-ru@example.org", RUSSIAN),
        ("en", "emma-en@example.org", ENGLISH),
    ):
        reader = _phone(browser, language)
        _register(reader, live_server, email, email.split("@")[0], language)
        reader.goto(f"{live_server}/statements/{statement_id}/branch")
        card = reader.locator(f"article#s-{statement_id}")
        assert card.locator(".statement-text").get_attribute("lang") == language
        assert card.locator(".statement-text").inner_text().strip() == text
        original = card.locator("details.original-text")
        assert original.locator("[lang=kk]").text_content().strip() == KAZAKH
        reader.goto(f"{live_server}{DEMO}?sort=newest")
        on_thread = reader.locator(f"article#s-{statement_id} .statement-text")
        assert on_thread.count() == 1, f"the newest statement is not on the {language} thread"
        assert on_thread.get_attribute("lang") == language
        assert on_thread.inner_text().strip() == text
        offered = _vote_through(reader, live_server, language, until=statement_id)
        assert offered[-1] == statement_id, f"never offered to the {language} reader"
        assert reader.inner_text("#next-text").strip() == text
        assert (
            reader.locator(".next-card details.original-text [lang=kk]").text_content().strip()
            == KAZAKH
        )
        reader.context.close()

    # The policymaker answers it.
    office = browser.new_context(viewport={"width": 1280, "height": 800})
    desk = office.new_page()
    log_in_as(desk, live_server, "policymaker@demo.kenes.kz")  # password, then a code
    token = desk.evaluate("document.querySelector('meta[name=csrf-token]')?.content")
    answer = desk.request.post(
        f"{live_server}/api/v1/statements/{statement_id}/responses",
        data={"decision": "accepted", "text": ANSWER},
        headers={"X-CSRFToken": token or "", "Content-Type": "application/json"},
    )
    assert answer.status == 201, answer.text()
    office.close()

    # Later: a notification, and "My participation" shows the answer under the statement.
    phone.goto(f"{live_server}/notifications")
    assert KAZAKH in phone.inner_text(".notification-list")
    phone.goto(f"{live_server}/account/participation")
    mine = phone.locator(f"#mine-{statement_id}")
    assert KAZAKH in mine.inner_text()
    assert ANSWER in mine.inner_text()
    overflow = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    phone.context.close()
