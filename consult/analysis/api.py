"""GET /api/v1/consultations/{id}/analysis, its data-quality panel, and vote exclusions."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, jsonify
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from consult.analysis import quality
from consult.analysis.roles import statement_roles
from consult.analysis.schemas import (  # noqa: F401  (named in the OpenAPI docstring)
    AnalysisPendingSchema,
    AnalysisSchema,
    DataQualitySchema,
    ExclusionInputSchema,
    ExclusionSchema,
    LiftExclusionInputSchema,
    StatementRolesSchema,
)
from consult.analysis.services import get_analysis
from consult.api import ID_RULE, api, load_body, login_required_json, not_found
from consult.consultations.models import Consultation
from consult.consultations.permissions import can_view_consultation
from consult.consultations.services import get_visible_consultation
from consult.extensions import db
from consult.lru import LRU, per_app
from consult.ratelimits import rate_limited
from debate.result import AnalysisResult

#: Seconds a client should wait before asking again while the first analysis is computed.
RETRY_AFTER = 5
#: Answers kept per process (their typed part: checking and re-serialising the stored document
#: costs more than the rest of a read), and the largest analysis kept, in statements.
BODIES_KEPT = 16
BODY_MAX_STATEMENTS = 2_000
_BODIES = "kenes.analysis.bodies"


def _analysis_body(
    consultation_id: int, result: dict[str, Any], computed_at: str
) -> dict[str, Any]:
    """The stored document as the API answers it, checked and with the statements' roles.

    The stored result of one consultation changes only with its computation time (every store
    sets it), so the answer is kept under that key.
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    bodies: LRU[int, tuple[str, dict[str, Any]]] = per_app(app, _BODIES, lambda: LRU(BODIES_KEPT))
    kept = bodies.get(consultation_id)
    if kept is not None and kept[0] == computed_at:
        return kept[1]
    typed = AnalysisResult.from_json(result)
    body = typed.to_json()
    roles = statement_roles(typed)
    body["statement_roles"] = {
        "common_ground": sorted(roles.common_ground, key=_id_order),
        "divisive": sorted(roles.divisive, key=_id_order),
    }
    if len(result.get("statements") or ()) <= BODY_MAX_STATEMENTS:
        bodies.put(consultation_id, (computed_at, body))  # replaces an older computation
    return body


@api.route("/consultations/<id:consultation_id>/analysis")
def consultation_analysis(consultation_id: int) -> Any:
    """The analysis of a consultation, from its current votes.

    Fresh results are cached until the votes change. When a large consultation's votes have
    changed, the last result is returned at once with ``stale: true`` while it is recomputed in
    the background; if there is no result yet, the answer is ``202`` with ``Retry-After``.
    Drafts are answered 404 (except to their owners).
    ---
    get:
      tags: [analysis]
      summary: The analysis of a consultation (opinion groups, consensus, bridging, strength).
      parameters:
        - in: path
          name: consultation_id
          schema: {type: integer}
          required: true
      responses:
        200:
          description: The analysis (API.md section 4) with its freshness.
          content:
            application/json:
              schema: AnalysisSchema
        202:
          description: The first analysis is being computed; ask again after Retry-After.
          content:
            application/json:
              schema: AnalysisPendingSchema
        404:
          description: No such consultation, or a draft.
          content:
            application/json:
              schema: Error
    """
    consultation = get_visible_consultation(consultation_id, current_user)
    result, meta = get_analysis(consultation)
    exclusions = [
        quality.exclusion_dict(e) for e in quality.list_exclusions(consultation) if e.is_active
    ]
    # The refreshed cache, if it was recomputed inline. The commit expires the consultation:
    # only its id (the path's) is used after it, not reloaded.
    db.session.commit()
    if result is None:
        response = jsonify(
            {
                "consultation": consultation_id,
                "status": "computing",
                "stale": True,
                "refreshing": True,
                "retry_after": RETRY_AFTER,
            }
        )
        response.status_code = 202
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response
    computed_at = meta.computed_at.isoformat() if meta.computed_at else None
    body = dict(_analysis_body(consultation_id, result, computed_at or ""))
    body.update(
        consultation=consultation_id,
        computed_at=computed_at,
        stale=meta.stale,
        refreshing=meta.refreshing,
        vote_exclusions=exclusions,
    )
    return jsonify(body)


def _id_order(key: str) -> tuple[int, str]:
    return (int(key), "") if key.isdigit() else (0, key)


def _viewable(consultation_id: int) -> Consultation:
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or not can_view_consultation(current_user, consultation):
        raise not_found(_l("Consultation not found."))
    return consultation


@api.get(f"/consultations/<{ID_RULE}:consultation_id>/data-quality", endpoint="data_quality")
def consultation_data_quality(consultation_id: int) -> Any:
    """The data-quality panel of a consultation.
    ---
    get:
      tags: [analysis]
      summary: Suspected coordinated accounts, unreviewed flags, pending statements, exclusions.
      description: >
        Suspected groups come from the coordinated-voting detection (counts only, no names);
        `exclusions` lists every exclusion of a group's votes from the analysis, lifted ones
        included, with when and by whom.
      x-errors: [404]
      responses:
        200: {content: {application/json: {schema: DataQualitySchema}}}
    """
    consultation = _viewable(consultation_id)
    body = {"consultation": consultation.id, **quality.data_quality(consultation).as_dict()}
    return jsonify(DataQualitySchema().dump(body))


@api.post(f"/consultations/<{ID_RULE}:consultation_id>/exclusions", endpoint="exclude_votes")
@login_required_json
@rate_limited("exclusion")
def exclude_votes(consultation_id: int) -> Any:
    """Leave a suspected group's votes out of the analysis.
    ---
    post:
      tags: [analysis]
      summary: Exclude a suspected coordinated group's votes (moderators, policymakers); logged.
      description: >
        The votes are kept and the exclusion can be lifted. Refused with 422 when fewer than two
        participants would be left, 404 for a group the detection does not report, 409 when the
        group is already excluded.
      requestBody: {content: {application/json: {schema: ExclusionInputSchema}}}
      x-errors: [401, 403, 404, 409, 422, 429]
      responses:
        201: {content: {application/json: {schema: ExclusionSchema}}}
    """
    consultation = _viewable(consultation_id)
    data = load_body(ExclusionInputSchema())
    exclusion = quality.exclude_group(
        consultation, current_user, data["group"], reason=data["reason"]
    )
    return _committed(exclusion), 201


@api.post(
    f"/consultations/<{ID_RULE}:consultation_id>/exclusions/<{ID_RULE}:exclusion_id>/lift",
    endpoint="lift_vote_exclusion",
)
@login_required_json
@rate_limited("exclusion")
def lift_vote_exclusion(consultation_id: int, exclusion_id: int) -> Any:
    """Bring excluded votes back into the analysis.
    ---
    post:
      tags: [analysis]
      summary: Lift an exclusion (moderators, policymakers); logged.
      requestBody: {content: {application/json: {schema: LiftExclusionInputSchema}}}
      x-errors: [401, 403, 404, 409, 422, 429]
      responses:
        200: {content: {application/json: {schema: ExclusionSchema}}}
    """
    consultation = _viewable(consultation_id)
    reason = load_body(LiftExclusionInputSchema())["reason"]
    return _committed(
        quality.lift_exclusion(consultation, current_user, exclusion_id, reason=reason)
    )


def _committed(exclusion: Any) -> Any:
    """Commit, and the exclusion as the API shows it."""
    db.session.commit()
    return jsonify(ExclusionSchema().dump(quality.exclusion_dict(exclusion)))
