"""What the moderation API endpoints share: the moderator check and the consultation filter."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from consult.api import ApiError, forbid
from consult.consultations.models import Consultation
from consult.consultations.permissions import can_moderate_consultation
from consult.extensions import db
from consult.moderation.permissions import can_use_moderation


def require_moderator() -> None:
    """403 unless the caller moderates somewhere."""
    if not can_use_moderation(current_user):
        raise forbid(_l("Only moderators and administrators can do this."))


def moderated_consultation(consultation_id: int | None) -> Consultation | None:
    """The consultation a filter or body names: 422 if unknown, 403 if the caller does not
    moderate it, None when none is named."""
    if consultation_id is None:
        return None
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise ApiError(
            422,
            "validation_error",
            _l("Unknown consultation."),
            fields={"consultation": [_l("Unknown.")]},
        )
    if not can_moderate_consultation(current_user, consultation):
        raise forbid(_l("You do not moderate this consultation."))
    return consultation
