"""``/healthz`` (the process answers) and ``/readyz`` (database, Redis, queue).

``/readyz`` answers 503 only when the database is unreachable: without Redis the app keeps
serving (limits fall back to process memory, jobs to in-process threads), so a load balancer
must not take every web process out of rotation because Redis is down. Redis and the queue are
reported, as ``"degraded"`` when down: the jobs package adds those checks (:func:`use_check`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text

from consult.extensions import db

bp = Blueprint("health", __name__)

#: a readiness check: details (or None) when its dependency answers, an exception when not
Check = Callable[[], dict[str, Any] | None]
_CHECKS_KEY = "kenes_readiness_checks"


@bp.route("/healthz")
def healthz() -> Any:
    """Alive: the process answers (no dependency is checked)."""
    response = jsonify({"status": "ok"})
    response.headers["Cache-Control"] = "no-store"
    return response


def _timed(check: Check) -> dict[str, Any]:
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


def use_check(app: Flask, name: str, check: Check) -> None:
    """Report ``check`` in ``/readyz`` under ``name`` (higher layers add theirs: Redis, queue).

    A check returns a dict of details (or None) and raises when its dependency is down; it is
    reported as ``"degraded"`` and never makes the process unready (only the database does).
    """
    app.extensions.setdefault(_CHECKS_KEY, {})[name] = check


@bp.route("/readyz")
def readyz() -> Any:
    """Ready: the database answers (503 if not); Redis and the queue are reported."""
    checks: dict[str, Any] = {"database": _timed(_database)}
    for name, check in current_app.extensions.get(_CHECKS_KEY, {}).items():
        checks[name] = _timed(check)
    ready = checks["database"]["ok"]
    degraded = not all(c["ok"] for c in checks.values())
    status = "ok" if not degraded else ("degraded" if ready else "unavailable")
    response = jsonify({"status": status, "checks": checks})
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    if not ready:
        response.headers["Retry-After"] = str(current_app.config.get("DATABASE_RETRY_AFTER", 5))
    return response
