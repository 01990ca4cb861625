"""What became of a participant's statements: votes, the groups' support, strength, responses."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from consult.analysis.adapters import participant_id
from consult.analysis.opinion_map import group_styles
from consult.analysis.personal import PersonalSummary, personal_summary
from consult.analysis.services import get_analysis_result
from consult.auth.models import User
from consult.consultations.models import Consultation, ConsultationStatus
from consult.extensions import db
from consult.responses.models import Response
from consult.responses.services import responses_by_statement
from consult.statements.models import Statement, StatementStatus
from consult.votes.models import Vote
from debate.result import AnalysisResult

#: The statements a participant can follow: merged ones live on in their target.
FOLLOWED = (StatementStatus.visible, StatementStatus.pending, StatementStatus.hidden)


@dataclass(frozen=True)
class GroupSupport:
    """How one opinion group voted on a statement (shares of those who saw it)."""

    label: str
    agree: float
    disagree: float
    seen: int
    is_mine: bool = False


@dataclass(frozen=True)
class FollowedStatement:
    """One of the participant's statements and what became of it."""

    statement: Statement
    agree: int
    disagree: int
    pass_: int
    groups: list[GroupSupport]
    strength: float | None
    responses: list[Response]

    @property
    def total(self) -> int:
        """Votes on the statement."""
        return self.agree + self.disagree + self.pass_


@dataclass(frozen=True)
class Participation:
    """A participant's part in one consultation."""

    consultation: Consultation
    statements: list[FollowedStatement] = field(default_factory=list)
    votes_cast: int = 0
    my_group: str | None = None
    summary: PersonalSummary | None = None

    @property
    def answered(self) -> int:
        """How many of the participant's statements have an official response."""
        return sum(1 for s in self.statements if s.responses)


def _vote_counts(statement_ids: list[int]) -> dict[int, dict[int, int]]:
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    if not statement_ids:
        return counts
    rows = db.session.execute(
        select(Vote.statement_id, Vote.value, func.count())
        .where(Vote.statement_id.in_(statement_ids))
        .group_by(Vote.statement_id, Vote.value)
    )
    for sid, value, n in rows:
        counts[sid][int(value)] = int(n)
    return counts


def _votes_cast(user: User) -> dict[int, int]:
    rows = db.session.execute(
        select(Vote.consultation_id, func.count())
        .where(Vote.user_id == user.id)
        .group_by(Vote.consultation_id)
    )
    return {cid: int(n) for cid, n in rows}


def _group_support(
    result: AnalysisResult | None, statement_id: int, my_group: int | None
) -> list[GroupSupport]:
    if result is None:
        return []
    stats = result.statements.get(str(statement_id))
    if stats is None:
        return []
    styles = group_styles(result)
    # The per-group counts follow the order of result.groups (stable ids, not 0 .. k-1).
    support = []
    for group, votes in zip(result.groups, stats.groups, strict=False):
        agree, disagree, _pass = votes.shares
        support.append(
            GroupSupport(
                styles.of(group.id).label,
                agree,
                disagree,
                votes.seen,
                is_mine=group.id == my_group,
            )
        )
    return support


def list_participation(user: User) -> list[Participation]:
    """The consultations the user took part in (newest first), with their statements' fate."""
    statements = list(
        db.session.scalars(
            select(Statement)
            .where(Statement.author_id == user.id, Statement.status.in_(FOLLOWED))
            .order_by(Statement.created_at.desc(), Statement.id.desc())
        )
    )
    votes_cast = _votes_cast(user)
    consultation_ids = {s.consultation_id for s in statements} | set(votes_cast)
    if not consultation_ids:
        return []
    consultations = list(
        db.session.scalars(
            select(Consultation)
            .where(
                Consultation.id.in_(consultation_ids),
                Consultation.status != ConsultationStatus.draft,
            )
            .order_by(Consultation.created_at.desc(), Consultation.id.desc())
        )
    )
    ids = [s.id for s in statements]
    counts = _vote_counts(ids)
    responses = responses_by_statement(ids)
    by_consultation: dict[int, list[Statement]] = defaultdict(list)
    for statement in statements:
        by_consultation[statement.consultation_id].append(statement)
    found = []
    for consultation in consultations:
        result, _meta = get_analysis_result(consultation)
        my_group = (
            result.participants.get(participant_id(consultation.id, user.id)) if result else None
        )
        followed = []
        for statement in by_consultation.get(consultation.id, []):
            c = counts.get(statement.id, {})
            strength = result.strength.get(str(statement.id)) if result else None
            followed.append(
                FollowedStatement(
                    statement=statement,
                    agree=c.get(1, 0),
                    disagree=c.get(-1, 0),
                    pass_=c.get(0, 0),
                    groups=_group_support(result, statement.id, my_group),
                    strength=strength,
                    responses=responses.get(statement.id, []),
                )
            )
        found.append(
            Participation(
                consultation=consultation,
                statements=followed,
                votes_cast=votes_cast.get(consultation.id, 0),
                my_group=group_styles(result).of(my_group).label
                if result is not None and my_group is not None
                else None,
                summary=personal_summary(consultation, user, result) if result else None,
            )
        )
    return found
