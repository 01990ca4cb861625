"""Who may give official responses, see deadlines and read reports."""

from __future__ import annotations

from typing import Any

from consult.consultations.models import Consultation, ConsultationStatus
from consult.consultations.permissions import can_edit_consultation, can_view_consultation


def can_respond_consultation(user: Any, consultation: Consultation) -> bool:
    """The consultation's policymakers (its owners) and admins answer, once it is public."""
    return consultation.status is not ConsultationStatus.draft and can_edit_consultation(
        user, consultation
    )


def can_manage_responses(user: Any, consultation: Consultation) -> bool:
    """The consultation's policymakers and admins see due dates and extend them."""
    return can_edit_consultation(user, consultation)


def can_view_responses(user: Any, consultation: Consultation) -> bool:
    """Official responses are public wherever the consultation is."""
    return can_view_consultation(user, consultation)


def can_view_report(user: Any, consultation: Consultation) -> bool:
    """Anyone once reported; its policymakers and admins at any time."""
    if consultation.status is ConsultationStatus.reported:
        return True
    return can_edit_consultation(user, consultation)
