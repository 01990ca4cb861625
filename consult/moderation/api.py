"""JSON API of moderation: flags, the queue, decisions, merges, blocks, audit, brigades."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request
from flask_login import current_user

from consult.api import (
    ID_RULE,
    ApiError,
    api,
    forbid,
    load_body,
    login_required_json,
    not_found,
    paginate,
)
from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.consultations.permissions import can_moderate_consultation, can_view_consultation
from consult.errors import NotFound
from consult.extensions import db
from consult.moderation import services
from consult.moderation.models import FlagReason
from consult.moderation.permissions import (
    can_block_user,
    can_use_moderation,
    can_view_user_record,
)
from consult.moderation.schemas import (  # noqa: F401  (named in the OpenAPI docstrings)
    AuditEntrySchema,
    AuditListSchema,
    BlockInputSchema,
    BlockListSchema,
    BlockSchema,
    BrigadeListSchema,
    BulkModerationInputSchema,
    BulkResultSchema,
    FlagInputSchema,
    FlagSchema,
    MergeInputSchema,
    MergeResultSchema,
    ModerationInputSchema,
    ModerationResultSchema,
    QueueItemSchema,
    QueueListSchema,
    ReasonTemplateListSchema,
    ReasonTemplateSchema,
    SimilarListSchema,
    UnblockInputSchema,
)
from consult.ratelimits import flag_limit
from consult.statements.models import Statement, StatementStatus
from consult.statements.permissions import can_view_statement
from consult.votes.models import VoteValue

SIMILAR_TEXT_MAX = 2000


# --- loading and checks ----------------------------------------------------------------------


def _statement(statement_id: int) -> Statement:
    statement = db.session.get(Statement, statement_id)
    if (
        statement is None
        or statement.status is StatementStatus.merged
        or not can_view_statement(current_user, statement)
    ):
        raise not_found("Statement")
    return statement


def _moderatable(statement_id: int) -> Statement:
    """A statement the current user moderates (404 if they may not even see it)."""
    statement = db.session.get(Statement, statement_id)
    if statement is None or not can_view_statement(current_user, statement):
        raise not_found("Statement")
    if not can_moderate_consultation(current_user, statement.consultation):
        raise forbid("You do not moderate this consultation.")
    if statement.author_id is not None and statement.author_id == current_user.id:
        raise forbid("You cannot moderate your own statement.")
    return statement


def _require_moderator() -> None:
    if not can_use_moderation(current_user):
        raise forbid("Only moderators and administrators can do this.")


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > 2_147_483_647:
        raise ApiError(422, "validation_error", "Invalid filter.", fields={name: ["Not an id."]})
    return int(raw)


def _choice_arg(name: str, choices: list[str] | tuple[str, ...]) -> str | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if raw not in choices:
        raise ApiError(
            422,
            "validation_error",
            "Invalid filter.",
            fields={name: [f"Choose one of: {', '.join(choices)}."]},
        )
    return raw


def _moderated_consultation(consultation_id: int | None) -> Consultation | None:
    if consultation_id is None:
        return None
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise ApiError(
            422, "validation_error", "Unknown consultation.", fields={"consultation": ["Unknown."]}
        )
    if not can_moderate_consultation(current_user, consultation):
        raise forbid("You do not moderate this consultation.")
    return consultation


# --- serialization ---------------------------------------------------------------------------


def _context(items: list[services.ContextItem]) -> list[dict[str, Any]]:
    return [
        {
            "id": c.statement.id,
            "relation": c.relation,
            "status": c.statement.status.value,
            "text": c.statement.text,
        }
        for c in items
    ]


def queue_item_dict(item: services.QueueItem) -> dict[str, Any]:
    """The API form of a queue item."""
    statement = item.statement
    author = statement.author
    return {
        "id": statement.id,
        "consultation": statement.consultation_id,
        "consultation_slug": statement.consultation.slug,
        "kind": statement.kind.value,
        "text": statement.text,
        "status": statement.status.value,
        "state": item.state,
        "auto_hidden": bool(statement.auto_hidden),
        "created_at": statement.created_at,
        "queued_at": item.queued_at,
        "flag_count": len(item.flags),
        "reasons": item.reasons,
        "flags": item.flags,
        "author": {
            "id": statement.author_id,
            "name": author.display_name if author else None,
            "statements": item.author_total,
            "hidden": item.author_hidden,
            "blocked": item.author_block is not None,
            "created_at": author.created_at if author else None,
        },
        "targets": _context(item.targets),
        "replies": _context(item.replies),
        "duplicates": [
            {"id": s.id, "status": s.status.value, "text": s.text, "score": score}
            for s, score in item.duplicates
        ],
    }


def _result(statement: Statement, action: str, reason: str) -> dict[str, Any]:
    return {
        "id": statement.id,
        "status": statement.status.value,
        "auto_hidden": bool(statement.auto_hidden),
        "open_flags": services.open_flag_counts([statement.id]).get(statement.id, 0),
        "action": action,
        "reason": reason,
    }


# --- flags -----------------------------------------------------------------------------------


@api.post(f"/statements/<{ID_RULE}:statement_id>/flags", endpoint="moderation_flag_statement")
@login_required_json
@flag_limit()
def flag_statement(statement_id: int) -> Any:
    """Flag a statement for the moderators.
    ---
    post:
      tags: [moderation]
      summary: Report a statement (one flag per person per statement).
      description: >
        Reasons are spam, offensive, off_topic and other (other needs a note). When a statement
        reaches its consultation's flag threshold it is hidden until a moderator reviews it.
        Limited by RATE_LIMIT_FLAG (429 with Retry-After).
      requestBody: {content: {application/json: {schema: FlagInputSchema}}}
      responses:
        201: {content: {application/json: {schema: FlagSchema}}}
        401: {content: {application/json: {schema: Error}}}
        403: {content: {application/json: {schema: Error}}}
        404: {content: {application/json: {schema: Error}}}
        409: {content: {application/json: {schema: Error}}}
        422: {content: {application/json: {schema: Error}}}
        429: {content: {application/json: {schema: Error}}}
    """
    statement = _statement(statement_id)
    data = load_body(FlagInputSchema())
    flag = services.flag_statement(
        statement, current_user, reason=FlagReason(data["reason"]), note=data.get("note", "")
    )
    db.session.commit()
    return jsonify(FlagSchema().dump(flag)), 201


# --- the queue and decisions -----------------------------------------------------------------


@api.get("/moderation/queue", endpoint="moderation_queue")
@login_required_json
def queue() -> Any:
    """The moderation queue.
    ---
    get:
      tags: [moderation]
      summary: Pending and flagged statements of your consultations, oldest first.
      parameters:
        - {name: consultation, in: query, schema: {type: integer}}
        - name: reason
          in: query
          schema: {type: string, enum: [spam, offensive, off_topic, other]}
        - {name: state, in: query, schema: {type: string, enum: [flagged, auto_hidden, pending]}}
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
        - {name: per_page, in: query, schema: {type: integer, minimum: 1, maximum: 200}}
      responses:
        200: {content: {application/json: {schema: QueueListSchema}}}
        401: {content: {application/json: {schema: Error}}}
        403: {content: {application/json: {schema: Error}}}
        422: {content: {application/json: {schema: Error}}}
    """
    _require_moderator()
    consultation = _moderated_consultation(_int_arg("consultation"))
    reason = _choice_arg("reason", [r.value for r in FlagReason])
    state = _choice_arg("state", services.QUEUE_STATES)
    services.expire_suspensions()
    query = services.queue_query(
        current_user,
        consultation_id=consultation.id if consultation else None,
        reason=reason,
        state=state,
    )

    def serialize(rows: list[Statement]) -> list[dict[str, Any]]:
        return QueueItemSchema(many=True).dump(
            [queue_item_dict(i) for i in services.queue_items(rows)]
        )

    body = paginate(query, serialize)
    body["summary"] = services.queue_summary(
        current_user, consultation_id=consultation.id if consultation else None
    )
    db.session.commit()
    return jsonify(body)


@api.post(f"/statements/<{ID_RULE}:statement_id>/moderation", endpoint="moderation_decide")
@login_required_json
def decide(statement_id: int) -> Any:
    """Hide, restore or approve a statement, or dismiss its flags.
    ---
    post:
      tags: [moderation]
      summary: Moderate one statement (moderators of its consultation, admins); logged.
      requestBody: {content: {application/json: {schema: ModerationInputSchema}}}
      responses:
        200: {content: {application/json: {schema: ModerationResultSchema}}}
        401: {content: {application/json: {schema: Error}}}
        403: {content: {application/json: {schema: Error}}}
        404: {content: {application/json: {schema: Error}}}
        409: {content: {application/json: {schema: Error}}}
        422: {content: {application/json: {schema: Error}}}
    """
    statement = _moderatable(statement_id)
    data = load_body(ModerationInputSchema())
    services.moderate_statement(statement, current_user, data["action"], reason=data["reason"])
    db.session.commit()
    return jsonify(
        ModerationResultSchema().dump(_result(statement, data["action"], data["reason"]))
    )


@api.post("/moderation/bulk", endpoint="moderation_bulk")
@login_required_json
def bulk() -> Any:
    """One decision on many statements.
    ---
    post:
      tags: [moderation]
      summary: Apply hide, restore, approve or ignore_flags to up to 200 statements.
      description: >
        Every statement must be in a consultation you moderate (else 403, nothing changes).
        Statements the action does not fit (already hidden, your own...) are skipped and listed.
      requestBody: {content: {application/json: {schema: BulkModerationInputSchema}}}
      responses:
        200: {content: {application/json: {schema: BulkResultSchema}}}
        401: {content: {application/json: {schema: Error}}}
        403: {content: {application/json: {schema: Error}}}
        404: {content: {application/json: {schema: Error}}}
        422: {content: {application/json: {schema: Error}}}
    """
    _require_moderator()
    data = load_body(BulkModerationInputSchema())
    statements = services.load_statements_for_moderation(data["statements"], current_user)
    result = services.bulk_moderate(statements, current_user, data["action"], reason=data["reason"])
    db.session.commit()
    return jsonify(
        BulkResultSchema().dump(
            {
                "action": data["action"],
                "done": result.done,
                "skipped": [{"id": i, "message": m} for i, m in result.skipped],
            }
        )
    )


@api.post(f"/statements/<{ID_RULE}:statement_id>/merge", endpoint="moderation_merge")
@login_required_json
def merge(statement_id: int) -> Any:
    """Merge a duplicate into another statement.
    ---
    post:
      tags: [moderation]
      summary: Merge this statement into `into`; its links and votes move, it becomes a redirect.
      description: >
        A person who voted on both keeps their vote on `into`; links that would duplicate one of
        `into`'s or point at itself are dropped.
      requestBody: {content: {application/json: {schema: MergeInputSchema}}}
      responses:
        200: {content: {application/json: {schema: MergeResultSchema}}}
        401: {content: {application/json: {schema: Error}}}
        403: {content: {application/json: {schema: Error}}}
        404: {content: {application/json: {schema: Error}}}
        409: {content: {application/json: {schema: Error}}}
        422: {content: {application/json: {schema: Error}}}
    """
    source = _moderatable(statement_id)
    data = load_body(MergeInputSchema())
    target = db.session.get(Statement, data["into"])
    if target is None or not can_view_statement(current_user, target):
        raise ApiError(
            422, "validation_error", "Unknown statement.", fields={"into": ["Unknown statement."]}
        )
    result = services.merge_statements(source, target, current_user, reason=data["reason"])
    db.session.commit()
    return jsonify(
        MergeResultSchema().dump(
            {
                "statement": result.source.id,
                "into": result.target.id,
                "status": result.source.status.value,
                "moved_links": result.moved_links,
                "dropped_links": result.dropped_links,
                "moved_votes": result.moved_votes,
                "dropped_votes": result.dropped_votes,
            }
        )
    )


# --- blocks ----------------------------------------------------------------------------------


def _user_for_blocks(user_id: int, *, acting: bool) -> User:
    _require_moderator()
    user = db.session.get(User, user_id)
    if user is None:
        raise not_found("User")
    allowed = (
        can_block_user(current_user, user) if acting else can_view_user_record(current_user, user)
    )
    if not allowed:
        raise forbid("You cannot manage this account's blocks.")
    return user


@api.get(f"/users/<{ID_RULE}:user_id>/blocks", endpoint="moderation_blocks")
@login_required_json
def blocks(user_id: int) -> Any:
    """The blocks and suspensions of an account.
    ---
    get:
      tags: [moderation]
      summary: Blocks and suspensions of an account, newest first, and the one in force.
      responses:
        200: {content: {application/json: {schema: BlockListSchema}}}
        401: {content: {application/json: {schema: Error}}}
        403: {content: {application/json: {schema: Error}}}
        404: {content: {application/json: {schema: Error}}}
    """
    user = _user_for_blocks(user_id, acting=False)
    services.expire_suspensions()
    db.session.commit()
    return jsonify(
        BlockListSchema().dump(
            {"items": services.blocks_of(user), "active": services.active_block(user)}
        )
    )


@api.post(f"/users/<{ID_RULE}:user_id>/blocks", endpoint="moderation_block")
@login_required_json
def block(user_id: int) -> Any:
    """Suspend or block an account.
    ---
    post:
      tags: [moderation]
      summary: Suspend (with ends_at) or block an account; their statements are hidden.
      description: >
        Admins block anyone but themselves; moderators block participants who took part in a
        consultation they moderate. The account cannot post, vote or flag while it lasts.
      requestBody: {content: {application/json: {schema: BlockInputSchema}}}
      responses:
        201: {content: {application/json: {schema: BlockSchema}}}
        401: {content: {application/json: {schema: Error}}}
        403: {content: {application/json: {schema: Error}}}
        404: {content: {application/json: {schema: Error}}}
        409: {content: {application/json: {schema: Error}}}
        422: {content: {application/json: {schema: Error}}}
    """
    user = _user_for_blocks(user_id, acting=True)
    data = load_body(BlockInputSchema())
    consultation = _moderated_consultation(data.get("consultation"))
    row = services.block_user(
        user,
        current_user,
        kind=data["kind"],
        reason=data["reason"],
        ends_at=data.get("ends_at"),
        consultation=consultation,
    )
    db.session.commit()
    return jsonify(BlockSchema().dump(row)), 201


@api.delete(f"/users/<{ID_RULE}:user_id>/blocks", endpoint="moderation_unblock")
@login_required_json
def unblock(user_id: int) -> Any:
    """Lift an account's block or suspension.
    ---
    delete:
      tags: [moderation]
      summary: Lift the block or suspension in force and restore the statements it hid.
      requestBody: {content: {application/json: {schema: UnblockInputSchema}}}
      responses:
        200: {content: {application/json: {schema: BlockSchema}}}
        401: {content: {application/json: {schema: Error}}}
        403: {content: {application/json: {schema: Error}}}
        404: {content: {application/json: {schema: Error}}}
        422: {content: {application/json: {schema: Error}}}
    """
    user = _user_for_blocks(user_id, acting=True)
    data = load_body(UnblockInputSchema())
    consultation = _moderated_consultation(data.get("consultation"))
    try:
        row = services.lift_block(
            user, current_user, reason=data["reason"], consultation=consultation
        )
    except NotFound:
        raise not_found("Active block") from None
    db.session.commit()
    return jsonify(BlockSchema().dump(row))


# --- audit log -------------------------------------------------------------------------------


def audit_filters() -> dict[str, Any]:
    """Read the audit log filters from the query string (422 on bad values)."""
    from datetime import datetime

    def date_arg(name: str) -> datetime | None:
        raw = request.args.get(name, "").strip()
        if not raw:
            return None
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            raise ApiError(
                422, "validation_error", "Invalid date.", fields={name: ["Use ISO 8601."]}
            ) from None
        if value.tzinfo is None:
            from datetime import UTC

            value = value.replace(tzinfo=UTC)
        return value

    return {
        "consultation_id": _int_arg("consultation"),
        "action": request.args.get("action", "").strip()[:40] or None,
        "actor_id": _int_arg("actor"),
        "target_type": request.args.get("target_type", "").strip()[:40] or None,
        "target_id": _int_arg("target_id"),
        "since": date_arg("since"),
        "until": date_arg("until"),
    }


@api.get("/moderation/audit", endpoint="moderation_audit")
@login_required_json
def audit() -> Any:
    """The audit log.
    ---
    get:
      tags: [moderation]
      summary: Moderation and administration actions, newest first (`?format=csv` to export).
      description: >
        Moderators read the entries of the consultations they moderate; admins everything.
      parameters:
        - {name: consultation, in: query, schema: {type: integer}}
        - {name: action, in: query, schema: {type: string}}
        - {name: actor, in: query, schema: {type: integer}}
        - {name: target_type, in: query, schema: {type: string}}
        - {name: target_id, in: query, schema: {type: integer}}
        - {name: since, in: query, schema: {type: string, format: date-time}}
        - {name: until, in: query, schema: {type: string, format: date-time}}
        - {name: format, in: query, schema: {type: string, enum: [json, csv]}}
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
        - {name: per_page, in: query, schema: {type: integer, minimum: 1, maximum: 200}}
      responses:
        200:
          content:
            application/json: {schema: AuditListSchema}
            text/csv: {schema: {type: string}}
        401: {content: {application/json: {schema: Error}}}
        403: {content: {application/json: {schema: Error}}}
        422: {content: {application/json: {schema: Error}}}
    """
    _require_moderator()
    fmt = _choice_arg("format", ["json", "csv"]) or "json"
    filters = audit_filters()
    if filters["consultation_id"] is not None:
        _moderated_consultation(filters["consultation_id"])
    query = services.audit_query(current_user, **filters)
    if fmt == "csv":
        rows = db.session.scalars(query.limit(int(current_app.config.get("AUDIT_CSV_MAX", 100000))))
        return Response(
            services.audit_csv(rows),
            mimetype="text/csv",
            headers={"Content-Disposition": "attachment; filename=kenes-audit.csv"},
        )
    return jsonify(paginate(query, lambda rows: AuditEntrySchema(many=True).dump(rows)))


# --- duplicates, brigades, reason templates --------------------------------------------------


@api.get(f"/consultations/<{ID_RULE}:consultation_id>/similar", endpoint="moderation_similar")
def similar(consultation_id: int) -> Any:
    """Statements that resemble a text (to avoid posting duplicates).
    ---
    get:
      tags: [moderation]
      summary: Visible statements of the consultation similar to `text`, best first.
      security: [{}]
      parameters:
        - {name: text, in: query, required: true, schema: {type: string, maxLength: 2000}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 10}}
      responses:
        200: {content: {application/json: {schema: SimilarListSchema}}}
        404: {content: {application/json: {schema: Error}}}
        422: {content: {application/json: {schema: Error}}}
    """
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or not can_view_consultation(current_user, consultation):
        raise not_found("Consultation")
    text = request.args.get("text", "")
    if len(text) > SIMILAR_TEXT_MAX:
        raise ApiError(
            422,
            "validation_error",
            "The text is too long.",
            fields={"text": [f"Use at most {SIMILAR_TEXT_MAX} characters."]},
        )
    limit = _int_arg("limit") or 5
    if not 1 <= limit <= 10:
        raise ApiError(
            422, "validation_error", "Invalid limit.", fields={"limit": ["From 1 to 10."]}
        )
    found = services.similar_statements(consultation, text, limit=limit)
    return jsonify(
        SimilarListSchema().dump(
            {
                "items": [
                    {
                        "id": s.id,
                        "text": s.text,
                        "kind": s.kind.value,
                        "score": score,
                        "url": f"/statements/{s.id}",
                    }
                    for s, score in found
                ]
            }
        )
    )


def brigade_dict(report: services.BrigadeReport, blocked: set[int]) -> dict[str, Any]:
    """The API form of a suspected brigade."""
    return {
        "consultation": report.consultation.id,
        "size": report.size,
        "similarity": round(report.similarity, 4),
        "min_similarity": round(report.min_similarity, 4),
        "pairs": report.pairs,
        "created_from": report.created_from,
        "created_to": report.created_to,
        "span_seconds": report.span.total_seconds(),
        "members": [
            {
                "id": u.id,
                "name": u.display_name,
                "created_at": u.created_at,
                "blocked": u.id in blocked,
            }
            for u in report.members
        ],
        "statements": [
            {"id": s.id, "text": s.text, "vote": VoteValue(v).label, "unanimity": round(share, 3)}
            for s, v, share in report.statements
        ],
    }


@api.get("/moderation/brigades", endpoint="moderation_brigades")
@login_required_json
def brigades() -> Any:
    """Suspected coordinated voting.
    ---
    get:
      tags: [moderation]
      summary: Accounts created close together whose votes are near identical (a report).
      description: >
        Pairs of accounts created within `window_minutes` of each other that gave the same
        answer on at least `min_similarity` of the at least `min_shared` statements both voted
        on, grouped. Nobody is blocked automatically.
      parameters:
        - {name: consultation, in: query, required: true, schema: {type: integer}}
        - {name: window_minutes, in: query, schema: {type: integer, minimum: 1, maximum: 10080}}
        - {name: min_shared, in: query, schema: {type: integer, minimum: 2, maximum: 1000}}
      responses:
        200: {content: {application/json: {schema: BrigadeListSchema}}}
        401: {content: {application/json: {schema: Error}}}
        403: {content: {application/json: {schema: Error}}}
        422: {content: {application/json: {schema: Error}}}
    """
    from datetime import timedelta

    _require_moderator()
    consultation_id = _int_arg("consultation")
    if consultation_id is None:
        raise ApiError(
            422,
            "validation_error",
            "Choose a consultation.",
            fields={"consultation": ["Required."]},
        )
    consultation = _moderated_consultation(consultation_id)
    assert consultation is not None
    window = _int_arg("window_minutes")
    min_shared = _int_arg("min_shared")
    if window is not None and not 1 <= window <= 10080:
        raise ApiError(
            422, "validation_error", "Invalid window.", fields={"window_minutes": ["1 to 10080."]}
        )
    if min_shared is not None and not 2 <= min_shared <= 1000:
        raise ApiError(
            422, "validation_error", "Invalid minimum.", fields={"min_shared": ["2 to 1000."]}
        )
    reports = services.detect_brigades(
        consultation,
        window=timedelta(minutes=window) if window else None,
        min_shared=min_shared,
    )
    blocked = set(services.active_blocks([u.id for r in reports for u in r.members]))
    config = current_app.config
    return jsonify(
        BrigadeListSchema().dump(
            {
                "items": [brigade_dict(r, blocked) for r in reports],
                "parameters": {
                    "window_minutes": window
                    or int(config.get("BRIGADE_WINDOW", timedelta(hours=1)).total_seconds() // 60),
                    "min_similarity": float(config.get("BRIGADE_MIN_SIMILARITY", 0.95)),
                    "min_shared": min_shared or int(config.get("BRIGADE_MIN_SHARED", 10)),
                },
            }
        )
    )


@api.get("/moderation/reasons", endpoint="moderation_reasons")
@login_required_json
def reasons() -> Any:
    """The moderation reason templates.
    ---
    get:
      tags: [moderation]
      summary: Reusable reasons, by action.
      parameters:
        - {name: action, in: query, schema: {type: string}}
      responses:
        200: {content: {application/json: {schema: ReasonTemplateListSchema}}}
        401: {content: {application/json: {schema: Error}}}
        403: {content: {application/json: {schema: Error}}}
    """
    _require_moderator()
    action = _choice_arg("action", services.TEMPLATE_ACTIONS)
    return jsonify(
        ReasonTemplateListSchema().dump({"items": services.list_reason_templates(action)})
    )
