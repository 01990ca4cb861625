"""How the privacy domain plugs into the app: its ``init_app``, called by ``create_app``."""

from __future__ import annotations

from flask import Flask

from consult.jobs.runtime import register_job
from consult.privacy import api as _api  # noqa: F401  (adds the endpoints to the API)
from consult.privacy import services, views


def init_app(app: Flask) -> None:
    """Register the privacy pages and the personal-data export job."""
    register_job(
        app,
        services.EXPORT_JOB,
        services.export_job,
        tracked=True,
        result_ttl=float(app.config["PERSONAL_DATA_TTL"]),
    )
    app.register_blueprint(views.bp)
