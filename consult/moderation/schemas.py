"""Marshmallow schemas of the moderation API (input validation and output)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from consult.auth.models import BlockKind
from consult.moderation.common import ACTIONS, NOTE_MAX_LENGTH, REASON_MAX_LENGTH
from consult.moderation.models import FlagReason
from consult.schemas import Id, page_schema

FLAG_REASONS = [r.value for r in FlagReason]
BLOCK_KINDS = [k.value for k in BlockKind]

_reason = validate.Length(min=1, max=REASON_MAX_LENGTH)


class FlagInputSchema(Schema):
    """Report a statement to the moderators."""

    reason = fields.String(required=True, validate=validate.OneOf(FLAG_REASONS))
    note = fields.String(load_default="", validate=validate.Length(max=NOTE_MAX_LENGTH))


class FlagSchema(Schema):
    """A flag (its author is shown to moderators only)."""

    id = fields.Integer()
    statement = fields.Integer(attribute="statement_id")
    reason = fields.Function(lambda f: f.reason.value)
    note = fields.String()
    created_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)


class ModeratorFlagSchema(FlagSchema):
    """A flag as moderators see it, with who raised it."""

    user = fields.Integer(attribute="user_id")
    user_name = fields.Function(lambda f: f.user.display_name if f.user else None)


class ModerationInputSchema(Schema):
    """Hide, restore or approve a statement, or dismiss its flags; the reason is logged."""

    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    reason = fields.String(required=True, validate=_reason)


class BulkModerationInputSchema(ModerationInputSchema):
    """One action on many statements."""

    statements = fields.List(
        Id(),
        required=True,
        validate=validate.Length(min=1, max=200),
    )


class MergeInputSchema(Schema):
    """Merge this statement (a duplicate) into another one."""

    into = Id(required=True)
    reason = fields.String(required=True, validate=_reason)


class BlockInputSchema(Schema):
    """Suspend (until ``ends_at``) or block an account."""

    kind = fields.String(required=True, validate=validate.OneOf(BLOCK_KINDS))
    reason = fields.String(required=True, validate=_reason)
    ends_at = fields.AwareDateTime(load_default=None, allow_none=True)
    consultation = Id(load_default=None, allow_none=True)

    @validates_schema
    def check_end(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("kind") == "suspend" and data.get("ends_at") is None:
            raise ValidationError("A suspension needs an end date.", "ends_at")
        if data.get("kind") == "block" and data.get("ends_at") is not None:
            raise ValidationError("A block has no end date; use a suspension.", "ends_at")


class UnblockInputSchema(Schema):
    """Lift a block or suspension."""

    reason = fields.String(required=True, validate=_reason)
    consultation = Id(load_default=None, allow_none=True)


class BlockSchema(Schema):
    """A suspension or block of an account."""

    id = fields.Integer()
    user = fields.Integer(attribute="user_id")
    kind = fields.Function(lambda b: b.kind.value)
    reason = fields.String()
    ends_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    created_by = fields.Integer(attribute="created_by_id", allow_none=True)
    lifted_at = fields.DateTime(allow_none=True)
    lifted_by = fields.Integer(attribute="lifted_by_id", allow_none=True)


class BlockListSchema(Schema):
    """The blocks and suspensions of an account, newest first."""

    items = fields.List(fields.Nested(BlockSchema))
    active = fields.Nested(BlockSchema, allow_none=True)


class ContextStatementSchema(Schema):
    """A statement next to the reviewed one in the argument graph."""

    id = fields.Integer()
    relation = fields.String()
    status = fields.String()
    text = fields.String()


class DuplicateSchema(Schema):
    """A statement that may say the same thing."""

    id = fields.Integer()
    status = fields.String()
    text = fields.String()
    score = fields.Float()


class AuthorHistorySchema(Schema):
    """What the author of a queued statement has posted before."""

    id = fields.Integer(allow_none=True)
    name = fields.String(allow_none=True)
    statements = fields.Integer()
    hidden = fields.Integer()
    blocked = fields.Boolean()
    created_at = fields.DateTime(allow_none=True)


class QueueItemSchema(Schema):
    """A statement awaiting review: pending approval, hidden by flags, or flagged."""

    id = fields.Integer()
    consultation = fields.Integer()
    consultation_slug = fields.String()
    kind = fields.String()
    text = fields.String()
    status = fields.String()
    state = fields.String(metadata={"enum": ["pending", "auto_hidden", "flagged", "hidden"]})
    auto_hidden = fields.Boolean()
    created_at = fields.DateTime()
    queued_at = fields.DateTime()
    flag_count = fields.Integer()
    reasons = fields.Dict(keys=fields.String(), values=fields.Integer())
    flags = fields.List(fields.Nested(ModeratorFlagSchema))
    author = fields.Nested(AuthorHistorySchema)
    targets = fields.List(fields.Nested(ContextStatementSchema))
    replies = fields.List(fields.Nested(ContextStatementSchema))
    duplicates = fields.List(fields.Nested(DuplicateSchema))


#: A page of the moderation queue, with the counts of its states.
QueueListSchema = page_schema(
    "QueueListSchema",
    QueueItemSchema,
    summary=fields.Dict(keys=fields.String(), values=fields.Integer()),
)


class ModerationResultSchema(Schema):
    """A statement's moderation state after an action."""

    id = fields.Integer()
    status = fields.String()
    auto_hidden = fields.Boolean()
    open_flags = fields.Integer()
    action = fields.String()
    reason = fields.String()


class BulkSkipSchema(Schema):
    """A statement a bulk action did not apply to, and why."""

    id = fields.Integer()
    message = fields.String()


class BulkResultSchema(Schema):
    """What a bulk action did."""

    action = fields.String()
    done = fields.List(fields.Integer())
    skipped = fields.List(fields.Nested(BulkSkipSchema))


class MergeResultSchema(Schema):
    """What a merge moved and dropped."""

    statement = fields.Integer()
    into = fields.Integer()
    status = fields.String()
    moved_links = fields.Integer()
    dropped_links = fields.Integer()
    moved_votes = fields.Integer()
    dropped_votes = fields.Integer()


class SimilarStatementSchema(Schema):
    """A visible statement that resembles the text being written."""

    id = fields.Integer()
    text = fields.String()
    kind = fields.String()
    score = fields.Float()
    url = fields.String()


class SimilarListSchema(Schema):
    """Possible duplicates, best first."""

    items = fields.List(fields.Nested(SimilarStatementSchema))


class BrigadeMemberSchema(Schema):
    """An account of a suspected brigade."""

    id = fields.Integer()
    name = fields.String()
    created_at = fields.DateTime()
    blocked = fields.Boolean()


class BrigadeStatementSchema(Schema):
    """A statement every member voted on, with their most common vote."""

    id = fields.Integer()
    text = fields.String()
    vote = fields.String()
    unanimity = fields.Float()


class BrigadeSchema(Schema):
    """A suspected brigade: accounts created close together voting near identically."""

    consultation = fields.Integer()
    size = fields.Integer()
    similarity = fields.Float()
    min_similarity = fields.Float()
    pairs = fields.Integer()
    created_from = fields.DateTime()
    created_to = fields.DateTime()
    span_seconds = fields.Float()
    members = fields.List(fields.Nested(BrigadeMemberSchema))
    statements = fields.List(fields.Nested(BrigadeStatementSchema))


class BrigadeListSchema(Schema):
    """Suspected brigades (a report for moderators; nobody is blocked automatically)."""

    items = fields.List(fields.Nested(BrigadeSchema))
    parameters = fields.Dict()


class ReasonTemplateSchema(Schema):
    """A reusable moderation reason."""

    id = fields.Integer()
    action = fields.String()
    text = fields.String()
    language = fields.String(metadata={"description": "The language of text: kk, ru or en."})
    versions = fields.Method(
        "_versions",
        metadata={"description": "The reason in the other content languages, by language."},
    )

    def _versions(self, template: Any) -> dict[str, str]:
        return {v.language: v.text for v in template.versions}


class ReasonTemplateListSchema(Schema):
    """The reason templates."""

    items = fields.List(fields.Nested(ReasonTemplateSchema))
