"""The shared Redis client of the jobs package and a circuit breaker for when Redis is down.

Redis is optional (``REDIS_URL``). When it is configured but unreachable, callers fall back to
their in-process equivalent; :class:`RedisGate` makes them stop trying for a few seconds after a
failure (so a dead Redis costs one refused connection per few seconds, not one per request) and
logs one warning per outage.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import redis
from flask import Flask

log = logging.getLogger("kenes.redis")

_EXTENSION = "kenes_redis"


class RedisGate:
    """Remember that Redis failed, and let callers skip it until ``retry_after`` has passed."""

    def __init__(self, retry_after: float = 5.0) -> None:
        self.retry_after = retry_after
        self._down_since: float | None = None
        self._next_try = 0.0
        self._lock = threading.Lock()

    @property
    def is_down(self) -> bool:
        return self._down_since is not None

    def should_try(self) -> bool:
        """True when Redis is thought up, or when it is time to probe it again."""
        return self._down_since is None or time.monotonic() >= self._next_try

    def failed(self, exc: BaseException, what: str) -> None:
        """Record a failure; the first one of an outage is logged as a warning."""
        with self._lock:
            first = self._down_since is None
            now = time.monotonic()
            if first:
                self._down_since = now
            self._next_try = now + self.retry_after
        if first:
            log.warning("Redis unreachable (%s: %s); falling back to in-process", what, exc)

    def succeeded(self) -> None:
        """Record a success; the end of an outage is logged."""
        if self._down_since is None:
            return
        with self._lock:
            down_for = time.monotonic() - (self._down_since or time.monotonic())
            self._down_since = None
        log.warning("Redis reachable again after %.1f s", down_for)


def redis_client(app: Flask) -> Any | None:
    """The app's Redis client (short timeouts), or None without ``REDIS_URL``."""
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    state = app.extensions.get(_EXTENSION)
    if state is None:
        timeout = float(app.config.get("REDIS_SOCKET_TIMEOUT", 1.0))
        client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30
        )
        gate = RedisGate(float(app.config.get("REDIS_RETRY_SECONDS", 5.0)))
        state = app.extensions[_EXTENSION] = (client, gate)
    return state[0]


def redis_gate(app: Flask) -> RedisGate:
    """The app's circuit breaker for Redis."""
    if redis_client(app) is None:
        state = app.extensions.setdefault(_EXTENSION + "_gate", (None, RedisGate()))
        return state[1]  # type: ignore[no-any-return]
    return app.extensions[_EXTENSION][1]  # type: ignore[no-any-return]
