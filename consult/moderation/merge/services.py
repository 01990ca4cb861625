"""Merge a duplicate statement into the one it repeats."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update

from consult.audit.services import record_audit
from consult.auth.models import User
from consult.errors import Conflict, invalid
from consult.extensions import db
from consult.moderation.common import (
    check_moderator,
    clean_reason,
    notify_author,
    resolve_flags,
    statement_state,
)
from consult.statements.models import Statement, StatementLink, StatementStatus
from consult.statements.permissions import can_view_statement
from consult.types import utcnow
from consult.votes.models import Vote


@dataclass
class MergeResult:
    """What a merge moved and dropped."""

    source: Statement
    target: Statement
    moved_links: int = 0
    dropped_links: int = 0
    moved_votes: int = 0
    dropped_votes: int = 0


def _check(source: Statement, target: Statement, actor: User) -> None:
    if source.id == target.id:
        raise invalid(
            _l("A statement cannot be merged into itself."), "into", _l("Choose another one.")
        )
    if source.consultation_id != target.consultation_id:
        raise invalid(
            _l("Both statements must belong to the same consultation."),
            "into",
            _l("Not in the same consultation."),
        )
    for statement in (source, target):
        check_moderator(statement, actor)
    if source.status is StatementStatus.merged or target.status is StatementStatus.merged:
        raise Conflict(
            _l("One of these statements was already merged."),
            fields={"into": [_l("Merge into the statement it now redirects to.")]},
        )
    if target.status is StatementStatus.hidden:
        raise invalid(_l("Merge into a visible statement."), "into", _l("The target is hidden."))
    if source.kind is not target.kind:
        raise invalid(
            _l("Only statements of the same kind can be merged."),
            "into",
            _l("One is a position, the other an argument."),
        )


def _move_links(result: MergeResult) -> None:
    """Move the source's links to the target; drop those the target has or that would loop."""
    source, target = result.source, result.target
    links = list(
        db.session.scalars(
            select(StatementLink).where(
                or_(
                    StatementLink.source_id.in_([source.id, target.id]),
                    StatementLink.target_id.in_([source.id, target.id]),
                )
            )
        )
    )
    outgoing = {link.target_id for link in links if link.source_id == target.id}
    incoming = {link.source_id for link in links if link.target_id == target.id}
    for link in links:
        if link.source_id == source.id:
            other, seen = link.target_id, outgoing
        elif link.target_id == source.id:
            other, seen = link.source_id, incoming
        else:
            continue
        if other == target.id or other in seen:
            db.session.delete(link)
            result.dropped_links += 1
            continue
        if link.source_id == source.id:
            link.source_id = target.id
        else:
            link.target_id = target.id
        seen.add(other)
        result.moved_links += 1
    db.session.flush()


def _move_votes(result: MergeResult) -> None:
    """Move the source's votes; a person who voted on both keeps their vote on the target."""
    source, target = result.source, result.target
    voted_on_target = select(Vote.user_id).where(Vote.statement_id == target.id)
    dropped = db.session.execute(
        delete(Vote)
        .where(Vote.statement_id == source.id, Vote.user_id.in_(voted_on_target))
        .execution_options(synchronize_session=False)
    )
    moved = db.session.execute(
        update(Vote)
        .where(Vote.statement_id == source.id)
        .values(statement_id=target.id)
        .execution_options(synchronize_session=False)
    )
    result.dropped_votes = int(getattr(dropped, "rowcount", 0) or 0)
    result.moved_votes = int(getattr(moved, "rowcount", 0) or 0)


def merge_statements(
    source: Statement, target: Statement, actor: User, *, reason: str
) -> MergeResult:
    """Merge ``source`` (a duplicate) into ``target``: links and votes move, source redirects.

    A person who voted on both keeps their vote on the target. Links that would duplicate one
    of the target's, or link the target to itself, are dropped.
    """
    reason = clean_reason(reason)
    _check(source, target, actor)
    result = MergeResult(source=source, target=target)
    before = {"source": statement_state(source), "target": statement_state(target)}
    _move_links(result)
    _move_votes(result)
    resolve_flags(source, actor, utcnow())
    # Earlier redirects to the source now point straight at the target.
    db.session.execute(
        update(Statement)
        .where(Statement.merged_into_id == source.id)
        .values(merged_into_id=target.id)
        .execution_options(synchronize_session=False)
    )
    source.status = StatementStatus.merged
    source.auto_hidden = False
    source.merged_into_id = target.id
    db.session.flush()
    db.session.expire_all()
    record_audit(
        actor,
        "merge",
        "statement",
        source.id,
        reason=reason,
        consultation_id=source.consultation_id,
        before=before,
        after={
            "source": statement_state(source),
            "target": statement_state(target),
            "moved_links": result.moved_links,
            "dropped_links": result.dropped_links,
            "moved_votes": result.moved_votes,
            "dropped_votes": result.dropped_votes,
        },
    )
    notify_author(
        source,
        lambda text: _(
            "Your statement “%(text)s” repeated an earlier one and was merged into it; its "
            "votes and replies now count there.",
            text=text,
        ),
        link_to=target.id,
    )
    return result


def merge_target(statement_id: int | None, viewer: User) -> Statement | None:
    """The statement a merge names as its target, if the viewer may see it."""
    if statement_id is None:
        return None
    target = db.session.get(Statement, statement_id)
    if target is None or not can_view_statement(viewer, target):
        return None
    return target
