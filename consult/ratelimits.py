"""Rate limits on the write endpoints (Flask-Limiter), applied and checked in one place.

Limits come from the ``RATE_LIMIT_*`` settings ("N per period"). Signed-in people are counted
per account, everyone else per address. Accounts younger than ``NEW_ACCOUNT_AGE`` get the
stricter ``RATE_LIMIT_<X>_NEW_ACCOUNT`` when that setting exists. Over a limit the answer is
429 with ``Retry-After``: JSON under /api, the error page elsewhere (consult/errors.py).

Views may carry their own ``@limiter.limit`` (the auth, statements and votes views do). After
every blueprint is registered, :func:`apply_rate_limits` wraps each endpoint of
:data:`RATE_LIMITED_ENDPOINTS` (and the API routes of :data:`RATE_LIMITED_API_ROUTES`) that has
no limit yet, so that a write endpoint is never left unlimited. Flagging shares one budget
between the page and the API (scope ``flag``).

There is no password-reset flow yet; ``RATE_LIMIT_PASSWORD_RESET`` applies to the endpoints
named below as soon as one exists.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from flask_limiter.util import get_remote_address
from flask_login import current_user

from consult.extensions import limiter
from consult.types import utcnow

#: endpoint -> (setting, HTTP methods limited)
RATE_LIMITED_ENDPOINTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "auth.login": ("RATE_LIMIT_LOGIN", ("POST",)),
    "auth.register": ("RATE_LIMIT_REGISTER", ("POST",)),
    "auth.forgot_password": ("RATE_LIMIT_PASSWORD_RESET", ("POST",)),
    "auth.reset_password": ("RATE_LIMIT_PASSWORD_RESET", ("POST",)),
    "statements.create": ("RATE_LIMIT_POST", ("POST",)),
    "votes.cast": ("RATE_LIMIT_VOTE", ("POST",)),
    "moderation.flag": ("RATE_LIMIT_FLAG", ("POST",)),
    "api.moderation_flag_statement": ("RATE_LIMIT_FLAG", ("POST",)),
}

#: (method, URL rule pattern) -> setting, for API routes whose endpoint names other domains pick
RATE_LIMITED_API_ROUTES: dict[tuple[str, str], str] = {
    ("POST", r"^/api/v1/consultations/<[^>]+>/statements$"): "RATE_LIMIT_POST",
    ("PUT", r"^/api/v1/statements/<[^>]+>/vote$"): "RATE_LIMIT_VOTE",
    ("POST", r"^/api/v1/statements/<[^>]+>/flags$"): "RATE_LIMIT_FLAG",
}

#: Default for new accounts' flags when no RATE_LIMIT_FLAG_NEW_ACCOUNT is configured.
FLAG_NEW_ACCOUNT_DEFAULT = "10 per hour"


def rate_limit_key() -> str:
    """Count signed-in people per account, everyone else per address."""
    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"ip:{get_remote_address()}"


def is_new_account(user: Any) -> bool:
    """Tell whether a signed-in account is younger than NEW_ACCOUNT_AGE."""
    if not (user is not None and getattr(user, "is_authenticated", False)):
        return False
    created = getattr(user, "created_at", None)
    return created is not None and utcnow() - created < current_app.config["NEW_ACCOUNT_AGE"]


@functools.cache
def limit_value(setting: str) -> Callable[[], str]:
    """The limit provider for a setting (one per setting, so Flask-Limiter can de-duplicate).

    New accounts get ``<setting>_NEW_ACCOUNT`` when configured.
    """

    def provider() -> str:
        config = current_app.config
        if is_new_account(current_user):
            stricter = config.get(f"{setting}_NEW_ACCOUNT")
            if stricter is None and setting == "RATE_LIMIT_FLAG":
                stricter = FLAG_NEW_ACCOUNT_DEFAULT
            if stricter:
                return str(stricter)
        return str(config[setting])

    provider.__name__ = f"limit_{setting.lower()}"
    return provider


def flag_limit() -> Any:
    """The decorator of the flag views: one budget shared by the page and the API."""
    return limiter.shared_limit(
        limit_value("RATE_LIMIT_FLAG"), scope="flag", key_func=rate_limit_key, methods=["POST"]
    )


def _is_limited(view: Any) -> bool:
    # Flask-Limiter marks the wrappers its decorators return with this attribute.
    return getattr(view, "__wrapper-limiter-instance", None) is not None


def _wanted(app: Flask) -> dict[str, tuple[str, tuple[str, ...]]]:
    wanted = {e: spec for e, spec in RATE_LIMITED_ENDPOINTS.items() if e in app.view_functions}
    for rule in app.url_map.iter_rules():
        for (method, pattern), setting in RATE_LIMITED_API_ROUTES.items():
            if method in (rule.methods or ()) and re.match(pattern, rule.rule):
                wanted.setdefault(rule.endpoint, (setting, (method,)))
    return wanted


def apply_rate_limits(app: Flask) -> list[str]:
    """Limit every write endpoint that has no limit yet; return the endpoints limited here.

    Call it at the end of ``create_app``, after all blueprints are registered.
    """
    added = []
    for endpoint, (setting, methods) in sorted(_wanted(app).items()):
        view = app.view_functions[endpoint]
        if _is_limited(view):
            continue
        decorator = limiter.limit(
            limit_value(setting), key_func=rate_limit_key, methods=list(methods)
        )
        app.view_functions[endpoint] = decorator(view)
        added.append(endpoint)
    return added


def unlimited_write_endpoints(app: Flask) -> list[str]:
    """Endpoints of the table that exist but carry no limit (for tests and ``kenes routes``)."""
    return sorted(e for e in _wanted(app) if not _is_limited(app.view_functions[e]))
