"""Marshmallow schemas of statements and their links (API input and output)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate

from consult.formatting import too_long_message
from consult.languages.codes import LANGUAGES
from consult.schemas import CleanString, StrictInteger, UTCDateTime, page_schema
from consult.statements.models import Relation, StatementKind, StatementStatus
from consult.votes.schemas import VOTE_LABELS, VoteCountsSchema
from consult.web import MAX_ID

MAX_LINKS = 20


def _text_length(text: str) -> None:
    limit = int(current_app.config["STATEMENT_MAX_LENGTH"])
    if not text:
        raise ValidationError("Write something first.")
    if len(text) > limit:
        raise ValidationError(too_long_message(limit, len(text)))


def _distinct_targets(links: list[dict[str, Any]]) -> None:
    targets = [link["target"] for link in links]
    if len(targets) != len(set(targets)):
        raise ValidationError("Link to each statement at most once.")


class LinkSchema(Schema):
    """``this statement`` supports or attacks ``target``."""

    target = StrictInteger(
        required=True,
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "Id of a visible statement of the same consultation."},
    )
    relation = fields.Enum(Relation, required=True)


class StatementSchema(Schema):
    """A statement as the API shows it (dumped from a dict built by the view)."""

    id = fields.Integer()
    consultation = fields.Integer(metadata={"description": "The consultation's id."})
    kind = fields.Enum(StatementKind)
    text = fields.String()
    language = fields.String(
        allow_none=True,
        metadata={"description": "kk, ru or en: the language it is written in (null: unknown)."},
    )
    author = fields.String(allow_none=True, metadata={"description": "The author's display name."})
    created_at = UTCDateTime()
    status = fields.Enum(
        StatementStatus,
        metadata={
            "description": "visible; pending (awaiting moderation: only its author sees it); "
            "hidden (only to its moderators)."
        },
    )
    links = fields.List(
        fields.Nested(LinkSchema),
        metadata={"description": "The statements this one supports or attacks."},
    )
    votes = fields.Nested(VoteCountsSchema)
    my_vote = fields.String(
        allow_none=True,
        validate=validate.OneOf(VOTE_LABELS),
        metadata={"description": "The caller's vote, or null."},
    )
    url = fields.String(metadata={"description": "The statement in its thread.", "format": "uri"})
    translations = fields.List(
        fields.String(),
        metadata={"description": "The languages it has a translation into (kk, ru, en)."},
    )


class StatementInputSchema(Schema):
    """A new position (answers the question) or argument (supports or attacks statements)."""

    text = CleanString(
        required=True, validate=_text_length, metadata={"minLength": 1, "maxLength": 2000}
    )
    kind = fields.Enum(StatementKind, required=True)
    links = fields.List(
        fields.Nested(LinkSchema),
        validate=[validate.Length(max=MAX_LINKS), _distinct_targets],
        metadata={"description": "Required (at least one) for an argument."},
    )
    language = fields.String(
        validate=validate.OneOf(LANGUAGES),
        metadata={"description": "kk, ru or en; detected from the text when left out."},
    )


class StatementFilterSchema(Schema):
    """Query-string filters of the statement list."""

    kind = fields.Enum(StatementKind)


#: One page of statements.
StatementPageSchema = page_schema("StatementPageSchema", StatementSchema)


class StatementTranslationSchema(Schema):
    """A statement's translation into one language, and who made it."""

    language = fields.String(metadata={"description": "kk, ru or en."})
    text = fields.String()
    machine = fields.Boolean(metadata={"description": "True for a machine translation."})
    translator = fields.String(
        allow_none=True,
        metadata={"description": "Who wrote or last corrected it (null: machine or former)."},
    )
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class StatementTranslationListSchema(Schema):
    """Every translation of one statement, and the language it is written in."""

    statement = fields.Integer(metadata={"description": "The statement's id."})
    language = fields.String(
        allow_none=True, metadata={"description": "The original's language (null: unknown)."}
    )
    items = fields.List(fields.Nested(StatementTranslationSchema))


class StatementTranslationInputSchema(Schema):
    """The text of a translation (the language is in the URL)."""

    text = CleanString(required=True, metadata={"minLength": 1, "maxLength": 4000})
