"""Marshmallow schemas of the personal-data endpoints."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class AccountDeletionInputSchema(Schema):
    """Delete the caller's account: the password confirms it."""

    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    remove_statements = fields.Boolean(
        load_default=False,
        metadata={"description": "Also remove the statements moderation allows removing."},
    )


class AccountDeletionSchema(Schema):
    """What deleting the account did to its statements."""

    deleted = fields.Boolean()
    removed_statements = fields.List(fields.Integer())
    kept_statements = fields.List(
        fields.Integer(),
        metadata={"description": "Still shown, as written by a former participant."},
    )
