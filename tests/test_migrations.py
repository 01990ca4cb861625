"""The migrations build the schema the models describe."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect

from consult.extensions import db
from tests.conftest import _pg_url, create_pg_database, drop_pg_database, make_app


def _fresh_url(tmp_path: Path) -> tuple[str, object | None]:
    base = os.environ.get("KENES_TEST_DATABASE_URL", "")
    if base.startswith("postgres"):
        url = _pg_url(base)
        url = url.set(database=f"{url.database}_mig_{uuid.uuid4().hex[:8]}")
        create_pg_database(url)
        return url.render_as_string(hide_password=False), url
    return f"sqlite:///{tmp_path / 'migrated.sqlite3'}", None


def test_migrations_upgrade_empty_database_to_head_matching_models(tmp_path: Path) -> None:
    url, pg = _fresh_url(tmp_path)
    try:
        app = make_app(url)
        with app.app_context():
            upgrade()
            engine = create_engine(url)
            with engine.connect() as conn:
                diff = compare_metadata(
                    MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata
                )
                tables = set(inspect(conn).get_table_names())
            engine.dispose()
            db.engine.dispose()
        assert diff == []
        assert {"users", "consultations", "statements", "statement_links", "votes"} <= tables
        assert "alembic_version" in tables
    finally:
        if pg is not None:
            drop_pg_database(pg)  # type: ignore[arg-type]
