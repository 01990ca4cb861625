"""Moderation: the audit log and account blocks; the moderation workflow builds on these."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from consult.auth.models import User
from consult.extensions import db
from consult.moderation.models import AuditEntry, UserBlock
from consult.types import utcnow


def record_audit(
    actor: User | None,
    action: str,
    target_type: str,
    target_id: int | None,
    *,
    reason: str = "",
    consultation_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one row to the audit log."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        consultation_id=consultation_id,
        reason=reason,
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry


def active_block(user: User) -> UserBlock | None:
    """Return the block or suspension in force for this user, if any."""
    now = utcnow()
    return db.session.scalar(
        select(UserBlock)
        .where(
            UserBlock.user_id == user.id,
            UserBlock.lifted_at.is_(None),
            or_(UserBlock.ends_at.is_(None), UserBlock.ends_at > now),
        )
        .order_by(UserBlock.created_at.desc())
        .limit(1)
    )
