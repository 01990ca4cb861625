"""POST /api/v1/statements/{id}/moderation and /api/v1/moderation/bulk."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import current_user

from consult.api import ID_RULE, api, load_body, login_required_json
from consult.extensions import db
from consult.moderation.api_common import require_moderator
from consult.moderation.common import get_moderatable_statement, open_flag_counts
from consult.moderation.decisions.services import bulk_moderate, moderate_statement
from consult.moderation.schemas import (
    BulkModerationInputSchema,
    BulkResultSchema,
    ModerationInputSchema,
    ModerationResultSchema,
)


@api.post(f"/statements/<{ID_RULE}:statement_id>/moderation", endpoint="moderation_decide")
@login_required_json
def decide(statement_id: int) -> Any:
    """Hide, restore or approve a statement, or dismiss its flags.
    ---
    post:
      tags: [moderation]
      summary: Moderate one statement (moderators of its consultation, admins); logged.
      requestBody: {content: {application/json: {schema: ModerationInputSchema}}}
      x-errors: [401, 403, 404, 409, 422]
      responses:
        200: {content: {application/json: {schema: ModerationResultSchema}}}
    """
    statement = get_moderatable_statement(statement_id, current_user)
    data = load_body(ModerationInputSchema())
    moderate_statement(statement, current_user, data["action"], reason=data["reason"])
    db.session.commit()
    result = {
        "id": statement.id,
        "status": statement.status.value,
        "auto_hidden": bool(statement.auto_hidden),
        "open_flags": open_flag_counts([statement.id]).get(statement.id, 0),
        "action": data["action"],
        "reason": data["reason"],
    }
    return jsonify(ModerationResultSchema().dump(result))


@api.post("/moderation/bulk", endpoint="moderation_bulk")
@login_required_json
def bulk() -> Any:
    """One decision on many statements.
    ---
    post:
      tags: [moderation]
      summary: Apply hide, restore, approve or ignore_flags to up to 200 statements.
      description: >
        Every statement must be in a consultation you moderate (else 403, nothing changes).
        Statements the action does not fit (already hidden, your own...) are skipped and listed.
      requestBody: {content: {application/json: {schema: BulkModerationInputSchema}}}
      x-errors: [401, 403, 404, 422]
      responses:
        200: {content: {application/json: {schema: BulkResultSchema}}}
    """
    require_moderator()
    data = load_body(BulkModerationInputSchema())
    result = bulk_moderate(data["statements"], current_user, data["action"], reason=data["reason"])
    db.session.commit()
    skipped = [{"id": i, "message": m} for i, m in result.skipped]
    body = {"action": data["action"], "done": result.done, "skipped": skipped}
    return jsonify(BulkResultSchema().dump(body))
