"""Marshmallow schemas of votes (API input and output)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

#: The vote labels of the API, in the order the analysis uses: +1, -1, 0.
VOTE_LABELS = ("agree", "disagree", "pass")


class VoteCountsSchema(Schema):
    """How many people agree, disagree and pass on a statement."""

    agree = fields.Integer()
    disagree = fields.Integer()
    # "pass" is a Python keyword: read from and written to the key "pass".
    pass_ = fields.Integer(data_key="pass", attribute="pass")


class VoteInputSchema(Schema):
    """A vote on a statement."""

    value = fields.String(required=True, validate=validate.OneOf(VOTE_LABELS))


class VoteSchema(Schema):
    """The stored vote and the statement's counts after it."""

    statement = fields.Integer(metadata={"description": "The statement's id."})
    value = fields.String(validate=validate.OneOf(VOTE_LABELS))
    votes = fields.Nested(VoteCountsSchema)


class ImportanceSchema(Schema):
    """Whether the caller marked the statement as important, and how many people did."""

    statement = fields.Integer(metadata={"description": "The statement's id."})
    important = fields.Boolean()
    marks = fields.Integer(metadata={"description": "How many people marked it important."})
