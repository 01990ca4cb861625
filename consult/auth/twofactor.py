"""Two-factor authentication: TOTP (RFC 6238, pyotp) with ten one-time recovery codes.

Enrolment stores a new secret on the account (not yet in force), shows it as a QR code drawn
on the server (segno, inline SVG: the secret never leaves for a third-party service), and turns
two-factor on once the person types a first valid code; ten recovery codes are then shown once
and only their SHA-256 hashes are kept (each is 50 random bits, so a fast hash is enough).

A code is accepted once: the TOTP time step of the last accepted code is stored and a code of
that step or an earlier one is refused (no replay of an overheard code); a recovery code is
spent when used. Moderators, policymakers and administrators must be enrolled before they use
the site (``STAFF_TWO_FACTOR_REQUIRED``); API tokens are not affected.

Services flush, never commit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

import pyotp
import segno
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from consult.audit.services import record_audit
from consult.auth.models import RecoveryCode, Role, User
from consult.errors import Conflict, NotAllowed, ValidationFailed
from consult.extensions import db
from consult.types import utcnow

RECOVERY_CODES = 10
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def is_enrolled(user: Any) -> bool:
    """Tell whether two-factor is on for this account."""
    return bool(getattr(user, "totp_enabled_at", None)) and bool(getattr(user, "totp_secret", None))


def is_staff(user: Any) -> bool:
    """Moderators, policymakers and administrators."""
    return getattr(user, "role", Role.participant) is not Role.participant


def must_enrol(user: Any) -> bool:
    """Tell whether this signed-in staff account has to enrol before using the site."""
    return (
        bool(current_app.config.get("STAFF_TWO_FACTOR_REQUIRED", True))
        and getattr(user, "is_authenticated", False)
        and is_staff(user)
        and not is_enrolled(user)
    )


# --- enrolment ------------------------------------------------------------------------------


def start_enrolment(user: User) -> str:
    """Give the account a new secret (not in force until confirmed); return it."""
    if is_enrolled(user):
        raise Conflict(_l("Two-factor authentication is already on."))
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
        db.session.flush()
    return user.totp_secret


def provisioning_uri(user: User, secret: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    issuer = str(current_app.config.get("TWO_FACTOR_ISSUER") or "Kenes")
    return pyotp.TOTP(secret).provisioning_uri(name=user.email or str(user.id), issuer_name=issuer)


def qr_svg(data: str) -> str:
    """An inline SVG QR code of ``data`` (drawn here: nothing is sent to another service)."""
    svg: str = segno.make(data, error="m").svg_inline(scale=5, border=2, dark="#111")
    return svg


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn two-factor on with a first valid code; return the ten recovery codes (shown once)."""
    if is_enrolled(user):
        raise Conflict(_l("Two-factor authentication is already on."))
    if not user.totp_secret or not _check_totp(user, code):
        raise ValidationFailed(
            _l("The code is not right."),
            fields={
                "code": [_l("The code is not right; check the time on your phone and try again.")]
            },
        )
    user.totp_enabled_at = utcnow()
    codes = _new_recovery_codes(user)
    record_audit(user, "two_factor_enabled", "user", user.id, reason="")
    return codes


def disable(user: User, *, actor: User) -> None:
    """Turn two-factor off (not for staff while it is required of them)."""
    if must_enrol_if_disabled(user):
        raise NotAllowed(_l("Two-factor authentication is required for your role."))
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.session_version = (user.session_version or 0) + 1
    record_audit(actor, "two_factor_disabled", "user", user.id, reason="")


def must_enrol_if_disabled(user: User) -> bool:
    """Tell whether this account's role requires two-factor."""
    return bool(current_app.config.get("STAFF_TWO_FACTOR_REQUIRED", True)) and is_staff(user)


def regenerate_recovery_codes(user: User) -> list[str]:
    """Replace the recovery codes with ten new ones (returned once)."""
    if not is_enrolled(user):
        raise Conflict(_l("Two-factor authentication is off."))
    codes = _new_recovery_codes(user)
    record_audit(user, "recovery_codes_regenerated", "user", user.id, reason="")
    return codes


def remaining_recovery_codes(user: User) -> int:
    """How many unused recovery codes the account has."""
    return int(
        db.session.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


def _hash_code(code: str) -> str:
    return hashlib.sha256(_normalise_code(code).encode()).hexdigest()


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isascii() and ch.isalnum())


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _n in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_CODE_ALPHABET) for _c in range(10))
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_code(code)))
    db.session.flush()
    return codes


# --- checking a code ------------------------------------------------------------------------


def _check_totp(user: User, code: str, *, now: float | None = None) -> bool:
    """Check a six-digit code (one step of clock drift either way); refuse replays."""
    digits = "".join(ch for ch in code if ch in "0123456789")
    if len(digits) != 6 or not user.totp_secret:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    moment = time.time() if now is None else now
    step = int(moment) // totp.interval
    for offset in (0, -1, 1):
        candidate = step + offset
        expected = totp.at(candidate * totp.interval)
        if hmac.compare_digest(expected, digits):
            if user.totp_last_step is not None and candidate <= user.totp_last_step:
                return False
            user.totp_last_step = candidate
            return True
    return False


def verify_second_factor(user: User, code: str, *, now: float | None = None) -> bool:
    """Check a code at login: a TOTP code, or an unused recovery code (then spent)."""
    if not is_enrolled(user) or not isinstance(code, str) or len(code) > 32:
        return False
    if _check_totp(user, code, now=now):
        db.session.flush()
        return True
    normalised = _normalise_code(code)
    if len(normalised) != 10:
        return False
    row = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_code(normalised),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = utcnow()
    record_audit(user, "recovery_code_used", "user", user.id, reason="")
    db.session.flush()
    return True
