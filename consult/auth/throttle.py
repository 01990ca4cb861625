"""Login throttling per account: after repeated failures, an exponential back-off.

The per-address limit is the ``login`` rate limit (consult/ratelimits.py); this module counts
failed logins per account, whichever addresses they come from. ``LOGIN_MAX_FAILURES`` failures
within ``LOGIN_FAILURE_WINDOW`` seconds lock the account's password login for
``LOGIN_BACKOFF_SECONDS``, doubled by every further failure up to ``LOGIN_BACKOFF_MAX``; while
locked even the right password is refused (429 with ``Retry-After``). The owner gets one notice
e-mail when the lock starts. Counters are keyed by a hash of the normalised e-mail whether or not
an account has it, so the lock tells nothing about who has an account.

The counters live in the rate limiter's storage (Redis when ``REDIS_URL`` is set, else the
process's memory). If that storage fails, logins are not locked (logged), as the rate limits do.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from limits.storage import Storage, storage_from_string

from consult.auth.models import User
from consult.notifications.mail import queue_mail

_STORAGE = "kenes.login_throttle"


@dataclass(frozen=True)
class Lock:
    """A lock in force: how many failures led to it and how many seconds it still lasts."""

    failures: int
    retry_after: int


def _storage() -> Storage:
    storage: Storage = current_app.extensions[_STORAGE]
    return storage


def _key(kind: str, email: str) -> str:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return f"kenes-login-{kind}:{digest}"


def login_lock(email: str) -> Lock | None:
    """The lock in force on this account's password login, if any."""
    try:
        storage = _storage()
        if storage.get(_key("lock", email)) <= 0:
            return None
        remaining = storage.get_expiry(_key("lock", email)) - time.time()
        failures = storage.get(_key("fail", email))
    except Exception:  # noqa: BLE001 - a storage outage must not stop logins
        current_app.logger.warning("login throttle storage unavailable", exc_info=True)
        return None
    return Lock(failures=failures, retry_after=max(1, math.ceil(remaining)))


def backoff_seconds(failures: int) -> int:
    """How long the lock lasts after ``failures`` failures (0 below the threshold).

    >>> from flask import Flask
    >>> app = Flask("doc"); app.config.update(LOGIN_MAX_FAILURES=10, LOGIN_BACKOFF_SECONDS=60,
    ...     LOGIN_BACKOFF_MAX=3600)
    >>> with app.app_context():
    ...     [backoff_seconds(n) for n in (9, 10, 11, 12, 20)]
    [0, 60, 120, 240, 3600]
    """
    config = current_app.config
    over = failures - int(config["LOGIN_MAX_FAILURES"])
    if over < 0:
        return 0
    base = int(config["LOGIN_BACKOFF_SECONDS"])
    cap = int(config["LOGIN_BACKOFF_MAX"])
    return int(min(cap, base * 2 ** min(over, 32)))


def record_failure(email: str, user: User | None) -> int:
    """Count a failed login for this account; start or lengthen its lock; return the count.

    When the lock starts, the owner is told by e-mail (sent after the caller commits).
    """
    try:
        storage = _storage()
        failures = storage.incr(
            _key("fail", email), expiry=int(current_app.config["LOGIN_FAILURE_WINDOW"])
        )
        seconds = backoff_seconds(failures)
        if seconds:
            storage.clear(_key("lock", email))
            storage.incr(_key("lock", email), expiry=seconds)
    except Exception:  # noqa: BLE001 - a storage outage must not stop logins
        current_app.logger.warning("login throttle storage unavailable", exc_info=True)
        return 0
    if failures == int(current_app.config["LOGIN_MAX_FAILURES"]) and user and user.email:
        _notify_owner(user, failures)
    return failures


def record_success(email: str) -> None:
    """Forget the account's failures after a successful login."""
    try:
        _storage().clear(_key("fail", email))
    except Exception:  # noqa: BLE001 - a storage outage must not stop logins
        current_app.logger.warning("login throttle storage unavailable", exc_info=True)


def _notify_owner(user: User, failures: int) -> None:
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _("Kenes: repeated failed sign-ins to your account")
        body = _(
            "Someone failed to sign in to your Kenes account %(n)s times in a row. Password "
            "sign-in is paused for a while. If this was not you, nothing is needed: your "
            "password was not accepted. If you fear someone knows it, change it on your "
            "account page.",
            n=failures,
        )
    queue_mail(user.email or "", str(subject), str(body))


def init_app(app: Flask) -> None:
    """Open the counters' storage (the rate limiter's)."""
    uri = str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    options = dict(app.config.get("RATELIMIT_STORAGE_OPTIONS") or {})
    app.extensions[_STORAGE] = storage_from_string(uri, **options)
