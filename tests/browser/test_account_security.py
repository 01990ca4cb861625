"""On a phone: a moderator enrols in two-factor and logs in with a code; a participant resets a
forgotten password from the mailed link."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import expect

from consult.auth.models import Role
from consult.auth.services import create_user
from consult.extensions import db

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"
NEW_PASSWORD = "quite another long password"
_people = itertools.count(1)


def make_account(app: Flask, role: Role = Role.participant) -> str:
    n = next(_people)
    email = f"security-{role.value}-{n}@example.org"
    with app.app_context():
        # Each its own name: no participant may take a name close to a staff member's.
        create_user(email, f"Security tester {n}", PASSWORD, role=role, verified=True)
        db.session.commit()
        db.session.remove()
    return email


def log_in(page: Any, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form.form button[type=submit]")


def test_moderator_enrols_in_two_factor_then_logs_in_with_a_code(
    phone: Any, live_server: str, live_app: Flask
) -> None:
    email = make_account(live_app, Role.moderator)
    log_in(phone, live_server, email)
    # A moderator without two-factor is sent to enrolment before anything else.
    phone.goto(f"{live_server}/moderation")
    phone.wait_for_url(re.compile(r"/account/two-factor"))
    qr = phone.locator("[data-testid=totp-qr] svg")
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] <= 390
    phone.click("text=Cannot scan? Type this key instead")
    secret = phone.inner_text("[data-testid=totp-secret]").strip()
    phone.fill("#code", pyotp.TOTP(secret).now())
    phone.click("button:has-text('Turn on two-factor authentication')")
    # The same address answers (a redirect to the settings page): wait for the codes to appear
    # rather than reading the page the click left.
    codes = phone.locator("[data-testid=recovery-codes] li code")
    expect(codes).to_have_count(10)
    recovery_code = codes.nth(0).inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    # The moderation queue opens now.
    phone.goto(f"{live_server}/moderation")
    assert "/moderation" in phone.url

    phone.context.clear_cookies()  # a new visit: the password, then a recovery code
    log_in(phone, live_server, email)
    phone.wait_for_url(re.compile(r"/login/two-factor"))
    phone.fill("#code", recovery_code)
    phone.click("form.form button[type=submit]")
    phone.wait_for_url(re.compile(r"/$"))
    assert phone.locator("text=Welcome back").is_visible()


def test_password_reset_from_the_mailed_link(
    phone: Any, live_server: str, live_app: Flask, live_mail: Any
) -> None:
    email = make_account(live_app)
    phone.goto(f"{live_server}/login")
    phone.click("text=Forgot your password?")
    phone.wait_for_url(re.compile(r"/forgot-password"))
    phone.fill("#email", email)
    phone.click("button:has-text('Send the link')")
    phone.wait_for_url(re.compile(r"/login"))
    assert phone.locator("text=If an account uses this address").is_visible()

    link = live_mail(email)
    phone.goto(live_server + link)
    phone.fill("#password", NEW_PASSWORD)
    phone.fill("#confirm", NEW_PASSWORD)
    phone.click("button:has-text('Save the new password')")
    phone.wait_for_url(re.compile(r"/login"))
    assert phone.locator("text=Your password has been changed").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    log_in(phone, live_server, email, NEW_PASSWORD)
    phone.wait_for_url(re.compile(r"/$"))
    assert phone.locator("text=Welcome back").is_visible()
