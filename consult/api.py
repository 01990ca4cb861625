"""The JSON API blueprint (/api/v1) and the helpers its endpoints share.

Every domain adds its endpoints to :data:`api` from its own ``api.py`` (imported by the domain's
``init_app``); :func:`init_app` registers the blueprint once they all have. Who owns a bearer
token is the auth domain's knowledge: it gives this module a resolver (:func:`use_token_resolver`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from marshmallow import Schema, ValidationError, fields
from sqlalchemy import Select

from consult.errors import ConsultError, json_error
from consult.extensions import csrf, login_manager
from consult.openapi import build_spec
from consult.schemas import CleanString
from consult.security import bearer_token
from consult.web import MAX_ID, MAX_PAGE, has_control_characters, paginate, parse_id, parse_int

api = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(api)

F = TypeVar("F", bound=Callable[..., Any])

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
__all__ = ["MAX_ID", "MAX_PAGE", "api"]

#: The converter of ids in API routes: ``f"/statements/<{ID_RULE}:statement_id>"``, the same
#: ``id`` converter as the pages' (consult.web.IdConverter: ASCII digits, 1..MAX_ID, else 404).
ID_RULE = "id"
WWW_AUTHENTICATE = 'Bearer realm="kenes"'
_TOKEN_RESOLVER = "kenes.api.token_resolver"

#: Finds the owner of a valid bearer token (None when it is unknown or revoked).
TokenResolver = Callable[[str], Any]


def use_token_resolver(app: Flask, resolver: TokenResolver) -> None:
    """Tell the API how to find who a bearer token belongs to (the auth domain does)."""
    app.extensions[_TOKEN_RESOLVER] = resolver


class ApiError(ConsultError):
    """An error answered with the API's JSON error body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message, fields=fields)
        self.status = status
        self.code = code


@api.url_value_preprocessor
def check_ids(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Answer 404 for path integers no row can have (a plain ``<id:...>`` takes any size)."""
    for value in (values or {}).values():
        if isinstance(value, int) and value > MAX_ID:
            raise ApiError(404, "not_found", _("Not found."))


@api.before_request
def check_request() -> Any:
    """Enforce JSON bodies on writes, and CSRF when the browser session authenticates."""
    if request.method in WRITE_METHODS:
        has_body = bool(request.content_length) or request.headers.get("Transfer-Encoding")
        if has_body and not request.is_json:
            return json_error(
                415, "unsupported_media_type", _("Send the body as application/json.")
            )
    token = bearer_token()
    if token is not None:
        # A token that was sent decides who the caller is (even over a browser session), and
        # it must be valid, even where anonymous access is allowed.
        user = current_app.extensions[_TOKEN_RESOLVER](token)
        login_manager._update_request_context_with_user(user)
        if user is None:
            response, status = json_error(
                401, "invalid_token", _("The bearer token is unknown or revoked.")
            )
            response.headers["WWW-Authenticate"] = f'{WWW_AUTHENTICATE}, error="invalid_token"'
            return response, status
    elif (
        request.method in WRITE_METHODS
        and current_app.config.get("WTF_CSRF_ENABLED", True)
        and current_user.is_authenticated
    ):
        # Only the browser session needs it: anonymous writes are answered 401 by the views.
        try:
            csrf.protect()
        except CSRFError:
            return json_error(
                400,
                "csrf_failed",
                _(
                    "The CSRF token is missing or not valid. Send the page's CSRF token in the "
                    "X-CSRFToken header, or authenticate with a bearer token."
                ),
            )
    return None


def login_required_json(view: F) -> F:
    """Answer 401 JSON unless the request is authenticated."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            raise ApiError(401, "unauthorized", _("Authentication required."))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def forbid(message: str | None = None) -> ApiError:
    """Build a 403 error (its message a translatable sentence, ``_l("...")``)."""
    return ApiError(403, "forbidden", message or _l("You are not allowed to do this."))


def not_found(message: str | None = None) -> ApiError:
    """Build a 404 error: ``not_found(_l("Statement not found."))``, a whole sentence."""
    return ApiError(404, "not_found", message or _l("Not found."))


def load_body(schema: Schema, *, partial: bool = False) -> dict[str, Any]:
    """Validate the JSON body with a marshmallow schema, or raise a 400/422."""
    raw = request.get_data(cache=True)
    if raw.strip():
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            raise ApiError(400, "bad_request", _("The body is not valid JSON.")) from None
    else:
        data = {}
    if not isinstance(data, dict):
        raise ApiError(422, "validation_error", _("The body must be a JSON object."))
    bad = _control_character_fields(data, schema)
    if bad:
        raise ApiError(
            422,
            "validation_error",
            _("The input is not valid."),
            fields={name: [_("Remove the control characters.")] for name in bad},
        )
    try:
        result: dict[str, Any] = schema.load(data, partial=partial)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ApiError(
            422,
            "validation_error",
            _("The input is not valid."),
            fields=messages,
        ) from exc
    return result


def _control_character_fields(data: Any, schema: Schema | None, path: str = "") -> list[str]:
    """The fields (dotted paths) of a JSON document whose keys or strings hold control chars.

    Strings loaded by a :class:`consult.schemas.CleanString` field are left to it: it strips
    control characters, as it does for all user text.
    """
    if isinstance(data, str):
        return [path or "_schema"] if has_control_characters(data) else []
    found: list[str] = []
    if isinstance(data, dict):
        declared = schema.fields if schema is not None else {}
        for key, value in data.items():
            name = f"{path}.{key}" if path else str(key)
            if has_control_characters(str(key)):
                found.append(path or "_schema")
                continue
            field = declared.get(str(key))
            if isinstance(field, CleanString):
                continue
            found += _control_character_fields(value, _nested_schema(field), name)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _control_character_fields(
                value, schema, f"{path}.{index}" if path else str(index)
            )
    return found


def _nested_schema(field: Any) -> Schema | None:
    """The schema a (list of) nested field loads, if any."""
    if isinstance(field, fields.List):
        field = field.inner
    if isinstance(field, fields.Nested) and isinstance(field.schema, Schema):
        return field.schema
    return None


def page_args() -> tuple[int, int]:
    """Read ``page`` and ``per_page`` from the query string, or raise a 422."""
    fields: dict[str, list[str]] = {}
    raw_page = request.args.get("page", "1").strip()
    page = parse_int(raw_page, minimum=1, maximum=MAX_PAGE) or 1
    if parse_int(raw_page, minimum=1, maximum=MAX_PAGE) is None:
        fields["page"] = [_("Must be an integer from 1 to %(maximum)s.", maximum=MAX_PAGE)]
    default = int(current_app.config["API_PER_PAGE"])
    maximum = int(current_app.config["API_MAX_PER_PAGE"])
    raw_per_page = request.args.get("per_page", str(default)).strip()
    per_page = parse_int(raw_per_page, minimum=1, maximum=maximum) or default
    if parse_int(raw_per_page, minimum=1, maximum=maximum) is None:
        fields["per_page"] = [_("Must be an integer from 1 to %(maximum)s.", maximum=maximum)]
    if fields:
        raise ApiError(422, "validation_error", _("Invalid pagination."), fields=fields)
    return page, per_page


def created(body: Any, location: str) -> Response:
    """201 Created: the new resource, and its API URL in ``Location``."""
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = location
    return response


def int_arg(name: str) -> int | None:
    """An id from the query string, or None when absent (422 when it is not an id)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    value = parse_id(raw)
    if value is None:
        raise ApiError(
            422, "validation_error", _("Invalid filter."), fields={name: [_("Not an id.")]}
        )
    return value


def choice_arg(name: str, choices: Sequence[str]) -> str | None:
    """One of ``choices`` from the query string, or None when absent (422 otherwise)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if raw not in choices:
        raise ApiError(
            422,
            "validation_error",
            _("Invalid filter."),
            fields={name: [_("Choose one of: %(choices)s.", choices=", ".join(choices))]},
        )
    return raw


def datetime_arg(name: str) -> datetime | None:
    """An ISO 8601 date-time from the query string (UTC when it has no zone), or None."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ApiError(
            422, "validation_error", _("Invalid date."), fields={name: [_("Use ISO 8601.")]}
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def page_of(
    query: Select[Any], serialize: Callable[[list[Any]], list[dict[str, Any]]]
) -> dict[str, Any]:
    """Run one page of a query (``?page=&per_page=``) and build the API's list envelope."""
    page, per_page = page_args()
    result = paginate(query, page=page, per_page=per_page)
    return {
        "items": serialize(result.items),
        "page": page,
        "per_page": per_page,
        "total": result.total,
    }


@api.errorhandler(ApiError)
def handle_api_error(exc: ApiError) -> Any:
    response, status = json_error(exc.status, exc.code, exc.message, exc.fields)
    if status == 401:
        response.headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    return response, status


@api.route("/openapi.json")
def openapi() -> Any:
    """The OpenAPI 3 document of the API.
    ---
    get:
      tags: [meta]
      summary: This document (OpenAPI 3, generated from the marshmallow schemas).
      security: [{}]
      responses:
        200:
          description: The OpenAPI document.
          content:
            application/json:
              schema: {type: object}
    """
    return jsonify(build_spec(current_app))


def init_app(app: Flask) -> None:
    """Register the API blueprint (after every domain's ``init_app`` added its endpoints)."""
    app.register_blueprint(api)
