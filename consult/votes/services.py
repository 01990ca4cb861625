"""Votes: cast or change a vote with a single upsert."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from consult.auth.models import User
from consult.auth.standing import is_blocked
from consult.consultations.versions import mark_changed
from consult.errors import Conflict, NotAllowed, NotFound
from consult.extensions import db
from consult.signals import vote_cast
from consult.statements.models import Statement, StatementStatus
from consult.statements.permissions import can_vote_statement
from consult.types import utcnow
from consult.votes.models import Vote, VoteValue


def cast_vote(statement: Statement, actor: User, value: VoteValue | str) -> VoteValue:
    """Store the actor's vote on a statement; a later vote replaces the earlier one.

    One INSERT … ON CONFLICT DO UPDATE: concurrent identical requests store exactly one row.
    Nothing else is written during the request: the thread page's content version is bumped
    in the same transaction, and whatever a vote sets off elsewhere (the analysis refresh)
    is asked for by the reader that finds the analysis stale, through the job queue.
    """
    if isinstance(value, str):
        value = VoteValue.from_label(value)
    if statement.status is not StatementStatus.visible:
        raise NotFound("Statement not found.")
    if not can_vote_statement(actor, statement):
        if not statement.consultation.is_open:
            raise Conflict("This consultation is not open for voting.")
        if is_blocked(actor):
            raise NotAllowed("Your account cannot vote at the moment.")
        raise NotAllowed("You cannot vote on this statement.")
    now = utcnow()
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(Vote).values(
        consultation_id=statement.consultation_id,
        statement_id=statement.id,
        user_id=actor.id,
        value=value.value,
        created_at=now,
        updated_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[Vote.statement_id, Vote.user_id],
        set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
    )
    db.session.execute(stmt)
    mark_changed(statement.consultation_id)  # one UPDATE just before COMMIT (versions.py)
    vote_cast.send(statement, statement=statement, actor=actor, value=value)
    return value


def get_vote(statement: Statement, user: User) -> Vote | None:
    """Return the user's vote on a statement, if any."""
    return db.session.scalar(
        select(Vote).where(Vote.statement_id == statement.id, Vote.user_id == user.id)
    )
