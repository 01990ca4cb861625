"""POST /api/v1/statements/{id}/flags."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from consult.api import ID_RULE, api, load_body, login_required_json, not_found
from consult.extensions import db
from consult.moderation.flags.services import flag_statement, readable_statement
from consult.moderation.models import FlagReason
from consult.moderation.schemas import FlagInputSchema, FlagSchema
from consult.ratelimits import rate_limited


@api.post(f"/statements/<{ID_RULE}:statement_id>/flags", endpoint="moderation_flag_statement")
@login_required_json
@rate_limited("flag")
def flag_statement_view(statement_id: int) -> Any:
    """Flag a statement for the moderators.
    ---
    post:
      tags: [moderation]
      summary: Report a statement (one flag per person per statement).
      description: >
        Reasons are spam, offensive, off_topic and other (other needs a note). When a statement
        reaches its consultation's flag threshold it is hidden until a moderator reviews it.
        Limited by RATE_LIMIT_FLAG (429 with Retry-After).
      requestBody: {content: {application/json: {schema: FlagInputSchema}}}
      x-errors: [401, 403, 404, 409, 422, 429]
      responses:
        201: {content: {application/json: {schema: FlagSchema}}}
    """
    statement = readable_statement(statement_id, current_user)
    if statement is None:
        raise not_found(_l("Statement not found."))
    data = load_body(FlagInputSchema())
    flag = flag_statement(
        statement, current_user, reason=FlagReason(data["reason"]), note=data.get("note", "")
    )
    db.session.commit()
    return jsonify(FlagSchema().dump(flag)), 201
