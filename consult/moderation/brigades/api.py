"""GET /api/v1/moderation/brigades."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import jsonify
from flask_babel import lazy_gettext as _l

from consult.api import ApiError, api, int_arg, login_required_json
from consult.auth.standing import active_blocks
from consult.moderation.api_common import moderated_consultation, require_moderator
from consult.moderation.brigades.services import BrigadeReport, brigade_settings, detect_brigades
from consult.moderation.schemas import BrigadeListSchema
from consult.votes.models import VoteValue


def brigade_dict(report: BrigadeReport, blocked: set[int]) -> dict[str, Any]:
    """The API form of a suspected brigade."""
    return {
        "consultation": report.consultation.id,
        "size": report.size,
        "similarity": round(report.similarity, 4),
        "min_similarity": round(report.min_similarity, 4),
        "pairs": report.pairs,
        "created_from": report.created_from,
        "created_to": report.created_to,
        "span_seconds": report.span.total_seconds(),
        "members": [
            {
                "id": u.id,
                "name": u.display_name,
                "created_at": u.created_at,
                "blocked": u.id in blocked,
            }
            for u in report.members
        ],
        "statements": [
            {"id": s.id, "text": s.text, "vote": VoteValue(v).label, "unanimity": round(share, 3)}
            for s, v, share in report.statements
        ],
    }


def _bounded(name: str, low: int, high: int, message: str) -> int | None:
    value = int_arg(name)
    if value is not None and not low <= value <= high:
        raise ApiError(
            422,
            "validation_error",
            message,
            fields={name: [_l("%(low)s to %(high)s.", low=low, high=high)]},
        )
    return value


@api.get("/moderation/brigades", endpoint="moderation_brigades")
@login_required_json
def brigades() -> Any:
    """Suspected coordinated voting.
    ---
    get:
      tags: [moderation]
      summary: Accounts created close together whose votes are near identical (a report).
      description: >
        Pairs of accounts created within `window_minutes` of each other that gave the same
        answer on at least `min_similarity` of the at least `min_shared` statements both voted
        on, grouped. Nobody is blocked automatically.
      parameters:
        - {name: consultation, in: query, required: true, schema: {type: integer}}
        - {name: window_minutes, in: query, schema: {type: integer, minimum: 1, maximum: 10080}}
        - {name: min_shared, in: query, schema: {type: integer, minimum: 2, maximum: 1000}}
      x-errors: [401, 403, 422]
      responses:
        200: {content: {application/json: {schema: BrigadeListSchema}}}
    """
    require_moderator()
    consultation = moderated_consultation(int_arg("consultation"))
    if consultation is None:
        raise ApiError(
            422,
            "validation_error",
            _l("Choose a consultation."),
            fields={"consultation": [_l("Required.")]},
        )
    window = _bounded("window_minutes", 1, 10080, _l("Invalid window."))
    min_shared = _bounded("min_shared", 2, 1000, _l("Invalid minimum."))
    reports = detect_brigades(
        consultation,
        window=timedelta(minutes=window) if window else None,
        min_shared=min_shared,
    )
    blocked = set(active_blocks([u.id for r in reports for u in r.members]))
    settings = brigade_settings()
    parameters = {
        "window_minutes": window or int(settings.window.total_seconds() // 60),
        "min_similarity": settings.min_similarity,
        "min_shared": min_shared or settings.min_shared,
    }
    items = [brigade_dict(r, blocked) for r in reports]
    return jsonify(BrigadeListSchema().dump({"items": items, "parameters": parameters}))
