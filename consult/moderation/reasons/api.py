"""GET /api/v1/moderation/reasons: the reason templates."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from consult.api import api, choice_arg, forbid, login_required_json
from consult.moderation.permissions import can_manage_reason_templates
from consult.moderation.reasons.services import TEMPLATE_ACTIONS, list_reason_templates
from consult.moderation.schemas import ReasonTemplateListSchema


@api.get("/moderation/reasons", endpoint="moderation_reasons")
@login_required_json
def reasons() -> Any:
    """The moderation reason templates.
    ---
    get:
      tags: [moderation]
      summary: Reusable reasons, by action.
      parameters:
        - {name: action, in: query, schema: {type: string}}
      x-errors: [401, 403]
      responses:
        200: {content: {application/json: {schema: ReasonTemplateListSchema}}}
    """
    if not can_manage_reason_templates(current_user):
        raise forbid(_l("Only moderators and administrators can do this."))
    action = choice_arg("action", TEMPLATE_ACTIONS)
    return jsonify(ReasonTemplateListSchema().dump({"items": list_reason_templates(action)}))
