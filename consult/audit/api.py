"""GET /api/v1/moderation/audit: the audit log (JSON or CSV)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from consult.api import (
    ApiError,
    api,
    choice_arg,
    datetime_arg,
    forbid,
    int_arg,
    login_required_json,
    page_of,
)
from consult.audit.access import readable_scope
from consult.audit.schemas import AuditEntrySchema, AuditListSchema  # noqa: F401  (OpenAPI)
from consult.audit.services import AuditFilters, AuditScope, audit_query
from consult.audit.views import csv_response


def _text_arg(name: str) -> str | None:
    return request.args.get(name, "").strip()[:40] or None


def api_filters(scope: AuditScope) -> AuditFilters:
    """Read the log's filters from the query string (422 on bad values, 403 outside scope)."""
    filters = AuditFilters(
        consultation_id=int_arg("consultation"),
        action=_text_arg("action"),
        actor_id=int_arg("actor"),
        target_type=_text_arg("target_type"),
        target_id=int_arg("target_id"),
        since=datetime_arg("since"),
        until=datetime_arg("until"),
    )
    cid = filters.consultation_id
    if cid is not None and cid not in scope.consultations:
        if scope.consultation_ids is None:  # administrators: every consultation is offered
            raise ApiError(
                422,
                "validation_error",
                _l("Unknown consultation."),
                fields={"consultation": [_l("Unknown.")]},
            )
        raise forbid(_l("You do not moderate this consultation."))
    return filters


@api.get("/moderation/audit", endpoint="moderation_audit")
@login_required_json
def audit() -> Any:
    """The audit log.
    ---
    get:
      tags: [moderation]
      summary: Moderation and administration actions, newest first (`?format=csv` to export).
      description: >
        Moderators read the entries of the consultations they moderate; admins everything.
      parameters:
        - {name: consultation, in: query, schema: {type: integer}}
        - {name: action, in: query, schema: {type: string}}
        - {name: actor, in: query, schema: {type: integer}}
        - {name: target_type, in: query, schema: {type: string}}
        - {name: target_id, in: query, schema: {type: integer}}
        - {name: since, in: query, schema: {type: string, format: date-time}}
        - {name: until, in: query, schema: {type: string, format: date-time}}
        - {name: format, in: query, schema: {type: string, enum: [json, csv]}}
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
        - {name: per_page, in: query, schema: {type: integer, minimum: 1, maximum: 200}}
      x-errors: [401, 403, 422]
      responses:
        200:
          content:
            application/json: {schema: AuditListSchema}
            text/csv: {schema: {type: string}}
    """
    scope = readable_scope(current_user)
    if scope is None:
        raise forbid(_l("Only moderators and administrators can do this."))
    fmt = choice_arg("format", ["json", "csv"]) or "json"
    filters = api_filters(scope)
    if fmt == "csv":
        return csv_response(scope, filters, "kenes-audit.csv")
    return jsonify(page_of(audit_query(scope, filters), AuditEntrySchema(many=True).dump))
