"""How the statements domain plugs into the app: its ``init_app``, called by ``create_app``."""

from __future__ import annotations

from flask import Flask

from consult.signals import account_verified
from consult.statements import api as _api  # noqa: F401  (adds the endpoints to the API)
from consult.statements import verification, views


def init_app(app: Flask) -> None:
    """Register the statement pages; publish what an account posted before it was verified."""
    app.register_blueprint(views.bp)
    account_verified.connect(verification.publish_after_verification)
