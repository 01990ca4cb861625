"""How the statements domain plugs into the app: its ``init_app``, called by ``create_app``."""

from __future__ import annotations

from flask import Flask

from consult.jobs.runtime import register_job
from consult.signals import account_verified, statement_created, statement_published
from consult.statements import api as _api  # noqa: F401  (adds the endpoints to the API)
from consult.statements import translation_api as _translation_api  # noqa: F401  (endpoints)
from consult.statements import translation_views as _translation_views  # noqa: F401  (routes)
from consult.statements import translations, verification, views
from consult.statements.hooks import register_thread_context


def init_app(app: Flask) -> None:
    """Register the statement pages and their translations; publish what an account posted
    before it was verified."""
    app.register_blueprint(views.bp)
    register_thread_context(app, translations.translation_context)
    register_job(app, translations.MACHINE_JOB, translations.machine_translate_job)
    statement_created.connect(translations.request_machine_translation)
    statement_published.connect(translations.request_machine_translation)
    account_verified.connect(verification.publish_after_verification)
