"""Every page and endpoint of recovery, two-factor and personal data x every kind of account:
anonymous, participant, moderator without two-factor, moderator, admin."""

from __future__ import annotations

from typing import Any

import pytest

from consult.auth.models import Role
from tests.factories import PASSWORD

WHO = ("anonymous", "participant", "unenrolled_moderator", "moderator", "admin")

# (name, method, url, body (form or json), expected status for each of WHO)
CASES: list[tuple[str, str, str, dict[str, Any] | None, tuple[int, ...]]] = [
    ("privacy page", "GET", "/privacy", None, (200, 200, 200, 200, 200)),
    ("forgot password", "GET", "/forgot-password", None, (200, 200, 303, 200, 200)),
    ("reset bad link", "GET", "/reset-password/nope", None, (400, 400, 303, 400, 400)),
    ("verify bad link", "GET", "/verify-email/nope", None, (400, 400, 400, 400, 400)),
    ("resend link", "POST", "/account/verify-email", {}, (302, 303, 303, 303, 303)),
    ("second step", "GET", "/login/two-factor", None, (303, 303, 303, 303, 303)),
    ("two-factor page", "GET", "/account/two-factor", None, (302, 200, 200, 200, 200)),
    (
        "enrol wrong code",
        "POST",
        "/account/two-factor/enrol",
        {"code": "000000"},
        (302, 303, 303, 303, 303),
    ),
    ("new codes", "POST", "/account/two-factor/recovery-codes", {}, (302, 303, 303, 303, 303)),
    (
        "disable",
        "POST",
        "/account/two-factor/disable",
        {"password": PASSWORD},
        (302, 303, 303, 403, 403),
    ),
    ("data page", "GET", "/account/data", None, (302, 200, 303, 200, 200)),
    ("export", "POST", "/account/data/export", {}, (302, 303, 303, 303, 303)),
    (
        "delete",
        "POST",
        "/account/delete",
        {"password": PASSWORD, "confirm": "y"},
        (302, 303, 303, 403, 403),
    ),
    ("api export", "POST", "/api/v1/account/data-export", None, (401, 202, 403, 202, 202)),
    (
        "api delete",
        "DELETE",
        "/api/v1/account",
        {"password": PASSWORD},
        (401, 200, 403, 403, 403),
    ),
]

MATRIX = [
    pytest.param(method, url, body, who, expected[i], id=f"{name}-{who}")
    for name, method, url, body, expected in CASES
    for i, who in enumerate(WHO)
]


@pytest.fixture
def sign_in(auth: Any, create_user: Any, db: Any) -> Any:
    def sign_in(who: str) -> None:
        if who == "anonymous":
            return
        if who == "unenrolled_moderator":
            user = create_user(role=Role.moderator, totp_secret=None, totp_enabled_at=None)
        else:
            user = create_user(role=Role.participant if who == "participant" else Role(who))
        db.session.commit()
        auth.login(user)

    return sign_in


@pytest.mark.parametrize(("method", "url", "body", "who", "expected"), MATRIX)
def test_permission_matrix(
    client: Any, sign_in: Any, method: str, url: str, body: Any, who: str, expected: int
) -> None:
    sign_in(who)
    if url.startswith("/api/"):
        response = client.open(url, method=method, json=body)
    else:
        response = client.open(url, method=method, data=body)
    assert response.status_code == expected
    response.close()
