"""How the responses domain plugs into the app: its ``init_app``, called by ``create_app``."""

from __future__ import annotations

from flask import Flask

from consult.responses import api as _api  # noqa: F401  (adds the endpoints to the API)
from consult.responses import cli, deadlines, views
from consult.statements.hooks import register_statement_partial, register_thread_context


def init_app(app: Flask) -> None:
    """Register the responses pages, the status-change rules, thread page parts and commands.

    The receivers assign due dates when a consultation closes and refuse to publish the report
    while a required answer is missing.
    """
    app.register_blueprint(views.bp)
    deadlines.connect_receivers()
    register_thread_context(app, views.thread_responses)
    register_statement_partial(app, views.STATEMENT_PARTIAL)
    for command in cli.commands:
        app.cli.add_command(command)
