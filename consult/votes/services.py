"""Votes: cast or change a vote with a single upsert."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Executable, bindparam, func, select, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from consult.auth.models import User
from consult.auth.standing import is_blocked
from consult.consultations.models import Consultation
from consult.consultations.versions import mark_bumped, mark_changed
from consult.errors import Conflict, NotAllowed, NotFound
from consult.extensions import db
from consult.signals import statement_created, vote_cast
from consult.statements.models import Statement, StatementStatus
from consult.statements.permissions import can_vote_statement
from consult.statements.services import vote_counts
from consult.types import utcnow
from consult.votes.models import Vote, VoteValue


def cast_vote(statement: Statement, actor: User, value: VoteValue | str) -> VoteValue:
    """Store the actor's vote on a statement; a later vote replaces the earlier one.

    One INSERT … ON CONFLICT DO UPDATE: concurrent identical requests store exactly one row.
    Nothing else is written during the request: the thread page's content version is bumped
    in the same transaction, and whatever a vote sets off elsewhere (the analysis refresh)
    is asked for by the reader that finds the analysis stale, through the job queue.
    """
    value, _counts = _cast(statement, actor, value, with_counts=False)
    return value


def cast_vote_counted(
    statement: Statement, actor: User, value: VoteValue | str
) -> tuple[VoteValue, dict[int, int]]:
    """:func:`cast_vote`, and the statement's counts with this vote: ``{1: n, -1: n, 0: n}``.

    On PostgreSQL the upsert, the content-version bump and the counts are one statement (the
    counts are the other participants' votes plus the one just stored: a statement does not see
    the rows its own data-modifying CTEs write); elsewhere they are three, in one transaction.
    """
    value, counts = _cast(statement, actor, value, with_counts=True)
    assert counts is not None
    return value, counts


def check_can_vote(statement: Statement, actor: User) -> None:
    """Refuse a vote or an importance mark the actor may not cast on this statement."""
    if statement.status is not StatementStatus.visible:
        raise NotFound(_l("Statement not found."))
    if not can_vote_statement(actor, statement):
        if not statement.consultation.is_open:
            raise Conflict(_l("This consultation is not open for voting."))
        if is_blocked(actor):
            raise NotAllowed(_l("Your account cannot vote at the moment."))
        raise NotAllowed(_l("You cannot vote on this statement."))


def _cast(
    statement: Statement, actor: User, value: VoteValue | str, *, with_counts: bool
) -> tuple[VoteValue, dict[int, int] | None]:
    if isinstance(value, str):
        value = VoteValue.from_label(value)
    check_can_vote(statement, actor)
    now = utcnow()
    counts: dict[int, int] | None = None
    if db.session.get_bind().dialect.name == "postgresql":
        params = {
            "consultation_id": statement.consultation_id,
            "statement_id": statement.id,
            "user_id": actor.id,
            "value": value.value,
            "now": now,
        }
        rows = db.session.execute(_pg_cast_statement(with_counts=with_counts), params)
        mark_bumped(statement.consultation_id)  # bumped by that statement; caches forget it
        if with_counts:
            counts = {1: 0, -1: 0, 0: 0}
            for vote_value, n in rows:
                counts[int(vote_value)] = int(n)
    else:
        stmt = sqlite_insert(Vote).values(
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
        if with_counts:
            counts = vote_counts([statement.id]).get(statement.id, {1: 0, -1: 0, 0: 0})
    vote_cast.send(statement, statement=statement, actor=actor, value=value)
    return value, counts


@functools.cache
def _pg_cast_statement(*, with_counts: bool) -> Executable:
    """PostgreSQL: the vote's upsert, the consultation's version bump and (optionally) the
    statement's counts in one statement; the bump's row lock is held until the commit that
    follows at once.

    Built once per process with bound parameters (``consultation_id``, ``statement_id``,
    ``user_id``, ``value``, ``now``): building this SQL expression costs a vote more CPU than
    the rest of its own work, and the compiled form is cached by SQLAlchemy anyway.
    """
    now = bindparam("now", type_=Vote.__table__.c.created_at.type)
    upsert = pg_insert(Vote).values(
        consultation_id=bindparam("consultation_id"),
        statement_id=bindparam("statement_id"),
        user_id=bindparam("user_id"),
        value=bindparam("value"),
        created_at=now,
        updated_at=now,
    )
    upsert = upsert.on_conflict_do_update(
        index_elements=[Vote.statement_id, Vote.user_id],
        set_={"value": upsert.excluded.value, "updated_at": upsert.excluded.updated_at},
    )
    cast = upsert.returning(Vote.value).cte("cast")
    bump = (
        update(Consultation)
        .where(Consultation.id == bindparam("consultation_id"))
        .values(
            content_version=Consultation.content_version + 1,
            updated_at=Consultation.updated_at,  # not an edit of the consultation itself
        )
        .returning(Consultation.id)
        .cte("bump")
    )
    if not with_counts:
        return select(func.count()).select_from(cast).add_cte(bump)
    # The other participants' votes plus the one just stored: a statement does not see the
    # rows its own data-modifying CTEs write.
    others = select(Vote.value).where(
        Vote.statement_id == bindparam("statement_id"), Vote.user_id != bindparam("user_id")
    )
    values = union_all(others, select(cast.c.value)).subquery("all_votes")
    return select(values.c.value, func.count()).group_by(values.c.value).add_cte(bump)


def record_author_vote(statement: Statement, author: User) -> None:
    """Record the author's agree vote on their new statement, as Pol.is does.

    Posting a statement says its author agrees with it, so the author is never asked to vote on
    it. The vote is stored whatever the statement's status (a pending statement's votes count
    once it is approved); ``vote_cast`` is not sent: it is part of the post, not a separate act.
    """
    now = utcnow()
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(Vote).values(
        consultation_id=statement.consultation_id,
        statement_id=statement.id,
        user_id=author.id,
        value=VoteValue.agree.value,
        created_at=now,
        updated_at=now,
    )
    stmt = stmt.on_conflict_do_nothing(index_elements=[Vote.statement_id, Vote.user_id])
    db.session.execute(stmt)


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
