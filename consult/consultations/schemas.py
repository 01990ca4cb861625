"""Marshmallow schemas of consultations (API input and output), and fields the API shares."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, fields, validate

from consult.auth.schemas import UserSchema
from consult.consultations.models import ConsultationStatus, ModerationMode, ResponsePolicy
from consult.statements.services import clean_text

TITLE_MAX_LENGTH = 200  # the column's size
SUMMARY_MAX_LENGTH = 500  # the column's size
BODY_MAX_LENGTH = 50_000
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_SURROGATES = re.compile("[\ud800-\udfff]")


class StrictInteger(fields.Integer):
    """A JSON integer: no strings, no fractions, no true/false (Python counts bools as ints)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return int(super()._deserialize(value, attr, data, **kwargs))


class CleanString(fields.String):
    """A string cleaned like all user text (NFC, no control characters, trimmed).

    Length validators run on the cleaned value. ``single_line`` also folds every run of
    whitespace, newlines included, into one space (titles).
    """

    def __init__(self, *, single_line: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.single_line = single_line

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        # JSON may carry lone UTF-16 surrogates ("\ud800"), which no database can store.
        text = clean_text(_SURROGATES.sub("", text))
        return " ".join(text.split()) if self.single_line else text


class UTCDateTime(fields.AwareDateTime):
    """An ISO 8601 date and time with a time zone; loaded and dumped in UTC."""

    default_error_messages = {
        "invalid": "Not a valid date and time: use ISO 8601, e.g. 2025-06-30T18:00:00+05:00.",
        "invalid_awareness": "Give a time zone, e.g. 2025-06-30T18:00:00Z or +05:00.",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("iso", **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        result = super()._deserialize(value, attr, data, **kwargs)
        try:
            return result.astimezone(UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00+01:00 is before year 1 in UTC
            raise self.make_error("invalid") from None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value.astimezone(UTC), attr, obj, **kwargs)


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


class ConsultationPageSchema(Schema):
    """One page of consultations."""

    items = fields.List(fields.Nested(ConsultationSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
