"""The migrations build the schema the models describe."""

from __future__ import annotations

import ast
import os
import re
import uuid
from pathlib import Path
from typing import Any

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


MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _imported_modules(source: str) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_migrations_never_import_app_code() -> None:
    """A migration must run the same after the models change: it never imports consult."""
    scripts = sorted(MIGRATIONS.rglob("*.py"))
    assert len(scripts) >= 3  # env.py and the versions
    for path in scripts:
        imported = _imported_modules(path.read_text(encoding="utf-8"))
        assert not {m for m in imported if m.split(".")[0] == "consult"}, path.name
        assert not re.search(r"\bconsult\.[a-z_]", path.read_text(encoding="utf-8")), path.name
    template = (MIGRATIONS / "script.py.mako").read_text(encoding="utf-8")
    assert not re.search(r"\bconsult\b", template)


def test_autogenerate_renders_the_app_column_types_without_consult() -> None:
    """env.py's render_item writes UTCDateTime as the plain type it is in the database."""
    from consult.types import UTCDateTime

    tree = ast.parse((MIGRATIONS / "env.py").read_text(encoding="utf-8"))
    hook = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "render_item")
    namespace: dict[str, Any] = {}
    exec(compile(ast.Module(body=[hook], type_ignores=[]), "env.py", "exec"), namespace)  # noqa: S102
    render_item = namespace["render_item"]
    assert render_item("type", UTCDateTime(timezone=True), None) == "sa.DateTime(timezone=True)"
    assert render_item("type", object(), None) is False
