"""GET /api/v1/consultations/{id}/analysis."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import current_user

from consult.analysis.schemas import (  # noqa: F401  (named in the OpenAPI docstring)
    AnalysisPendingSchema,
    AnalysisSchema,
)
from consult.analysis.services import get_analysis
from consult.api import api, not_found
from consult.consultations.models import Consultation
from consult.consultations.permissions import can_view_consultation
from consult.extensions import db
from debate.result import AnalysisResult

#: Seconds a client should wait before asking again while the first analysis is computed.
RETRY_AFTER = 5


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
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or not can_view_consultation(current_user, consultation):
        raise not_found("Consultation")
    result, meta = get_analysis(consultation)
    db.session.commit()  # the refreshed cache, if it was recomputed inline
    if result is None:
        response = jsonify(
            {
                "consultation": consultation.id,
                "status": "computing",
                "stale": True,
                "refreshing": True,
                "retry_after": RETRY_AFTER,
            }
        )
        response.status_code = 202
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response
    body = AnalysisResult.from_json(result).to_json()
    body.update(
        consultation=consultation.id,
        computed_at=meta.computed_at.isoformat() if meta.computed_at else None,
        stale=meta.stale,
        refreshing=meta.refreshing,
    )
    return jsonify(body)
