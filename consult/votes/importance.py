"""'This matters to me': a participant marks a statement as important to them (as in Pol.is).

The marks weigh on routing (the next-statement page draws important statements more often) and
the Insights page and the report show importance by opinion group.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from consult.auth.models import User
from consult.consultations.versions import mark_changed
from consult.extensions import db
from consult.statements.models import Statement
from consult.votes.models import ImportanceMark, Vote
from consult.votes.services import check_can_vote


def mark_important(statement: Statement, actor: User) -> None:
    """Mark a statement as important to the actor; marking it twice keeps one mark.

    One INSERT … ON CONFLICT DO NOTHING on the (statement, user) unique constraint.
    """
    check_can_vote(statement, actor)
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(ImportanceMark).values(
        consultation_id=statement.consultation_id, statement_id=statement.id, user_id=actor.id
    )
    db.session.execute(
        stmt.on_conflict_do_nothing(
            index_elements=[ImportanceMark.statement_id, ImportanceMark.user_id]
        )
    )
    mark_changed(statement.consultation_id)


def unmark_important(statement: Statement, actor: User) -> None:
    """Take the actor's mark off a statement (nothing happens if there was none)."""
    check_can_vote(statement, actor)
    db.session.execute(
        delete(ImportanceMark).where(
            ImportanceMark.statement_id == statement.id, ImportanceMark.user_id == actor.id
        )
    )
    mark_changed(statement.consultation_id)


def importance_count(statement_id: int) -> int:
    """How many people marked the statement as important."""
    return int(
        db.session.scalar(select(func.count()).where(ImportanceMark.statement_id == statement_id))
        or 0
    )


def marked_by(user: User | None, statement_ids: list[int]) -> set[int]:
    """The statements among ``statement_ids`` the user marked as important."""
    if user is None or not getattr(user, "is_authenticated", False) or not statement_ids:
        return set()
    return set(
        db.session.scalars(
            select(ImportanceMark.statement_id).where(
                ImportanceMark.user_id == user.id, ImportanceMark.statement_id.in_(statement_ids)
            )
        )
    )


def importance_shares(consultation_id: int) -> dict[int, float]:
    """Per statement: the share of the people who voted on it who also marked it important."""
    marks = dict(
        db.session.execute(
            select(ImportanceMark.statement_id, func.count())
            .where(ImportanceMark.consultation_id == consultation_id)
            .group_by(ImportanceMark.statement_id)
        ).all()
    )
    if not marks:
        return {}
    voters = dict(
        db.session.execute(
            select(Vote.statement_id, func.count())
            .where(Vote.statement_id.in_(list(marks)))
            .group_by(Vote.statement_id)
        ).all()
    )
    return {sid: min(1.0, n / max(voters.get(sid, 0), n, 1)) for sid, n in marks.items()}


def importance_markers(consultation_id: int) -> dict[int, list[int]]:
    """Per statement: the ids of the people who marked it important."""
    found: dict[int, list[int]] = defaultdict(list)
    rows = db.session.execute(
        select(ImportanceMark.statement_id, ImportanceMark.user_id)
        .where(ImportanceMark.consultation_id == consultation_id)
        .order_by(ImportanceMark.statement_id, ImportanceMark.user_id)
    )
    for sid, uid in rows:
        found[int(sid)].append(int(uid))
    return found
