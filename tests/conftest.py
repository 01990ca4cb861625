"""Shared fixtures: a new app and empty database per test, a client, a CLI runner, auth."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL

from consult import create_app
from consult.extensions import db as _db

DEFAULT_URL = "sqlite://"


def _base_url() -> str:
    return os.environ.get("KENES_TEST_DATABASE_URL") or DEFAULT_URL


def is_postgres() -> bool:
    """Tell whether the suite runs on PostgreSQL."""
    return _base_url().startswith("postgres")


def _admin_url(url: URL) -> URL:
    return url.set(database="postgres")


def _pg_url(url: str) -> URL:
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def create_pg_database(url: URL) -> None:
    """Create (or re-create) a PostgreSQL database."""
    engine = create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    engine.dispose()


def drop_pg_database(url: URL) -> None:
    """Drop a PostgreSQL database."""
    engine = create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(worker_id: str) -> Iterator[str]:
    """The database URL of this test worker (one PostgreSQL database per xdist worker)."""
    base = _base_url()
    if not base.startswith("postgres"):
        yield base
        return
    url = _pg_url(base)
    suffix = "" if worker_id == "master" else f"_{worker_id}"
    url = url.set(database=f"{url.database}{suffix}")
    create_pg_database(url)
    engine = create_engine(url)
    from consult import models  # noqa: F401

    _db.metadata.create_all(engine)
    engine.dispose()
    yield url.render_as_string(hide_password=False)
    drop_pg_database(url)


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    """The xdist worker name, or "master" without xdist."""
    workerinput = getattr(request.config, "workerinput", None)
    return str(workerinput["workerid"]) if workerinput else "master"


TEST_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "RATELIMIT_STORAGE_URI": "memory://",
    "ANALYSIS_BACKGROUND": False,
    "COUNTS_MAX_AGE": 0,
    "JOBS_BACKEND": "eager",
    "SERVER_NAME": None,
}


def make_app(database_url: str, **overrides: Any) -> Flask:
    """Build a test app on the given database."""
    config = dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=database_url)
    config.update(overrides)
    return create_app(config)


def _empty_database(app: Flask) -> None:
    with app.app_context():
        _db.session.remove()
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgres"):
            tables = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
            with _db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        _db.engine.dispose()


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Per-test overrides of the app configuration (override this fixture or mutate it)."""
    return {}


@pytest.fixture
def app(database_url: str, app_config: dict[str, Any]) -> Iterator[Flask]:
    """A new app per test, with an empty database holding the whole schema."""
    app = make_app(database_url, **app_config)
    with app.app_context():
        if not database_url.startswith("postgres"):
            _db.create_all()
        yield app
        _db.session.rollback()
    _empty_database(app)


@pytest.fixture
def db(app: Flask) -> Any:
    """The Flask-SQLAlchemy handle, inside the app context."""
    return _db


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner."""
    return app.test_cli_runner()


class AuthActions:
    """Log a user in or out of the test client's session."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, user: Any) -> Any:
        with self._client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        _forget_current_user()
        return user

    def logout(self) -> None:
        with self._client.session_transaction() as session:
            session.clear()
        _forget_current_user()


def _forget_current_user() -> None:
    """Drop Flask-Login's cached user: requests in a test share the fixture's app context (g)."""
    from flask import g, has_app_context

    if has_app_context():
        g.pop("_login_user", None)


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    """Helpers to log users in and out."""
    return AuthActions(client)
