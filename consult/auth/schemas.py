"""Marshmallow schemas of accounts, as the API shows them to others."""

from __future__ import annotations

from marshmallow import Schema, fields

from consult.schemas import UTCDateTime


class UserSchema(Schema):
    """The public card of an account: never its e-mail or role."""

    id = fields.Integer(dump_only=True)
    display_name = fields.String(dump_only=True, metadata={"example": "Ministry of Transport"})


class LoginSessionSchema(Schema):
    """One open sign-in session of the account (a browser; API tokens are listed apart)."""

    id = fields.Integer(dump_only=True)
    user_agent = fields.String(dump_only=True)
    created_at = UTCDateTime(dump_only=True)
    current = fields.Boolean(dump_only=True, metadata={"description": "This very session."})


class LoginSessionListSchema(Schema):
    """The account's open sessions."""

    items = fields.List(fields.Nested(LoginSessionSchema))


class EndedSessionsSchema(Schema):
    """How many sessions ended."""

    ended = fields.Integer()
