"""GET /api/v1/moderation/queue."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import current_user

from consult.api import api, choice_arg, int_arg, login_required_json, page_of
from consult.auth.standing import expire_suspensions
from consult.extensions import db
from consult.moderation.api_common import moderated_consultation, require_moderator
from consult.moderation.models import FlagReason
from consult.moderation.queue.services import (
    QUEUE_STATES,
    ContextItem,
    QueueItem,
    queue_items,
    queue_query,
    queue_summary,
)
from consult.moderation.schemas import QueueItemSchema, QueueListSchema  # noqa: F401  (OpenAPI)
from consult.statements.models import Statement


def _context(items: list[ContextItem]) -> list[dict[str, Any]]:
    return [
        {
            "id": c.statement.id,
            "relation": c.relation,
            "status": c.statement.status.value,
            "text": c.statement.text,
        }
        for c in items
    ]


def queue_item_dict(item: QueueItem) -> dict[str, Any]:
    """The API form of a queue item."""
    statement = item.statement
    author = statement.author
    return {
        "id": statement.id,
        "consultation": statement.consultation_id,
        "consultation_slug": statement.consultation.slug,
        "kind": statement.kind.value,
        "text": statement.text,
        "status": statement.status.value,
        "state": item.state,
        "auto_hidden": bool(statement.auto_hidden),
        "created_at": statement.created_at,
        "queued_at": item.queued_at,
        "flag_count": len(item.flags),
        "reasons": item.reasons,
        "flags": item.flags,
        "author": {
            "id": statement.author_id,
            "name": author.display_name if author else None,
            "statements": item.author_total,
            "hidden": item.author_hidden,
            "blocked": item.author_block is not None,
            "created_at": author.created_at if author else None,
        },
        "targets": _context(item.targets),
        "replies": _context(item.replies),
        "duplicates": [
            {"id": s.id, "status": s.status.value, "text": s.text, "score": score}
            for s, score in item.duplicates
        ],
    }


def _serialize(rows: list[Statement]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = QueueItemSchema(many=True).dump(
        [queue_item_dict(i) for i in queue_items(rows)]
    )
    return items


@api.get("/moderation/queue", endpoint="moderation_queue")
@login_required_json
def queue() -> Any:
    """The moderation queue.
    ---
    get:
      tags: [moderation]
      summary: Pending and flagged statements of your consultations, oldest first.
      parameters:
        - {name: consultation, in: query, schema: {type: integer}}
        - name: reason
          in: query
          schema: {type: string, enum: [spam, offensive, off_topic, other]}
        - {name: state, in: query, schema: {type: string, enum: [flagged, auto_hidden, pending]}}
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
        - {name: per_page, in: query, schema: {type: integer, minimum: 1, maximum: 200}}
      x-errors: [401, 403, 422]
      responses:
        200: {content: {application/json: {schema: QueueListSchema}}}
    """
    require_moderator()
    consultation = moderated_consultation(int_arg("consultation"))
    consultation_id = consultation.id if consultation else None
    reason = choice_arg("reason", [r.value for r in FlagReason])
    state = choice_arg("state", QUEUE_STATES)
    expire_suspensions()
    query = queue_query(current_user, consultation_id=consultation_id, reason=reason, state=state)
    body = page_of(query, _serialize)
    body["summary"] = queue_summary(current_user, consultation_id=consultation_id)
    db.session.commit()
    return jsonify(body)
