"""The "My participation" page: what became of the signed-in person's statements."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user

from consult.languages.shown import remember_translations
from consult.participation.services import list_participation
from consult.responses.services import decision_label
from consult.web import login_required

bp = Blueprint("participation", __name__)


@bp.route("/account/participation")
@login_required
def index() -> Any:
    """The person's statements with their votes, the groups' support, strength and responses."""
    participations = list_participation(current_user)
    remember_translations(
        d.statement for p in participations if p.summary for d in p.summary.differences
    )
    return render_template(
        "participation/index.html",
        participations=participations,
        decision_label=decision_label,
    )
