"""Marshmallow schemas of notifications (API output and input)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from consult.schemas import Id, page_schema


class NotificationSchema(Schema):
    """An in-app notification."""

    id = fields.Integer()
    kind = fields.String()
    text = fields.String()
    link = fields.String(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class MarkReadInputSchema(Schema):
    """Mark notifications read: the listed ids, or all when ``ids`` is absent."""

    ids = fields.List(Id(), validate=validate.Length(max=1000))


class MarkReadResultSchema(Schema):
    """How many notifications were marked read, and how many remain unread."""

    marked = fields.Integer()
    unread = fields.Integer()


#: A page of notifications and the unread count.
NotificationListSchema = page_schema(
    "NotificationListSchema", NotificationSchema, unread=fields.Integer()
)
