"""The login's second step, between a right password and a right code (kept in the session)."""

from __future__ import annotations

import time
from typing import Any

from flask import current_app, redirect, session, url_for

from consult.auth.models import User
from consult.extensions import db

#: session key of the account whose password was right and whose code is awaited
PENDING_KEY = "two_factor_pending"


def begin_second_step(user: User, *, remember: bool, next_url: str | None) -> Any:
    """Hold a password-checked, enrolled account until its code is typed; go to that page."""
    session[PENDING_KEY] = {
        "u": user.id,
        "v": user.session_version or 0,
        "r": bool(remember),
        "n": next_url or "",
        "t": int(time.time()),
    }
    return redirect(url_for("auth.two_factor_login"), 303)


def pending_user() -> User | None:
    """The account awaiting its code, if the step has not timed out or been invalidated."""
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    if time.time() - int(data.get("t") or 0) > int(current_app.config["TWO_FACTOR_LOGIN_SECONDS"]):
        session.pop(PENDING_KEY, None)
        return None
    user = db.session.get(User, data["u"])
    if user is None or (user.session_version or 0) != data.get("v") or user.deleted_at:
        return None
    return user
