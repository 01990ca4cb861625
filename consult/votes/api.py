"""PUT /api/v1/statements/{id}/vote: agree, disagree or pass."""

from __future__ import annotations

import functools
from typing import Any

from flask import jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from consult.api import ID_RULE, api, load_body, login_required_json, not_found
from consult.extensions import db
from consult.ratelimits import rate_limited
from consult.statements.api import vote_totals
from consult.statements.models import Statement
from consult.statements.permissions import can_view_statement
from consult.votes.importance import importance_count, mark_important, unmark_important
from consult.votes.schemas import ImportanceSchema, VoteInputSchema, VoteSchema
from consult.votes.services import cast_vote_counted

_input = VoteInputSchema()
_output = VoteSchema()


@functools.cache
def _statement_query() -> Select[Statement]:
    """The statement with its consultation by ``statement_id``: built once per process (building
    an ORM query costs a vote more CPU than running it)."""
    return (
        select(Statement)
        .options(joinedload(Statement.consultation))
        .where(Statement.id == bindparam("statement_id"))
    )


def _viewable_statement(actor: Any, statement_id: int) -> Statement:
    """The statement (with its consultation) if the actor may see it; else a 404."""
    statement = db.session.scalars(_statement_query(), {"statement_id": statement_id}).one_or_none()
    if statement is None or not can_view_statement(actor, statement):
        raise not_found(_l("Statement not found."))
    return statement


@api.route(f"/statements/<{ID_RULE}:statement_id>/vote", methods=["PUT"])
@login_required_json
@rate_limited("vote")
def vote_statement(statement_id: int) -> Any:
    """Vote on a statement; a later vote replaces the earlier one.
    ---
    put:
      tags: [votes]
      summary: Agree, disagree or pass on a visible statement of an open consultation.
      description: One vote per person per statement; the last one counts. Idempotent.
      parameters:
        - {in: path, name: statement_id, required: true, schema: {type: integer}}
      requestBody:
        required: true
        content:
          application/json:
            schema: VoteInputSchema
      x-errors:
        400: The body is not JSON.
        401: Not authenticated.
        403: The account is blocked or suspended.
        404: No such statement, or one that is not visible.
        409: The consultation is not open.
        415: The body is not JSON.
        422: Invalid value.
        429: Too many votes; retry after Retry-After seconds.
      responses:
        200:
          description: The stored vote and the statement's counts.
          content:
            application/json:
              schema: VoteSchema
    """
    actor = current_user._get_current_object()
    statement = _viewable_statement(actor, statement_id)
    data = load_body(_input)
    # The counts are read in the vote's own transaction (on PostgreSQL in the upsert's own
    # statement): one transaction per request, and nothing is read again after the commit.
    value, counts = cast_vote_counted(statement, actor, data["value"])
    sid = statement.id
    db.session.commit()
    return jsonify(
        _output.dump({"statement": sid, "value": value.label, "votes": vote_totals(counts)})
    )


_importance = ImportanceSchema()


@api.route(f"/statements/<{ID_RULE}:statement_id>/importance", methods=["PUT", "DELETE"])
@login_required_json
@rate_limited("importance")
def statement_importance(statement_id: int) -> Any:
    """Mark a statement as important to the caller ("this matters to me"), or take it off.
    ---
    put:
      tags: [votes]
      summary: Mark a visible statement of an open consultation as important to the caller.
      description: At most one mark per person per statement. Idempotent.
      parameters: &parameters
        - {in: path, name: statement_id, required: true, schema: {type: integer}}
      x-errors: &errors
        401: Not authenticated.
        403: The account is blocked or suspended.
        404: No such statement, or one that is not visible.
        409: The consultation is not open.
        429: Too many marks; retry after Retry-After seconds.
      responses:
        200:
          description: The caller's mark and the statement's number of marks.
          content: &body
            application/json:
              schema: ImportanceSchema
    delete:
      tags: [votes]
      summary: Take the caller's importance mark off a statement. Idempotent.
      parameters: *parameters
      x-errors: *errors
      responses:
        200:
          description: The caller's mark (now false) and the statement's number of marks.
          content: *body
    """
    actor = current_user._get_current_object()
    statement = _viewable_statement(actor, statement_id)
    important = request.method == "PUT"
    if important:
        mark_important(statement, actor)
    else:
        unmark_important(statement, actor)
    sid = statement.id
    marks = importance_count(sid)
    db.session.commit()
    return jsonify(_importance.dump({"statement": sid, "important": important, "marks": marks}))
