"""A live Kenes server (temp SQLite file, demo data) and headless Chromium for browser tests."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from consult.extensions import db
from tests.conftest import make_app

CHROMIUM = "/usr/bin/chromium"
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
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


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
