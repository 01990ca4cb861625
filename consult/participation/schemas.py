"""Marshmallow schemas of a participant's follow-up (API output)."""

from __future__ import annotations

from marshmallow import Schema, fields


class GroupSupportSchema(Schema):
    """How one opinion group voted on the statement (shares of those who saw it)."""

    group = fields.String(attribute="label")
    agree = fields.Float()
    disagree = fields.Float()
    seen = fields.Integer()
    is_mine = fields.Boolean()


class FollowedResponseSchema(Schema):
    """An official response to the statement."""

    id = fields.Integer()
    decision = fields.Function(lambda r: r.decision.value)
    text = fields.String()
    created_at = fields.DateTime()


class FollowedStatementSchema(Schema):
    """One of the participant's statements and what became of it."""

    id = fields.Function(lambda s: s.statement.id)
    kind = fields.Function(lambda s: s.statement.kind.value)
    status = fields.Function(lambda s: s.statement.status.value)
    text = fields.Function(lambda s: s.statement.text)
    created_at = fields.Function(lambda s: s.statement.created_at.isoformat())
    votes = fields.Function(lambda s: {"agree": s.agree, "disagree": s.disagree, "pass": s.pass_})
    groups = fields.List(fields.Nested(GroupSupportSchema))
    strength = fields.Float(allow_none=True)
    responses = fields.List(fields.Nested(FollowedResponseSchema))


class GroupAffinitySchema(Schema):
    """How often the participant voted like a group's majority."""

    group = fields.String(attribute="label")
    agreement = fields.Float()
    compared = fields.Integer()


class DifferenceSchema(Schema):
    """A statement on which the participant voted against the closest group's majority."""

    statement = fields.Function(lambda d: {"id": d.statement.id, "text": d.statement.text})
    my_vote = fields.Function(lambda d: "agree" if d.my_vote > 0 else "disagree")
    group_agree = fields.Float()
    group_disagree = fields.Float()


class PersonalSummarySchema(Schema):
    """The group the participant agrees with most, and where they differ from it."""

    closest = fields.Nested(GroupAffinitySchema)
    tied = fields.List(fields.Nested(GroupAffinitySchema))  # every closest group on a tie
    groups = fields.List(fields.Nested(GroupAffinitySchema))
    differences = fields.List(fields.Nested(DifferenceSchema))
    votes = fields.Integer()


class ParticipationSchema(Schema):
    """The participant's part in one consultation."""

    consultation = fields.Function(
        lambda p: {
            "id": p.consultation.id,
            "slug": p.consultation.slug,
            "title": p.consultation.title,
        }
    )
    votes_cast = fields.Integer()
    my_group = fields.String(allow_none=True)
    statements = fields.List(fields.Nested(FollowedStatementSchema))
    summary = fields.Nested(PersonalSummarySchema, allow_none=True)


class ParticipationListSchema(Schema):
    """Every consultation the participant took part in, newest first."""

    items = fields.List(fields.Nested(ParticipationSchema))
