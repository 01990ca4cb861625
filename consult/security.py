"""Sessions, API tokens and response headers (the account lookups are the auth domain's)."""

from __future__ import annotations

import hashlib
import io
import secrets
from typing import Any

from flask import Flask, Response, jsonify, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from consult.extensions import login_manager

TOKEN_PREFIX = "kns_"
#: Browser features no page uses, turned off for the site and anything it might embed.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)


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

    @app.before_request
    def refuse_oversized_body() -> None:
        """413 for any body over MAX_CONTENT_LENGTH, before authentication or the view runs;
        a chunked body (no Content-Length) is read up to the limit to find out."""
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if limit and (request.content_length or 0) > int(limit):
            raise RequestEntityTooLarge()
        chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
        if not (limit and chunked and request.content_length is None):
            return
        stream = request.environ.get("wsgi.input")
        if stream is None:
            return
        body = stream.read(int(limit) + 1)
        if len(body) > int(limit):
            raise RequestEntityTooLarge()
        # Hand the body read here to the view as if it came from the client.
        request.environ["wsgi.input"] = io.BytesIO(body)
        request.environ["CONTENT_LENGTH"] = str(len(body))
        request.environ["wsgi.input_terminated"] = True
        for name in ("stream", "content_length"):
            request.__dict__.pop(name, None)

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if current_user.is_authenticated:
            # Signed-in pages show personal data (a new API token once): never cached.
            if "no-store" not in response.headers.get("Cache-Control", ""):
                response.headers["Cache-Control"] = "no-store"
            response.headers.setdefault("Pragma", "no-cache")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        return response
