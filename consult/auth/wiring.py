"""How the auth domain plugs into the app: its ``init_app``, called by ``create_app``."""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from consult.api import use_token_resolver
from consult.auth import account, cli, names, recovery, throttle, twofactor_views, views
from consult.auth import api as _api  # noqa: F401  (adds the endpoints to the API)
from consult.auth import recovery_views as _recovery_views  # noqa: F401  (pages on views.bp)
from consult.auth.services import user_for_token
from consult.auth.sessions import load_session_user
from consult.extensions import login_manager
from consult.jobs.runtime import register_job
from consult.security import bearer_token


def _user_from_request(request: Any) -> Any:
    token = bearer_token()
    return user_for_token(token) if token else None


def _api_token_owner(token: str) -> Any:
    # A write commits the token's last use with its own transaction; a read commits it at once.
    return user_for_token(token, commit=request.method in ("GET", "HEAD", "OPTIONS"))


def init_app(app: Flask) -> None:
    """Load users from sessions and bearer tokens; register the pages and the commands."""
    throttle.init_app(app)
    login_manager.user_loader(load_session_user)
    login_manager.request_loader(_user_from_request)
    use_token_resolver(app, _api_token_owner)
    # recovery_views and twofactor_views add their pages to views.bp (imported above).
    app.before_request(twofactor_views.require_staff_two_factor)
    register_job(app, recovery.RESET_JOB, recovery.password_reset_mail_job)
    register_job(app, recovery.REGISTRATION_JOB, recovery.registration_mail_job)
    register_job(app, recovery.VERIFY_JOB, recovery.verification_mail_job)
    app.register_blueprint(views.bp)
    app.register_blueprint(views.admin_bp)
    app.register_blueprint(account.bp)
    app.add_template_filter(names.shown_name, "shown_name")
    for command in cli.commands:
        app.cli.add_command(command)
