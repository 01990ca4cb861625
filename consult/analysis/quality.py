"""Data quality of a consultation's analysis, and excluding a suspected group's votes from it.

The data-quality panel (Insights, the report, every export, the API) says what could distort the
analysis: suspected coordinated accounts (moderation's brigade detection: how many, their share
of the votes, since when), flagged statements nobody has reviewed, and statements waiting for
pre-moderation. A moderator of the consultation or one of its policymakers can leave a suspected
group's votes out of the analysis (:func:`exclude_group`): the votes stay in the database, the
exclusion is logged and can be lifted (:func:`lift_exclusion`), and ``adapters.exclusions_for``
drops the excluded accounts' votes where the analysis loads them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import has_request_context
from flask_babel import gettext
from sqlalchemy import func, select

from consult.analysis.adapters import exclusions_for
from consult.analysis.models import VoteExclusion
from consult.audit.services import record_audit
from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.consultations.permissions import can_edit_consultation, can_moderate_consultation
from consult.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from consult.extensions import db
from consult.moderation.brigades.services import detect_brigades
from consult.moderation.models import Flag
from consult.statements.models import Statement, StatementStatus
from consult.types import utcnow
from consult.votes.models import Vote


def _(text: str, **values: Any) -> str:
    """Translate a message in a request; English outside one (commands, background jobs)."""
    if has_request_context():
        return str(gettext(text, **values))
    return text % values if values else text


#: Length (hex digits) of a suspected group's id.
GROUP_KEY_HEX = 12
#: The fewest participants an analysis may be left with after an exclusion.
MIN_PARTICIPANTS = 2


def group_key(user_ids: Iterable[int]) -> str:
    """Return the id of a suspected group: a digest of its members (the same group, the same id).

    It names the members without revealing them (the panel is public).
    """
    members = ",".join(str(u) for u in sorted(set(user_ids)))
    return hashlib.sha256(f"kenes-vote-group:{members}".encode()).hexdigest()[:GROUP_KEY_HEX]


@dataclass(frozen=True)
class SuspectedGroup:
    """A suspected coordinated group, as the panel shows it (no names)."""

    key: str
    user_ids: tuple[int, ...]
    size: int
    votes: int
    share: float  # of every vote in the consultation
    similarity: float  # share of identical answers between members
    accounts_from: datetime
    accounts_to: datetime
    first_vote_at: datetime | None
    exclusion: VoteExclusion | None  # the active exclusion that covers it, if any

    @property
    def excluded(self) -> bool:
        return self.exclusion is not None


@dataclass(frozen=True)
class DataQuality:
    """What could distort a consultation's analysis, and what was left out of it."""

    groups: list[SuspectedGroup] = field(default_factory=list)
    flagged_unreviewed: int = 0
    pending: int = 0
    exclusions: list[VoteExclusion] = field(default_factory=list)  # newest first, lifted too
    total_votes: int = 0

    @property
    def active_exclusions(self) -> list[VoteExclusion]:
        return [e for e in self.exclusions if e.is_active]

    @property
    def has_issues(self) -> bool:
        return bool(self.groups or self.flagged_unreviewed or self.pending or self.exclusions)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the report, the exports and the API (ids, counts, ISO dates)."""
        return {
            "suspected_groups": [
                {
                    "id": g.key,
                    "accounts": g.size,
                    "votes": g.votes,
                    "share_of_votes": round(g.share, 4),
                    "similarity": round(g.similarity, 4),
                    "accounts_created_from": g.accounts_from.isoformat(),
                    "accounts_created_to": g.accounts_to.isoformat(),
                    "first_vote_at": g.first_vote_at.isoformat() if g.first_vote_at else None,
                    "excluded": g.excluded,
                    "exclusion": g.exclusion.id if g.exclusion is not None else None,
                }
                for g in self.groups
            ],
            "flagged_unreviewed": self.flagged_unreviewed,
            "pending": self.pending,
            "exclusions": [exclusion_dict(e) for e in self.exclusions],
            "total_votes": self.total_votes,
        }


def exclusion_dict(exclusion: VoteExclusion) -> dict[str, Any]:
    """Plain data of one exclusion: what was left out, when and by whom."""
    evidence = exclusion.evidence or {}
    return {
        "id": exclusion.id,
        "group": evidence.get("group"),
        "accounts": len(exclusion.user_ids),
        "votes": int(evidence.get("votes", 0)),
        "reason": exclusion.reason,
        "active": exclusion.is_active,
        "excluded_at": exclusion.created_at.isoformat(),
        "excluded_by": exclusion.created_by.display_name if exclusion.created_by else None,
        "lifted_at": exclusion.lifted_at.isoformat() if exclusion.lifted_at else None,
        "lifted_by": exclusion.lifted_by.display_name if exclusion.lifted_by else None,
    }


def can_exclude_votes(user: Any, consultation: Consultation) -> bool:
    """The consultation's moderators, its policymakers and admins decide exclusions."""
    return can_moderate_consultation(user, consultation) or can_edit_consultation(
        user, consultation
    )


def list_exclusions(consultation: Consultation) -> list[VoteExclusion]:
    """Every exclusion of a consultation, lifted ones included, newest first."""
    return list(
        db.session.scalars(
            select(VoteExclusion)
            .where(VoteExclusion.consultation_id == consultation.id)
            .order_by(VoteExclusion.created_at.desc(), VoteExclusion.id.desc())
        )
    )


def _vote_stats(consultation_id: int, user_ids: list[int]) -> tuple[int, datetime | None]:
    count, first = db.session.execute(
        select(func.count(Vote.id), func.min(Vote.created_at)).where(
            Vote.consultation_id == consultation_id, Vote.user_id.in_(user_ids)
        )
    ).one()
    return int(count or 0), first


def suspected_groups(
    consultation: Consultation, exclusions: list[VoteExclusion] | None = None
) -> list[SuspectedGroup]:
    """Moderation's suspected coordinated groups, with their votes and their exclusion."""
    if exclusions is None:
        exclusions = list_exclusions(consultation)
    active = [e for e in exclusions if e.is_active]
    total = int(
        db.session.scalar(
            select(func.count(Vote.id)).where(Vote.consultation_id == consultation.id)
        )
        or 0
    )
    groups = []
    for report in detect_brigades(consultation):
        ids = sorted(u.id for u in report.members)
        votes, first = _vote_stats(consultation.id, ids)
        cover = next((e for e in active if set(ids) <= set(e.user_ids)), None)
        groups.append(
            SuspectedGroup(
                key=group_key(ids),
                user_ids=tuple(ids),
                size=len(ids),
                votes=votes,
                share=votes / total if total else 0.0,
                similarity=report.similarity,
                accounts_from=report.created_from,
                accounts_to=report.created_to,
                first_vote_at=first,
                exclusion=cover,
            )
        )
    return groups


def flagged_unreviewed_count(consultation: Consultation) -> int:
    """Visible statements with a flag no moderator has dealt with yet."""
    return int(
        db.session.scalar(
            select(func.count(func.distinct(Statement.id)))
            .join(Flag, Flag.statement_id == Statement.id)
            .where(
                Statement.consultation_id == consultation.id,
                Statement.status == StatementStatus.visible,
                Flag.resolved_at.is_(None),
            )
        )
        or 0
    )


def pending_count(consultation: Consultation) -> int:
    """Statements waiting for a moderator (pre-moderation, or hidden by flags for review)."""
    return int(
        db.session.scalar(
            select(func.count(Statement.id)).where(
                Statement.consultation_id == consultation.id,
                Statement.status == StatementStatus.pending,
            )
        )
        or 0
    )


def data_quality(consultation: Consultation) -> DataQuality:
    """The data-quality panel of a consultation."""
    exclusions = list_exclusions(consultation)
    total = int(
        db.session.scalar(
            select(func.count(Vote.id)).where(Vote.consultation_id == consultation.id)
        )
        or 0
    )
    return DataQuality(
        groups=suspected_groups(consultation, exclusions),
        flagged_unreviewed=flagged_unreviewed_count(consultation),
        pending=pending_count(consultation),
        exclusions=exclusions,
        total_votes=total,
    )


def _remaining_participants(consultation: Consultation, leaving: set[int]) -> int:
    """How many people the analysis would still count once ``leaving`` is left out."""
    out = set(exclusions_for(consultation).users) | leaving
    voters = db.session.scalars(
        select(Vote.user_id).where(Vote.consultation_id == consultation.id).distinct()
    )
    return sum(1 for v in voters if v not in out)


def exclude_group(
    consultation: Consultation, actor: User, key: str, *, reason: str = ""
) -> VoteExclusion:
    """Leave a suspected group's votes out of the analysis (kept, reversible, logged).

    Raises ``NotAllowed`` for anyone but the consultation's moderators, policymakers and admins,
    ``NotFound`` for a group the detection does not report (any more), ``Conflict`` when the
    group is already excluded, and ``ValidationFailed`` when fewer than two participants would
    be left.
    """
    if not can_exclude_votes(actor, consultation):
        raise NotAllowed(_("Only this consultation's moderators and policymakers can do this."))
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise ValidationFailed(
            _("The reason is too long."), fields={"reason": [_("At most 500 characters.")]}
        )
    group = next((g for g in suspected_groups(consultation) if g.key == key), None)
    if group is None:
        raise NotFound(
            _("No suspected group with this id: the votes have changed, reload the page.")
        )
    if group.excluded:
        raise Conflict(_("This group's votes are already left out of the analysis."))
    if _remaining_participants(consultation, set(group.user_ids)) < MIN_PARTICIPANTS:
        message = _(
            "Leaving out these %(n)s accounts would leave fewer than two participants "
            "in the analysis: there would be nothing left to analyse.",
            n=group.size,
        )
        raise ValidationFailed(message, fields={"group": [message]})
    evidence = {
        "group": group.key,
        "votes": group.votes,
        "share_of_votes": round(group.share, 4),
        "similarity": round(group.similarity, 4),
        "accounts_created_from": group.accounts_from.isoformat(),
        "accounts_created_to": group.accounts_to.isoformat(),
    }
    exclusion = VoteExclusion(
        consultation_id=consultation.id,
        user_ids=list(group.user_ids),
        evidence=evidence,
        reason=reason,
        created_at=utcnow(),
        created_by=actor,
    )
    db.session.add(exclusion)
    db.session.flush()
    record_audit(
        actor,
        "exclude_votes",
        "vote_exclusion",
        exclusion.id,
        reason=reason,
        consultation_id=consultation.id,
        after={"accounts": list(group.user_ids), **evidence},
    )
    db.session.flush()
    return exclusion


def get_exclusion(consultation: Consultation, exclusion_id: int) -> VoteExclusion:
    """One exclusion of this consultation (``NotFound`` otherwise)."""
    exclusion = db.session.get(VoteExclusion, exclusion_id)
    if exclusion is None or exclusion.consultation_id != consultation.id:
        raise NotFound(_("No such exclusion."))
    return exclusion


def lift_exclusion(
    consultation: Consultation, actor: User, exclusion_id: int, *, reason: str = ""
) -> VoteExclusion:
    """Bring an excluded group's votes back into the analysis (logged)."""
    if not can_exclude_votes(actor, consultation):
        raise NotAllowed(_("Only this consultation's moderators and policymakers can do this."))
    exclusion = get_exclusion(consultation, exclusion_id)
    if not exclusion.is_active:
        raise Conflict(_("These votes are already back in the analysis."))
    exclusion.lifted_at = utcnow()
    exclusion.lifted_by = actor
    record_audit(
        actor,
        "lift_vote_exclusion",
        "vote_exclusion",
        exclusion.id,
        reason=(reason or "").strip()[:500],
        consultation_id=consultation.id,
        before={"active": True},
        after={"active": False, "accounts": list(exclusion.user_ids)},
    )
    db.session.flush()
    return exclusion
