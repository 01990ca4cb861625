"""Login throttling per account (exponential back-off, owner notified), per-address limits on
registration that do not count invalid forms, and the password strength rule."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient

from consult.auth.models import User
from consult.auth.services import check_password_rules, password_is_weak
from consult.auth.throttle import backoff_seconds, login_lock
from consult.errors import ValidationFailed
from consult.extensions import db
from tests.factories import PASSWORD, registration_form

ADDRESSES = [f"198.51.100.{n}" for n in range(1, 6)]


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"MAIL_SENDER": "memory"}


def attempt(client: FlaskClient, email: str, password: str, address: str) -> Any:
    db.session.commit()
    g.pop("_login_user", None)
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def outbox(app: Flask) -> list[Any]:
    return list(app.extensions.get("kenes_outbox", []))


def test_fifty_wrong_passwords_from_five_addresses_are_refused_after_the_tenth(
    app: Flask, client: FlaskClient, create_user
) -> None:
    owner = create_user(email="owner@example.org")

    statuses = [
        attempt(client, owner.email, f"wrong guess number {n}", ADDRESSES[n % 5]).status_code
        for n in range(50)
    ]
    right = attempt(client, owner.email, PASSWORD, ADDRESSES[0])

    assert statuses[:10] == [422] * 10
    assert statuses[10:] == [429] * 40
    assert right.status_code == 429 and int(right.headers["Retry-After"]) > 0
    mails = [m for m in outbox(app) if m.to == "owner@example.org"]
    assert len(mails) == 1
    assert "failed to sign in" in mails[0].body


def test_the_lock_ends_and_a_right_password_then_works(
    app: Flask, client: FlaskClient, create_user
) -> None:
    owner = create_user(email="owner@example.org")
    for n in range(10):
        attempt(client, owner.email, f"wrong guess number {n}", ADDRESSES[0])
    assert login_lock(owner.email) is not None

    app.extensions["kenes.login_throttle"].reset()

    assert attempt(client, owner.email, PASSWORD, ADDRESSES[0]).status_code == 302


def test_a_success_forgets_earlier_failures(client: FlaskClient, create_user) -> None:
    owner = create_user(email="owner@example.org")
    for n in range(9):
        attempt(client, owner.email, f"wrong guess number {n}", ADDRESSES[0])
    assert attempt(client, owner.email, PASSWORD, ADDRESSES[0]).status_code == 302
    client.post("/logout")

    assert attempt(client, owner.email, "wrong again, once", ADDRESSES[1]).status_code == 422
    assert login_lock(owner.email) is None


def test_unknown_addresses_are_locked_the_same_way(app: Flask, client: FlaskClient) -> None:
    statuses = [
        attempt(client, "nobody@example.org", f"guess {n} abcdefgh", ADDRESSES[n % 5]).status_code
        for n in range(12)
    ]

    assert statuses == [422] * 10 + [429] * 2
    assert outbox(app) == []


def test_backoff_doubles_after_each_further_failure(app: Flask) -> None:
    assert [backoff_seconds(n) for n in (1, 9, 10, 11, 12)] == [0, 0, 60, 120, 240]
    assert backoff_seconds(40) == app.config["LOGIN_BACKOFF_MAX"]


def test_other_accounts_are_not_locked(client: FlaskClient, create_user) -> None:
    target, bystander = create_user(), create_user()
    for n in range(12):
        attempt(client, target.email, f"wrong guess number {n}", ADDRESSES[0])

    assert attempt(client, bystander.email, PASSWORD, ADDRESSES[0]).status_code == 302


@pytest.mark.parametrize(
    "password", ["password1234", "qwertyuiop123", "111111111111", "iloveyou2024!"]
)
def test_common_passwords_are_refused(password: str) -> None:
    assert password_is_weak(password)
    with pytest.raises(ValidationFailed):
        check_password_rules(password)


def test_password_that_repeats_the_email_is_refused() -> None:
    assert password_is_weak("aliya.bekova2024", ["aliya.bekova@example.org"])


def test_strong_passphrase_is_accepted() -> None:
    check_password_rules("correct horse battery staple")


def test_register_refuses_a_common_password(client: FlaskClient) -> None:
    response = client.post(
        "/register",
        data=registration_form("new@example.org", "New person", "password1234"),
    )

    assert response.status_code == 422
    assert "too common" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(User).where(User.email == "new@example.org")) is None


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_registration_limit_counts_only_valid_forms(client: FlaskClient, app: Flask) -> None:
    app.config["RATE_LIMIT_REGISTER"] = "2 per hour"
    invalid = {"email": "not an address", "display_name": "x", "password": "short"}
    for _n in range(5):
        assert client.post("/register", data=invalid).status_code == 422

    statuses = []
    for n in range(3):
        client.post("/logout")  # a new account is logged in: the next one starts signed out
        statuses.append(
            client.post(
                "/register",
                data=registration_form(f"person{n}@example.org", f"Person {n}"),
            ).status_code
        )

    assert statuses == [303, 303, 429]
