"""Domain errors and the HTTP error handlers (HTML pages, JSON under /api)."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from consult.extensions import db, login_manager
from consult.formatting import format_rate_limit, lazy_too_long_message


class ConsultError(Exception):
    """Base class of domain errors raised by services.

    Services pass lazily translated messages (``lazy_gettext``); ``message`` and ``fields`` read
    them as plain text in the language of the request being answered, so neither a flash, a
    form field nor the API's JSON body ever holds a lazy string (whose ``__html__`` would bypass
    escaping).
    """

    status = 400
    code = "bad_request"

    def __init_subclass__(
        cls, *, status: int | None = None, code: str | None = None, **kwargs: Any
    ) -> None:
        """Let a subclass declare its HTTP status and error code in its class line."""
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status = status
        if code is not None:
            cls.code = code

    def __init__(self, message: str = "", *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self._message = message or self.__class__.__doc__ or ""
        self._fields = fields or {}

    @property
    def message(self) -> str:
        """The error's message, translated now."""
        return str(self._message)

    @property
    def fields(self) -> dict[str, list[str]]:
        """Each field's messages, translated now."""
        return {name: [str(m) for m in messages] for name, messages in self._fields.items()}


class ValidationFailed(ConsultError, status=422, code="validation_error"):
    """The input is not valid."""


class NotAllowed(ConsultError, status=403, code="forbidden"):
    """You are not allowed to do this."""


class NotFound(ConsultError, status=404, code="not_found"):
    """Not found."""


class Conflict(ConsultError, status=409, code="conflict"):
    """The request conflicts with the current state."""


def invalid(message: str, field: str, *details: str) -> ValidationFailed:
    """A ValidationFailed whose details name one field."""
    return ValidationFailed(message, fields={field: list(details)})


def too_long(message: str, field: str, limit: int, written: int | None = None) -> ValidationFailed:
    """A ValidationFailed for a text over its length limit (and how long it was, if given)."""
    return invalid(message, field, lazy_too_long_message(limit, written))


def wants_json() -> bool:
    """Tell whether the current request should get a JSON error."""
    return request.path.startswith("/api/")


def json_error(
    status: int, code: str, message: str, fields: dict[str, Any] | None = None
) -> tuple[Any, int]:
    """Build the API's error body."""
    body: dict[str, Any] = {"status": status, "code": code, "message": str(message)}
    if fields:
        body["fields"] = fields
    return jsonify({"error": body}), status


_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(ConsultError)
    def handle_domain_error(exc: ConsultError) -> Any:
        rollback_if_failed(app, exc)
        if wants_json():
            return json_error(exc.status, exc.code, exc.message, exc.fields)
        return render_template("errors/error.html", status=exc.status, message=exc.message), (
            exc.status
        )

    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        rollback_if_failed(app, exc)
        if wants_json():
            response, status = json_error(status, _CODES.get(status, "error"), api_message(exc))
            if status == 429:
                response.headers["Retry-After"] = _retry_after(exc)
            if status == 405 and exc.get_response().headers.get("Allow"):
                response.headers["Allow"] = exc.get_response().headers["Allow"]
            return response, status
        response = exc.get_response()
        html = render_template("errors/error.html", status=status, message=page_message(exc))
        headers = {k: v for k, v in response.headers.items() if k in ("Retry-After", "Allow")}
        if status == 429 and "Retry-After" not in headers:
            headers["Retry-After"] = _retry_after(exc)
        return html, status, headers

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def handle_database_unavailable(exc: Exception) -> Any:
        """The database is unreachable: 503 with Retry-After, not 500 (docs/deploy.md)."""
        return database_unavailable(app, exc)

    @app.teardown_appcontext
    def remove_session_safely(exc: BaseException | None) -> None:
        """End the request's session even if the database went away under it.

        Registered after Flask-SQLAlchemy's own teardown, so it runs first: a rollback on a
        connection PostgreSQL has just terminated must not turn an answered request into a 500.
        """
        try:
            db.session.remove()
        except (OperationalError, InterfaceError) as error:
            app.logger.warning("database connection lost at the end of a request: %s", error)
            db.session.registry.clear()

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception) -> Any:
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        rollback(app)
        if wants_json():
            return json_error(500, "internal_error", _l("Something went wrong on our side."))
        return render_template("errors/error.html", status=500, message=None), 500


def page_message(exc: HTTPException) -> str | None:
    """The explanation an error page shows, in the reader's language.

    Werkzeug's stock descriptions are English only; the page's own translated text replaces
    them. A rate limit's value ("5 per 1 hour") is written out in words.
    """
    description = exc.description or ""
    if (exc.code or 500) == 429:
        limit = getattr(getattr(exc, "limit", None), "limit", None)
        value = str(limit) if limit is not None else description
        if not _LIMIT_TEXT.match(value):
            return None
        return str(_("The limit is %(limit)s.", limit=format_rate_limit(value)))
    if description == type(exc).description:
        return None
    return str(description)


def api_message(exc: HTTPException) -> str:
    """The message of an HTTP error answered as JSON, in the language of the request.

    The error's own description when the code gave one (``abort(400, description=_l(...))``),
    the limit in words for a 429, else a translated sentence for the status: Werkzeug's stock
    descriptions are English only.
    """
    status = exc.code or 500
    message = page_message(exc)
    if message is not None:
        return message
    stock = _STATUS_MESSAGES.get(status)
    return str(stock) if stock is not None else str(exc.description or exc.name)


#: What the API says for an HTTP error the code raised without a message of its own.
_STATUS_MESSAGES = {
    400: _l("The request is not valid."),
    401: _l("Authentication required."),
    403: _l("You are not allowed to do this."),
    404: _l("Not found."),
    405: _l("The method is not allowed for this URL."),
    409: _l("The request conflicts with the current state."),
    413: _l("The request is too large."),
    415: _l("The media type of the body is not supported."),
    422: _l("The input is not valid."),
    429: _l("Too many requests. Try again later."),
    500: _l("Something went wrong on our side."),
    503: _l("The service is temporarily unavailable. Please retry shortly."),
}


_LIMIT_TEXT = re.compile(r"^\s*\d+\s+per\s", re.I)


def rollback(app: Flask) -> None:
    """Roll back the request's transaction before an error page renders.

    A failed statement leaves the transaction unusable; the page (its header reads the signed-in
    user and the unread notifications) must render on a clean one.
    """
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the pool replaces it
        app.logger.debug("rollback before an error page failed", exc_info=True)


def rollback_if_failed(app: Flask, exc: BaseException) -> None:
    """Roll back when a database error led to ``exc`` (its transaction can no longer be used).

    Other errors keep the transaction: what the request flushed before a 4xx stays for its
    caller to commit or roll back.
    """
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, SQLAlchemyError):
            rollback(app)
            return
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    if not db.session.is_active:
        rollback(app)


def database_unavailable(app: Flask, exc: Exception) -> Any:
    """Answer 503 + Retry-After while the database is down (JSON under /api, else a page)."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the pool replaces it
        app.logger.debug("rollback after a database error failed", exc_info=True)
    # The page must not touch the database again: render it for an anonymous visitor.
    g._login_user = login_manager.anonymous_user()
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    app.logger.warning(
        "database unavailable on %s %s: %s: %s",
        request.method,
        request.path,
        exc.__class__.__name__,
        detail[0] if detail else "",
    )
    retry_after = str(int(app.config.get("DATABASE_RETRY_AFTER", 5)))
    if wants_json():
        response, status = json_error(
            503, "unavailable", _l("The service is temporarily unavailable. Please retry shortly.")
        )
    else:
        response = app.make_response(render_template("errors/error.html", status=503, message=None))
        status = 503
    response.status_code = status
    response.headers["Retry-After"] = retry_after
    response.headers["Cache-Control"] = "no-store"
    return response


def _retry_after(exc: HTTPException) -> str:
    response = exc.get_response()
    value = response.headers.get("Retry-After")
    if value:
        return value
    limit = getattr(exc, "limit", None)
    if limit is not None:
        try:
            return str(int(limit.limit.get_expiry()))
        except Exception:  # noqa: BLE001 - fall back to a safe default
            return "60"
    return "60"
