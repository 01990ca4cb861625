"""Per-key locks and debounce marks: in Redis when configured, in this process otherwise.

- A *run lock* (``acquire``/``release``/``extend``) lets one run of a keyed job at a time go on
  ("one analysis refresh per consultation at a time"). It expires by itself (``ttl``), so a
  killed worker cannot hold it forever; long jobs extend it while they report progress.
- A *pending mark* (``mark_pending``/``clear_pending``) debounces: the first request to enqueue a
  keyed job within the debounce window sets the mark and schedules one run at the end of the
  window; the others find the mark and are absorbed. The run clears the mark when it starts, so
  what arrives while it runs schedules exactly one follow-up run.

With ``REDIS_URL`` these hold across every process and machine (``SET NX PX`` and a
compare-and-delete script). Without it, or while Redis is unreachable (see
:class:`~consult.jobs.redisconn.RedisGate`), the same operations run on dictionaries of this
process: enough for ``make run`` (one process), and safe for the idempotent jobs during an outage.
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any

from flask import Flask

from consult.jobs.redisconn import redis_client, redis_gate

_PREFIX = "kenes:jobs:"

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
_EXTEND = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""


class LocalLocks:
    """Locks and marks in this process (thread-safe); entries expire like Redis keys."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[str, float]] = {}
        self._guard = threading.Lock()

    def _live(self, key: str, now: float) -> tuple[str, float] | None:
        entry = self._entries.get(key)
        if entry is not None and entry[1] <= now:
            del self._entries[key]
            return None
        return entry

    def set_nx(self, key: str, value: str, ttl: float) -> bool:
        now = time.monotonic()
        with self._guard:
            if self._live(key, now) is not None:
                return False
            self._entries[key] = (value, now + ttl)
            return True

    def delete_if(self, key: str, value: str | None) -> None:
        with self._guard:
            entry = self._live(key, time.monotonic())
            if entry is not None and (value is None or entry[0] == value):
                del self._entries[key]

    def extend_if(self, key: str, value: str, ttl: float) -> bool:
        now = time.monotonic()
        with self._guard:
            entry = self._live(key, now)
            if entry is None or entry[0] != value:
                return False
            self._entries[key] = (value, now + ttl)
            return True

    def exists(self, key: str) -> bool:
        with self._guard:
            return self._live(key, time.monotonic()) is not None


_local = LocalLocks()


class KeyLocks:
    """The app's locks and marks: Redis when configured and reachable, else :data:`_local`."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def _redis(self) -> Any | None:
        client = redis_client(self.app)
        if client is None or not redis_gate(self.app).should_try():
            return None
        return client

    def _call(self, what: str, fn: Any) -> tuple[bool, Any]:
        """Run ``fn(client)`` on Redis; (False, None) if Redis is absent or failed."""
        client = self._redis()
        if client is None:
            return False, None
        import redis

        gate = redis_gate(self.app)
        try:
            value = fn(client)
        except (redis.RedisError, OSError) as exc:
            gate.failed(exc, what)
            return False, None
        gate.succeeded()
        return True, value

    # -- run locks ---------------------------------------------------------------------------

    def acquire(self, key: str, ttl: float) -> str | None:
        """Take the run lock of ``key`` for ``ttl`` seconds; its token, or None if held."""
        name = f"{_PREFIX}lock:{key}"
        token = secrets.token_hex(8)
        ok, value = self._call(
            "lock", lambda r: r.set(name, "R" + token, nx=True, px=int(ttl * 1000))
        )
        if ok:
            return "R" + token if value else None
        return "L" + token if _local.set_nx(name, "L" + token, ttl) else None

    def release(self, key: str, token: str) -> None:
        """Give the run lock back (only if still ours; it may have expired meanwhile)."""
        name = f"{_PREFIX}lock:{key}"
        if token.startswith("L"):
            _local.delete_if(name, token)
            return
        self._call("unlock", lambda r: r.eval(_RELEASE, 1, name, token))

    def extend(self, key: str, token: str, ttl: float) -> bool:
        """Keep holding the run lock for another ``ttl`` seconds; False if it was lost."""
        name = f"{_PREFIX}lock:{key}"
        if token.startswith("L"):
            return _local.extend_if(name, token, ttl)
        ok, value = self._call("extend", lambda r: r.eval(_EXTEND, 1, name, token, int(ttl * 1000)))
        return bool(value) if ok else True  # Redis down: keep going, the job is idempotent

    def is_locked(self, key: str) -> bool:
        """Tell whether a run of ``key`` holds the lock right now."""
        name = f"{_PREFIX}lock:{key}"
        ok, value = self._call("exists", lambda r: r.exists(name))
        return bool(value) if ok else _local.exists(name)

    # -- debounce marks ----------------------------------------------------------------------

    def mark_pending(self, key: str, ttl: float) -> bool:
        """Set the pending mark of ``key``; False if one is already set (the caller is absorbed)."""
        name = f"{_PREFIX}pending:{key}"
        ok, value = self._call("debounce", lambda r: r.set(name, "1", nx=True, px=int(ttl * 1000)))
        if ok:
            return bool(value)
        return _local.set_nx(name, "1", ttl)

    def clear_pending(self, key: str) -> None:
        """Remove the pending mark of ``key`` (a run starts: later changes need another run)."""
        name = f"{_PREFIX}pending:{key}"
        _local.delete_if(name, None)
        self._call("debounce", lambda r: r.delete(name))
