"""Consultation pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user

from consult.consultations.services import consultation_counts, list_visible_consultations

bp = Blueprint("consultations", __name__)


@bp.route("/")
def index() -> Any:
    """List the consultations the visitor may see."""
    consultations = list_visible_consultations(current_user)
    counts = consultation_counts([c.id for c in consultations])
    return render_template("consultations/index.html", consultations=consultations, counts=counts)
