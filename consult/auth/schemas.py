"""Marshmallow schemas of accounts, as the API shows them to others."""

from __future__ import annotations

from marshmallow import Schema, fields


class UserSchema(Schema):
    """The public card of an account: never its e-mail or role."""

    id = fields.Integer(dump_only=True)
    display_name = fields.String(dump_only=True, metadata={"example": "Ministry of Transport"})
