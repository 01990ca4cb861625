"""GET /api/v1/me/participation: what became of the caller's statements."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import current_user

from consult.api import api, login_required_json
from consult.participation.schemas import ParticipationListSchema
from consult.participation.services import list_participation


@api.get("/me/participation", endpoint="my_participation")
@login_required_json
def my_participation() -> Any:
    """The caller's participation.
    ---
    get:
      tags: [participation]
      summary: The caller's statements per consultation, with votes, groups' support,
        argument strength and official responses.
      x-errors: [401]
      responses:
        200:
          content:
            application/json: {schema: ParticipationListSchema}
    """
    items = list_participation(current_user)
    return jsonify(ParticipationListSchema().dump({"items": items}))
