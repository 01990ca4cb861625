"""Remove a statement at its author's request, where moderation allows it."""

from __future__ import annotations

from sqlalchemy import delete, exists, select, update

from consult.consultations.models import Consultation, ConsultationStatus
from consult.extensions import db
from consult.moderation.models import Flag
from consult.responses.models import ResponseItem, response_statements
from consult.statements.models import Statement, StatementStatus
from consult.votes.models import Vote

#: statuses of a statement its author may still have removed (hidden ones are moderation records)
REMOVABLE_STATUSES = (StatementStatus.visible, StatementStatus.pending)
OPEN_STATUSES = (ConsultationStatus.draft, ConsultationStatus.open)


def can_remove_statement(statement: Statement) -> bool:
    """Tell whether moderation allows removing this statement at its author's request.

    Allowed while the consultation is open (or a draft), the statement is not hidden by
    moderation (that is a record of a decision), and no official response is due on it or has
    answered it (the record of the consultation must stay whole).
    """
    if statement.status not in REMOVABLE_STATUSES:
        return False
    status = db.session.scalar(
        select(Consultation.status).where(Consultation.id == statement.consultation_id)
    )
    if status not in OPEN_STATUSES:
        return False
    due = db.session.scalar(select(exists().where(ResponseItem.statement_id == statement.id)))
    answered = db.session.scalar(
        select(exists().where(response_statements.c.statement_id == statement.id))
    )
    return not (due or answered)


def remove_statement(statement: Statement) -> int:
    """Delete a statement with its links, votes and flags; return its id.

    The rows that point at it are deleted here rather than left to ``ON DELETE CASCADE``, which
    SQLite only applies with its foreign keys switched on.
    """
    statement_id = statement.id
    db.session.execute(delete(Vote).where(Vote.statement_id == statement_id))
    db.session.execute(delete(Flag).where(Flag.statement_id == statement_id))
    db.session.execute(
        update(Statement)
        .where(Statement.merged_into_id == statement_id)
        .values(merged_into_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.delete(statement)  # its links go with it (the relationships' cascade)
    db.session.flush()
    return statement_id
