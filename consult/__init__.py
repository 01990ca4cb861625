"""Kenes web application: the app factory."""

from __future__ import annotations

import importlib
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from consult.config import Config

ROOT = Path(__file__).resolve().parent.parent

# Domain packages, in dependency order. Each may provide views.py (``bp``), api.py (routes on the
# shared API blueprint) and cli.py (``commands``: a list of click commands).
DOMAINS = (
    "auth",
    "consultations",
    "statements",
    "votes",
    "moderation",
    "analysis",
    "responses",
    "reports",
)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure the Kenes app."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
    )
    app.config.from_object(Config)
    app.config.from_prefixed_env("KENES")
    if config:
        app.config.update(config)
    _finish_config(app)

    from consult import errors, extensions, i18n, observability, security

    observability.init_app(app)  # first: logging, request ids
    extensions.db.init_app(app)
    extensions.migrate.init_app(
        app, extensions.db, directory=str(ROOT / "migrations"), render_as_batch=True
    )
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)

    from consult import api, jobs, models  # noqa: F401  (models: register every table)
    from consult.moderation import jobs as moderation_jobs

    jobs.init_app(app)
    moderation_jobs.init_app(app)

    for name in DOMAINS:
        _register_domain(app, name)
    api.init_app(app)
    from consult.ratelimits import apply_rate_limits

    apply_rate_limits(app)  # after every blueprint: no write endpoint left without a limit

    from consult import cli

    cli.init_app(app)

    @app.context_processor
    def inject_endpoints() -> dict[str, object]:
        return {"url_rules": app.view_functions}

    return app


def _finish_config(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        if not (app.debug or app.testing):
            raise RuntimeError(
                "KENES_SECRET_KEY must be set outside debug mode and tests "
                "(make run keeps one in instance/secret_key)"
            )
        app.config["SECRET_KEY"] = secrets.token_urlsafe(48)
    url = app.config.get("SQLALCHEMY_DATABASE_URI") or app.config.get("DATABASE_URL")
    if not url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{Path(app.instance_path) / 'kenes.sqlite3'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(url)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("connect_timeout", int(app.config["DATABASE_CONNECT_TIMEOUT"]))
        options["connect_args"] = connect_args
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        redis_url = app.config.get("REDIS_URL")
        app.config["RATELIMIT_STORAGE_URI"] = redis_url or "memory://"
    if str(app.config["RATELIMIT_STORAGE_URI"]).startswith(("redis", "rediss")):
        timeout = float(app.config["REDIS_SOCKET_TIMEOUT"])
        options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
        options.update(app.config.get("RATELIMIT_STORAGE_OPTIONS") or {})
        app.config["RATELIMIT_STORAGE_OPTIONS"] = options


def _normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the common short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _register_domain(app: Flask, name: str) -> None:
    package = f"consult.{name}"
    for module_name in ("views", "api"):
        try:
            module = importlib.import_module(f"{package}.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{package}.{module_name}":
                raise
            continue
        if module_name == "views":
            for attr in dir(module):
                if attr == "bp" or attr.endswith("_bp"):
                    app.register_blueprint(getattr(module, attr))
