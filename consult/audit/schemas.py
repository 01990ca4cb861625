"""Marshmallow schemas of the audit log (API output)."""

from __future__ import annotations

from marshmallow import Schema, fields

from consult.schemas import page_schema


class AuditEntrySchema(Schema):
    """One row of the append-only audit log."""

    id = fields.Integer()
    created_at = fields.DateTime()
    actor = fields.Integer(attribute="actor_id", allow_none=True)
    actor_name = fields.Function(lambda e: e.actor.display_name if e.actor else None)
    action = fields.String()
    target_type = fields.String()
    target_id = fields.Integer(allow_none=True)
    consultation = fields.Integer(attribute="consultation_id", allow_none=True)
    reason = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)


#: A page of the audit log, newest first.
AuditListSchema = page_schema("AuditListSchema", AuditEntrySchema)
