"""The explorable opinion map: a group chosen with the keyboard, no script needed; axe-clean."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_accessibility import AXE, axe_findings
from tests.browser.test_keyboard import tab_to

pytestmark = pytest.mark.browser

INSIGHTS = "/consultations/almaty-winter-air/insights"


def test_keyboard_chooses_a_group_on_the_opinion_map(browser: Any, live_server: str) -> None:
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server}{INSIGHTS}")
    assert page.locator("#map-explore-panel").count() == 0

    # Insights opens folded: the map's section opens from its summary, with the keyboard.
    tab_to(page, "#map summary")
    page.keyboard.press("Enter")
    tab_to(page, 'a.map-pick[href*="group=B"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}{INSIGHTS}?group=B#map-explore-panel")

    panel = page.locator("#map-explore-panel")
    assert panel.locator("h3").inner_text().startswith("Group B")
    assert "people" in panel.inner_text()
    assert page.locator('a.map-pick[aria-current="true"]').inner_text().strip().endswith("Group B")
    # The panel is what the reader lands on, and the next Tab continues from it.
    box = panel.bounding_box()
    assert box is not None and 0 <= box["y"] < 800
    # The map marks the choice; its text alternative stays.
    assert page.locator("svg.opinion-map.has-selection desc").count() == 1
    assert page.locator("svg.opinion-map .hull.is-selected").count() == 1
    context.close()


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_explored_map_has_no_serious_accessibility_findings(
    browser: Any, live_server: str, language: str
) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, extra_http_headers={"Accept-Language": language}
    )
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_server}{INSIGHTS}?group=B")
    assert page.locator("#map-explore-panel").count() == 1
    assert axe_findings(page) == []
    context.close()
