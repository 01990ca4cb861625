"""Who may see and change consultations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from consult.consultations.models import (
    Consultation,
    ConsultationMember,
    ConsultationStatus,
    MemberRole,
)
from consult.extensions import db


def _authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def has_membership(user: Any, consultation: Consultation, role: MemberRole) -> bool:
    """Tell whether the user holds this role in the consultation."""
    if not _authenticated(user) or consultation.id is None:
        return False
    return (
        db.session.scalar(
            select(ConsultationMember.id).where(
                ConsultationMember.consultation_id == consultation.id,
                ConsultationMember.user_id == user.id,
                ConsultationMember.role == role,
            )
        )
        is not None
    )


def is_owner(user: Any, consultation: Consultation) -> bool:
    """Tell whether the user is one of the consultation's policymakers."""
    return has_membership(user, consultation, MemberRole.owner)


def can_view_consultation(user: Any, consultation: Consultation) -> bool:
    """Drafts are visible to their owners and admins; the rest to everyone."""
    if consultation.status is not ConsultationStatus.draft:
        return True
    return _authenticated(user) and (user.is_admin or is_owner(user, consultation))


def can_create_consultation(user: Any) -> bool:
    """Policymakers and admins create consultations."""
    return _authenticated(user) and bool(user.is_policymaker)


def can_edit_consultation(user: Any, consultation: Consultation) -> bool:
    """The consultation's policymakers and admins edit it."""
    if not _authenticated(user):
        return False
    return bool(user.is_admin) or (user.is_policymaker and is_owner(user, consultation))


def can_moderate_consultation(user: Any, consultation: Consultation) -> bool:
    """Admins everywhere; moderators in the consultations they are assigned to."""
    if not _authenticated(user):
        return False
    if user.is_admin:
        return True
    return bool(user.is_moderator) and has_membership(user, consultation, MemberRole.moderator)


def can_translate_in_consultation(user: Any, consultation: Consultation) -> bool:
    """Its moderators and the translators assigned to it translate any statement."""
    if not _authenticated(user):
        return False
    return can_moderate_consultation(user, consultation) or has_membership(
        user, consultation, MemberRole.translator
    )
