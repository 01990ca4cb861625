"""Accounts: registration, authentication, roles and API tokens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from consult.audit.services import record_audit
from consult.auth.models import ApiToken, Role, User
from consult.errors import Conflict, NotAllowed, invalid, too_long
from consult.extensions import db
from consult.security import hash_token, new_token
from consult.types import utcnow

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 1024
# Compared against when the e-mail is unknown, so that timing does not reveal accounts.
_DUMMY_HASH = generate_password_hash("kenes-dummy-password", method="scrypt")


def normalise_email(email: str) -> str:
    """Return the canonical form of an e-mail address."""
    return email.strip().lower()


def hash_password(password: str) -> str:
    """Hash a password with scrypt."""
    return generate_password_hash(password, method="scrypt")


def check_password_rules(password: str, *, min_length: int = PASSWORD_MIN_LENGTH) -> None:
    """Raise ValidationFailed unless the password is long enough (no composition rules)."""
    if len(password) < min_length:
        raise invalid(
            _l("Password too short."),
            "password",
            _l("Use at least %(limit)s characters.", limit=min_length),
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise too_long(_l("Password too long."), "password", PASSWORD_MAX_LENGTH)


def find_user_by_email(email: str) -> User | None:
    """Return the account with this e-mail, if any."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    email: str,
    display_name: str,
    password: str | None,
    *,
    role: Role = Role.participant,
    locale: str | None = None,
    verified: bool = False,
) -> User:
    """Create an account; raise Conflict if the e-mail is taken.

    ``verified``: the address is known to be right (accounts made by an operator or the site).
    """
    if password is not None:
        check_password_rules(password)
    user = User(
        email=normalise_email(email),
        display_name=display_name.strip(),
        password_hash=hash_password(password) if password is not None else None,
        role=role,
        locale=locale,
        email_verified_at=utcnow() if verified else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(
            _l("An account with this e-mail already exists."),
            fields={"email": [_l("An account with this e-mail already exists.")]},
        ) from exc
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the user if the e-mail and password match, else None (in constant-ish time)."""
    user = find_user_by_email(email)
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    return user


def change_password(user: User, password: str) -> None:
    """Set a new password and end every other session."""
    check_password_rules(password)
    user.password_hash = hash_password(password)
    user.session_version = (user.session_version or 0) + 1


def set_role(user: User, role: Role, *, actor: User) -> None:
    """Change a user's site-wide role (admins only)."""
    if not actor.is_admin:
        raise NotAllowed(_l("Only administrators can assign roles."))
    before = user.role
    user.role = role
    record_audit(
        actor,
        "set_role",
        "user",
        user.id,
        reason="",
        before={"role": before.value},
        after={"role": role.value},
    )


def create_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a personal API token; return the row and the token (shown once)."""
    token = new_token()
    row = ApiToken(user=user, name=name[:80], token_hash=hash_token(token), prefix=token[:10])
    db.session.add(row)
    db.session.flush()
    return row, token


def user_for_token(token: str, *, commit: bool = True) -> User | None:
    """Return the owner of a valid (unrevoked) API token, or None (one query for both).

    The token's ``last_used_at`` is refreshed at most once a minute: committed at once, or with
    ``commit=False`` left to the request's own transaction (a write request then commits one
    transaction, not two).
    """
    found = db.session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
    ).first()
    if found is None:
        return None
    row, owner = found
    now = utcnow()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        row.last_used_at = now
        if commit:
            db.session.commit()
    return owner


def load_session_user(user_id: str) -> User | None:
    """The user of a session cookie (``"<id>:<session version>"``), if it is still valid."""
    raw_id, _, version = user_id.partition(":")
    if not raw_id.isdigit():
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or str(user.session_version or 0) != (version or "0"):
        return None
    return user


def revoke_token(token: ApiToken, *, actor: User) -> None:
    """Revoke one of the actor's tokens."""
    if token.user_id != actor.id and not actor.is_admin:
        raise NotAllowed(_l("This is not your token."))
    token.revoked_at = utcnow()


def count_users() -> int:
    """Return the number of accounts."""
    return db.session.scalar(select(func.count(User.id))) or 0
