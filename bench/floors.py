"""Floors of a vote: routes bench/web.py measures against the vote and the bare hello.

Each floor does less than the one before it, so the gaps between them say where a vote's time
goes on this stack (same gunicorn configuration, same PostgreSQL, same wrk script shape):

- ``PUT /bench/floor``: the app's request hooks, the bearer token's lookup (one query, with the
  owner's standing), the vote's rate limit (one Redis round trip), a commit and a JSON answer;
- ``PUT /bench/write``: one durable write and nothing else of the app's own work: a pooled
  psycopg connection (no SQLAlchemy, no ORM, no Flask-Login, no rate limit), one
  ``INSERT .. ON CONFLICT DO UPDATE`` into a scratch table and its ``COMMIT``;
- ``PUT /bench/auth``: the app's request hooks, the caller recognised by a bearer token checked
  against hashes held in memory (no database, no rate limit), a JSON answer.

The app's request hooks (request id, security headers, the JSON log line, metrics) run for all
three, as they do for a vote.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, abort, jsonify, request
from flask_login import UserMixin, current_user
from sqlalchemy import make_url, select

from consult.api import login_required_json
from consult.extensions import csrf, db, limiter, login_manager
from consult.ratelimits import limit_value, rate_limit_key
from consult.security import bearer_token, hash_token

#: The scratch table of /bench/write: a vote's shape (key, account, value, time).
_CREATE = (
    "CREATE TABLE IF NOT EXISTS bench_scratch_votes (k integer NOT NULL, u integer NOT NULL, "
    "v smallint NOT NULL, at timestamptz NOT NULL, PRIMARY KEY (k, u))"
)
_UPSERT = (
    "INSERT INTO bench_scratch_votes (k, u, v, at) VALUES (%s, %s, %s, now()) "
    "ON CONFLICT (k, u) DO UPDATE SET v = excluded.v, at = excluded.at"
)


class _TokenUser(UserMixin):
    """A signed-in caller known by id only."""

    def __init__(self, user_id: int) -> None:
        self.id = user_id


class ConnectionPool:
    """A minimal pool of psycopg connections, opened on first use (one per serving thread)."""

    def __init__(self, dsn: str, size: int) -> None:
        self.dsn = dsn
        self._idle: queue.LifoQueue[Any] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """Borrow a connection; it goes back to the pool when the block ends."""
        import psycopg

        self._slots.acquire()
        try:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                conn = psycopg.connect(self.dsn)
            try:
                yield conn
            except BaseException:
                conn.close()
                raise
            self._idle.put(conn)
        finally:
            self._slots.release()


def _psycopg_dsn(sqlalchemy_url: str) -> str:
    url = make_url(sqlalchemy_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def add_floor_routes(app: Flask) -> Flask:
    """Add the three floors to ``app`` (PostgreSQL only for /bench/write)."""
    floor_limit = limiter.shared_limit(limit_value("vote"), scope="vote", key_func=rate_limit_key)

    @login_required_json
    def floor() -> Any:
        """Answer the signed-in caller's id after an (empty) commit."""
        user_id = current_user.id
        db.session.commit()
        return jsonify({"user": user_id})

    pool = ConnectionPool(_psycopg_dsn(app.config["SQLALCHEMY_DATABASE_URI"]), size=32)
    ready = threading.Event()

    def _scratch_table() -> None:
        if ready.is_set():
            return
        with pool.connection() as conn:
            conn.execute(_CREATE)
            conn.commit()
        ready.set()

    def write() -> Any:
        """One upsert and its commit on a pooled psycopg connection."""
        _scratch_table()
        body = request.get_json(silent=True) or {}
        key, user = int(body.get("k", 0)), int(body.get("u", 0))
        with pool.connection() as conn:
            conn.execute(_UPSERT, (key, user, int(body.get("v", 1))))
            conn.commit()
        return jsonify({"k": key, "u": user})

    known: dict[str, int] = {}
    loaded = threading.Lock()

    def auth() -> Any:
        """Answer the caller's id, recognised from the token hashes held in memory."""
        if not known:
            from consult.auth.models import ApiToken

            with loaded:
                rows = db.session.execute(
                    select(ApiToken.token_hash, ApiToken.user_id).where(
                        ApiToken.revoked_at.is_(None)
                    )
                ).all()
                db.session.rollback()
                known.update({h: uid for h, uid in rows})
        token = bearer_token()
        user_id = known.get(hash_token(token)) if token else None
        if user_id is None:
            abort(401)
        # Flask-Login would otherwise ask the database (the security headers read current_user).
        login_manager._update_request_context_with_user(_TokenUser(user_id))
        return jsonify({"user": user_id})

    # Like the API's endpoints: a bearer token, no browser session, hence no CSRF token.
    app.add_url_rule(
        "/bench/floor", "bench_floor", csrf.exempt(floor_limit(floor)), methods=["PUT"]
    )
    app.add_url_rule("/bench/write", "bench_write", csrf.exempt(write), methods=["PUT"])
    app.add_url_rule("/bench/auth", "bench_auth", csrf.exempt(auth), methods=["PUT"])
    return app
