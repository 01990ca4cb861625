"""Folded report sections open for a link into them and for printing."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

REPORT = "/consultations/almaty-winter-air/report"


def test_report_fold_opens_for_a_link_and_for_printing(
    browser: Any, live_server: str, log_in_as: Any
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in_as(page, live_server, "policymaker@demo.kenes.kz")
    page.goto(f"{live_server}{REPORT}")
    appendix = "document.querySelector('#statements details.report-fold').open"
    groups = "document.querySelector('#groups details.report-fold').open"
    assert page.evaluate(appendix) is False
    target = page.locator("#statements tr[id^=st-]").first.get_attribute("id")
    page.evaluate("id => { location.hash = '#' + id; }", target)
    page.wait_for_function(appendix)
    assert page.evaluate(groups) is False
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.evaluate(groups) is True
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert page.evaluate(groups) is False
    assert errors == []
    context.close()


DEMO = "/consultations/almaty-winter-air"
FIRST_SCREEN = 844


def _top(page: Any, selector: str) -> float:
    return float(
        page.evaluate(
            "s => document.querySelector(s).getBoundingClientRect().top + window.scrollY", selector
        )
    )


def _wait_until(page: Any, expression: str) -> None:
    """Poll ``expression`` (wait_for_function would evaluate a string: the CSP forbids it)."""
    for _ in range(50):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {expression}")


def test_discussion_opens_on_the_first_statement_on_a_phone(
    phone: Any, live_server: str, log_in_as: Any
) -> None:
    phone.goto(f"{live_server}{DEMO}")
    assert _top(phone, "article.statement .statement-text") < FIRST_SCREEN
    assert phone.locator(".take-part-line a").first.is_visible()

    log_in_as(phone, live_server, "citizen@demo.kenes.kz")
    phone.goto(f"{live_server}{DEMO}")
    first = _top(phone, "article.statement .statement-text")
    assert first < FIRST_SCREEN
    # The posting form follows the first page of statements; the line above them leads to it.
    assert _top(phone, "#post-position") > first
    phone.click(".take-part-line a[href='#post-position']")
    _wait_until(phone, "location.hash === '#post-position'")


def test_insights_open_on_the_summary_with_sections_folded(phone: Any, live_server: str) -> None:
    phone.goto(f"{live_server}{DEMO}/insights")
    folds = "Array.from(document.querySelectorAll('details.insights-fold')).map(d => d.open)"
    states = phone.evaluate(folds)
    assert states and not any(states)
    assert _top(phone, ".insights-intro") < FIRST_SCREEN
    # A section opens by its title, and for a link into it.
    phone.click("#common-ground summary")
    assert phone.evaluate("document.querySelector('#common-ground details').open") is True
    closed = phone.evaluate(
        "document.querySelector('section:has(> details.insights-fold:not([open]))').id"
    )
    phone.evaluate(f"location.hash = '#{closed}'")
    _wait_until(phone, f"document.querySelector('#{closed} > details').open")


def test_insights_sections_open_on_a_wide_screen(browser: Any, live_server: str) -> None:
    folds = "Array.from(document.querySelectorAll('details.insights-fold')).map(d => d.open)"
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}{DEMO}/insights")
    _wait_until(page, f"{folds}.length > 0 && {folds}.every(Boolean)")
    # Narrowed to a phone's width, a fresh load keeps the one-screen summary.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    states = page.evaluate(folds)
    assert states and not any(states)
    # Widened again, the sections open without a reload.
    page.set_viewport_size({"width": 1280, "height": 800})
    _wait_until(page, f"{folds}.every(Boolean)")
    assert errors == []
    context.close()
    # Without script, every width keeps them folded (the page itself sends them closed).
    plain = browser.new_context(viewport={"width": 1280, "height": 800}, java_script_enabled=False)
    html = plain.new_page()
    html.goto(f"{live_server}{DEMO}/insights")
    assert html.locator("details.insights-fold[open]").count() == 0
    assert html.locator("details.insights-fold").count() > 0
    plain.close()
