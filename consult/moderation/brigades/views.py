"""The coordinated-voting page."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template
from flask_login import current_user

from consult.auth.standing import active_blocks
from consult.consultations.models import Consultation
from consult.consultations.permissions import can_moderate_consultation
from consult.extensions import db
from consult.languages.shown import remember_translations
from consult.moderation.brigades.services import BrigadeReport, brigade_settings, detect_brigades
from consult.moderation.pages import bp, require_moderator
from consult.moderation.permissions import moderated_consultations
from consult.votes.models import VoteValue
from consult.web import id_arg, login_required


@bp.route("/moderation/brigades")
@login_required
def brigades() -> Any:
    """Suspected brigades in one consultation: evidence for a moderator, nothing automatic."""
    require_moderator()
    consultations = moderated_consultations(current_user)
    consultation_id = id_arg("consultation")
    if consultation_id is None and consultations:
        consultation_id = consultations[0].id
    consultation = None
    reports: list[BrigadeReport] = []
    if consultation_id is not None:
        consultation = db.session.get(Consultation, consultation_id)
        if consultation is None:
            abort(404)
        if not can_moderate_consultation(current_user, consultation):
            abort(403)
        reports = detect_brigades(consultation)
    remember_translations(s for r in reports for s, _v, _share in r.statements[:15])
    settings = brigade_settings()
    return render_template(
        "moderation/brigades.html",
        consultations=consultations,
        consultation=consultation,
        reports=reports,
        blocked=active_blocks([u.id for r in reports for u in r.members]),
        vote_label=lambda v: VoteValue(v).label,
        window=settings.window,
        min_similarity=settings.min_similarity,
        min_shared=settings.min_shared,
        active_tab="brigades",
    )
