"""/api/v1/consultations: list, create, show and change consultations."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import jsonify, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from consult.api import (
    ID_RULE,
    ApiError,
    api,
    created,
    forbid,
    load_body,
    login_required_json,
    page_of,
)
from consult.auth.models import User
from consult.consultations.models import (
    Consultation,
    ConsultationMember,
    ConsultationStatus,
    MemberRole,
)
from consult.consultations.permissions import can_create_consultation, can_edit_consultation
from consult.consultations.schemas import (  # noqa: F401  (named in the OpenAPI docstrings)
    ConsultationInputSchema,
    ConsultationPageSchema,
    ConsultationSchema,
)
from consult.consultations.services import (
    consultation_counts,
    create_consultation,
    get_visible_consultation,
    update_consultation,
    visible_consultations,
)
from consult.errors import ConsultError
from consult.extensions import db

_output = ConsultationSchema()


def serialize_consultations(consultations: list[Consultation]) -> list[dict[str, Any]]:
    """Dump consultations with their counts, owners and page URL (three queries in all)."""
    ids = [c.id for c in consultations]
    counts = consultation_counts(ids)
    owners: dict[int, list[User]] = defaultdict(list)
    if ids:
        rows = db.session.execute(
            select(ConsultationMember.consultation_id, User)
            .join(User, User.id == ConsultationMember.user_id)
            .where(
                ConsultationMember.consultation_id.in_(ids),
                ConsultationMember.role == MemberRole.owner,
            )
            .order_by(ConsultationMember.id)
        )
        for consultation_id, user in rows:
            owners[consultation_id].append(user)
    items = []
    for c in consultations:
        item = {name: getattr(c, name) for name in _output.fields if hasattr(c, name)}
        item.update(
            counts=counts[c.id],
            owners=owners[c.id],
            url=url_for("consultations.show", slug=c.slug, _external=True),
        )
        items.append(item)
    result: list[dict[str, Any]] = _output.dump(items, many=True)
    return result


def serialize_consultation(consultation: Consultation) -> dict[str, Any]:
    """Dump one consultation."""
    return serialize_consultations([consultation])[0]


def _status_filter() -> ConsultationStatus | None:
    value = request.args.get("status")
    if value is None:
        return None
    try:
        return ConsultationStatus(value)
    except ValueError:
        choices = ", ".join(s.value for s in ConsultationStatus)
        raise ApiError(
            422,
            "validation_error",
            _l("Invalid filter."),
            fields={"status": [_l("Must be one of: %(choices)s.", choices=choices)]},
        ) from None


@api.route("/consultations")
def list_consultations() -> Any:
    """The consultations the caller may see, newest first.
    ---
    get:
      tags: [consultations]
      summary: List consultations (drafts only for their owners and admins).
      security: [{}, {bearer: []}, {session: []}]
      parameters:
        - page
        - per_page
        - in: query
          name: status
          schema: {type: string, enum: [draft, open, closed, reported]}
      x-errors:
        401: The bearer token is unknown or revoked.
        422: Invalid page, per_page or status.
      responses:
        200:
          description: One page of consultations.
          content:
            application/json:
              schema: ConsultationPageSchema
    """
    query = visible_consultations(current_user, status=_status_filter())
    return jsonify(page_of(query, serialize_consultations))


@api.route("/consultations", methods=["POST"])
@login_required_json
def create_consultation_view() -> Any:
    """Create a consultation (a draft owned by the caller).
    ---
    post:
      tags: [consultations]
      summary: Create a draft consultation (policymakers and admins).
      requestBody:
        required: true
        description: "title and summary are required; status cannot be set here."
        content:
          application/json:
            schema: ConsultationInputSchema
      x-errors:
        400: The body is not JSON.
        401: Not authenticated.
        403: Not a policymaker.
        409: The slug is taken.
        415: The body is not JSON.
        422: Invalid fields.
      responses:
        201:
          description: The new consultation; Location is its API URL.
          headers:
            Location: {schema: {type: string}}
          content:
            application/json:
              schema: ConsultationSchema
    """
    actor = current_user._get_current_object()
    if not can_create_consultation(actor):
        raise forbid(_l("Only policymakers and administrators create consultations."))
    data = load_body(ConsultationInputSchema(exclude=("status",)))
    consultation = create_consultation(actor, **data)
    db.session.commit()
    location = url_for("api.show_consultation", consultation_id=consultation.id)
    return created(serialize_consultation(consultation), location)


@api.route(f"/consultations/<{ID_RULE}:consultation_id>")
def show_consultation(consultation_id: int) -> Any:
    """One consultation.
    ---
    get:
      tags: [consultations]
      summary: One consultation (a draft only for its owners and admins).
      security: [{}, {bearer: []}, {session: []}]
      parameters:
        - {in: path, name: consultation_id, required: true, schema: {type: integer}}
      x-errors:
        401: The bearer token is unknown or revoked.
        404: No such consultation, or someone else's draft.
      responses:
        200:
          description: The consultation.
          content:
            application/json:
              schema: ConsultationSchema
    """
    return jsonify(serialize_consultation(get_visible_consultation(consultation_id, current_user)))


@api.route(f"/consultations/<{ID_RULE}:consultation_id>", methods=["PATCH"])
@login_required_json
def update_consultation_view(consultation_id: int) -> Any:
    """Change a consultation's fields or status.
    ---
    patch:
      tags: [consultations]
      summary: Change fields, or move status draft → open → closed → reported.
      parameters:
        - {in: path, name: consultation_id, required: true, schema: {type: integer}}
      requestBody:
        required: true
        description: "Any subset of the fields; slug cannot be changed."
        content:
          application/json:
            schema: ConsultationInputSchema
      x-errors:
        400: The body is not JSON.
        401: Not authenticated.
        403: Not one of its policymakers.
        404: No such consultation.
        409: A status change that is not allowed from the current status.
        415: The body is not JSON.
        422: Invalid fields.
      responses:
        200:
          description: The changed consultation.
          content:
            application/json:
              schema: ConsultationSchema
    """
    actor = current_user._get_current_object()
    consultation = get_visible_consultation(consultation_id, actor)
    if not can_edit_consultation(actor, consultation):
        raise forbid(_l("Only this consultation's policymakers can change it."))
    data = load_body(ConsultationInputSchema(exclude=("slug",)), partial=True)
    try:
        update_consultation(consultation, actor, **data)
    except ConsultError:
        # The fields may be set already when the status change is refused: apply nothing.
        db.session.rollback()
        raise
    db.session.commit()
    return jsonify(serialize_consultation(consultation))
