"""The rows of an export: the consultation, its participants, statements, links, votes and
responses, read in batches and anonymised (see :mod:`consult.reports.exporters`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, func, select, type_coerce

from consult.analysis.adapters import exclusions_for, participant_id
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.responses.models import Response, ResponseItem, response_statements
from consult.statements.models import Statement, StatementLink, StatementStatus
from consult.votes.models import Vote

BATCH = 5000
HIDDEN_TEXT = "[hidden by moderation]"
VOTE_LABELS = {1: "agree", -1: "disagree", 0: "pass"}


class Anonymiser:
    """Opaque participant ids, the same scheme everywhere in an export (and in the analysis)."""

    def __init__(self, consultation_id: int) -> None:
        self._id = participant_id
        self.consultation_id = consultation_id
        self._cache: dict[int, str] = {}

    def __call__(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        found = self._cache.get(user_id)
        if found is None:
            found = self._id(self.consultation_id, user_id)
            if len(self._cache) < 500_000:
                self._cache[user_id] = found
        return found


def excluded_users(consultation: Consultation) -> frozenset[int]:
    """Participants the analysis leaves out (blocked accounts): their votes are not exported."""
    return exclusions_for(consultation).users


def _iso(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def stream_rows(query: Any) -> Iterator[Any]:
    """Run a SELECT as plain rows in batches (a server-side cursor on PostgreSQL)."""
    connection = db.session.connection()
    result = connection.execute(query.execution_options(yield_per=BATCH))
    yield from result


def timestamp_column(column: Any) -> Any:
    """SQL giving a timestamp column as ISO 8601 text in UTC, without per-row Python work."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')
    # SQLite stores "YYYY-MM-DD HH:MM:SS.ffffff" in UTC (see consult.types.UTCDateTime).
    return func.replace(type_coerce(column, String), " ", "T") + "+00:00"


def consultation_record(consultation: Consultation) -> dict[str, Any]:
    """The consultation's own fields."""
    return {
        "id": consultation.id,
        "slug": consultation.slug,
        "title": consultation.title,
        "summary": consultation.summary,
        "body": consultation.body,
        "status": consultation.status.value,
        "moderation": consultation.moderation.value,
        "response_policy": consultation.response_policy.value,
        "flag_threshold": consultation.flag_threshold,
        "created_at": _iso(consultation.created_at),
        "opens_at": _iso(consultation.opens_at),
        "closes_at": _iso(consultation.closes_at),
        "closed_at": _iso(consultation.closed_at),
        "reported_at": _iso(consultation.reported_at),
    }


def _exported_statement_filter(cid: int) -> Any:
    return (Statement.consultation_id == cid) & (Statement.status != StatementStatus.pending)


def iter_participants(consultation: Consultation, anon: Anonymiser) -> Iterator[str]:
    """Opaque ids of everyone who voted or wrote, in the order the analysis uses (by account)."""
    cid = consultation.id
    skip = excluded_users(consultation)
    voters = select(Vote.user_id.label("uid")).where(Vote.consultation_id == cid)
    authors = select(Statement.author_id.label("uid")).where(
        _exported_statement_filter(cid), Statement.author_id.is_not(None)
    )
    union = voters.union(authors).subquery()
    for (uid,) in stream_rows(select(union.c.uid).order_by(union.c.uid)):
        if uid not in skip:
            yield anon(uid)  # type: ignore[misc]


def iter_statements(consultation: Consultation, anon: Anonymiser) -> Iterator[dict[str, Any]]:
    """Every published, hidden or merged statement (hidden ones without their text)."""
    query = (
        select(
            Statement.id,
            Statement.kind,
            Statement.status,
            Statement.text,
            Statement.author_id,
            timestamp_column(Statement.created_at),
            Statement.merged_into_id,
            Statement.external_id,
        )
        .where(_exported_statement_filter(consultation.id))
        .order_by(Statement.id)
    )
    for sid, kind, status, text, author_id, created_at, merged_into, external_id in stream_rows(
        query
    ):
        yield {
            "id": sid,
            "kind": kind.value,
            "status": status.value,
            "text": HIDDEN_TEXT if status is StatementStatus.hidden else text,
            "author": anon(author_id),
            "created_at": created_at,
            "merged_into": merged_into,
            "external_id": external_id,
        }


def iter_links(consultation: Consultation) -> Iterator[dict[str, Any]]:
    """Support and attack links between exported statements."""
    source = Statement.__table__.alias("src")
    target = Statement.__table__.alias("dst")
    query = (
        select(
            StatementLink.source_id,
            StatementLink.target_id,
            StatementLink.relation,
            timestamp_column(StatementLink.created_at),
        )
        .join(source, source.c.id == StatementLink.source_id)
        .join(target, target.c.id == StatementLink.target_id)
        .where(
            StatementLink.consultation_id == consultation.id,
            source.c.status != StatementStatus.pending.value,
            target.c.status != StatementStatus.pending.value,
        )
        .order_by(StatementLink.id)
    )
    for source_id, target_id, relation, created_at in stream_rows(query):
        yield {
            "source": source_id,
            "target": target_id,
            "relation": relation.value,
            "created_at": created_at,
        }


def iter_votes(consultation: Consultation, anon: Anonymiser) -> Iterator[dict[str, Any]]:
    """Every vote on an exported statement, participants anonymised, in id order."""
    for participant, sid, label, created_at, updated_at in iter_vote_rows(consultation, anon):
        yield {
            "participant": participant,
            "statement": sid,
            "value": label,
            "created_at": created_at,
            "updated_at": updated_at,
        }


def iter_vote_rows(
    consultation: Consultation, anon: Anonymiser
) -> Iterator[tuple[str, int, str, str | None, str | None]]:
    """(participant, statement, value label, created_at, updated_at) of every exported vote.

    Plain tuples with timestamps formatted by the database: a million votes stream in seconds.
    """
    skip = excluded_users(consultation)
    exported = select(Statement.id).where(_exported_statement_filter(consultation.id))
    query = (
        select(
            Vote.user_id,
            Vote.statement_id,
            Vote.value,
            timestamp_column(Vote.created_at),
            timestamp_column(Vote.updated_at),
        )
        .where(Vote.consultation_id == consultation.id, Vote.statement_id.in_(exported))
        .order_by(Vote.id)
    )
    labels = VOTE_LABELS
    for uid, sid, value, created_at, updated_at in stream_rows(query):
        if uid in skip:
            continue
        yield anon(uid), sid, labels[value], created_at, updated_at  # type: ignore[misc]


def iter_responses(consultation: Consultation) -> Iterator[dict[str, Any]]:
    """Official responses with the statements each answers."""
    links: dict[int, list[int]] = {}
    for rid, sid in db.session.execute(
        select(response_statements.c.response_id, response_statements.c.statement_id)
        .join(Response, Response.id == response_statements.c.response_id)
        .where(Response.consultation_id == consultation.id)
        .order_by(response_statements.c.statement_id)
    ):
        links.setdefault(rid, []).append(sid)
    for response in db.session.scalars(
        select(Response).where(Response.consultation_id == consultation.id).order_by(Response.id)
    ):
        yield {
            "id": response.id,
            "statements": links.get(response.id, []),
            "decision": response.decision.value,
            "text": response.text,
            "measure_url": response.measure_url,
            "language": response.language,
            "created_at": _iso(response.created_at),
            "updated_at": _iso(response.updated_at),
        }


def iter_response_items(consultation: Consultation) -> Iterator[dict[str, Any]]:
    """Statements that needed an answer, with due dates and extensions."""
    for item in db.session.scalars(
        select(ResponseItem)
        .where(ResponseItem.consultation_id == consultation.id)
        .order_by(ResponseItem.statement_id)
    ):
        yield {
            "statement": item.statement_id,
            "reason": item.reason,
            "due_on": _iso(item.due_on),
            "extended_due_on": _iso(item.extended_due_on),
            "extension_reason": item.extension_reason,
            "extended_at": _iso(item.extended_at),
            "response": item.response_id,
            "answered_at": _iso(item.answered_at),
            "created_at": _iso(item.created_at),
        }
