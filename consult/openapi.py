"""The OpenAPI document, generated from the marshmallow schemas and the API views."""

from __future__ import annotations

import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, cast

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from apispec_webframeworks.flask import FlaskPlugin
from flask import Flask
from marshmallow import Schema

_EXTENSION_KEY = "kenes.openapi"

DESCRIPTION = """Public consultations with structured debate.

Authenticate with `Authorization: Bearer <token>` (from `kenes create-token` or the account page),
or with the browser session (then writes need the page's CSRF token in the `X-CSRFToken` header).
Bodies are JSON (`Content-Type: application/json`, else 415). Lists take `?page=&per_page=`
(at most 200) and answer `{items, page, per_page, total}`. Errors answer
`{"error": {"status", "code", "message", "fields"?}}`.
"""


def schema_name(schema: type[Schema] | Schema | str) -> str | None:
    """Name components after their schema class (``ConsultationSchema``).

    Schemas used with modifiers (``only``, ``exclude``, ``partial``...) are inlined instead, so
    that two variants never compete for one name.
    """
    if isinstance(schema, Schema) and (
        schema.only or schema.exclude or schema.partial or schema.load_only or schema.dump_only
    ):
        return None
    cls = resolve_schema_cls(schema)
    return cls.__name__ if isinstance(cls, type) else None


# apispec calls the resolver with schema instances too, and inlines the schema when it returns
# None; its type hints say less (a class in, a name out).
_RESOLVER = cast("Callable[[type[Schema]], str]", schema_name)


def build_spec(app: Flask) -> dict[str, Any]:
    """Build (once per app) the OpenAPI 3 document of every /api/v1 endpoint."""
    cached: dict[str, Any] | None = app.extensions.get(_EXTENSION_KEY)
    if cached is not None:
        return cached
    spec = APISpec(
        title="Kenes API",
        version="1",
        openapi_version="3.0.3",
        info={"description": DESCRIPTION},
        plugins=[FlaskPlugin(), MarshmallowPlugin(schema_name_resolver=_RESOLVER)],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme(
        "session", {"type": "apiKey", "in": "cookie", "name": app.config["SESSION_COOKIE_NAME"]}
    )
    # Lists share these (see consult.api.page_args): name them in a docstring,
    # `parameters: [page, per_page]`.
    spec.components.parameter(
        "page",
        "query",
        {
            "description": "Page number, from 1.",
            "schema": {"type": "integer", "minimum": 1, "default": 1},
        },
    )
    spec.components.parameter(
        "per_page",
        "query",
        {
            "description": "Items per page.",
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": int(app.config["API_MAX_PER_PAGE"]),
                "default": int(app.config["API_PER_PAGE"]),
            },
        },
    )
    spec.components.schema(
        "Error",
        {
            "type": "object",
            "properties": {
                "error": {
                    "type": "object",
                    "properties": {
                        "status": {"type": "integer"},
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "fields": {
                            "type": "object",
                            "description": "Messages per input field (422).",
                        },
                    },
                    "required": ["status", "code", "message"],
                }
            },
        },
    )
    path_types: dict[str, dict[str, str]] = {}
    with app.test_request_context():
        for name, view in sorted(app.view_functions.items()):
            if name.startswith("api."):
                spec.path(view=view, app=app)
                for rule in app.url_map.iter_rules(endpoint=name):
                    path, types = _openapi_path(rule.rule)
                    path_types[path] = types
    document = spec.to_dict()
    _expand_errors(document)
    _default_descriptions(document)
    _declare_path_parameters(document, path_types)
    document["security"] = [{"bearer": []}, {"session": []}, {}]
    app.extensions[_EXTENSION_KEY] = document
    return document


def _expand_errors(document: dict[str, Any]) -> None:
    """Turn each operation's ``x-errors`` into responses with the Error body.

    Docstrings list the error statuses an endpoint answers in one line, ``x-errors: [401, 404]``,
    or with their descriptions, ``x-errors: {401: Not authenticated.}`` (the default description
    is the HTTP reason). A status the docstring's ``responses`` already describe is left alone;
    a 429 carries its ``Retry-After`` header.
    """
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    retry_after = {"Retry-After": {"schema": {"type": "integer"}}}
    for operations in document.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in _METHODS or not isinstance(operation, dict):
                continue
            listed = operation.pop("x-errors", None) or {}
            errors = listed if isinstance(listed, dict) else dict.fromkeys(listed)
            responses = operation.setdefault("responses", {})
            for status, description in errors.items():
                response: dict[str, Any] = {"content": error}
                if description:
                    response["description"] = str(description)
                if str(status) == "429":
                    response["headers"] = retry_after
                responses.setdefault(str(status), response)


def _default_descriptions(document: dict[str, Any]) -> None:
    """Give every response the description OpenAPI requires (default: the HTTP reason)."""
    for operations in document.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in _METHODS or not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                if isinstance(response, dict) and "$ref" not in response:
                    response.setdefault("description", _reason(status))


_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
_RULE_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_CONVERTER_TYPES = {"int": "integer", "float": "number"}


def _openapi_path(rule: str) -> tuple[str, dict[str, str]]:
    """Turn a Flask rule into an OpenAPI path, with the JSON type of each path argument."""
    types: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        types[match["name"]] = _CONVERTER_TYPES.get(match["converter"] or "", "string")
        return "{" + match["name"] + "}"

    return _RULE_ARGUMENT.sub(replace, rule), types


def _declare_path_parameters(
    document: dict[str, Any], path_types: dict[str, dict[str, str]]
) -> None:
    """Declare, at path level, the path arguments an operation's docstring left out."""
    for path, operations in document.get("paths", {}).items():
        declared_everywhere: set[str] | None = None
        for method, operation in operations.items():
            if method not in _METHODS:
                continue
            names = {
                p.get("name") for p in operation.get("parameters", []) if p.get("in") == "path"
            }
            declared_everywhere = (
                names if declared_everywhere is None else declared_everywhere & names
            )
        missing = [
            name for name in path_types.get(path, {}) if name not in (declared_everywhere or set())
        ]
        if missing:
            operations.setdefault("parameters", []).extend(
                {
                    "in": "path",
                    "name": name,
                    "required": True,
                    "schema": {"type": path_types[path][name]},
                }
                for name in missing
            )


def _reason(status: Any) -> str:
    try:
        return HTTPStatus(int(status)).phrase
    except ValueError:
        return "Response"
