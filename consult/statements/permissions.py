"""Who may see, post and vote on statements."""

from __future__ import annotations

from typing import Any

from consult.auth.standing import is_blocked
from consult.consultations.models import Consultation
from consult.consultations.permissions import (
    can_moderate_consultation,
    can_translate_in_consultation,
    can_view_consultation,
)
from consult.statements.models import Statement, StatementStatus

__all__ = [
    "can_post_statement",
    "can_translate_statement",
    "can_view_statement",
    "can_vote_statement",
    "is_blocked",
]


def _authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def can_post_statement(user: Any, consultation: Consultation) -> bool:
    """Signed-in, unblocked people post in open consultations."""
    return (
        _authenticated(user)
        and consultation.is_open
        and can_view_consultation(user, consultation)
        and not is_blocked(user)
    )


def can_view_statement(user: Any, statement: Statement) -> bool:
    """Visible statements for all; pending for their author; anything for its moderators."""
    if not can_view_consultation(user, statement.consultation):
        return False
    if statement.status is StatementStatus.visible:
        return True
    if _authenticated(user):
        if statement.status is StatementStatus.pending and statement.author_id == user.id:
            return True
        return can_moderate_consultation(user, statement.consultation)
    return False


def can_vote_statement(user: Any, statement: Statement) -> bool:
    """Signed-in, unblocked people vote on visible statements of open consultations."""
    return (
        _authenticated(user)
        and statement.status is StatementStatus.visible
        and statement.consultation.is_open
        and not is_blocked(user)
    )


def can_translate_statement(user: Any, statement: Statement) -> bool:
    """Its author, the consultation's moderators and translators translate a visible statement."""
    if not _authenticated(user) or is_blocked(user):
        return False
    if statement.status is not StatementStatus.visible:
        return False
    if statement.author_id == user.id:
        return True
    return can_translate_in_consultation(user, statement.consultation)
