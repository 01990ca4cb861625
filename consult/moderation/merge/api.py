"""POST /api/v1/statements/{id}/merge."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from consult.api import ID_RULE, ApiError, api, load_body, login_required_json
from consult.extensions import db
from consult.moderation.common import get_moderatable_statement
from consult.moderation.merge.services import merge_statements, merge_target
from consult.moderation.schemas import MergeInputSchema, MergeResultSchema


@api.post(f"/statements/<{ID_RULE}:statement_id>/merge", endpoint="moderation_merge")
@login_required_json
def merge(statement_id: int) -> Any:
    """Merge a duplicate into another statement.
    ---
    post:
      tags: [moderation]
      summary: Merge this statement into `into`; its links and votes move, it becomes a redirect.
      description: >
        A person who voted on both keeps their vote on `into`; links that would duplicate one of
        `into`'s or point at itself are dropped.
      requestBody: {content: {application/json: {schema: MergeInputSchema}}}
      x-errors: [401, 403, 404, 409, 422]
      responses:
        200: {content: {application/json: {schema: MergeResultSchema}}}
    """
    source = get_moderatable_statement(statement_id, current_user)
    data = load_body(MergeInputSchema())
    target = merge_target(data["into"], current_user)
    if target is None:
        raise ApiError(
            422,
            "validation_error",
            _l("Unknown statement."),
            fields={"into": [_l("Unknown statement.")]},
        )
    result = merge_statements(source, target, current_user, reason=data["reason"])
    db.session.commit()
    body = {
        "statement": result.source.id,
        "into": result.target.id,
        "status": result.source.status.value,
        "moved_links": result.moved_links,
        "dropped_links": result.dropped_links,
        "moved_votes": result.moved_votes,
        "dropped_votes": result.dropped_votes,
    }
    return jsonify(MergeResultSchema().dump(body))
