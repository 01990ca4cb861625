"""The moderation pages' blueprint and what its pages share (each feature adds its routes)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, abort
from flask_babel import gettext as _
from flask_login import current_user

from consult.moderation.forms import template_choices
from consult.moderation.models import ReasonTemplate
from consult.moderation.permissions import can_use_moderation
from consult.moderation.reasons.services import list_reason_templates
from consult.types import utcnow

bp = Blueprint("moderation", __name__)

STATE_LABELS = {
    "flagged": "Flagged",
    "auto_hidden": "Hidden by flags",
    "pending": "Awaiting approval",
    "hidden": "Hidden",
    "visible": "Visible",
}
#: The decisions a moderator takes on one statement (the reason templates offered with them).
DECISIONS = ("hide", "restore", "approve", "ignore_flags")


def require_moderator() -> None:
    """403 unless the viewer moderates somewhere (each sees only their consultations)."""
    if not can_use_moderation(current_user):
        abort(403)


def reason_templates(form: object, actions: tuple[str, ...]) -> dict[int, str]:
    """Offer the reason templates of these actions in the form; return their texts by id."""
    templates: list[ReasonTemplate] = list_reason_templates()
    form.template.choices = template_choices(templates, actions)  # type: ignore[attr-defined]
    return {t.id: t.text for t in templates}


@bp.app_template_filter("mod_duration")
def duration_filter(value: timedelta | float) -> str:
    """A short human duration: "12 min", "3 h", "2 days"."""
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds < 90:
        return str(_("%(n)s s", n=int(seconds)))
    if seconds < 90 * 60:
        return str(_("%(n)s min", n=round(seconds / 60)))
    if seconds < 36 * 3600:
        return str(_("%(n)s h", n=round(seconds / 3600)))
    return str(_("%(n)s days", n=round(seconds / 86400)))


@bp.app_template_filter("mod_age")
def age_filter(value: datetime | None) -> str:
    """How long ago: "5 min", "3 days"."""
    if value is None:
        return ""
    return duration_filter(utcnow() - value)
