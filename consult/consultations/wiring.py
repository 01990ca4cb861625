"""How the consultations domain plugs into the app: its ``init_app``, called by ``create_app``."""

from __future__ import annotations

from flask import Flask

from consult.consultations import api as _api  # noqa: F401  (adds the endpoints to the API)
from consult.consultations import fragments, versions, views


def init_app(app: Flask) -> None:
    """Register the consultation pages, the content-version listeners and the cards' helpers."""
    app.register_blueprint(views.bp)
    versions.listen()
    fragments.install(app)
