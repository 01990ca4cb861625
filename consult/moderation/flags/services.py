"""Flag a statement; at the consultation's threshold it is hidden pending review."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from consult.audit.services import record_audit
from consult.auth.models import User
from consult.errors import Conflict, NotAllowed, NotFound, invalid, too_long
from consult.extensions import db
from consult.moderation.common import (
    NOTE_MAX_LENGTH,
    notify_author,
    open_flag_counts,
    statement_state,
)
from consult.moderation.models import Flag, FlagReason
from consult.moderation.permissions import can_flag_statement
from consult.statements.models import Statement, StatementStatus
from consult.statements.permissions import can_view_statement


def has_flagged(statement: Statement, user: User) -> bool:
    """Tell whether the user has flagged this statement already."""
    return (
        db.session.scalar(
            select(Flag.id).where(Flag.statement_id == statement.id, Flag.user_id == user.id)
        )
        is not None
    )


def flagged_by(user: User, statement_ids: list[int]) -> set[int]:
    """Which of these statements the user has flagged."""
    if not statement_ids:
        return set()
    return set(
        db.session.scalars(
            select(Flag.statement_id).where(
                Flag.user_id == user.id, Flag.statement_id.in_(statement_ids)
            )
        )
    )


def _clean_note(reason: FlagReason, note: str) -> str:
    note = " ".join((note or "").split())
    if len(note) > NOTE_MAX_LENGTH:
        raise too_long(_l("The note is too long."), "note", NOTE_MAX_LENGTH)
    if reason is FlagReason.other and not note:
        raise invalid(
            _l("Say what is wrong."), "note", _l("Add a short note when the reason is other.")
        )
    return note


def flag_statement(
    statement: Statement, actor: User, *, reason: FlagReason | str, note: str = ""
) -> Flag:
    """Report a statement; at the consultation's threshold it is hidden pending review."""
    if statement.status is StatementStatus.merged:
        raise NotFound(_l("Statement not found."))
    if not can_flag_statement(actor, statement):
        if statement.author_id == actor.id:
            raise NotAllowed(_l("You cannot flag your own statement."))
        if statement.status is not StatementStatus.visible:
            raise Conflict(
                _l("This statement is already being reviewed."),
                fields={"statement": [_l("Already under review.")]},
            )
        raise NotAllowed(_l("You cannot flag this statement."))
    try:
        reason = FlagReason(reason)
    except ValueError:
        raise invalid(
            _l("Unknown reason."), "reason", _l("Choose spam, offensive, off_topic or other.")
        ) from None
    flag = Flag(
        statement_id=statement.id, user_id=actor.id, reason=reason, note=_clean_note(reason, note)
    )
    try:
        with db.session.begin_nested():
            db.session.add(flag)
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            _l("You have already flagged this statement."),
            fields={"statement": [_l("You have already flagged this statement.")]},
        ) from None
    threshold = statement.consultation.flag_threshold or int(current_app.config["FLAG_THRESHOLD"])
    count = open_flag_counts([statement.id]).get(statement.id, 0)
    if count >= threshold and statement.status is StatementStatus.visible:
        _hide_pending_review(statement, count, threshold)
    return flag


def _hide_pending_review(statement: Statement, count: int, threshold: int) -> None:
    before = statement_state(statement, count)
    statement.status = StatementStatus.pending
    statement.auto_hidden = True
    db.session.flush()
    record_audit(
        None,
        "auto_hide",
        "statement",
        statement.id,
        reason=f"{count} flags (threshold {threshold})",
        consultation_id=statement.consultation_id,
        before=before,
        after=statement_state(statement, count),
    )
    notify_author(
        statement,
        lambda text: _(
            "Your statement “%(text)s” was reported by several participants and is hidden "
            "until a moderator reviews it.",
            text=text,
        ),
    )


def flags_of(statement: Statement, *, resolved: bool = True) -> list[Flag]:
    """Every flag of a statement (resolved ones too, unless told otherwise), oldest first."""
    query = select(Flag).where(Flag.statement_id == statement.id)
    if not resolved:
        query = query.where(Flag.resolved_at.is_(None))
    return list(
        db.session.scalars(query.options(selectinload(Flag.user)).order_by(Flag.created_at))
    )


def readable_statement(statement_id: int, viewer: User) -> Statement | None:
    """The statement a flag is about, if the viewer may read it (merged ones are redirects)."""
    statement = db.session.get(Statement, statement_id)
    if (
        statement is None
        or statement.status is StatementStatus.merged
        or not can_view_statement(viewer, statement)
    ):
        return None
    return statement
