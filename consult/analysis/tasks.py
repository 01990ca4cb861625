"""Background refresh of analyses: an in-process thread pool, coordinated through Redis if set.

A page request never waits on a long recomputation: it schedules one here and serves the last
result. What a refresh does is given by the analysis domain's ``init_app`` (:func:`use_refresh`),
so that this module needs nothing from the services that schedule it. Within a process, a
consultation is refreshed by at most one thread at a time. When ``REDIS_URL``
(``KENES_REDIS_URL``) is configured, a ``SET NX EX`` lock makes that hold across every worker
process too: whoever takes the lock recomputes, the others keep serving the cached result. No
Celery: the work is one function call.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from typing import Any

import redis
from flask import Flask, current_app

from consult.extensions import db

log = logging.getLogger(__name__)

_LOCK_PREFIX = "kenes:analysis:refresh:"
_REFRESH_KEY = "kenes.analysis.refresh"
#: Recomputes and stores one consultation's analysis (flushes; the task commits).
Refresh = Callable[[int], None]
_guard = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_inflight: dict[int, Future[Any]] = {}


def _pool(app: Flask) -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        workers = int(app.config.get("ANALYSIS_WORKERS", 1) or 1)
        _executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kenes-analysis")
    return _executor


def use_refresh(app: Flask, refresh: Refresh) -> None:
    """Tell the background tasks how to refresh an analysis (the analysis domain does)."""
    app.extensions[_REFRESH_KEY] = refresh


def _redis(app: Flask) -> Any | None:
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    client = app.extensions.get("kenes_analysis_redis")
    if client is None:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        app.extensions["kenes_analysis_redis"] = client
    return client


def is_refreshing(consultation_id: int) -> bool:
    """Tell whether this process is refreshing the consultation's analysis right now."""
    with _guard:
        future = _inflight.get(consultation_id)
        return future is not None and not future.done()


def schedule_refresh(consultation_id: int) -> bool:
    """Recompute a consultation's analysis in the background; False if one is already running."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    with _guard:
        future = _inflight.get(consultation_id)
        if future is not None and not future.done():
            return False
        _inflight[consultation_id] = _pool(app).submit(_run, app, consultation_id)
    return True


def wait_for_refreshes(timeout: float | None = None) -> None:
    """Block until every scheduled refresh of this process has finished (CLI and tests)."""
    with _guard:
        pending = list(_inflight.values())
    wait_futures(pending, timeout=timeout)


def _run(app: Flask, consultation_id: int) -> bool:
    """Refresh one analysis in its own app context and session; never raises."""
    refresh: Refresh = app.extensions[_REFRESH_KEY]
    with app.app_context():
        redis_client = _redis(app)
        lock_key = f"{_LOCK_PREFIX}{consultation_id}"
        token = secrets.token_hex(8)
        try:
            if redis_client is not None:
                ttl = int(app.config.get("ANALYSIS_LOCK_SECONDS", 600))
                if not redis_client.set(lock_key, token, nx=True, ex=ttl):
                    return False  # another worker is on it
            refresh(consultation_id)
            db.session.commit()
            return True
        except Exception:  # a failed refresh must not kill the pool; the next request retries
            db.session.rollback()
            log.exception("analysis refresh of consultation %s failed", consultation_id)
            return False
        finally:
            if redis_client is not None:
                try:
                    if redis_client.get(lock_key) == token.encode():
                        redis_client.delete(lock_key)
                except Exception:  # noqa: BLE001 - the lock expires by itself
                    log.warning("could not release the analysis lock %s", lock_key)
            db.session.remove()
