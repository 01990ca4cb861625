"""Publish what an account posted while its e-mail address was unconfirmed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from consult.auth.models import User
from consult.auth.standing import is_blocked
from consult.consultations.models import Consultation, ModerationMode
from consult.extensions import db
from consult.signals import statement_published
from consult.statements.models import Statement, StatementStatus


def publish_after_verification(sender: Any, *, user: User, **_: Any) -> list[int]:
    """``account_verified`` receiver: make the account's waiting statements visible.

    Only those that wait for the address alone: pending, not hidden by flags, in a
    post-moderated consultation (pre-moderated ones still wait for a moderator), and only while
    the account is not blocked. Returns the ids published.
    """
    if is_blocked(user):
        return []
    waiting = list(
        db.session.scalars(
            select(Statement)
            .join(Consultation, Consultation.id == Statement.consultation_id)
            .where(
                Statement.author_id == user.id,
                Statement.status == StatementStatus.pending,
                Statement.auto_hidden.is_(False),
                Consultation.moderation == ModerationMode.post,
            )
        )
    )
    for statement in waiting:
        statement.status = StatementStatus.visible
    db.session.flush()
    for statement in waiting:
        statement_published.send(statement, statement=statement, actor=user)
    return [s.id for s in waiting]
