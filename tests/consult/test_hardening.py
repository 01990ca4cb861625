"""Hardening: security headers, no-store for signed-in answers, Secure cookies by default,
membership changes audit-logged, sane dates, 413 for oversized (also chunked) bodies."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from consult import create_app
from consult.audit.models import AuditEntry
from consult.auth.models import Role, User
from consult.consultations.models import MemberRole
from consult.consultations.services import add_member
from consult.extensions import db
from tests.clients import Caller


@pytest.fixture
def call(client: FlaskClient, create_token: Callable[[User], str]) -> Caller:
    return Caller(client, create_token)


def test_every_answer_has_permissions_policy_and_coop(client: FlaskClient) -> None:
    response = client.get("/")

    assert "camera=()" in response.headers["Permissions-Policy"]
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_signed_in_pages_are_not_stored(call: Caller, dummy_user: User) -> None:
    page = call.page("GET", "/account", dummy_user)
    api = call.get("/api/v1/notifications", as_user=dummy_user)

    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert api.status_code == 200 and api.headers["Cache-Control"] == "no-store"


def _app(**config: object) -> Iterator[Flask]:
    settings = {"SECRET_KEY": "x", "ANALYSIS_ID_KEY": "y", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    yield create_app({**settings, **config})


def test_cookies_are_secure_by_default_outside_debug_and_tests() -> None:
    app = next(_app())
    debug = next(_app(DEBUG=True))
    chosen = next(_app(SESSION_COOKIE_SECURE=False))

    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert debug.config["SESSION_COOKIE_SECURE"] is False
    assert chosen.config["SESSION_COOKIE_SECURE"] is False


def test_adding_a_moderator_is_audit_logged(app, create_consultation, create_user) -> None:
    consultation = create_consultation()
    owner = db.session.get(User, consultation.created_by_id)
    moderator = create_user(role=Role.moderator)

    add_member(consultation, moderator, MemberRole.moderator, actor=owner)

    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "add_member"))
    assert entry is not None
    assert (entry.actor_id, entry.target_id, entry.consultation_id) == (
        owner.id,
        moderator.id,
        consultation.id,
    )
    assert entry.after == {"member": "moderator"}


def test_role_change_is_audit_logged(call: Caller, dummy_admin: User, dummy_user: User) -> None:
    response = call.page(
        "POST",
        f"/admin/users/{dummy_user.id}/role",
        dummy_admin,
        data={f"u{dummy_user.id}-role": "moderator"},  # fmt: skip
    )

    assert response.status_code == 302
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "set_role"))
    assert entry is not None and entry.after == {"role": "moderator"}


@pytest.mark.parametrize("closes_at", ["0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z"])
def test_absurd_dates_are_refused(call: Caller, dummy_policymaker: User, closes_at: str) -> None:
    response = call.post(
        "/api/v1/consultations",
        as_user=dummy_policymaker,
        json={
            "title": "Night buses",
            "summary": "Should buses run all night?",
            "closes_at": closes_at,
        },
    )

    assert response.status_code == 422
    assert "closes_at" in response.get_json()["error"]["fields"]


def _chunked(client: FlaskClient, url: str, body: bytes, content_type: str, **headers: str) -> Any:
    """POST a body with no Content-Length (Transfer-Encoding: chunked)."""
    return client.post(
        url,
        input_stream=io.BytesIO(body),
        headers={"Transfer-Encoding": "chunked", "Content-Type": content_type, **headers},
    )


def test_chunked_oversized_body_is_413(client: FlaskClient) -> None:
    big = b"a" * (10 * 1024 * 1024)
    api = _chunked(client, "/api/v1/consultations", big, "application/json")
    page = _chunked(client, "/login", big, "application/x-www-form-urlencoded")

    assert api.status_code == 413 and api.is_json
    assert page.status_code == 413


def test_oversized_body_with_length_is_413(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/consultations", data=b"a" * (3 * 1024 * 1024), content_type="application/json"
    )

    assert response.status_code == 413


def test_small_chunked_body_still_reaches_the_view(call: Caller, dummy_user: User) -> None:
    token = call.token_for(dummy_user)
    db.session.commit()
    body = b'{"ids": []}'

    response = _chunked(
        call.client,
        "/api/v1/notifications/read",
        body,
        "application/json",
        Authorization=f"Bearer {token}",
    )

    assert response.status_code == 200, response.get_data(as_text=True)
