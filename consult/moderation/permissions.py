"""Who may flag, moderate, block, and read the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select

from consult.audit.services import AuditScope
from consult.auth.models import Role
from consult.auth.standing import is_blocked
from consult.consultations.models import Consultation, ConsultationMember, MemberRole
from consult.consultations.permissions import can_moderate_consultation
from consult.extensions import db
from consult.moderation.models import Flag
from consult.statements.models import Statement, StatementStatus
from consult.statements.permissions import can_view_statement
from consult.votes.models import Vote


def _authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def moderated_consultation_ids(user: Any) -> list[int] | None:
    """The consultations this user moderates: None means all of them (admins)."""
    if not _authenticated(user) or not user.is_moderator:
        return []
    if user.is_admin:
        return None
    return list(
        db.session.scalars(
            select(ConsultationMember.consultation_id).where(
                ConsultationMember.user_id == user.id,
                ConsultationMember.role == MemberRole.moderator,
            )
        )
    )


def moderated_consultations(user: Any) -> list[Consultation]:
    """The consultations this user moderates, by title."""
    ids = moderated_consultation_ids(user)
    query = select(Consultation).order_by(Consultation.title, Consultation.id)
    if ids is not None:
        if not ids:
            return []
        query = query.where(Consultation.id.in_(ids))
    return list(db.session.scalars(query))


def can_use_moderation(user: Any) -> bool:
    """Moderators and admins reach the moderation pages (each sees only their consultations)."""
    return _authenticated(user) and bool(user.is_moderator)


def can_flag_statement(user: Any, statement: Statement) -> bool:
    """Signed-in, unblocked people flag visible statements they can read, except their own."""
    return (
        _authenticated(user)
        and statement.status is StatementStatus.visible
        and statement.author_id != user.id
        and can_view_statement(user, statement)
        and not is_blocked(user)
    )


def can_moderate_statement(user: Any, statement: Statement) -> bool:
    """Moderators of its consultation (admins anywhere), never on their own statements."""
    return (
        _authenticated(user)
        and statement.author_id != user.id
        and can_moderate_consultation(user, statement.consultation)
    )


def has_participated(user_id: int, consultation_ids: list[int]) -> bool:
    """Tell whether the user posted, voted or flagged in one of these consultations."""
    if not consultation_ids:
        return False
    posted = exists().where(
        Statement.author_id == user_id, Statement.consultation_id.in_(consultation_ids)
    )
    voted = exists().where(Vote.user_id == user_id, Vote.consultation_id.in_(consultation_ids))
    flagged = exists().where(
        Flag.user_id == user_id,
        Flag.statement_id == Statement.id,
        Statement.consultation_id.in_(consultation_ids),
    )
    return bool(db.session.scalar(select(posted | voted | flagged)))


def can_view_user_record(actor: Any, user: Any) -> bool:
    """Admins see everyone's moderation record; moderators those active where they moderate."""
    if not can_use_moderation(actor):
        return False
    ids = moderated_consultation_ids(actor)
    return ids is None or has_participated(user.id, ids)


def can_block_user(actor: Any, user: Any) -> bool:
    """Suspend or block: admins anyone but themselves; moderators participants active where
    they moderate (staff accounts are an administrator's matter)."""
    if not can_use_moderation(actor) or user is None or actor.id == user.id:
        return False
    if actor.is_admin:
        return True
    if user.role is not Role.participant:
        return False
    return can_view_user_record(actor, user)


def audit_scope(user: Any) -> AuditScope | None:
    """The part of the audit log a person reads: admins all of it, moderators the entries of the
    consultations they moderate, everyone else nothing (the provider given to consult.audit)."""
    if not can_use_moderation(user):
        return None
    return AuditScope(
        consultation_ids=moderated_consultation_ids(user),
        consultations={c.id: c.title for c in moderated_consultations(user)},
    )


def can_manage_reason_templates(user: Any) -> bool:
    """Moderators and admins edit the shared reason templates."""
    return can_use_moderation(user)
