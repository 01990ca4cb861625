"""Sign-in sessions kept on the server, so that logging out ends them.

The browser's session cookie and its "remember me" cookie hold ``"<user id>:<key>"``; the
server keeps a :class:`LoginSession` row per sign-in with the key's SHA-256 hash. The user
loader accepts a cookie only while its row is open, so logging out (which ends the row), "log
out everywhere", a password change (which ends every other session) and a role change (which
ends all of the person's sessions, so that they sign in again under the new role) take effect
at once, for both cookies. API tokens are separate (``ApiToken``) and stay valid.

Services flush, never commit.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Integer, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from consult.extensions import db
from consult.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from consult.auth.models import User

#: Length of the random part of a session key (``secrets.token_urlsafe`` bytes).
KEY_BYTES = 32


class LoginSession(db.Model):  # type: ignore[name-defined,misc]
    """One sign-in of an account in one browser; open until ``ended_at``."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        state = "ended" if self.ended_at else "open"
        return f"<LoginSession {self.id} user={self.user_id} {state}>"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(user: User, *, user_agent: str = "") -> str:
    """Open a new session for ``user``; return its key and attach it to the user object."""
    key = secrets.token_urlsafe(KEY_BYTES)
    db.session.add(
        LoginSession(user_id=user.id, key_hash=_hash(key), user_agent=(user_agent or "")[:200])
    )
    db.session.flush()
    user.session_key = key
    return key


def session_for(user_id: int, key: str) -> LoginSession | None:
    """The open session of ``user_id`` with this key, if any."""
    return db.session.scalar(
        select(LoginSession).where(
            LoginSession.key_hash == _hash(key),
            LoginSession.user_id == user_id,
            LoginSession.ended_at.is_(None),
        )
    )


def end_session(user: User, key: str | None) -> bool:
    """End one session of the user (logout); tell whether one was open."""
    if not key:
        return False
    row = session_for(user.id, key)
    if row is None:
        return False
    row.ended_at = utcnow()
    db.session.flush()
    return True


def end_sessions(user: User, *, keep: str | None = None) -> int:
    """End every open session of the user but ``keep``'s; return how many ended."""
    condition = [LoginSession.user_id == user.id, LoginSession.ended_at.is_(None)]
    if keep:
        condition.append(LoginSession.key_hash != _hash(keep))
    result = db.session.execute(
        update(LoginSession).where(*condition).values(ended_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    # Bumped too: a cookie of the former "<id>:<version>" kind can never match again.
    user.session_version = (user.session_version or 0) + 1
    db.session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def open_sessions(user: User) -> list[LoginSession]:
    """The user's open sessions, newest first."""
    return list(
        db.session.scalars(
            select(LoginSession)
            .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
            .order_by(LoginSession.created_at.desc(), LoginSession.id.desc())
        )
    )


def is_current(row: LoginSession, key: str | None) -> bool:
    """Tell whether ``row`` is the session of this key."""
    return bool(key) and row.key_hash == _hash(key or "")


def load_session_user(user_id: str) -> User | None:
    """The user of a session or remember cookie (``"<id>:<key>"``) while its session is open."""
    from consult.auth.models import User

    raw_id, _, key = user_id.partition(":")
    if not (raw_id.isascii() and raw_id.isdigit()) or len(raw_id) > 10 or len(key) < 20:
        return None
    from consult.auth.standing import blocked_now, remember_standing

    # One query: the open session, its account and whether a block is in force (the page's
    # permission checks then read the standing without a query of their own).
    found = db.session.execute(
        select(User, blocked_now(User.id).label("blocked"))
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            LoginSession.key_hash == _hash(key),
            LoginSession.user_id == int(raw_id),
            LoginSession.ended_at.is_(None),
        )
    ).first()
    if found is None:
        return None
    user, blocked = found
    user.session_key = key
    remember_standing(user.id, bool(blocked))
    return user
