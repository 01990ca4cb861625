"""How the notifications domain plugs into the app: its ``init_app``, called by ``create_app``."""

from __future__ import annotations

from flask import Flask

from consult.notifications import api as _api  # noqa: F401  (adds the endpoints to the API)
from consult.notifications import views
from consult.notifications.mail import init_mail


def init_app(app: Flask) -> None:
    """Register the notifications page and deliver queued mail after each commit."""
    init_mail(app)
    app.register_blueprint(views.bp)
