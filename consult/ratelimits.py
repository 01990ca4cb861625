"""Every rate limit of the app, declared once and counted per account across pages and the API.

A limit is named by what it protects (``vote``, ``post``, ``flag``, ``login``...); its value
comes from the setting ``RATE_LIMIT_<NAME>`` ("N per period"). Each endpoint that does that
thing carries ``@rate_limited("<name>")``, and all of them share one budget: the votes cast on
the discussion page, through the API and on the "vote on the next statement" page are counted
together. Signed-in people are counted per account, everyone else per address. Accounts younger
than ``NEW_ACCOUNT_AGE`` get the stricter ``RATE_LIMIT_<NAME>_NEW_ACCOUNT`` when it is set (or
the limit's own default). Over a limit the answer is 429 with ``Retry-After``: JSON under /api,
the error page elsewhere (consult/errors.py).

:data:`RATE_LIMITED_ENDPOINTS` lists every write endpoint and its limit; :func:`init_app` checks,
once every blueprint is registered, that each of them carries its limit (and adds it if one was
forgotten), so that no write endpoint is ever left unlimited.

Registration and password reset are counted per address, and a request whose form did not
validate (422) is not counted (``counts_rejected_input=False``). Failed logins are also counted per
account, whatever the address, by consult/auth/throttle.py.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, Response, current_app
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits.storage import RedisStorage

from consult.extensions import limiter
from consult.types import utcnow

F = TypeVar("F", bound=Callable[..., Any])

#: The methods a limit counts: reading is never limited.
WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"]


#: The URI scheme prefix of :class:`ScriptedRedisStorage` (``kenes+redis://host:port/db``).
SCRIPTED_REDIS_PREFIX = "kenes+"

#: INCRBY, the window's expiry on its first hit, and the count with the milliseconds left.
_HIT_SCRIPT = """
local current = redis.call("incrby", KEYS[1], tonumber(ARGV[2]))
local ttl = redis.call("pttl", KEYS[1])
if tonumber(current) == tonumber(ARGV[2]) or ttl < 0 then
  redis.call("pexpire", KEYS[1], tonumber(ARGV[1]) * 1000)
  ttl = tonumber(ARGV[1]) * 1000
end
return {current, ttl}
"""

#: How long a hit's answer may stand in for a GET and a TTL of the same counter: the rate-limit
#: headers of the request that made the hit, read microseconds later.
_REUSE_SECONDS = 1.0


class ScriptedRedisStorage(RedisStorage):
    """Redis counters with one round trip per hit (EVAL; the script is sent by its SHA).

    :meth:`incr` keeps what the script answered (per thread), and the next :meth:`get` and
    :meth:`get_expiry` of that counter, each once and within a moment, answer from it instead
    of asking Redis: the fixed-window limiter reads both right after the hit to fill the
    response headers. Any other read asks Redis.
    Everything else (moving windows, ``check``, ``clear``) is the stock Redis storage, and a
    Redis failure raises as it does, so Flask-Limiter's in-memory fallback takes over.
    """

    STORAGE_SCHEME = [f"{SCRIPTED_REDIS_PREFIX}redis", f"{SCRIPTED_REDIS_PREFIX}rediss"]

    def __init__(self, uri: str, **options: Any) -> None:
        self._last = threading.local()
        super().__init__(uri.removeprefix(SCRIPTED_REDIS_PREFIX), **options)

    def initialize_storage(self, _uri: str) -> None:
        super().initialize_storage(_uri)
        self.lua_hit = self.get_connection().register_script(_HIT_SCRIPT.encode())

    def _reuse(self, key: str, field: int) -> Any:
        """The count (field 1) or window end (field 2) of this thread's last hit of ``key``,
        each answered once and only within a moment of the hit; None: ask Redis."""
        last = getattr(self._last, "hit", None)
        if last is None or last[0] != key or time.monotonic() - last[3] > _REUSE_SECONDS:
            return None
        value = last[field]
        if value is not None:
            self._last.hit = tuple(None if i == field else v for i, v in enumerate(last))
        return value

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        prefixed = self.prefixed_key(key)
        count, ttl_ms = self.lua_hit([prefixed], [expiry, amount])
        now = time.time()
        self._last.hit = (prefixed, int(count), now + int(ttl_ms) / 1000, time.monotonic())
        return int(count)

    def get(self, key: str) -> int:
        count = self._reuse(self.prefixed_key(key), 1)
        return int(count) if count is not None else super().get(key)

    def get_expiry(self, key: str) -> float:
        expiry = self._reuse(self.prefixed_key(key), 2)
        return float(expiry) if expiry is not None else super().get_expiry(key)

    def clear(self, key: str) -> None:
        self._last.hit = None
        super().clear(key)


def storage_uri(redis_url: str) -> str:
    """The rate-limit storage URI for a Redis URL (the scripted storage); others unchanged."""
    if redis_url.startswith(("redis://", "rediss://")):
        return SCRIPTED_REDIS_PREFIX + redis_url
    return redis_url


@dataclass(frozen=True)
class RateLimit:
    """One limit: the setting that gives its value, and the default for new accounts."""

    setting: str
    new_account_default: str | None = None
    #: Whether a request the form turns down (422) uses up the budget. Registration does
    #: not: five typos must not lock a household out; logging in does (password guessing).
    counts_rejected_input: bool = True


#: Every limit of the app, by name (the name is also the shared counter's scope).
LIMITS: dict[str, RateLimit] = {
    "login": RateLimit("RATE_LIMIT_LOGIN"),
    "register": RateLimit("RATE_LIMIT_REGISTER", counts_rejected_input=False),
    "password_reset": RateLimit("RATE_LIMIT_PASSWORD_RESET", counts_rejected_input=False),
    "post": RateLimit("RATE_LIMIT_POST"),
    "vote": RateLimit("RATE_LIMIT_VOTE"),
    "importance": RateLimit("RATE_LIMIT_IMPORTANCE"),
    "translate": RateLimit("RATE_LIMIT_TRANSLATE"),
    "flag": RateLimit("RATE_LIMIT_FLAG", new_account_default="10 per hour"),
    "exclusion": RateLimit("RATE_LIMIT_EXCLUSION"),
    "two_factor": RateLimit("RATE_LIMIT_TWO_FACTOR"),
    "verify_email": RateLimit("RATE_LIMIT_VERIFY_EMAIL"),
    "personal_data": RateLimit("RATE_LIMIT_PERSONAL_DATA"),
}

#: Every write endpoint -> the limit it counts against.
RATE_LIMITED_ENDPOINTS: dict[str, str] = {
    "auth.login": "login",
    "auth.register": "register",
    "auth.forgot_password": "password_reset",
    "auth.reset_password": "password_reset",
    "auth.resend_verification": "verify_email",
    "auth.two_factor_login": "two_factor",
    "auth.two_factor_enrol": "two_factor",
    "auth.two_factor_disable": "two_factor",
    "auth.two_factor_recovery_codes": "two_factor",
    "privacy.export": "personal_data",
    "api.privacy_export": "personal_data",
    "privacy.delete_account": "personal_data",
    "api.privacy_delete_account": "personal_data",
    "statements.create": "post",
    "api.create_statement_view": "post",
    "votes.cast": "vote",
    "api.vote_statement": "vote",
    "analysis.next_statement": "vote",
    "votes.importance": "importance",
    "api.statement_importance": "importance",
    "statements.translations": "translate",
    "statements.delete_translation": "translate",
    "api.put_statement_translation": "translate",
    "moderation.flag": "flag",
    "api.moderation_flag_statement": "flag",
    "analysis.exclude_votes": "exclusion",
    "analysis.lift_exclusion": "exclusion",
    "api.exclude_votes": "exclusion",
    "api.lift_vote_exclusion": "exclusion",
}


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
def limit_value(name: str) -> Callable[[], str]:
    """The value of a limit for the current caller (one provider per limit).

    New accounts get ``<setting>_NEW_ACCOUNT`` when configured, else the limit's default.
    """
    limit = LIMITS[name]

    def provider() -> str:
        config = current_app.config
        if is_new_account(current_user):
            stricter = config.get(f"{limit.setting}_NEW_ACCOUNT") or limit.new_account_default
            if stricter:
                return str(stricter)
        return str(config[limit.setting])

    provider.__name__ = f"limit_{name}"
    return provider


def _accepted(response: Response) -> bool:
    """Count a request unless its input was turned down (422 with the form's errors)."""
    return response.status_code != 422


def rate_limited(name: str) -> Callable[[F], F]:
    """Limit a view's writes with the limit ``name``: one budget shared by every view using it.

    Put it below ``login_required`` (or ``login_required_json``).
    """
    if name not in LIMITS:
        raise KeyError(f"unknown rate limit {name!r} (declare it in LIMITS)")
    deduct_when = None if LIMITS[name].counts_rejected_input else _accepted
    decorator = limiter.shared_limit(
        limit_value(name),
        scope=name,
        key_func=rate_limit_key,
        methods=WRITE_METHODS,
        deduct_when=deduct_when,
    )
    return decorator  # type: ignore[return-value]


def _is_limited(view: Any) -> bool:
    # Flask-Limiter marks the wrappers its decorators return with this attribute.
    return getattr(view, "__wrapper-limiter-instance", None) is not None


def unlimited_write_endpoints(app: Flask) -> list[str]:
    """Endpoints of the table that exist but carry no limit (for tests and ``init_app``)."""
    return sorted(
        endpoint
        for endpoint in RATE_LIMITED_ENDPOINTS
        if endpoint in app.view_functions and not _is_limited(app.view_functions[endpoint])
    )


def apply_rate_limits(app: Flask) -> list[str]:
    """Give every listed write endpoint that has no limit its limit; return those limited here."""
    added = unlimited_write_endpoints(app)
    for endpoint in added:
        decorator = rate_limited(RATE_LIMITED_ENDPOINTS[endpoint])
        app.view_functions[endpoint] = decorator(app.view_functions[endpoint])
    return added


def init_app(app: Flask) -> None:
    """Check the limits once every blueprint is registered (a forgotten one is added)."""
    forgotten = apply_rate_limits(app)
    if forgotten:
        app.logger.warning("rate limits added to undecorated endpoints: %s", forgotten)
