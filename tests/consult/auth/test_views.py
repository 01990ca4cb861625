"""Register, log in, log out, safe redirects, and the admin's role page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from consult.audit.models import AuditEntry
from consult.auth.models import Role, User
from tests.factories import PASSWORD, registration_form

NEW_PASSWORD = "a long enough password"


def register(client: Any, email: str = "new@example.org", **overrides: str) -> Any:
    data = registration_form(email, "Dana", NEW_PASSWORD)
    data.update(overrides)
    return client.post("/register", data=data)


def login(client: Any, email: str, password: str = PASSWORD, **extra: str) -> Any:
    return client.post("/login", data={"email": email, "password": password, **extra})


def logged_in_user_id(client: Any) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


def count_users(db: Any) -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_register_page_renders(client: Any) -> None:
    response = client.get("/register")
    assert response.status_code == 200
    assert b'name="password"' in response.data


def test_register_creates_account_and_logs_in(client: Any, db: Any) -> None:
    response = register(client, "Dana@Example.org")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    user = db.session.scalar(select(User).where(User.email == "dana@example.org"))
    assert user is not None and user.display_name == "Dana"
    assert user.password_hash and NEW_PASSWORD not in user.password_hash
    assert user.role is Role.participant
    assert logged_in_user_id(client) == user.get_id()
    page = client.get("/")
    assert b"Welcome, Dana." in page.data


def test_register_goes_on_to_the_next_page(client: Any) -> None:
    response = client.post(
        "/register?next=/consultations/x",
        data=registration_form("n@example.org", "Nurlan", NEW_PASSWORD),
    )
    assert response.headers["Location"] == "/consultations/x"


def test_register_then_logout_and_login_works(client: Any) -> None:
    register(client)
    client.post("/logout")
    assert logged_in_user_id(client) is None
    response = login(client, "new@example.org", NEW_PASSWORD)
    assert response.status_code == 302
    assert logged_in_user_id(client) is not None


def test_register_existing_email_with_its_password_logs_the_owner_in(
    client: Any, db: Any, create_user: Any
) -> None:
    owner = create_user(email="taken@example.org")
    db.session.commit()
    response = register(client, "taken@example.org", password=PASSWORD, confirm=PASSWORD)
    assert response.status_code == 303
    assert logged_in_user_id(client) == owner.get_id()
    assert count_users(db) == 1


def test_register_existing_email_changes_nothing_and_sends_to_login(
    client: Any, db: Any, create_user: Any
) -> None:
    existing = create_user(email="taken@example.org", display_name="Original")
    old_hash = existing.password_hash
    db.session.commit()
    response = register(client, "TAKEN@example.org", display_name="Impostor")
    assert (response.status_code, response.headers["Location"]) == (303, "/login")
    assert logged_in_user_id(client) is None
    page = client.get("/login")
    assert b'value="taken@example.org"' in page.data
    assert b"Thank you for registering" in page.data
    db.session.expire_all()
    assert db.session.get(User, existing.id).display_name == "Original"
    assert db.session.get(User, existing.id).password_hash == old_hash
    assert count_users(db) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password": "short pass1", "confirm": "short pass1"}, b"Use at least 12 characters"),
        ({"confirm": "something else entirely"}, b"The passwords differ"),
        ({"email": "not-an-email"}, b"Invalid email address"),
        ({"display_name": ""}, b"This field is required"),
    ],
)
def test_register_rejects_bad_input(
    client: Any, db: Any, overrides: dict[str, str], message: bytes
) -> None:
    response = register(client, **overrides)
    assert response.status_code == 422
    assert message in response.data
    assert count_users(db) == 0


def test_register_password_of_exactly_12_characters_is_accepted(client: Any, db: Any) -> None:
    response = register(client, password="twelve chars", confirm="twelve chars")
    assert response.status_code == 303
    assert count_users(db) == 1


def test_login_success_redirects_home(client: Any, dummy_user: User) -> None:
    response = login(client, dummy_user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert logged_in_user_id(client) == dummy_user.get_id()


def test_login_wrong_password_and_unknown_email_give_the_same_answer(
    client: Any, dummy_user: User
) -> None:
    wrong = login(client, dummy_user.email, "not the password at all")
    unknown = login(client, "nobody@example.org", "not the password at all")
    assert wrong.status_code == unknown.status_code == 422
    error = re.compile(rb'<p class="error"[^>]*>([^<]*)</p>')
    assert error.findall(wrong.data) == error.findall(unknown.data)
    assert error.findall(wrong.data) == [b"The e-mail or the password is not right."]
    assert logged_in_user_id(client) is None


def test_login_refuses_accounts_without_password(client: Any, create_user: Any) -> None:
    create_user(email="imported@example.org", password_hash=None)
    assert login(client, "imported@example.org", "").status_code == 422
    assert login(client, "imported@example.org", "anything at all").status_code == 422
    assert logged_in_user_id(client) is None


def test_login_remember_me_sets_a_cookie(client: Any, dummy_user: User) -> None:
    response = login(client, dummy_user.email, remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0]


def test_login_without_remember_me_sets_no_cookie(client: Any, dummy_user: User) -> None:
    response = login(client, dummy_user.email)
    assert not [c for c in response.headers.getlist("Set-Cookie") if "remember_token=" in c]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/consultations/x?sort=votes", "/consultations/x?sort=votes"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("/\t/evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("consultations", "/"),
    ],
)
def test_login_next_redirect_stays_on_site(
    client: Any, dummy_user: User, target: str, expected: str
) -> None:
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": dummy_user.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_login_page_redirects_when_already_logged_in(
    client: Any, auth: Any, dummy_user: User
) -> None:
    auth.login(dummy_user)
    response = client.get("/login?next=/consultations/x")
    assert response.headers["Location"] == "/consultations/x"


def test_logout_ends_the_session(client: Any, auth: Any, dummy_user: User) -> None:
    auth.login(dummy_user)
    response = client.post("/logout")
    assert response.status_code == 302
    assert logged_in_user_id(client) is None


def test_logout_needs_post(client: Any) -> None:
    assert client.get("/logout").status_code == 405


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_login_post_without_csrf_token_is_refused(client: Any, dummy_user: User) -> None:
    response = login(client, dummy_user.email)
    assert response.status_code == 400
    assert logged_in_user_id(client) is None


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "RATE_LIMIT_LOGIN": "2 per minute"}]
)
def test_login_is_rate_limited(client: Any) -> None:
    for _ in range(2):
        assert login(client, "x@example.org", "wrong password!").status_code == 422
    response = login(client, "x@example.org", "wrong password!")
    assert response.status_code == 429
    assert "Retry-After" in response.headers


# --- admin: users and roles ----------------------------------------------------------------


def test_admin_users_page_lists_accounts(
    client: Any, auth: Any, dummy_admin: User, dummy_user: User
) -> None:
    auth.login(dummy_admin)
    response = client.get("/admin/users")
    assert response.status_code == 200
    assert dummy_user.email.encode() in response.data


def test_admin_users_page_searches(
    client: Any, auth: Any, dummy_admin: User, dummy_user: User, create_user: Any
) -> None:
    create_user(email="other@example.org", display_name="Bolat")
    auth.login(dummy_admin)
    response = client.get("/admin/users?q=aigerim")
    assert dummy_user.email.encode() in response.data
    assert b"other@example.org" not in response.data


def test_admin_users_page_is_paginated_and_keeps_the_search(
    client: Any, auth: Any, dummy_admin: User, create_user: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr("consult.auth.views.USERS_PER_PAGE", 2)
    for i in range(3):
        create_user(email=f"page{i}@example.org", display_name=f"Paged {i}")
    auth.login(dummy_admin)

    first = client.get("/admin/users?q=paged").get_data(as_text=True)
    second = client.get("/admin/users?q=paged&page=2").get_data(as_text=True)

    shown = [[f"page{i}@example.org" in html for i in range(3)] for html in (first, second)]
    assert [sum(row) for row in shown] == [2, 1]
    assert all(a != b for a, b in zip(shown[0], shown[1], strict=True))
    assert "Page 1 of 2" in first and "3 accounts" in first
    assert "/admin/users?page=2&amp;q=paged" in first or "/admin/users?q=paged&amp;page=2" in first


@pytest.mark.parametrize("role", [Role.participant, Role.moderator, Role.policymaker])
def test_admin_users_page_is_for_admins_only(
    client: Any, auth: Any, create_user: Any, role: Role
) -> None:
    auth.login(create_user(role=role))
    assert client.get("/admin/users").status_code == 403


def test_admin_users_page_needs_login(client: Any) -> None:
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def _set_role(client: Any, auth: Any, db: Any, admin: User, user: User, role: str) -> Any:
    """Post the role form as ``admin``; the session forgets what it knew of the users."""
    auth.login(admin)
    response = client.post(f"/admin/users/{user.id}/role", data={f"u{user.id}-role": role})
    db.session.expire_all()
    return response


def test_admin_assigns_a_role(
    client: Any, auth: Any, db: Any, dummy_admin: User, dummy_user: User
) -> None:
    response = _set_role(client, auth, db, dummy_admin, dummy_user, "policymaker")
    assert response.status_code == 302
    assert dummy_user.role is Role.policymaker
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "set_role"))
    assert entry.actor_id == dummy_admin.id and entry.after == {"role": "policymaker"}


@pytest.mark.parametrize(
    ("actor", "target", "role", "status", "kept"),
    [
        ("dummy_admin", "dummy_user", "king", 303, Role.participant),  # an unknown role
        ("dummy_admin", "dummy_admin", "participant", 302, Role.admin),  # an admin's own role
        ("dummy_policymaker", "dummy_user", "admin", 403, Role.participant),  # not an admin
    ],
    ids=["unknown-role", "own-admin-role", "non-admin"],
)
def test_refused_role_changes_change_nothing(
    request: Any,
    client: Any,
    auth: Any,
    db: Any,
    actor: str,
    target: str,
    role: str,
    status: int,
    kept: Role,
) -> None:
    actor_user, target_user = (request.getfixturevalue(name) for name in (actor, target))
    response = _set_role(client, auth, db, actor_user, target_user, role)
    assert response.status_code == status
    assert target_user.role is kept


def test_admin_role_change_of_missing_user_is_404(
    client: Any, auth: Any, dummy_admin: User
) -> None:
    auth.login(dummy_admin)
    assert (
        client.post("/admin/users/999999/role", data={"u999999-role": "admin"}).status_code == 404
    )
