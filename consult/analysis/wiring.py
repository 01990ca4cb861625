"""How the analysis domain plugs into the app: its ``init_app``, called by ``create_app``."""

from __future__ import annotations

from flask import Flask

from consult.analysis import api as _api  # noqa: F401  (adds the endpoint to the API)
from consult.analysis import cli, services, tasks, views
from consult.statements.hooks import register_statement_partial, register_thread_context


def init_app(app: Flask) -> None:
    """Register the insights pages, the background refresh, thread page parts and commands."""
    app.register_blueprint(views.bp)
    tasks.use_refresh(app, services.refresh_analysis_by_id)
    register_thread_context(app, views.thread_analysis_context, per_viewer=True)
    register_statement_partial(app, views.STATEMENT_PARTIAL)
    for command in cli.commands:
        app.cli.add_command(command)
