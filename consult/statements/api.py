"""/api/v1 statements: list and post a consultation's statements, show one."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import jsonify, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import EXCLUDE, ValidationError
from sqlalchemy import select

from consult.api import (
    ID_RULE,
    ApiError,
    api,
    created,
    load_body,
    login_required_json,
    not_found,
    page_of,
)
from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.consultations.permissions import can_view_consultation
from consult.consultations.services import get_visible_consultation
from consult.extensions import db
from consult.languages.codes import LANGUAGES
from consult.languages.services import translated_ids
from consult.ratelimits import rate_limited
from consult.statements.models import Statement, StatementLink, StatementStatus
from consult.statements.permissions import can_view_statement
from consult.statements.schemas import (  # noqa: F401  (named in the OpenAPI docstrings)
    StatementFilterSchema,
    StatementInputSchema,
    StatementPageSchema,
    StatementSchema,
)
from consult.statements.services import (
    create_statement,
    my_votes,
    visible_statement_filter,
    vote_counts,
)
from consult.votes.models import VoteValue

_output = StatementSchema()


def vote_totals(counts: dict[int, int]) -> dict[str, int]:
    """Turn ``{1: n, -1: n, 0: n}`` into ``{"agree": n, "disagree": n, "pass": n}``."""
    return {"agree": counts.get(1, 0), "disagree": counts.get(-1, 0), "pass": counts.get(0, 0)}


def serialize_statements(
    consultation: Consultation, statements: list[Statement], viewer: Any
) -> list[dict[str, Any]]:
    """Dump statements of one consultation as the viewer sees them.

    Links point only at statements the viewer may read. Authors, counts, the viewer's votes and
    links take one query each for the whole list.
    """
    if not statements:
        return []
    ids = [s.id for s in statements]
    counts = vote_counts(ids)
    mine = my_votes(viewer, ids)
    translated = translated_ids(ids)
    author_ids = {s.author_id for s in statements if s.author_id is not None}
    authors: dict[int, str] = dict(
        db.session.execute(select(User.id, User.display_name).where(User.id.in_(author_ids))).all()
    )
    link_rows = db.session.execute(
        select(StatementLink.source_id, StatementLink.target_id, StatementLink.relation)
        .where(StatementLink.source_id.in_(ids))
        .order_by(StatementLink.id)
    ).all()
    # Only links to statements the viewer may read are shown (two indexed queries: a join
    # here makes SQLite probe every statement of the consultation).
    targets = {target_id for _, target_id, _ in link_rows}
    readable = (
        set(
            db.session.scalars(
                select(Statement.id).where(
                    Statement.id.in_(targets), visible_statement_filter(consultation, viewer)
                )
            )
        )
        if targets
        else set()
    )
    links: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for source_id, target_id, relation in link_rows:
        if target_id in readable:
            links[source_id].append({"target": target_id, "relation": relation})
    items = []
    for s in statements:
        vote = mine.get(s.id)
        items.append(
            {
                "id": s.id,
                "consultation": s.consultation_id,
                "kind": s.kind,
                "text": s.text,
                "language": s.language,
                "author": authors.get(s.author_id) if s.author_id is not None else None,
                "created_at": s.created_at,
                "status": s.status,
                "links": links[s.id],
                "votes": vote_totals(counts.get(s.id, {})),
                "my_vote": VoteValue(vote).label if vote is not None else None,
                "url": url_for("statements.show", statement_id=s.id, _external=True),
                "translations": [c for c in LANGUAGES if c in translated.get(s.id, set())],
            }
        )
    result: list[dict[str, Any]] = _output.dump(items, many=True)
    return result


def _kind_filter() -> Any:
    try:
        args = StatementFilterSchema(unknown=EXCLUDE).load(request.args)
    except ValidationError as exc:
        raise ApiError(
            422,
            "validation_error",
            _l("Invalid filter."),
            fields=exc.messages,  # type: ignore[arg-type]
        ) from None
    return args.get("kind")


@api.route(f"/consultations/<{ID_RULE}:consultation_id>/statements")
def list_statements(consultation_id: int) -> Any:
    """The statements of a consultation the caller may read, oldest first.
    ---
    get:
      tags: [statements]
      summary: List a consultation's visible statements (and the caller's own pending ones).
      security: [{}, {bearer: []}, {session: []}]
      parameters:
        - {in: path, name: consultation_id, required: true, schema: {type: integer}}
        - page
        - per_page
        - in: query
          name: kind
          schema: {type: string, enum: [position, argument]}
      x-errors:
        401: The bearer token is unknown or revoked.
        404: No such consultation, or someone else's draft.
        422: Invalid page, per_page or kind.
      responses:
        200:
          description: One page of statements.
          content:
            application/json:
              schema: StatementPageSchema
    """
    consultation = get_visible_consultation(consultation_id, current_user)
    kind = _kind_filter()
    viewer = current_user._get_current_object()
    query = (
        select(Statement)
        .where(visible_statement_filter(consultation, viewer))
        .order_by(Statement.created_at, Statement.id)
    )
    if kind is not None:
        query = query.where(Statement.kind == kind)
    return jsonify(page_of(query, lambda rows: serialize_statements(consultation, rows, viewer)))


@api.route(f"/consultations/<{ID_RULE}:consultation_id>/statements", methods=["POST"])
@login_required_json
@rate_limited("post")
def create_statement_view(consultation_id: int) -> Any:
    """Post a position or an argument.
    ---
    post:
      tags: [statements]
      summary: Post a statement in an open consultation (an argument links to ≥ 1 statement).
      parameters:
        - {in: path, name: consultation_id, required: true, schema: {type: integer}}
      requestBody:
        required: true
        content:
          application/json:
            schema: StatementInputSchema
      x-errors:
        400: The body is not JSON.
        401: Not authenticated.
        403: The account is blocked or suspended.
        404: No such consultation.
        409: The consultation is not open, or the caller already posted this text.
        415: The body is not JSON.
        422: Invalid text, kind or links.
        429: Too many posts; retry after Retry-After seconds.
      responses:
        201:
          description: >-
            The new statement (status pending under pre-moderation); Location is its API URL.
          headers:
            Location: {schema: {type: string}}
          content:
            application/json:
              schema: StatementSchema
    """
    actor = current_user._get_current_object()
    consultation = get_visible_consultation(consultation_id, current_user)
    data = load_body(StatementInputSchema())
    statement = create_statement(
        consultation,
        actor,
        text=data["text"],
        kind=data["kind"],
        links=[(link["target"], link["relation"]) for link in data.get("links", [])],
        language=data.get("language"),
    )
    db.session.commit()
    body = serialize_statements(consultation, [statement], actor)[0]
    return created(body, url_for("api.show_statement", statement_id=statement.id))


@api.route(f"/statements/<{ID_RULE}:statement_id>")
def show_statement(statement_id: int) -> Any:
    """One statement.
    ---
    get:
      tags: [statements]
      summary: One statement; a merged one redirects (301) to the statement it was merged into.
      security: [{}, {bearer: []}, {session: []}]
      parameters:
        - {in: path, name: statement_id, required: true, schema: {type: integer}}
      x-errors:
        401: The bearer token is unknown or revoked.
        404: No such statement, or one the caller may not read.
      responses:
        200:
          description: The statement.
          content:
            application/json:
              schema: StatementSchema
        301:
          description: Merged; Location is the statement it was merged into.
          headers:
            Location: {schema: {type: string}}
    """
    viewer = current_user._get_current_object()
    statement = db.session.get(Statement, statement_id)
    if statement is None:
        raise not_found(_l("Statement not found."))
    if (
        statement.status is StatementStatus.merged
        and statement.merged_into_id is not None
        and can_view_consultation(viewer, statement.consultation)
    ):
        return redirect(url_for("api.show_statement", statement_id=statement.merged_into_id), 301)
    if not can_view_statement(viewer, statement):
        raise not_found(_l("Statement not found."))
    return jsonify(serialize_statements(statement.consultation, [statement], viewer)[0])
