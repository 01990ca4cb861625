"""How the reports domain plugs into the app: its ``init_app``, called by ``create_app``."""

from __future__ import annotations

from flask import Flask

from consult.reports import api as _api  # noqa: F401  (adds the endpoint to the API)
from consult.reports import cli, views


def init_app(app: Flask) -> None:
    """Register the report pages and the export and import commands."""
    app.register_blueprint(views.bp)
    for command in cli.commands:
        app.cli.add_command(command)
