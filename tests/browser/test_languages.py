"""A Kazakh reader on a phone reads the demo consultation in Kazakh and opens an original."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

DEMO = "/consultations/almaty-winter-air"


def test_kazakh_reader_reads_the_demo_in_kazakh_and_toggles_the_original(
    browser: Any, live_server: str
) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="kk-KZ",
        extra_http_headers={"Accept-Language": "kk"},
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}{DEMO}")
    assert page.locator("html").get_attribute("lang") == "kk"
    heading = page.locator("h1")
    assert heading.inner_text() == "Алматы қысқы ауаның ластануын қалай азайтуы керек?"
    assert heading.get_attribute("lang") == "kk"
    assert page.locator(".language-fallback").count() == 0
    first = page.locator("article.statement").first
    text = first.locator(".statement-text").first
    assert text.get_attribute("lang") == "kk"
    assert "ЖЭО-2" in text.inner_text()
    original = first.locator("details.original-text").first
    body = original.locator("div[lang=en]")
    assert not body.is_visible()
    original.locator("summary").tap()  # one tap, no script
    assert body.is_visible()
    assert "CHP-2" in body.inner_text()
    assert errors == []
    context.close()
