"""Server-side sessions: logout ends the session and its remember cookie; log out everywhere;
password change ends the other sessions; the session rotates on login and on a role change."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from flask import Flask, g
from flask.testing import FlaskClient

from consult.audit.models import AuditEntry
from consult.auth.models import Role, User
from consult.auth.sessions import LoginSession, open_sessions
from consult.extensions import db
from tests.factories import PASSWORD, TOTP_SECRET

NEW_PASSWORD = "a brand new passphrase for kenes"


def _fresh(client: FlaskClient) -> FlaskClient:
    db.session.commit()
    g.pop("_login_user", None)  # the tests share one app context
    return client


def login(client: FlaskClient, user: User, *, remember: bool = False) -> Any:
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = _fresh(client).post("/login", data=data)
    if response.status_code == 303 and response.headers["Location"] == "/login/two-factor":
        # Staff (enrolled by the factories) give their second factor.
        code = pyotp.TOTP(TOTP_SECRET).now()
        response = _fresh(client).post("/login/two-factor", data={"code": code})
        assert response.status_code == 303, response.get_data(as_text=True)[:300]
        return response
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response


def get(client: FlaskClient, url: str) -> Any:
    return _fresh(client).get(url)


def post(client: FlaskClient, url: str, data: dict[str, str] | None = None) -> Any:
    return _fresh(client).post(url, data=data or {})


def _signed_in(app: Flask, *users: User) -> list[FlaskClient]:
    """One browser per user, each signed in, in order."""
    clients = [app.test_client() for _ in users]
    for client, user in zip(clients, users, strict=True):
        login(client, user)
    return clients


def signed_in(client: FlaskClient) -> bool:
    return get(client, "/account").status_code == 200


@pytest.fixture
def user(create_user) -> User:
    return create_user(email="ana@example.org")


def test_session_cookie_saved_before_logout_is_refused(app: Flask, user: User) -> None:
    browser = app.test_client()
    login(browser, user)
    saved = browser.get_cookie("session")
    assert saved is not None and signed_in(browser)

    post(browser, "/logout")
    thief = app.test_client()
    thief.set_cookie("session", saved.value)

    assert get(thief, "/account").status_code == 302
    vote = _fresh(thief).put("/api/v1/statements/1/vote", json={"value": "agree"})
    assert vote.status_code == 401


def test_remember_cookie_saved_before_logout_is_refused(app: Flask, user: User) -> None:
    browser = app.test_client()
    login(browser, user, remember=True)
    remember = browser.get_cookie("remember_token")
    assert remember is not None

    post(browser, "/logout")
    thief = app.test_client()
    thief.set_cookie("remember_token", remember.value)

    assert get(thief, "/account").status_code == 302


def test_remember_cookie_works_while_the_session_is_open(app: Flask, user: User) -> None:
    browser = app.test_client()
    login(browser, user, remember=True)
    remember = browser.get_cookie("remember_token")
    assert remember is not None

    other = app.test_client()
    other.set_cookie("remember_token", remember.value)

    assert signed_in(other)


def test_logout_ends_only_that_session(app: Flask, user: User) -> None:
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user)
    login(phone, user)

    post(laptop, "/logout")

    assert not signed_in(laptop)
    assert signed_in(phone)
    assert len(open_sessions(user)) == 1


def test_log_out_everywhere_ends_every_session(app: Flask, user: User) -> None:
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user, remember=True)
    login(phone, user)
    remember = laptop.get_cookie("remember_token")
    assert remember is not None

    response = post(phone, "/account/sessions/end")

    assert response.status_code == 303 and "/login" in response.headers["Location"]
    assert not signed_in(laptop) and not signed_in(phone)
    thief = app.test_client()
    thief.set_cookie("remember_token", remember.value)
    assert not signed_in(thief)
    assert open_sessions(user) == []


def test_end_one_other_session(app: Flask, user: User) -> None:
    laptop, phone = _signed_in(app, user, user)
    phone_session = open_sessions(user)[0]

    response = post(laptop, f"/account/sessions/{phone_session.id}/end")

    assert response.status_code == 303
    assert signed_in(laptop) and not signed_in(phone)


def test_cannot_end_another_persons_session(app: Flask, user: User, create_user) -> None:
    other = create_user()
    theirs, mine = _signed_in(app, other, user)
    their_session = open_sessions(other)[0]

    response = post(mine, f"/account/sessions/{their_session.id}/end")

    assert response.status_code == 404
    assert signed_in(theirs)


def test_password_change_ends_the_other_sessions(app: Flask, user: User) -> None:
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user)
    login(phone, user)

    response = post(
        laptop,
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )

    assert response.status_code == 303
    assert signed_in(laptop) and not signed_in(phone)
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "change_password"))
    fresh = app.test_client()
    assert (
        _fresh(fresh)
        .post("/login", data={"email": user.email, "password": NEW_PASSWORD})
        .status_code
        == 302
    )


def test_password_change_needs_the_current_password(app: Flask, user: User) -> None:
    laptop = app.test_client()
    login(laptop, user)
    hash_before = user.password_hash

    response = post(
        laptop,
        "/account/password",
        {"current_password": "not the password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )

    assert response.status_code == 422
    assert "The current password is not right." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == hash_before


def test_login_rotates_the_session(app: Flask, user: User) -> None:
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["locale"] = "ru"
    login(browser, user)
    with browser.session_transaction() as session:
        first_id = session["_user_id"]
        assert "planted" not in session and session["locale"] == "ru"
    post(browser, "/logout")
    login(browser, user)
    with browser.session_transaction() as session:
        assert session["_user_id"] != first_id


def test_role_change_ends_the_persons_sessions(
    app: Flask, user: User, create_user, dummy_admin
) -> None:
    browser, admin = app.test_client(), app.test_client()
    login(browser, user)
    login(admin, dummy_admin)

    response = post(admin, f"/admin/users/{user.id}/role", {f"u{user.id}-role": "moderator"})

    assert response.status_code == 302
    db.session.refresh(user)
    assert user.role is Role.moderator
    assert not signed_in(browser)
    assert signed_in(admin)


def test_api_lists_and_ends_browser_sessions(app: Flask, user: User, create_token) -> None:
    token = create_token(user)
    browser = app.test_client()
    login(browser, user)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    listed = _fresh(api).get("/api/v1/account/sessions", headers=headers).get_json()
    ended = _fresh(api).delete("/api/v1/account/sessions", headers=headers)

    assert len(listed["items"]) == 1 and listed["items"][0]["current"] is False
    assert ended.status_code == 200 and ended.get_json() == {"ended": 1}
    assert not signed_in(browser)
    assert _fresh(api).get("/api/v1/account/sessions", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("method", "url", "expected"),
    [
        ("POST", "/account/sessions/end", 302),
        ("POST", "/account/sessions/1/end", 302),
        ("POST", "/account/password", 302),
        ("GET", "/api/v1/account/sessions", 401),
        ("DELETE", "/api/v1/account/sessions", 401),
    ],
)
def test_session_routes_need_a_signed_in_person(
    client: FlaskClient, method: str, url: str, expected: int
) -> None:
    response = _fresh(client).open(url, method=method)

    assert response.status_code == expected
    if expected == 302:
        assert "/login" in response.headers["Location"]


def test_sessions_are_listed_on_the_account_page(app: Flask, user: User) -> None:
    browser = app.test_client()
    login(browser, user)

    page = get(browser, "/account").get_data(as_text=True)

    assert "Where you are signed in" in page and "this browser" in page
    assert db.session.scalar(db.select(db.func.count(LoginSession.id))) == 1
