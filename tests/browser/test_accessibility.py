"""axe-core on every page, in every language, for every role: no serious or critical finding.

axe-core is vendored in ``tests/browser/vendor`` (never fetched from a CDN, never served by the
app) and injected by Playwright before each page's own scripts, which the page's
Content-Security-Policy does not block.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask

from consult.auth.models import Role
from consult.auth.services import create_user
from consult.extensions import db

pytestmark = pytest.mark.browser

VENDOR = Path(__file__).parent / "vendor"
AXE = VENDOR / "axe.min.js"
DEMO_PASSWORD = "kenes-demo-password"
DEMO = "/consultations/almaty-winter-air"
CLOSED = "/consultations/panfilov-street-pedestrian-zone"

PUBLIC = [
    "/",
    DEMO,
    f"{DEMO}/insights",
    "/statements/1/branch",  # a statement's own page: the demo's first position
    f"{CLOSED}",
    f"{CLOSED}/report",
    "/no-such-page",
]
PAGES: dict[str, list[str]] = {
    "anonymous": [*PUBLIC, "/login", "/register"],
    "citizen": [*PUBLIC, f"{DEMO}/next", "/account", "/notifications"],
    "moderator": [
        *PUBLIC,
        "/moderation",
        "/moderation/audit",
        "/moderation/brigades",
        "/moderation/reasons",
    ],
    "policymaker": [
        *PUBLIC,
        f"{DEMO}/report",
        f"{DEMO}/responses",
        f"{CLOSED}/responses",
        "/account",
    ],
    # A new moderator: the enrolment page (QR code, key, first code), then the recovery codes.
    "enrolling-moderator": ["/account/two-factor"],
}
# Staff log in in two steps; the second (the code) is checked too.
TWO_STEP = ("moderator", "policymaker")
_new_staff = itertools.count(1)
LANGUAGES = ("kk", "ru", "en")
BLOCKING = ("serious", "critical")


def test_vendored_axe_is_the_recorded_file() -> None:
    recorded = (VENDOR / "axe.min.js.sha256").read_text().split()[0]
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == recorded
    assert AXE.read_text(encoding="utf-8").startswith("/*! axe v4.")


def axe_findings(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe findings on the current page (WCAG 2.x A and AA rules)."""
    result = page.evaluate(
        """async () => {
            const r = await window.axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                                'wcag22aa', 'best-practice', 'experimental']},
                resultTypes: ['violations'],
            });
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')), count: v.nodes.length}));
        }"""
    )
    return [v for v in result if v["impact"] in BLOCKING]


@pytest.fixture
def visitor(browser: Any) -> Iterator[Any]:
    """A fresh phone-sized context with axe-core injected into every page."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def log_in(
    page: Any, base: str, role: str, totp_code: Callable[[str], str]
) -> list[dict[str, Any]]:
    """Log in as the demo account of ``role``; return the findings of the code step (staff)."""
    email = f"{role}@demo.kenes.kz"
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.form button[type=submit]")
    if role not in TWO_STEP:
        page.wait_for_url(f"{base}/")
        return []
    page.wait_for_url(f"{base}/login/two-factor")
    found = axe_findings(page)
    page.fill("#code", totp_code(email))
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/")
    return found


def new_moderator(app: Flask) -> str:
    """A moderator account without two-factor yet (made for one test)."""
    email = f"a11y-moderator-{next(_new_staff)}@example.org"
    with app.app_context():
        create_user(email, "New moderator", DEMO_PASSWORD, role=Role.moderator, verified=True)
        db.session.commit()
        db.session.remove()
    return email


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", list(PAGES))
def test_pages_have_no_serious_accessibility_findings(
    visitor: Any,
    live_server: str,
    live_app: Flask,
    totp_code: Callable[[str], str],
    role: str,
    language: str,
) -> None:
    visitor.context.set_extra_http_headers({"Accept-Language": language})
    findings: dict[str, list[dict[str, Any]]] = {}
    if role == "enrolling-moderator":
        check_enrolment(visitor, live_server, new_moderator(live_app), language, findings)
    elif role != "anonymous":
        found = log_in(visitor, live_server, role, totp_code)
        if found:
            findings["/login/two-factor"] = found
    for path in PAGES[role]:
        visitor.goto(f"{live_server}{path}")
        assert visitor.evaluate("document.documentElement.lang") == language, path
        found = axe_findings(visitor)
        if found:
            findings[path] = found
    assert findings == {}, json.dumps(findings, indent=1)


def check_enrolment(
    page: Any, base: str, email: str, language: str, findings: dict[str, list[dict[str, Any]]]
) -> None:
    """Log in as a staff account without two-factor: the enrolment page comes first; check it,
    enrol, and check the page that shows the recovery codes."""
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(r"/account/two-factor"))
    assert page.evaluate("document.documentElement.lang") == language
    assert page.locator("[data-testid=totp-qr] svg").count() == 1
    if found := axe_findings(page):
        findings["/account/two-factor (enrolment)"] = found
    secret = page.locator("[data-testid=totp-secret]").text_content() or ""
    page.fill("#code", pyotp.TOTP(secret.strip()).now())
    page.click("form[action*='/account/two-factor/enrol'] button[type=submit]")
    page.wait_for_selector("[data-testid=recovery-codes]")
    if found := axe_findings(page):
        findings["/account/two-factor (recovery codes)"] = found
