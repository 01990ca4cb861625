"""Marshmallow schemas of official responses and response items."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from consult.responses.models import Decision
from consult.schemas import Id, page_schema

DECISIONS = [d.value for d in Decision]


class ResponseInputSchema(Schema):
    """Answer one statement."""

    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    text = fields.String(required=True, validate=validate.Length(max=20000))
    measure_url = fields.String(allow_none=True, validate=validate.Length(max=2000))
    language = fields.String(allow_none=True, validate=validate.Length(max=8))


class ClusterResponseInputSchema(ResponseInputSchema):
    """Answer several statements of one consultation with one response."""

    statements = fields.List(Id(), required=True, validate=validate.Length(min=1, max=100))


class ResponseUpdateSchema(Schema):
    """Amend a response."""

    decision = fields.String(validate=validate.OneOf(DECISIONS))
    text = fields.String(validate=validate.Length(max=20000))
    measure_url = fields.String(allow_none=True, validate=validate.Length(max=2000))


class ResponseSchema(Schema):
    """An official response."""

    id = fields.Integer()
    consultation = fields.Integer(attribute="consultation_id")
    statements = fields.Method("statement_ids")
    decision = fields.Function(lambda r: r.decision.value)
    text = fields.String()
    measure_url = fields.String(allow_none=True)
    language = fields.String(allow_none=True)
    author = fields.Method("author_name")
    author_names = fields.Method(
        "author_name_versions",
        metadata={"description": "The answering organisation's name in kk, ru and en, if given."},
    )
    created_at = fields.DateTime()
    updated_at = fields.DateTime()

    def statement_ids(self, response: Any) -> list[int]:
        return sorted(s.id for s in response.statements)

    def author_name(self, response: Any) -> str | None:
        return response.author.display_name if response.author else None

    def author_name_versions(self, response: Any) -> dict[str, str]:
        if response.author is None or response.author.deleted_at is not None:
            return {}
        return {row.language: row.name for row in response.author.names}


class ResponseItemSchema(Schema):
    """A statement that needs an answer, with its due date."""

    id = fields.Integer()
    statement = fields.Integer(attribute="statement_id")
    reason = fields.String()
    due_on = fields.Date()
    extended_due_on = fields.Date(allow_none=True)
    extension_reason = fields.String(allow_none=True)
    effective_due_on = fields.Date()
    response = fields.Integer(attribute="response_id", allow_none=True)
    answered_at = fields.DateTime(allow_none=True)
    state = fields.String()


class ExtensionInputSchema(Schema):
    """Extend a due date once."""

    due_on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(max=5000))


#: A page of responses.
ResponseListSchema = page_schema("ResponseListSchema", ResponseSchema)


class ResponseItemListSchema(Schema):
    """Response items with the dashboard summary."""

    items = fields.List(fields.Nested(ResponseItemSchema))
    summary = fields.Dict()
