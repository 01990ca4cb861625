"""Marshmallow schemas of consultations (API input and output)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from consult.auth.schemas import UserSchema
from consult.consultations.models import ConsultationStatus, ModerationMode, ResponsePolicy
from consult.schemas import CleanString, StrictInteger, UTCDateTime, page_schema

TITLE_MAX_LENGTH = 200  # the column's size
SUMMARY_MAX_LENGTH = 500  # the column's size
BODY_MAX_LENGTH = 50_000
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class CountsSchema(Schema):
    """How much is going on in a consultation."""

    statements = fields.Integer(metadata={"description": "Visible statements."})
    votes = fields.Integer()
    participants = fields.Integer(metadata={"description": "People who voted."})


class ConsultationSchema(Schema):
    """A consultation as the API shows it (dumped from a dict built by the view)."""

    id = fields.Integer()
    slug = fields.String()
    title = fields.String()
    summary = fields.String()
    body = fields.String(metadata={"description": "Background, in Markdown."})
    status = fields.Enum(ConsultationStatus)
    moderation = fields.Enum(ModerationMode)
    response_policy = fields.Enum(ResponsePolicy)
    flag_threshold = fields.Integer()
    opens_at = UTCDateTime(allow_none=True)
    closes_at = UTCDateTime(allow_none=True)
    closed_at = UTCDateTime(allow_none=True)
    reported_at = UTCDateTime(allow_none=True)
    created_at = UTCDateTime()
    updated_at = UTCDateTime()
    counts = fields.Nested(CountsSchema)
    owners = fields.List(
        fields.Nested(UserSchema), metadata={"description": "The policymakers running it."}
    )
    url = fields.String(metadata={"description": "The consultation's page.", "format": "uri"})


class ConsultationInputSchema(Schema):
    """What may be sent to create (POST) or change (PATCH) a consultation.

    ``status`` only on PATCH, ``slug`` only on POST (default: made from the title).
    """

    title = CleanString(
        required=True,
        single_line=True,
        validate=validate.Length(min=1, max=TITLE_MAX_LENGTH),
    )
    summary = CleanString(required=True, validate=validate.Length(min=1, max=SUMMARY_MAX_LENGTH))
    body = CleanString(validate=validate.Length(max=BODY_MAX_LENGTH))
    opens_at = UTCDateTime(allow_none=True)
    closes_at = UTCDateTime(allow_none=True)
    moderation = fields.Enum(
        ModerationMode,
        metadata={"description": "post: publish at once; pre: hold for approval."},
    )
    flag_threshold = StrictInteger(validate=validate.Range(min=1, max=1000))
    response_policy = fields.Enum(ResponsePolicy)
    slug = fields.String(
        validate=[
            validate.Length(min=1, max=80),
            validate.Regexp(SLUG_PATTERN, error="Use lowercase letters, digits and dashes."),
        ]
    )
    status = fields.Enum(
        ConsultationStatus,
        metadata={"description": "draft → open → closed → reported (closed → open reopens)."},
    )


#: One page of consultations.
ConsultationPageSchema = page_schema("ConsultationPageSchema", ConsultationSchema)
