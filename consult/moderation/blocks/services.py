"""Suspend or block accounts (moderators), and what a block does to their statements.

The standing itself (the block row, its lifecycle, the audit entries, the notification) is
:mod:`consult.auth.standing`. This module checks that the moderator may act on that account, and
its receivers of ``account_restricted`` / ``account_reinstated`` hide and restore the content.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from consult.audit.models import AuditEntry
from consult.auth.models import BlockKind, User, UserBlock
from consult.auth.standing import reinstate_account, restrict_account
from consult.consultations.models import Consultation
from consult.errors import NotAllowed
from consult.extensions import db
from consult.moderation.common import clean_reason
from consult.moderation.models import Flag
from consult.moderation.permissions import can_block_user, moderated_consultation_ids
from consult.moderation.queue.services import author_history
from consult.signals import account_reinstated, account_restricted
from consult.statements.models import Statement, StatementStatus

#: Statements shown on a person's moderation record.
RECORD_STATEMENTS = 100


def block_user(
    user: User,
    actor: User,
    *,
    kind: BlockKind | str,
    reason: str,
    ends_at: datetime | None = None,
    consultation: Consultation | None = None,
) -> UserBlock:
    """Suspend (until ``ends_at``) or block a user: they cannot post, vote or flag, and their
    statements are hidden until the block is lifted."""
    if not can_block_user(actor, user):
        if actor.id == user.id:
            raise NotAllowed(_l("You cannot block yourself."))
        raise NotAllowed(_l("You cannot block this person."))
    return restrict_account(
        user,
        actor,
        kind=kind,
        reason=clean_reason(reason),
        ends_at=ends_at,
        consultation_id=consultation.id if consultation is not None else None,
    )


def lift_block(
    user: User, actor: User, *, reason: str = "", consultation: Consultation | None = None
) -> UserBlock:
    """Lift the user's block or suspension and restore the statements it hid."""
    if not can_block_user(actor, user):
        raise NotAllowed(_l("You cannot unblock this person."))
    return reinstate_account(
        user,
        actor,
        reason=clean_reason(reason),
        consultation_id=consultation.id if consultation is not None else None,
    )


def hide_content(sender: Any, *, user: User, **_kwargs: Any) -> dict[int, dict[str, str]]:
    """``account_restricted``: hide the user's visible and pending statements.

    Return ``{consultation id: {statement id: status before}}``.
    """
    hidden: dict[int, dict[str, str]] = defaultdict(dict)
    for statement in db.session.scalars(
        select(Statement)
        .where(
            Statement.author_id == user.id,
            Statement.status.in_([StatementStatus.visible, StatementStatus.pending]),
        )
        .order_by(Statement.id)
    ):
        hidden[statement.consultation_id][str(statement.id)] = statement.status.value
        statement.status = StatementStatus.hidden
        statement.auto_hidden = False
    db.session.flush()
    return dict(hidden)


def _block_entry(block: UserBlock) -> AuditEntry | None:
    """The audit entry that started this block (it lists what the block hid)."""
    for candidate in db.session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.target_type == "user",
            AuditEntry.target_id == block.user_id,
            AuditEntry.action.in_([k.value for k in BlockKind]),
        )
        .order_by(AuditEntry.id.desc())
    ):
        if (candidate.after or {}).get("block_id") == block.id:
            return candidate
    return None


def restore_content(sender: Any, *, block: UserBlock, **_kwargs: Any) -> dict[int, dict[str, str]]:
    """``account_reinstated``: restore what the block hid, unless a moderator has hidden (or
    merged) it on their own since. Return ``{consultation id: {statement id: status}}``."""
    entry = _block_entry(block)
    if entry is None:
        return {}
    statuses: dict[str, str] = dict((entry.after or {}).get("hidden_statements") or {})
    if not statuses:
        return {}
    ids = [int(s) for s in statuses]
    rehidden = set(
        db.session.scalars(
            select(AuditEntry.target_id).where(
                AuditEntry.target_type == "statement",
                AuditEntry.target_id.in_(ids),
                AuditEntry.action.in_(["hide", "merge"]),
                AuditEntry.id > entry.id,
            )
        )
    )
    restored: dict[int, dict[str, str]] = defaultdict(dict)
    for statement in db.session.scalars(
        select(Statement).where(Statement.id.in_(ids)).order_by(Statement.id)
    ):
        if statement.status is not StatementStatus.hidden or statement.id in rehidden:
            continue
        previous = statuses.get(str(statement.id), "visible")
        statement.status = StatementStatus(previous)
        restored[statement.consultation_id][str(statement.id)] = previous
    db.session.flush()
    return dict(restored)


def connect_receivers() -> None:
    """Hide and restore content when accounts are blocked and reinstated (idempotent)."""
    account_restricted.connect(hide_content)
    account_reinstated.connect(restore_content)


def user_record(person: User, viewer: User) -> dict[str, Any]:
    """A participant's moderation record as the viewer may see it: their latest statements in
    the viewer's consultations, their history, and how many flags they raised."""
    scope = moderated_consultation_ids(viewer)
    query = (
        select(Statement)
        .where(Statement.author_id == person.id)
        .order_by(Statement.created_at.desc(), Statement.id.desc())
    )
    if scope is not None:
        query = query.where(Statement.consultation_id.in_(scope or [-1]))
    flags_raised = db.session.scalar(select(func.count(Flag.id)).where(Flag.user_id == person.id))
    return {
        "statements": list(db.session.scalars(query.limit(RECORD_STATEMENTS))),
        "history": author_history([person.id])[person.id],
        "flags_raised": int(flags_raised or 0),
    }
