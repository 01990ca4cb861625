"""The OpenAPI document, generated from the marshmallow schemas and the API views."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec_webframeworks.flask import FlaskPlugin
from flask import Flask

_cache: dict[int, dict[str, Any]] = {}


def build_spec(app: Flask) -> dict[str, Any]:
    """Build (once per app) the OpenAPI 3 document of every /api/v1 endpoint."""
    key = id(app)
    if key in _cache:
        return _cache[key]
    spec = APISpec(
        title="Kenes API",
        version="1",
        openapi_version="3.0.3",
        info={"description": "Public consultations with structured debate."},
        plugins=[FlaskPlugin(), MarshmallowPlugin()],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
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
                        "fields": {"type": "object"},
                    },
                }
            },
        },
    )
    with app.test_request_context():
        for name, view in sorted(app.view_functions.items()):
            if name.startswith("api.") and name != "api.openapi":
                spec.path(view=view, app=app)
    _cache[key] = spec.to_dict()
    return _cache[key]
