"""How the votes domain plugs into the app: its ``init_app``, called by ``create_app``."""

from __future__ import annotations

from flask import Flask

from consult.statements.hooks import register_statement_partial, register_thread_context
from consult.votes import api as _api  # noqa: F401  (adds the endpoint to the API)
from consult.votes import services, views


def init_app(app: Flask) -> None:
    """Register the vote and importance forms and the author's vote on a new statement."""
    app.register_blueprint(views.bp)
    services.connect_receivers()
    register_thread_context(app, views.importance_thread_context, per_viewer=True)
    register_statement_partial(app, views.STATEMENT_PARTIAL)
