"""``/healthz`` (the process answers) and ``/readyz`` (database, Redis, queue).

``/readyz`` answers 503 only when the database is unreachable: without Redis the app keeps
serving (limits fall back to process memory, jobs to in-process threads), so a load balancer
must not take every web process out of rotation because Redis is down. Redis and the queue are
reported, as ``"degraded"`` when down.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from consult.extensions import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz() -> Any:
    """Alive: the process answers (no dependency is checked)."""
    response = jsonify({"status": "ok"})
    response.headers["Cache-Control"] = "no-store"
    return response


def _timed(check: Any) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = check() or {}
        result = {"ok": True, **result}
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        result = {"ok": False, "error": type(exc).__name__}
    result["ms"] = round(1000 * (time.perf_counter() - started), 1)
    return result


def _database() -> dict[str, Any]:
    try:
        db.session.execute(text("SELECT 1"))
    finally:
        db.session.rollback()
    return {}


def _redis() -> dict[str, Any] | None:
    from consult.jobs.redisconn import redis_client

    client = redis_client(current_app)
    if client is None:
        return None
    client.ping()
    return {}


def _queue() -> dict[str, Any]:
    from consult.jobs import backend_for
    from consult.jobs.queue import QUEUE
    from consult.jobs.redisconn import redis_client

    backend = backend_for(current_app)
    if backend != "celery":
        return {"backend": backend}
    client = redis_client(current_app)
    assert client is not None
    return {"backend": backend, "depth": int(client.llen(QUEUE))}


@bp.route("/readyz")
def readyz() -> Any:
    """Ready: the database answers (503 if not); Redis and the queue are reported."""
    checks: dict[str, Any] = {"database": _timed(_database)}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _timed(_redis)
    checks["queue"] = _timed(_queue)
    ready = checks["database"]["ok"]
    degraded = not all(c["ok"] for c in checks.values())
    status = "ok" if not degraded else ("degraded" if ready else "unavailable")
    response = jsonify({"status": status, "checks": checks})
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    if not ready:
        response.headers["Retry-After"] = str(current_app.config.get("DATABASE_RETRY_AFTER", 5))
    return response
