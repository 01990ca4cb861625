"""Two-factor authentication: enrolment, the login's second step, recovery codes, the staff gate."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest
from sqlalchemy import func, select

from consult.audit.models import AuditEntry
from consult.auth import twofactor
from consult.auth.models import RecoveryCode, Role
from tests.factories import PASSWORD, TOTP_SECRET


def login(client: Any, email: str, **extra: str) -> Any:
    return client.post("/login", data={"email": email, "password": PASSWORD, **extra})


def session_user(client: Any) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


def enrol(client: Any, db: Any, user: Any) -> list[str]:
    """Enrol through the pages; return the recovery codes shown."""
    page = client.get("/account/two-factor")
    assert page.status_code == 200
    db.session.refresh(user)
    code = pyotp.TOTP(user.totp_secret).now()
    response = client.post("/account/two-factor/enrol", data={"code": code})
    assert response.status_code == 303
    shown = client.get("/account/two-factor")
    return re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", shown.get_data(as_text=True))


# --- services -------------------------------------------------------------------------------


def test_totp_code_is_accepted_once(create_user: Any) -> None:
    user = create_user(role=Role.moderator)
    now = 1_800_000_000.0
    code = pyotp.TOTP(TOTP_SECRET).at(now)
    assert twofactor.verify_second_factor(user, code, now=now)
    assert not twofactor.verify_second_factor(user, code, now=now)


def test_totp_accepts_one_step_of_drift(create_user: Any) -> None:
    user = create_user(role=Role.moderator)
    now = 1_800_000_000.0
    assert twofactor.verify_second_factor(user, pyotp.TOTP(TOTP_SECRET).at(now - 30), now=now)


def test_totp_refuses_an_old_code(create_user: Any) -> None:
    user = create_user(role=Role.moderator)
    now = 1_800_000_000.0
    assert not twofactor.verify_second_factor(user, pyotp.TOTP(TOTP_SECRET).at(now - 90), now=now)


def test_enrolment_needs_a_valid_code(create_user: Any) -> None:
    user = create_user(totp_secret=None, totp_enabled_at=None)
    twofactor.start_enrolment(user)
    with pytest.raises(Exception, match="not right"):
        twofactor.confirm_enrolment(user, "000000")
    assert not twofactor.is_enrolled(user)


def test_recovery_codes_are_hashed_and_single_use(create_user: Any, db: Any) -> None:
    user = create_user(totp_secret=None, totp_enabled_at=None)
    secret = twofactor.start_enrolment(user)
    codes = twofactor.confirm_enrolment(user, pyotp.TOTP(secret).now())
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = list(db.session.scalars(select(RecoveryCode.code_hash)))
    assert not set(codes) & set(stored)
    assert twofactor.verify_second_factor(user, codes[0].upper())
    assert not twofactor.verify_second_factor(user, codes[0])
    assert twofactor.remaining_recovery_codes(user) == 9


def test_staff_cannot_disable_two_factor(app: Any, create_user: Any) -> None:
    user = create_user(role=Role.moderator)
    with app.test_request_context(), pytest.raises(Exception, match="required"):
        twofactor.disable(user, actor=user)


def test_qr_code_is_inline_svg() -> None:
    svg = twofactor.qr_svg("otpauth://totp/Kenes:a@example.org?secret=ABC&issuer=Kenes")
    assert svg.startswith("<svg") and "http" not in svg.split("xmlns")[0]


# --- pages ----------------------------------------------------------------------------------


def test_enrolment_page_shows_local_qr_code(client: Any, auth: Any, create_user: Any) -> None:
    auth.login(create_user(totp_secret=None, totp_enabled_at=None))
    page = client.get("/account/two-factor")
    assert page.status_code == 200
    assert b"<svg" in page.data
    assert page.headers["Cache-Control"] == "no-store"
    qr = page.get_data(as_text=True).split('data-testid="totp-qr"')[1].split("</div>")[0]
    assert "<svg" in qr and "http" not in qr.replace("http://www.w3.org/2000/svg", "")


def test_enrolment_then_login_asks_for_code(
    client: Any, auth: Any, create_user: Any, db: Any
) -> None:
    user = auth.login(create_user(email="ada@example.org"))
    codes = enrol(client, db, user)
    assert len(codes) == 10
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "two_factor_enabled"))
    auth.logout()
    response = login(client, "ada@example.org")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login/two-factor"
    assert session_user(client) is None
    wrong = client.post("/login/two-factor", data={"code": "000000"})
    assert wrong.status_code == 422 and session_user(client) is None
    db.session.refresh(user)
    right = client.post("/login/two-factor", data={"code": codes[3]})
    assert right.status_code == 303
    assert session_user(client) == user.get_id()


def test_second_step_without_password_goes_to_login(client: Any) -> None:
    response = client.get("/login/two-factor")
    assert response.status_code == 303 and response.headers["Location"] == "/login"


def test_second_step_with_totp_code(client: Any, create_user: Any) -> None:
    user = create_user(email="mod@example.org", role=Role.moderator)
    login(client, "mod@example.org")
    response = client.post("/login/two-factor", data={"code": pyotp.TOTP(TOTP_SECRET).now()})
    assert response.status_code == 303
    assert session_user(client) == user.get_id()


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "RATE_LIMIT_TWO_FACTOR": "3 per minute"}]
)
def test_second_step_attempts_limited_per_account(client: Any, create_user: Any) -> None:
    create_user(email="mod@example.org", role=Role.moderator)
    login(client, "mod@example.org")
    statuses = [
        client.post(
            "/login/two-factor",
            data={"code": "000000"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
        ).status_code
        for n in range(5)
    ]
    assert statuses[:3] == [422, 422, 422]
    assert statuses[3:] == [429, 429]


def test_regenerate_recovery_codes(client: Any, auth: Any, create_user: Any, db: Any) -> None:
    user = auth.login(create_user())
    old = enrol(client, db, user)
    response = client.post("/account/two-factor/recovery-codes")
    assert response.status_code == 303
    new = re.findall(
        r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>",
        client.get("/account/two-factor").get_data(as_text=True),
    )
    assert len(new) == 10 and not set(new) & set(old)
    assert db.session.scalar(select(func.count(RecoveryCode.id))) == 10


def test_participant_can_disable_with_password(
    client: Any, auth: Any, create_user: Any, db: Any
) -> None:
    user = auth.login(create_user())
    enrol(client, db, user)
    response = client.post("/account/two-factor/disable", data={"password": PASSWORD})
    assert response.status_code == 303
    db.session.refresh(user)
    assert not twofactor.is_enrolled(user)
    assert db.session.scalar(select(func.count(RecoveryCode.id))) == 0


def test_disable_with_wrong_password_keeps_it_on(
    client: Any, auth: Any, create_user: Any, db: Any
) -> None:
    user = auth.login(create_user())
    enrol(client, db, user)
    client.post("/account/two-factor/disable", data={"password": "wrong password!"})
    db.session.refresh(user)
    assert twofactor.is_enrolled(user)


def test_staff_disable_is_forbidden(client: Any, auth: Any, create_user: Any) -> None:
    auth.login(create_user(role=Role.admin))
    response = client.post("/account/two-factor/disable", data={"password": PASSWORD})
    assert response.status_code == 403


# --- the staff gate -------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.moderator, Role.policymaker, Role.admin])
def test_unenrolled_staff_sent_to_enrolment(
    client: Any, auth: Any, create_user: Any, role: Role
) -> None:
    auth.login(create_user(role=role, totp_secret=None, totp_enabled_at=None))
    response = client.get("/moderation")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/account/two-factor")
    assert client.get("/account/two-factor").status_code == 200


def test_unenrolled_staff_api_by_session_is_403(client: Any, auth: Any, create_user: Any) -> None:
    auth.login(create_user(role=Role.moderator, totp_secret=None, totp_enabled_at=None))
    response = client.get("/api/v1/moderation/queue")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "two_factor_required"


def test_unenrolled_staff_token_not_affected(
    client: Any, create_user: Any, create_token: Any
) -> None:
    user = create_user(role=Role.moderator, totp_secret=None, totp_enabled_at=None)
    token = create_token(user)
    response = client.get("/api/v1/moderation/queue", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_unenrolled_staff_cannot_create_tokens(client: Any, auth: Any, create_user: Any) -> None:
    auth.login(create_user(role=Role.admin, totp_secret=None, totp_enabled_at=None))
    response = client.post("/account/tokens", data={"name": "x"})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/account/two-factor")


def test_participants_not_gated(client: Any, auth: Any, create_user: Any) -> None:
    auth.login(create_user(totp_secret=None, totp_enabled_at=None))
    assert client.get("/account").status_code == 200


def test_gate_can_be_turned_off(app: Any, client: Any, auth: Any, create_user: Any) -> None:
    app.config["STAFF_TWO_FACTOR_REQUIRED"] = False
    auth.login(create_user(role=Role.admin, totp_secret=None, totp_enabled_at=None))
    assert client.get("/admin/users").status_code == 200


def test_enrolled_staff_reach_staff_pages(client: Any, auth: Any, create_user: Any) -> None:
    auth.login(create_user(role=Role.admin))
    assert client.get("/admin/users").status_code == 200
