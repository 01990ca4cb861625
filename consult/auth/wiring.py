"""How the auth domain plugs into the app: its ``init_app``, called by ``create_app``."""

from __future__ import annotations

from typing import Any

from flask import Flask

from consult.api import use_token_resolver
from consult.auth import account, cli, throttle, views
from consult.auth import api as _api  # noqa: F401  (adds the endpoints to the API)
from consult.auth.services import user_for_token
from consult.auth.sessions import load_session_user
from consult.extensions import login_manager
from consult.security import bearer_token


def _user_from_request(request: Any) -> Any:
    token = bearer_token()
    return user_for_token(token) if token else None


def init_app(app: Flask) -> None:
    """Load users from sessions and bearer tokens; register the pages and the commands."""
    throttle.init_app(app)
    login_manager.user_loader(load_session_user)
    login_manager.request_loader(_user_from_request)
    use_token_resolver(app, user_for_token)
    app.register_blueprint(views.bp)
    app.register_blueprint(views.admin_bp)
    app.register_blueprint(account.bp)
    for command in cli.commands:
        app.cli.add_command(command)
