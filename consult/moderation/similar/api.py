"""GET /api/v1/consultations/{id}/similar: statements that resemble a text."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from consult.api import ID_RULE, ApiError, api, int_arg
from consult.consultations.services import get_visible_consultation
from consult.formatting import too_long_message
from consult.moderation.schemas import SimilarListSchema
from consult.moderation.similar.services import similar_statements

SIMILAR_TEXT_MAX = 2000


@api.get(f"/consultations/<{ID_RULE}:consultation_id>/similar", endpoint="moderation_similar")
def similar(consultation_id: int) -> Any:
    """Statements that resemble a text (to avoid posting duplicates).
    ---
    get:
      tags: [moderation]
      summary: Visible statements of the consultation similar to `text`, best first.
      security: [{}]
      parameters:
        - {name: text, in: query, required: true, schema: {type: string, maxLength: 2000}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 10}}
      x-errors: [404, 422]
      responses:
        200: {content: {application/json: {schema: SimilarListSchema}}}
    """
    consultation = get_visible_consultation(consultation_id, current_user)
    text = request.args.get("text", "")
    if len(text) > SIMILAR_TEXT_MAX:
        raise ApiError(
            422,
            "validation_error",
            _l("The text is too long."),
            fields={"text": [too_long_message(SIMILAR_TEXT_MAX)]},
        )
    limit = int_arg("limit") or 5
    if not 1 <= limit <= 10:
        raise ApiError(
            422, "validation_error", _l("Invalid limit."), fields={"limit": [_l("From 1 to 10.")]}
        )
    items = [
        {
            "id": s.id,
            "text": s.text,
            "kind": s.kind.value,
            "score": score,
            "url": f"/statements/{s.id}",
        }
        for s, score in similar_statements(consultation, text, limit=limit)
    ]
    return jsonify(SimilarListSchema().dump({"items": items}))
