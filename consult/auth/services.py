"""Accounts: registration, authentication, roles and API tokens."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from consult.audit.services import record_audit
from consult.auth import identity
from consult.auth.models import ApiToken, Role, User, UserBlock
from consult.auth.sessions import end_sessions
from consult.auth.standing import blocked_now, remember_standing
from consult.errors import Conflict, NotAllowed, ValidationFailed, invalid, too_long
from consult.extensions import db
from consult.security import hash_token, new_token
from consult.types import utcnow

PASSWORD_MIN_LENGTH = 12
WEAK_PASSWORD = _l("This password is too common or too easy to guess: add a few unrelated words.")
PASSWORD_MAX_LENGTH = 1024
# Compared against when the e-mail is unknown, so that timing does not reveal accounts.
_DUMMY_HASH = generate_password_hash("kenes-dummy-password", method="scrypt")


def normalise_email(email: str) -> str:
    """Return the canonical form of an e-mail address (NFKC, trimmed, lower case)."""
    return identity.normalise_email(email)


def hash_password(password: str) -> str:
    """Hash a password with scrypt."""
    return generate_password_hash(password, method="scrypt")


#: zxcvbn looks at this many first characters (its cost grows with the length).
_STRENGTH_PREFIX = 100


def password_is_weak(password: str, user_inputs: Sequence[str] = ()) -> bool:
    """Tell whether a password is common or easy to guess (zxcvbn's lists and patterns).

    >>> password_is_weak("password1234"), password_is_weak("correct horse battery staple")
    (True, False)
    """
    try:
        minimum = int(current_app.config.get("PASSWORD_MIN_SCORE", 3))
    except RuntimeError:  # outside an app (doctests, scripts)
        minimum = 3
    inputs = [text for text in user_inputs if text]
    inputs += [text.split("@", 1)[0] for text in inputs]
    inputs += [part for text in inputs for part in re.split(r"[\s@._-]+", text) if part]
    score = int(zxcvbn(password[:_STRENGTH_PREFIX], user_inputs=inputs)["score"])
    return score < minimum


def check_password_rules(
    password: str, *, min_length: int = PASSWORD_MIN_LENGTH, user_inputs: Sequence[str] = ()
) -> None:
    """Raise ValidationFailed unless the password is long enough and not easy to guess."""
    if len(password) < min_length:
        raise invalid(
            _l("Password too short."),
            "password",
            _l("Use at least %(limit)s characters.", limit=min_length),
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise too_long(_l("Password too long."), "password", PASSWORD_MAX_LENGTH)
    if password_is_weak(password, user_inputs):
        raise ValidationFailed(
            identity.message(WEAK_PASSWORD), fields={"password": [identity.message(WEAK_PASSWORD)]}
        )


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
    email = identity.check_email(email)
    display_name = identity.check_display_name(display_name, role=role)
    if password is not None:
        check_password_rules(password, user_inputs=(email, display_name))
    user = User(
        email=email,
        display_name=display_name,
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


def change_password(
    user: User, password: str, *, current: str | None = None, keep_session: str | None = None
) -> int:
    """Set a new password and end every session but ``keep_session``; return how many ended.

    With ``current``, the present password must match first (the account page asks for it).
    """
    if current is not None and not (
        user.password_hash and check_password_hash(user.password_hash, current)
    ):
        raise ValidationFailed(
            _l("The current password is not right."),
            fields={"current_password": [_l("The current password is not right.")]},
        )
    check_password_rules(password, user_inputs=(user.email or "", user.display_name))
    user.password_hash = hash_password(password)
    ended = end_sessions(user, keep=keep_session)
    record_audit(
        user, "change_password", "user", user.id, reason="", after={"sessions_ended": ended}
    )
    return ended


def set_role(user: User, role: Role, *, actor: User) -> None:
    """Change a user's site-wide role (admins only)."""
    if not actor.is_admin:
        raise NotAllowed(_l("Only administrators can assign roles."))
    before = user.role
    user.role = role
    # The person signs in again under the new role: no session outlives a privilege change.
    if before is not role:
        end_sessions(user)
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


def active_tokens(user: User) -> list[ApiToken]:
    """The user's unrevoked API tokens, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc())
        )
    )


@functools.cache
def _token_owner_query() -> Select[ApiToken, User, bool]:
    """A token (by ``token_hash``), its owner and whether a block is in force at ``now``: built
    once per process (every API request asks it; building it costs more than running it)."""
    now = bindparam("now", type_=UserBlock.__table__.c.ends_at.type)
    return (
        select(ApiToken, User, blocked_now(User.id, now=now).label("blocked"))
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
    )


def user_for_token(token: str, *, commit: bool = True) -> User | None:
    """Return the owner of a valid (unrevoked) API token, or None (one query for both).

    The same query tells whether the owner is blocked, kept for the request's permission checks
    (``standing.remember_standing``): a vote's checks then cost no query of their own. The
    token's ``last_used_at`` is refreshed at most once a minute: committed at once, or with
    ``commit=False`` left to the request's own transaction (a write request then commits one
    transaction, not two).
    """
    now = utcnow()
    found = db.session.execute(
        _token_owner_query(), {"token_hash": hash_token(token), "now": now}
    ).first()
    if found is None:
        return None
    row, owner, blocked = found
    remember_standing(owner.id, blocked)
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        row.last_used_at = now
        if commit:
            db.session.commit()
    owner.session_key = None  # a token is no browser session
    return owner


def revoke_token(token: ApiToken, *, actor: User) -> None:
    """Revoke one of the actor's tokens."""
    if token.user_id != actor.id and not actor.is_admin:
        raise NotAllowed(_l("This is not your token."))
    token.revoked_at = utcnow()


def count_users() -> int:
    """Return the number of accounts."""
    return db.session.scalar(select(func.count(User.id))) or 0
