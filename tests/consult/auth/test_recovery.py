"""Password reset and e-mail verification: signed single-use links, no account enumeration,
and posts that wait for a confirmed address."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from consult.audit.models import AuditEntry
from consult.auth import recovery
from consult.auth.models import User
from consult.statements.models import Statement, StatementStatus
from tests.factories import PASSWORD, registration_form

NEW_PASSWORD = "another long enough password"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"MAIL_SENDER": "memory", "PUBLIC_URL": "https://kenes.example.org"}


def outbox(app: Flask) -> list[Any]:
    return app.extensions.setdefault("kenes_outbox", [])


def link_in(mail: Any) -> str:
    match = re.search(r"https://kenes\.example\.org(/\S+)", mail.body)
    assert match, mail.body
    return match.group(1)


def ask_reset(client: Any, email: str) -> Any:
    return client.post("/forgot-password", data={"email": email})


def reset(client: Any, path: str, password: str = NEW_PASSWORD) -> Any:
    return client.post(path, data={"password": password, "confirm": password})


# --- password reset ---------------------------------------------------------------------


def test_forgot_password_page_renders(client: Any) -> None:
    page = client.get("/forgot-password")
    assert page.status_code == 200
    assert b'name="email"' in page.data


def test_forgot_password_mails_a_link_to_the_account(
    app: Flask, client: Any, create_user: Any
) -> None:
    user = create_user(email="ada@example.org")
    response = ask_reset(client, "Ada@Example.org")
    assert response.status_code == 303
    [mail] = outbox(app)
    assert mail.to == "ada@example.org"
    assert link_in(mail).startswith("/reset-password/")
    assert user.email in mail.to


def test_forgot_password_same_answer_for_unknown_address(
    app: Flask, client: Any, create_user: Any
) -> None:
    create_user(email="ada@example.org")
    known = ask_reset(client, "ada@example.org")
    unknown = ask_reset(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    known_page = client.get("/login")  # the flashed message of the second request
    assert b"If an account uses this address" in known_page.data
    assert [m.to for m in outbox(app)] == ["ada@example.org"]


def test_forgot_password_invalid_address_is_422(client: Any) -> None:
    assert ask_reset(client, "not an address").status_code == 422


def test_reset_link_sets_password_and_ends_sessions(
    app: Flask, client: Any, create_user: Any, db: Any
) -> None:
    user = create_user(email="ada@example.org")
    version = user.session_version or 0
    ask_reset(client, "ada@example.org")
    path = link_in(outbox(app)[0])
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    response = reset(client, path)
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    db.session.refresh(user)
    assert (user.session_version or 0) == version + 1
    assert client.post(
        "/login", data={"email": "ada@example.org", "password": NEW_PASSWORD}
    ).status_code in (302, 303)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "reset_password"))


def test_reset_link_works_once(app: Flask, client: Any, create_user: Any) -> None:
    create_user(email="ada@example.org")
    ask_reset(client, "ada@example.org")
    path = link_in(outbox(app)[0])
    assert reset(client, path).status_code == 303
    again = reset(client, path, "yet another long password")
    assert again.status_code == 400
    assert b"already been used" in again.data


def test_reset_link_expires(app: Flask, client: Any, create_user: Any) -> None:
    user = create_user(email="ada@example.org")
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    token = recovery.reset_token(user)
    response = client.get(f"/reset-password/{token}")
    assert response.status_code == 400
    assert b"expired" in response.data


def test_reset_link_with_another_key_is_refused(client: Any, create_user: Any) -> None:
    user = create_user(email="ada@example.org")
    forged = URLSafeTimedSerializer("not-the-key", salt=recovery.RESET_SALT).dumps(
        {"u": user.id, "p": "x"}
    )
    assert client.get(f"/reset-password/{forged}").status_code == 400


def test_verification_link_cannot_reset_a_password(client: Any, create_user: Any) -> None:
    user = create_user(email="ada@example.org", email_verified_at=None)
    token = recovery.verification_token(user)
    assert client.get(f"/reset-password/{token}").status_code == 400


def test_reset_short_password_is_422(app: Flask, client: Any, create_user: Any) -> None:
    create_user(email="ada@example.org")
    ask_reset(client, "ada@example.org")
    path = link_in(outbox(app)[0])
    assert reset(client, path, "short").status_code == 422


def test_reset_mail_in_the_account_language(app: Flask, client: Any, create_user: Any) -> None:
    create_user(email="ada@example.org", locale="ru")
    ask_reset(client, "ada@example.org")
    [mail] = outbox(app)
    assert "Kenes" in mail.subject and "Reset your" not in mail.subject


# --- verification ---------------------------------------------------------------------------


def register(client: Any, email: str, password: str = PASSWORD) -> Any:
    return client.post(
        "/register",
        data=registration_form(email, "Dana", password),
    )


def test_registration_mails_a_verification_link(app: Flask, client: Any, db: Any) -> None:
    register(client, "dana@example.org")
    [mail] = outbox(app)
    assert link_in(mail).startswith("/verify-email/")
    user = db.session.scalar(select(User).where(User.email == "dana@example.org"))
    assert user.email_verified_at is None
    assert client.get(link_in(mail)).status_code == 303
    db.session.refresh(user)
    assert user.email_verified_at is not None


def test_registration_with_a_taken_address_tells_its_owner(
    app: Flask, client: Any, create_user: Any
) -> None:
    create_user(email="ada@example.org")
    # Someone else (not knowing Ada's password) registers her address: nothing changes, they are
    # sent to the login page; a new address is registered and logged in (a returning owner with
    # the right password is logged in too: tests/consult/auth/test_views.py).
    first = register(client, "ada@example.org", password="not ada's password at all")
    assert first.status_code == 303 and first.headers["Location"].startswith("/login")
    fresh = register(client, "new@example.org")
    assert fresh.status_code == 303 and not fresh.headers["Location"].startswith("/login")
    subjects = {m.to: m.subject for m in outbox(app)}
    assert subjects["ada@example.org"] == "You already have a Kenes account"
    assert subjects["new@example.org"] == "Confirm your e-mail address for Kenes"


def test_verification_link_works_once(app: Flask, client: Any, create_user: Any) -> None:
    user = create_user(email="ada@example.org", email_verified_at=None)
    token = recovery.verification_token(user)
    assert client.get(f"/verify-email/{token}").status_code == 303
    assert client.get(f"/verify-email/{token}").status_code == 400


def test_verification_link_bound_to_the_address(client: Any, create_user: Any, db: Any) -> None:
    user = create_user(email="ada@example.org", email_verified_at=None)
    token = recovery.verification_token(user)
    user.email = "other@example.org"
    db.session.commit()
    assert client.get(f"/verify-email/{token}").status_code == 400


def test_resend_verification_requires_login(client: Any) -> None:
    response = client.post("/account/verify-email")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_resend_verification_mails_the_link(
    app: Flask, client: Any, auth: Any, create_user: Any
) -> None:
    user = auth.login(create_user(email="ada@example.org", email_verified_at=None))
    response = client.post("/account/verify-email")
    assert response.status_code == 303
    [mail] = outbox(app)
    assert mail.to == user.email and "/verify-email/" in mail.body


def test_account_page_shows_unconfirmed_address(client: Any, auth: Any, create_user: Any) -> None:
    auth.login(create_user(email_verified_at=None))
    page = client.get("/account")
    assert b"Not confirmed" in page.data
    assert b"/account/verify-email" in page.data


# --- unverified accounts' posts ---------------------------------------------------------


def post_position(client: Any, consultation: Any, text: str = "Plant more trees") -> Any:
    return client.post(
        f"/consultations/{consultation.slug}/statements",
        data={"kind": "position", "text": text},
    )


def test_unverified_post_waits_then_appears_on_verification(
    client: Any, auth: Any, create_user: Any, create_consultation: Any, db: Any
) -> None:
    user = auth.login(create_user(email_verified_at=None))
    consultation = create_consultation()
    db.session.commit()
    response = post_position(client, consultation)
    assert response.status_code == 303
    statement = db.session.scalar(select(Statement).where(Statement.author_id == user.id))
    assert statement.status is StatementStatus.pending
    assert client.get(f"/verify-email/{recovery.verification_token(user)}").status_code == 303
    db.session.refresh(statement)
    assert statement.status is StatementStatus.visible


def test_unverified_post_in_premoderated_consultation_still_waits(
    client: Any, auth: Any, create_user: Any, create_consultation: Any, db: Any
) -> None:
    user = auth.login(create_user(email_verified_at=None))
    consultation = create_consultation(moderation="pre")
    db.session.commit()
    post_position(client, consultation)
    client.get(f"/verify-email/{recovery.verification_token(user)}")
    statement = db.session.scalar(select(Statement).where(Statement.author_id == user.id))
    assert statement.status is StatementStatus.pending


def test_unverified_can_vote(
    client: Any, auth: Any, create_user: Any, create_statement: Any, db: Any
) -> None:
    statement = create_statement()
    auth.login(create_user(email_verified_at=None))
    db.session.commit()
    response = client.put(f"/api/v1/statements/{statement.id}/vote", json={"value": "agree"})
    assert response.status_code == 200


def test_verification_requirement_can_be_turned_off(
    app: Flask, client: Any, auth: Any, create_user: Any, create_consultation: Any, db: Any
) -> None:
    app.config["REQUIRE_VERIFIED_EMAIL"] = False
    user = auth.login(create_user(email_verified_at=None))
    consultation = create_consultation()
    db.session.commit()
    post_position(client, consultation)
    statement = db.session.scalar(select(Statement).where(Statement.author_id == user.id))
    assert statement.status is StatementStatus.visible


def test_api_post_of_unverified_account_is_pending(
    client: Any, create_user: Any, create_token: Any, create_consultation: Any
) -> None:
    user = create_user(email_verified_at=None)
    token = create_token(user)
    consultation = create_consultation()
    response = client.post(
        f"/api/v1/consultations/{consultation.id}/statements",
        json={"text": "Plant more trees", "kind": "position"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201
    assert response.get_json()["status"] == "pending"


def test_create_user_cli_accounts_are_verified(runner: Any, db: Any) -> None:
    result = runner.invoke(
        args=["create-user", "ops@example.org", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "ops@example.org"))
    assert user.email_verified_at is not None
