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
