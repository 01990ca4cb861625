"""Flask extensions, created unbound and initialised in the app factory."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase

from consult.config import ROOT

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def dialect_insert(model: Any) -> Any:
    """An INSERT into ``model`` for the session's database (PostgreSQL, else SQLite), which
    takes an ON CONFLICT clause."""
    dialect = db.session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(model)


def upsert(model: Any, values: dict[str, Any], key: str = "consultation_id") -> None:
    """Insert the row, or replace every other column of the row with the same ``key``, in one
    statement (concurrent writers cannot clash); a loaded copy of the row is expired."""
    stmt = dialect_insert(model).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[getattr(model, key)],
        set_={k: stmt.excluded[k] for k in values if k != key},
    )
    db.session.execute(stmt)
    loaded = db.session.identity_map.get(db.session.identity_key(model, values[key]))
    if loaded is not None:
        db.session.expire(loaded)


def init_app(app: Flask) -> None:
    """Initialise the database, migrations, CSRF protection and the rate limiter."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
