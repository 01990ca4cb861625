"""How the participation domain plugs into the app: its ``init_app``, called by ``create_app``."""

from __future__ import annotations

from flask import Flask

from consult.participation import api as _api  # noqa: F401  (adds the endpoint to the API)
from consult.participation import views


def init_app(app: Flask) -> None:
    """Register the "My participation" page."""
    app.register_blueprint(views.bp)
