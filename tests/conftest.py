"""Shared fixtures: a new app and empty database per test, a client, a CLI runner, auth."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL

from consult import create_app
from consult.extensions import db as _db
from tests.seeds import SEEDS, copy_sqlite

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
    "ANALYSIS_ID_KEY": "test-analysis-id-key",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "RATELIMIT_STORAGE_URI": "memory://",
    "ANALYSIS_BACKGROUND": False,
    "COUNTS_MAX_AGE": 0,
    "JOBS_BACKEND": "eager",
    "SERVER_NAME": None,
}


class _SharedBytecode(BytecodeCache):
    """Compiled templates kept for the whole test process: every test builds a new app, and
    compiling the templates again for each one cost more than most view tests themselves.
    Jinja checks each entry against the template source's checksum before using it."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_BYTECODE = _SharedBytecode()


def make_app(database_url: str, **overrides: Any) -> Flask:
    """Build a test app on the given database."""
    config = dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=database_url)
    config.update(overrides)
    app = create_app(config)
    app.jinja_env.bytecode_cache = _BYTECODE
    return app


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


@dataclass(frozen=True)
class SeedTemplate:
    """A seeded database of this worker: where it is, and what its seed function returned."""

    url: str
    data: dict[str, Any]


class SeedTemplates:
    """The seeded databases of one test worker (tests/seeds.py), each built at first use."""

    def __init__(self, database_url: str, folder: Path) -> None:
        self.database_url = database_url
        self.folder = folder
        self.templates: dict[str, SeedTemplate] = {}

    @property
    def postgres(self) -> bool:
        return self.database_url.startswith("postgres")

    def get(self, name: str) -> SeedTemplate:
        if name not in SEEDS:
            raise pytest.UsageError(f"unknown seed {name!r}: see tests/seeds.py")
        if name not in self.templates:
            self.templates[name] = self._build(name)
        return self.templates[name]

    def _build(self, name: str) -> SeedTemplate:
        if self.postgres:
            base = _pg_url(self.database_url)
            url = base.set(database=f"{base.database}_seed_{name.replace('-', '_')}")
            create_pg_database(url)
            target = url.render_as_string(hide_password=False)
        else:
            target = f"sqlite:///{self.folder / f'seed-{name}.sqlite3'}"
        app = make_app(target)
        with app.app_context():
            _db.create_all()
            data = SEEDS[name]()
            _db.session.commit()
            _db.session.remove()
            _db.engine.dispose()  # CREATE DATABASE ... TEMPLATE needs it unused
        return SeedTemplate(target, data)

    def clone_pg(self, name: str) -> URL:
        """Create a PostgreSQL database copied from a seed's template; return its URL."""
        template = _pg_url(self.get(name).url)
        clone = template.set(database=f"{_pg_url(self.database_url).database}_seeded")
        engine = create_engine(_admin_url(clone), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{clone.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{clone.database}" TEMPLATE "{template.database}"'))
        engine.dispose()
        return clone

    def copy_sqlite(self, name: str, app: Flask) -> None:
        """Replace the app's SQLite database by a copy of a seed's template."""
        copy_sqlite(self.get(name).url.removeprefix("sqlite:///"), _db.engine)

    def close(self) -> None:
        if self.postgres:
            for template in self.templates.values():
                drop_pg_database(_pg_url(template.url))


@pytest.fixture(scope="session")
def seed_templates(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SeedTemplates]:
    """This worker's seeded databases (tests/seeds.py)."""
    templates = SeedTemplates(database_url, tmp_path_factory.mktemp("seeds"))
    yield templates
    templates.close()


def _seed_name(request: pytest.FixtureRequest) -> str | None:
    marker = request.node.get_closest_marker("seed")
    return str(marker.args[0]) if marker else None


@pytest.fixture
def app(
    request: pytest.FixtureRequest,
    database_url: str,
    app_config: dict[str, Any],
    seed_templates: SeedTemplates,
) -> Iterator[Flask]:
    """A new app per test, on an empty database holding the whole schema, or on a copy of a
    seeded one for a test marked ``@pytest.mark.seed("<name>")`` (tests/seeds.py)."""
    seed = _seed_name(request)
    clone = seed_templates.clone_pg(seed) if seed and seed_templates.postgres else None
    url = clone.render_as_string(hide_password=False) if clone is not None else database_url
    app = make_app(url, **app_config)
    with app.app_context():
        if not seed_templates.postgres:
            # Copying the schema (or the seed) is several times faster than create_all.
            seed_templates.copy_sqlite(seed or "empty", app)
        yield app
        _db.session.rollback()
    if clone is not None:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()
        drop_pg_database(clone)
    else:
        _empty_database(app)


@pytest.fixture
def seeded(request: pytest.FixtureRequest, app: Flask, seed_templates: SeedTemplates) -> Any:
    """What the seed of a ``@pytest.mark.seed("<name>")`` test returned (ids, counts)."""
    seed = _seed_name(request)
    if seed is None:
        raise pytest.UsageError("the seeded fixture needs @pytest.mark.seed(<name>)")
    return seed_templates.get(seed).data


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
