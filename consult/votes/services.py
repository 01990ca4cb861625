"""Votes: cast or change a vote with a single upsert."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consult.auth.models import User
from consult.auth.standing import is_blocked
from consult.consultations.versions import mark_changed
from consult.errors import Conflict, NotAllowed, NotFound
from consult.extensions import db, dialect_insert
from consult.signals import statement_created, vote_cast
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
        raise NotFound(_l("Statement not found."))
    if not can_vote_statement(actor, statement):
        if not statement.consultation.is_open:
            raise Conflict(_l("This consultation is not open for voting."))
        if is_blocked(actor):
            raise NotAllowed(_l("Your account cannot vote at the moment."))
        raise NotAllowed(_l("You cannot vote on this statement."))
    stmt = _vote_insert(statement, actor, value)
    stmt = stmt.on_conflict_do_update(
        index_elements=[Vote.statement_id, Vote.user_id],
        set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
    )
    db.session.execute(stmt)
    mark_changed(statement.consultation_id)  # one UPDATE just before COMMIT (versions.py)
    vote_cast.send(statement, statement=statement, actor=actor, value=value)
    return value


def record_author_vote(statement: Statement, author: User) -> None:
    """Record the author's agree vote on their new statement, as Pol.is does.

    Posting a statement says its author agrees with it, so the author is never asked to vote on
    it. The vote is stored whatever the statement's status (a pending statement's votes count
    once it is approved); ``vote_cast`` is not sent: it is part of the post, not a separate act.
    """
    stmt = _vote_insert(statement, author, VoteValue.agree)
    db.session.execute(
        stmt.on_conflict_do_nothing(index_elements=[Vote.statement_id, Vote.user_id])
    )


def _vote_insert(statement: Statement, user: User, value: VoteValue) -> Any:
    """The INSERT of a vote in the dialect of the session's database (PostgreSQL or SQLite),
    to be given its ON CONFLICT clause."""
    now = utcnow()
    return dialect_insert(Vote).values(
        consultation_id=statement.consultation_id,
        statement_id=statement.id,
        user_id=user.id,
        value=value.value,
        created_at=now,
        updated_at=now,
    )


def on_statement_created(sender: Any, **kwargs: Any) -> None:
    """The ``statement_created`` receiver: the author's agree vote."""
    statement, actor = kwargs["statement"], kwargs.get("actor")
    if actor is not None and statement.author_id == actor.id:
        record_author_vote(statement, actor)


def connect_receivers() -> None:
    """Record authors' votes after posts (idempotent)."""
    statement_created.connect(on_statement_created)


def get_vote(statement: Statement, user: User) -> Vote | None:
    """Return the user's vote on a statement, if any."""
    return db.session.scalar(
        select(Vote).where(Vote.statement_id == statement.id, Vote.user_id == user.id)
    )


def vote_row(statement: Statement, user_id: int, value: int, at: datetime) -> dict[str, Any]:
    """One row of a bulk INSERT of votes (the demo seeds), cast at ``at``."""
    return {
        "consultation_id": statement.consultation_id,
        "statement_id": statement.id,
        "user_id": user_id,
        "value": value,
        "created_at": at,
        "updated_at": at,
    }
