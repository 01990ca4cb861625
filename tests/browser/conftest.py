"""A live Kenes server (temp SQLite file, demo data) and headless Chromium for browser tests."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from consult.auth import twofactor
from consult.auth.models import Role, User
from consult.extensions import db
from tests.conftest import make_app

CHROMIUM = "/usr/bin/chromium"
DEMO_PASSWORD = "kenes-demo-password"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The app the live server serves (mail kept in memory: ``live_mail``)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (scripts/system-deps.sh)")
    path = Path(tmp_path_factory.mktemp("browser")) / "kenes.sqlite3"
    return make_app(
        f"sqlite:///{path}",
        WTF_CSRF_ENABLED=True,
        TESTING=False,
        DEBUG=False,
        MAIL_SENDER="memory",
        SESSION_COOKIE_SECURE=False,
        REMEMBER_COOKIE_SECURE=False,
    )


@pytest.fixture(scope="session")
def live_mail(live_app: Flask) -> Callable[[str], str]:
    """``live_mail(address)``: the path of the last link mailed to that address."""

    def last_link(address: str) -> str:
        outbox = live_app.extensions.get("kenes_outbox", [])
        mails = [m for m in outbox if m.to == address]
        assert mails, f"no mail to {address}"
        match = re.search(r"https?://[^/\s]+(/\S+)", mails[-1].body)
        assert match, mails[-1].body
        return match.group(1)

    return last_link


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """Serve the app with the demo data on a free port; yield its base URL."""
    app = live_app
    with app.app_context():
        db.create_all()
        from consult.consultations.demo import seed_demo

        seed_demo()
        db.session.commit()
        _enrol_demo_staff()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def _enrol_demo_staff() -> None:
    """Turn two-factor on for the demo's staff accounts, as each would with an authenticator app
    (STAFF_TWO_FACTOR_REQUIRED sends staff without it to enrolment first)."""
    staff = db.session.scalars(select(User).where(User.role != Role.participant)).all()
    for user in staff:
        secret = twofactor.start_enrolment(user)
        twofactor.confirm_enrolment(user, pyotp.TOTP(secret).now())
    db.session.commit()


@pytest.fixture(scope="session")
def totp_code(live_app: Flask) -> Callable[[str], str]:
    """``totp_code(email)``: a code the live server accepts for that enrolled account now.

    A code is accepted once per 30-second step (one step of drift either way, no replays), so
    the code of the next step is given when this one is spent, and after that the next step is
    awaited.
    """

    def code(email: str) -> str:
        with live_app.app_context():
            user = db.session.scalar(select(User).where(User.email == email))
            assert user is not None and user.totp_secret, f"{email} is not enrolled"
            secret, last = user.totp_secret, user.totp_last_step
            db.session.remove()
        totp = pyotp.TOTP(secret)
        while True:
            now = int(time.time()) // totp.interval
            step = now if last is None else max(now, last + 1)
            if step <= now + 1:
                return totp.at(step * totp.interval)
            time.sleep((now + 1) * totp.interval - time.time() + 0.05)

    return code


@pytest.fixture(scope="session")
def log_in_as(totp_code: Callable[[str], str]) -> Callable[[Any, str, str], None]:
    """``log_in_as(page, base, email)``: log in with the demo password (and a code for staff)."""

    def log_in(page: Any, base: str, email: str) -> None:
        page.goto(f"{base}/login")
        page.fill("#email", email)
        page.fill("#password", DEMO_PASSWORD)
        page.click("form.form button[type=submit]")
        page.wait_for_url(re.compile(rf"^{re.escape(base)}/(login/two-factor)?$"))
        if page.url.endswith("/login/two-factor"):
            page.fill("#code", totp_code(email))
            page.click("form.form button[type=submit]")
            page.wait_for_url(f"{base}/")

    return log_in


@pytest.fixture(scope="session")
def browser(live_server: str) -> Iterator[Any]:
    """Headless Chromium from the system (never downloaded)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A page in a 390×844 phone viewport; fails the test on JavaScript or CSP errors."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert errors == [], errors
