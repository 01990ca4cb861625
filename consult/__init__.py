"""Kenes web application: the app factory.

``create_app`` applies the configuration, sets up logging, request ids and the health and metrics
endpoints (:mod:`consult.observability`), initialises the extensions, then wires every domain in
layer order (the kernel first: accounts, the audit log, notifications, background jobs) by
calling each one's ``init_app`` (``consult/<domain>/wiring.py``): it registers the domain's
blueprints and API endpoints, connects its signal receivers, thread page hooks and jobs, and adds
its commands. Nothing connects by being imported. See docs/architecture.md.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from consult import api, commands, errors, extensions, i18n, ratelimits, security, text, web
from consult import models as _models  # noqa: F401  (every table, for create_all and Alembic)
from consult.analysis import wiring as analysis
from consult.audit import wiring as audit
from consult.auth import wiring as auth
from consult.config import ROOT, Config
from consult.consultations import wiring as consultations
from consult.jobs import wiring as jobs
from consult.languages import wiring as languages
from consult.moderation import wiring as moderation
from consult.moderation.permissions import audit_scope
from consult.notifications import wiring as notifications
from consult.observability import wiring as observability
from consult.participation import wiring as participation
from consult.privacy import wiring as privacy
from consult.reports import wiring as reports
from consult.responses import wiring as responses
from consult.statements import wiring as statements
from consult.votes import wiring as votes

__all__ = ["ROOT", "MissingSetting", "create_app"]


class MissingSetting(RuntimeError):
    """A setting production cannot start without (the message is one line for the operator)."""


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

    observability.init_app(app)  # first: logging, request ids, /healthz, /readyz, /metrics
    extensions.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    web.init_app(app)  # the id converter, before any blueprint's routes

    # The kernel, then the domains, lower layers first (jobs before auth: auth registers jobs).
    jobs.init_app(app)
    auth.init_app(app)
    audit.init_app(app, scope=audit_scope)
    notifications.init_app(app)
    languages.init_app(app)
    consultations.init_app(app)
    statements.init_app(app)
    votes.init_app(app)
    moderation.init_app(app)
    analysis.init_app(app)
    responses.init_app(app)
    reports.init_app(app)
    privacy.init_app(app)
    participation.init_app(app)
    api.init_app(app)  # after every domain added its endpoints
    ratelimits.init_app(app)  # after every blueprint: no write endpoint left without its limit
    app.cli.add_command(commands.seed_demo_command)

    # User text (statements, consultation summary and background, official responses) is shown
    # through this filter: Markdown with raw HTML escaped, sanitised by an allowlist.
    app.add_template_filter(text.render_markdown, "render_markdown")

    @app.context_processor
    def inject_endpoints() -> dict[str, object]:
        return {"url_rules": app.view_functions}

    return app


def _finish_config(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        if not (app.debug or app.testing):
            raise MissingSetting(
                "KENES_SECRET_KEY must be set outside debug mode and tests "
                "(make run keeps one in instance/secret_key)"
            )
        app.config["SECRET_KEY"] = secrets.token_urlsafe(48)
    if not app.config.get("ANALYSIS_ID_KEY"):
        # The anonymised ids in exports must outlive a rotation of the session secret: production
        # keeps its own key. Debug and tests, which keep nothing, derive one from the secret.
        if not (app.debug or app.testing):
            raise MissingSetting(
                "KENES_ANALYSIS_ID_KEY must be set outside debug mode and tests "
                "(make run keeps one in instance/analysis_id_key)"
            )
        app.config["ANALYSIS_ID_KEY"] = app.config["SECRET_KEY"]
    for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if app.config.get(name) is None:
            app.config[name] = not (app.debug or app.testing)
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
        if app.config.get("DATABASE_OPTIONS"):
            connect_args.setdefault("options", str(app.config["DATABASE_OPTIONS"]))
        options["connect_args"] = connect_args
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        redis_url = app.config.get("REDIS_URL")
        # Redis counters through the scripted storage: one round trip per hit.
        app.config["RATELIMIT_STORAGE_URI"] = (
            ratelimits.storage_uri(redis_url) if redis_url else "memory://"
        )
    if str(app.config["RATELIMIT_STORAGE_URI"]).startswith(
        ("redis", "rediss", ratelimits.SCRIPTED_REDIS_PREFIX)
    ):
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
