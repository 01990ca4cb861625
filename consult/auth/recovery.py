"""Password reset and e-mail verification by signed, single-use, time-limited links.

A link carries an itsdangerous signature (the app's secret key, one salt per purpose) over the
account id and a fingerprint of what the link may change: a reset link is bound to the current
password hash, a verification link to the address and to the account being unverified. Using a
link changes that state (a new password hash, the verified flag), so every link works once,
and a reset link dies as soon as the password changes any other way. No nonce table is needed.

Neither form tells whether an address has an account: the page does the same work whatever was
typed (it hands the address to a background job) and gives the same answer; the job looks the
address up and sends a mail only when there is someone to send it to. The mails go through the
jobs queue (:mod:`consult.jobs`) and :func:`consult.notifications.mail.queue_mail`, which
delivers them after the job's commit.

Unverified accounts can read and vote; while ``REQUIRE_VERIFIED_EMAIL`` is on (the default)
what they post waits, ``pending`` like a pre-moderated statement, and
:func:`verify_email` sends ``account_verified`` so that the statements domain publishes it.

Services flush, never commit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from consult.audit.services import record_audit
from consult.auth.models import User
from consult.auth.services import change_password, find_user_by_email, normalise_email
from consult.errors import ValidationFailed
from consult.extensions import db
from consult.jobs.runtime import JobContext, enqueue
from consult.notifications.mail import queue_mail
from consult.signals import account_verified
from consult.types import utcnow

RESET_SALT = "kenes.password-reset"
VERIFY_SALT = "kenes.email-verification"

#: registered job names
RESET_JOB = "auth.password_reset_mail"
REGISTRATION_JOB = "auth.registration_mail"
VERIFY_JOB = "auth.verification_mail"


class LinkInvalid(ValidationFailed):
    """The link is not valid: expired, already used, or altered."""

    code = "invalid_link"


def _fingerprint(value: str | None) -> str:
    return hashlib.sha256((value or "").encode()).hexdigest()[:20]


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.config["SECRET_KEY"]), salt=salt)


def _can_receive(user: User | None) -> bool:
    return user is not None and bool(user.email) and not user.is_imported and not user.deleted_at


# --- tokens ---------------------------------------------------------------------------------


def reset_token(user: User) -> str:
    """A password-reset token for this account, bound to its current password hash."""
    return _serializer(RESET_SALT).dumps({"u": user.id, "p": _fingerprint(user.password_hash)})


def verification_token(user: User) -> str:
    """An e-mail verification token for this account, bound to its address."""
    return _serializer(VERIFY_SALT).dumps({"u": user.id, "e": _fingerprint(user.email)})


def _load(salt: str, token: str, max_age: int) -> dict[str, Any]:
    if not isinstance(token, str) or not token or len(token) > 512:
        raise LinkInvalid(_("This link is not valid."))
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkInvalid(_("This link has expired.")) from None
    except BadSignature:
        raise LinkInvalid(_("This link is not valid.")) from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise LinkInvalid(_("This link is not valid."))
    return data


def user_for_reset_token(token: str) -> User:
    """The account a reset link is for; LinkInvalid if it expired, was used or was altered."""
    data = _load(token=token, salt=RESET_SALT, max_age=_max_age("PASSWORD_RESET_MAX_AGE"))
    user = db.session.get(User, data["u"])
    if not _can_receive(user) or data.get("p") != _fingerprint(user.password_hash):  # type: ignore[union-attr]
        raise LinkInvalid(_("This link has already been used or is no longer valid."))
    assert user is not None
    return user


def user_for_verification_token(token: str) -> User:
    """The account a verification link is for; LinkInvalid if it cannot be used (any more)."""
    data = _load(token=token, salt=VERIFY_SALT, max_age=_max_age("EMAIL_VERIFY_MAX_AGE"))
    user = db.session.get(User, data["u"])
    if (
        not _can_receive(user)
        or user.email_verified_at is not None  # type: ignore[union-attr]
        or data.get("e") != _fingerprint(user.email)  # type: ignore[union-attr]
    ):
        raise LinkInvalid(_("This link has already been used or is no longer valid."))
    assert user is not None
    return user


def _max_age(setting: str) -> int:
    return int(current_app.config[setting])


# --- actions --------------------------------------------------------------------------------


def reset_password(token: str, password: str) -> User:
    """Set a new password from a reset link; ends every session; the link cannot be reused."""
    user = user_for_reset_token(token)
    change_password(user, password)
    # Following the link proves the address too.
    if user.email_verified_at is None:
        _mark_verified(user)
    record_audit(user, "reset_password", "user", user.id, reason="")
    db.session.flush()
    return user


def verify_email(token: str) -> User:
    """Confirm an address from a verification link; publishes what waited for it."""
    user = user_for_verification_token(token)
    _mark_verified(user)
    db.session.flush()
    return user


def _mark_verified(user: User) -> None:
    user.email_verified_at = utcnow()
    account_verified.send(user, user=user)


def needs_verification(user: Any) -> bool:
    """Tell whether what this signed-in account posts waits for its address to be confirmed."""
    if not current_app.config.get("REQUIRE_VERIFIED_EMAIL", True):
        return False
    if not getattr(user, "is_authenticated", False) or getattr(user, "is_imported", False):
        return False
    return bool(getattr(user, "email", None)) and getattr(user, "email_verified_at", 1) is None


# --- asking for mails (the pages) ---------------------------------------------------------


def request_password_reset(email: str, *, base_url: str, locale: str | None) -> None:
    """Ask for a reset mail to this address; the same work whether it has an account or not."""
    enqueue(RESET_JOB, normalise_email(email)[:254], base_url, locale)


def request_registration_mail(email: str, *, base_url: str, locale: str | None) -> None:
    """After a registration: a verification link, or "you already have an account"."""
    enqueue(REGISTRATION_JOB, normalise_email(email)[:254], base_url, locale)


def request_verification_mail(user: User, *, base_url: str) -> None:
    """Send (again) the verification link to a signed-in, unverified account."""
    enqueue(VERIFY_JOB, user.id, base_url)


def base_url_for_links(request_root: str) -> str:
    """``PUBLIC_URL`` if set (mailed links never trust the Host header), else the request's."""
    return str(current_app.config.get("PUBLIC_URL") or request_root).rstrip("/")


# --- the jobs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Link:
    endpoint: str
    token: str | None = None


def _absolute(base_url: str, link: _Link) -> str:
    values = {"token": link.token} if link.token is not None else {}
    with current_app.test_request_context(base_url=base_url + "/"):
        return url_for(link.endpoint, _external=True, **values)


def _hours(setting: str) -> int:
    return max(1, _max_age(setting) // 3600)


def _mail_link(user: User, locale: str | None, subject: Any, body: Any) -> None:
    """Queue a mail, its lazy ``subject`` and ``body`` written in the account's language (else
    ``locale``, else the site's)."""
    assert user.email
    with force_locale(user.locale or locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject, body = str(subject), str(body)
    queue_mail(user.email, subject, body)


def password_reset_mail_job(
    ctx: JobContext, email: str, base_url: str, locale: str | None = None
) -> None:
    """Mail a reset link to the account with this address (nobody: nothing is sent)."""
    user = find_user_by_email(email)
    if not _can_receive(user):
        return
    assert user is not None
    link = _absolute(base_url, _Link("auth.reset_password", reset_token(user)))
    body = _l(
        "Someone (we hope you) asked to reset the password of your Kenes account.\n\n"
        "Choose a new password here (the link works once, for %(hours)s hour(s)):\n"
        "%(link)s\n\n"
        "If you did not ask for this, ignore this message: your password stays as it is.",
        hours=_hours("PASSWORD_RESET_MAX_AGE"),
        link=link,
    )
    _mail_link(user, locale, _l("Reset your Kenes password"), body)


def _verification_mail(user: User, base_url: str, locale: str | None) -> None:
    link = _absolute(base_url, _Link("auth.verify_email", verification_token(user)))
    subject = _l("Confirm your e-mail address for Kenes")
    _mail_link(
        user,
        locale,
        subject,
        _l(
            "Welcome to Kenes. Confirm your e-mail address by opening this link "
            "(it works once, for %(hours)s hour(s)):\n%(link)s\n\n"
            "Until then you can read and vote, and what you post waits to be published.",
            hours=_hours("EMAIL_VERIFY_MAX_AGE"),
            link=link,
        ),
    )


def registration_mail_job(
    ctx: JobContext, email: str, base_url: str, locale: str | None = None
) -> None:
    """After a registration: the verification link, or tell the owner they already have one."""
    user = find_user_by_email(email)
    if not _can_receive(user):
        return
    assert user is not None and user.email
    if user.email_verified_at is None:
        _verification_mail(user, base_url, locale)
        return
    link = _absolute(base_url, _Link("auth.forgot_password"))
    body = _l(
        "Someone (we hope you) tried to register on Kenes with this address, which already "
        "has an account. Log in with it; if you forgot the password, reset it here:\n"
        "%(link)s\n\nIf it was not you, ignore this message.",
        link=link,
    )
    _mail_link(user, locale, _l("You already have a Kenes account"), body)


def verification_mail_job(ctx: JobContext, user_id: int, base_url: str) -> None:
    """Send the verification link to an account that is still unverified."""
    user = db.session.get(User, user_id)
    if _can_receive(user) and user.email_verified_at is None:  # type: ignore[union-attr]
        assert user is not None
        _verification_mail(user, base_url, None)
