"""JSON API of official responses and response items (on the shared blueprint)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import Schema

from consult.api import ApiError, api, forbid, load_body, login_required_json, not_found, page_of
from consult.consultations.models import Consultation
from consult.consultations.permissions import can_view_consultation
from consult.consultations.services import get_visible_consultation
from consult.extensions import db
from consult.responses import deadlines, services
from consult.responses.models import Response, ResponseItem
from consult.responses.permissions import can_manage_responses
from consult.responses.schemas import (  # noqa: F401  (list schemas: named in the OpenAPI docs)
    ClusterResponseInputSchema,
    ExtensionInputSchema,
    ResponseInputSchema,
    ResponseItemListSchema,
    ResponseItemSchema,
    ResponseListSchema,
    ResponseSchema,
    ResponseUpdateSchema,
)
from consult.statements.models import Statement
from consult.statements.permissions import can_view_statement


def _consultation(consultation_id: int) -> Consultation:
    return get_visible_consultation(consultation_id, current_user)


def _statement(statement_id: int) -> Statement:
    statement = db.session.get(Statement, statement_id)
    if statement is None or not can_view_statement(current_user, statement):
        raise not_found(_l("Statement not found."))
    return statement


def _item_dict(state: deadlines.ItemState) -> dict[str, Any]:
    item = state.item
    return {
        "id": item.id,
        "statement_id": item.statement_id,
        "reason": item.reason,
        "due_on": item.due_on,
        "extended_due_on": item.extended_due_on,
        "extension_reason": item.extension_reason,
        "effective_due_on": item.effective_due_on,
        "response_id": item.response_id,
        "answered_at": item.answered_at,
        "state": state.state,
    }


def _respond(
    consultation: Consultation, schema: Schema, statement_ids: list[int] | None = None
) -> Any:
    """Check the caller may answer, read the body, publish the response: 201 and the response."""
    services.check_may_respond(consultation, current_user)
    data = load_body(schema)
    response = services.create_response(
        consultation,
        current_user,
        statement_ids=statement_ids if statement_ids is not None else data["statements"],
        decision=data["decision"],
        text=data["text"],
        measure_url=data.get("measure_url"),
        language=data.get("language"),
    )
    db.session.commit()
    return jsonify(ResponseSchema().dump(response)), 201


@api.post("/statements/<id:statement_id>/responses")
@login_required_json
def create_statement_response(statement_id: int) -> Any:
    """Publish an official response to one statement.
    ---
    post:
      summary: Respond officially to a statement (the consultation's policymakers).
      security: [{bearer: []}]
      requestBody: {content: {application/json: {schema: ResponseInputSchema}}}
      x-errors: [403, 404, 409, 422]
      responses:
        201: {content: {application/json: {schema: ResponseSchema}}}
    """
    statement = _statement(statement_id)
    return _respond(statement.consultation, ResponseInputSchema(), [statement.id])


@api.get("/statements/<id:statement_id>/responses")
def list_statement_responses(statement_id: int) -> Any:
    """The official responses of one statement.
    ---
    get:
      summary: Official responses of a statement.
      x-errors: [404]
      responses:
        200: {content: {application/json: {schema: ResponseListSchema}}}
    """
    statement = _statement(statement_id)
    responses = services.responses_by_statement([statement.id]).get(statement.id, [])
    return jsonify({"items": ResponseSchema(many=True).dump(responses)})


@api.post("/consultations/<id:consultation_id>/responses")
@login_required_json
def create_cluster_response(consultation_id: int) -> Any:
    """Publish one official response to several statements.
    ---
    post:
      summary: Respond officially to a cluster of statements of one consultation.
      security: [{bearer: []}]
      requestBody: {content: {application/json: {schema: ClusterResponseInputSchema}}}
      x-errors: [403, 404, 409, 422]
      responses:
        201: {content: {application/json: {schema: ResponseSchema}}}
    """
    return _respond(_consultation(consultation_id), ClusterResponseInputSchema())


@api.get("/consultations/<id:consultation_id>/responses")
def list_consultation_responses(consultation_id: int) -> Any:
    """The official responses of a consultation, newest first (paginated).
    ---
    get:
      summary: Official responses of a consultation.
      parameters:
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      x-errors: [404]
      responses:
        200: {content: {application/json: {schema: ResponseListSchema}}}
    """
    consultation = _consultation(consultation_id)
    return jsonify(page_of(services.responses_query(consultation), ResponseSchema(many=True).dump))


@api.patch("/responses/<id:response_id>")
@login_required_json
def update_response(response_id: int) -> Any:
    """Amend an official response.
    ---
    patch:
      summary: Amend an official response (decision, text, measure link).
      security: [{bearer: []}]
      requestBody: {content: {application/json: {schema: ResponseUpdateSchema}}}
      x-errors: [403, 404, 422]
      responses:
        200: {content: {application/json: {schema: ResponseSchema}}}
    """
    response = db.session.get(Response, response_id)
    if response is None or not can_view_consultation(current_user, response.consultation):
        raise not_found(_l("Response not found."))
    services.check_may_respond(response.consultation, current_user)
    data = load_body(ResponseUpdateSchema())
    services.update_response(
        response,
        current_user,
        decision=data.get("decision"),
        text=data.get("text"),
        measure_url=data.get("measure_url", response.measure_url),
    )
    db.session.commit()
    return jsonify(ResponseSchema().dump(response))


@api.get("/consultations/<id:consultation_id>/response-items")
@login_required_json
def list_response_items(consultation_id: int) -> Any:
    """Statements that need an answer, with due dates (the consultation's policymakers).
    ---
    get:
      summary: Due, overdue and answered response items, and the median time to answer.
      security: [{bearer: []}]
      parameters:
        - {in: query, name: state, schema: {type: string, enum: [due, overdue, answered]}}
      x-errors: [403, 404]
      responses:
        200: {content: {application/json: {schema: ResponseItemListSchema}}}
    """
    consultation = _consultation(consultation_id)
    if not can_manage_responses(current_user, consultation):
        raise forbid(_l("Only this consultation's policymakers see response deadlines."))
    states = deadlines.item_states(consultation)
    summary = deadlines.response_summary(states)
    wanted = request.args.get("state")
    if wanted:
        if wanted not in ("due", "overdue", "answered"):
            raise ApiError(
                422,
                "validation_error",
                _l("Invalid filter."),
                fields={"state": [_l("Use due, overdue or answered.")]},
            )
        states = [s for s in states if s.state == wanted]
    return jsonify(
        {
            "items": ResponseItemSchema(many=True).dump([_item_dict(s) for s in states]),
            "summary": summary,
        }
    )


@api.post("/response-items/<id:item_id>/extension")
@login_required_json
def extend_response_item(item_id: int) -> Any:
    """Extend a due date once, with a reason shown publicly.
    ---
    post:
      summary: Extend a response deadline (once).
      security: [{bearer: []}]
      requestBody: {content: {application/json: {schema: ExtensionInputSchema}}}
      x-errors: [403, 404, 409, 422]
      responses:
        200: {content: {application/json: {schema: ResponseItemSchema}}}
    """
    item = db.session.get(ResponseItem, item_id)
    consultation = db.session.get(Consultation, item.consultation_id) if item else None
    if (
        item is None
        or consultation is None
        or not can_view_consultation(current_user, consultation)
    ):
        raise not_found(_l("Response item not found."))
    if not can_manage_responses(current_user, consultation):
        raise forbid(_l("Only this consultation's policymakers can extend a deadline."))
    data = load_body(ExtensionInputSchema())
    deadlines.extend_response_item(item, current_user, due_on=data["due_on"], reason=data["reason"])
    db.session.commit()
    state = next(s for s in deadlines.item_states(consultation) if s.item.id == item.id)
    return jsonify(ResponseItemSchema().dump(_item_dict(state)))
