"""Sessions, API tokens and response headers (the account lookups are the auth domain's)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from flask import Flask, Response, jsonify, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from consult.extensions import login_manager

TOKEN_PREFIX = "kns_"


def hash_token(token: str) -> str:
    """Return the stored form of an API token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """Return a new random API token."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def bearer_token() -> str | None:
    """Return the bearer token of the current request, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def init_app(app: Flask) -> None:
    """Configure Flask-Login and the security headers (consult.auth loads the users)."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    def unauthorized() -> Any:
        if request.path.startswith("/api/"):
            body = {
                "error": {
                    "status": 401,
                    "code": "unauthorized",
                    "message": "Authentication required: log in or send a bearer token.",
                }
            }
            response = jsonify(body)
            response.status_code = 401
            response.headers["WWW-Authenticate"] = 'Bearer realm="kenes"'
            return response
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    login_manager.unauthorized_handler(unauthorized)

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        return response
