"""Marshmallow schemas of the analysis JSON (API.md §4), for the OpenAPI document.

The analysis core builds the JSON itself; these schemas describe it (and the freshness fields the
API adds), they do not filter it: extra fields of the core pass through unchanged.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class RepresentativeSchema(Schema):
    """A statement that sets an opinion group apart."""

    statement = fields.String(metadata={"description": "Statement id."})
    direction = fields.String(metadata={"enum": ["agree", "disagree"]})
    agree = fields.Float(metadata={"description": "Share of the group agreeing."})
    disagree = fields.Float()
    # "pass" is a Python keyword: declared with data_key.
    pass_ = fields.Float(data_key="pass")
    repness = fields.Float(metadata={"description": "Polis representativeness."})


class GroupSchema(Schema):
    """An opinion group."""

    id = fields.Integer(
        metadata={
            "description": "Stable id: the same group keeps it across recomputations "
            "(see group_registry for its letter and colour)."
        }
    )
    size = fields.Integer()
    representative = fields.List(fields.Nested(RepresentativeSchema))


class GroupRegistryEntrySchema(Schema):
    """An opinion group shown at some point, live or retired."""

    id = fields.Integer(metadata={"description": "Stable id (never reused)."})
    label = fields.String(metadata={"description": "The letter pages and reports show."})
    colour = fields.Integer(metadata={"description": "Index (0-4) of the group's colour."})
    created_at = fields.DateTime()
    retired_at = fields.DateTime(
        allow_none=True,
        metadata={"description": "When it merged into another group or disappeared."},
    )
    joined = fields.Integer(
        allow_none=True,
        metadata={"description": "Stable id of the group holding most of its former members."},
    )


class GroupUpdatesSchema(Schema):
    """How the consultation's opinion-group state began and how often it was updated."""

    origin = fields.String(metadata={"enum": ["replay", "one-shot"]})
    updates = fields.Integer()


class ConsensusItemSchema(Schema):
    statement = fields.String()
    agree = fields.Float()
    disagree = fields.Float()


class ConsensusSchema(Schema):
    agree = fields.List(fields.Nested(ConsensusItemSchema))
    disagree = fields.List(fields.Nested(ConsensusItemSchema))


class DivisiveSchema(Schema):
    statement = fields.String()
    spread = fields.Float()


class UncertainSchema(Schema):
    statement = fields.String()
    pass_ = fields.Float(data_key="pass")


class CruxSchema(Schema):
    statement = fields.String()
    score = fields.Float()


class ExcludedSchema(Schema):
    statements = fields.Integer(
        metadata={"description": "Statements left out (hidden, merged or awaiting moderation)."}
    )
    participants = fields.Integer(
        metadata={"description": "Participants whose votes were left out (blocked accounts)."}
    )


class AnalysisSchema(Schema):
    """The analysis of a consultation (API.md §4) and how fresh it is."""

    participants = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(allow_none=True),
        metadata={"description": "Opaque participant id to opinion group (null: not clustered)."},
    )
    groups = fields.List(fields.Nested(GroupSchema))
    consensus = fields.Nested(ConsensusSchema)
    group_informed_consensus = fields.Dict(keys=fields.String(), values=fields.Float())
    divisive = fields.List(fields.Nested(DivisiveSchema))
    uncertain = fields.List(fields.Nested(UncertainSchema))
    bridging = fields.Dict(keys=fields.String(), values=fields.Float())
    strength = fields.Dict(keys=fields.String(), values=fields.Float())
    cruxes = fields.List(fields.Nested(CruxSchema))
    controversy = fields.Float(allow_none=True)
    k = fields.Integer()
    seed = fields.Integer()
    timings = fields.Dict(keys=fields.String(), values=fields.Float())
    excluded = fields.Nested(ExcludedSchema)
    group_registry = fields.List(fields.Nested(GroupRegistryEntrySchema))
    group_updates = fields.Nested(GroupUpdatesSchema)
    consultation = fields.Integer(metadata={"description": "The consultation's id."})
    computed_at = fields.DateTime(metadata={"description": "When this result was computed."})
    stale = fields.Boolean(
        metadata={
            "description": "True when votes changed since this result was computed; a refresh "
            "is running in the background and the next request gets the new result."
        }
    )
    refreshing = fields.Boolean()
    vote_exclusions = fields.List(
        fields.Nested("ExclusionSchema"),
        metadata={
            "description": "Suspected groups whose votes are left out of this analysis (active "
            "exclusions; the data-quality endpoint lists lifted ones too)."
        },
    )
    statement_roles = fields.Nested(
        "StatementRolesSchema",
        metadata={"description": "The labels pages and the report show (docs/analysis.md)."},
    )


class AnalysisPendingSchema(Schema):
    """Answer while the first analysis of a large consultation is being computed (202)."""

    consultation = fields.Integer()
    status = fields.String(metadata={"enum": ["computing"]})
    stale = fields.Boolean()
    refreshing = fields.Boolean()
    retry_after = fields.Integer(metadata={"description": "Seconds to wait before asking again."})


class StatementRolesSchema(Schema):
    """Statement ids labelled "common ground" and "divides opinion" (never both)."""

    common_ground = fields.List(fields.String())
    divisive = fields.List(fields.String())


class ExclusionInputSchema(Schema):
    """Leave a suspected group's votes out of the analysis."""

    group = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "The suspected group's id, from the data-quality panel."},
    )
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class LiftExclusionInputSchema(Schema):
    """Bring excluded votes back into the analysis."""

    reason = fields.String(load_default="", validate=validate.Length(max=500))


class ExclusionSchema(Schema):
    """What was left out of the analysis, when and by whom."""

    id = fields.Integer()
    group = fields.String(allow_none=True)
    accounts = fields.Integer(metadata={"description": "Accounts whose votes are left out."})
    votes = fields.Integer(metadata={"description": "Their votes (kept in the database)."})
    reason = fields.String()
    active = fields.Boolean(metadata={"description": "False once the exclusion is lifted."})
    excluded_at = fields.String(metadata={"format": "date-time"})
    excluded_by = fields.String(allow_none=True, metadata={"description": "Display name."})
    lifted_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    lifted_by = fields.String(allow_none=True)


class SuspectedGroupSchema(Schema):
    """Accounts created close together whose votes are near identical (no names)."""

    id = fields.String(metadata={"description": "Stable id of the group (a digest of members)."})
    accounts = fields.Integer()
    votes = fields.Integer()
    share_of_votes = fields.Float()
    similarity = fields.Float()
    accounts_created_from = fields.String(metadata={"format": "date-time"})
    accounts_created_to = fields.String(metadata={"format": "date-time"})
    first_vote_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    excluded = fields.Boolean()
    exclusion = fields.Integer(allow_none=True)


class DataQualitySchema(Schema):
    """What could distort the analysis, and what was left out of it."""

    consultation = fields.Integer()
    suspected_groups = fields.List(fields.Nested(SuspectedGroupSchema))
    flagged_unreviewed = fields.Integer(
        metadata={"description": "Visible statements with a flag nobody has reviewed."}
    )
    pending = fields.Integer(metadata={"description": "Statements awaiting moderation."})
    exclusions = fields.List(fields.Nested(ExclusionSchema))
    total_votes = fields.Integer()
