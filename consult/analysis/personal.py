"""A participant's personal summary: the opinion group they agree with most, and the statements
on which they differ from it ("you agree most with group B; on these statements you differ").

Read from the stored analysis (never recomputed here) and the participant's own votes. Shown on
the next-statement page, the thread, "My participation" and GET /api/v1/me/participation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from consult.analysis import adapters
from consult.analysis.opinion_map import GroupStyles, group_styles
from consult.analysis.services import cached_analysis
from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.statements.models import Statement, StatementStatus
from consult.votes.models import Vote
from debate.result import AnalysisResult

#: Below this many agree/disagree votes a summary would say more about chance than about views.
MIN_VOTES = 3
#: How many statements of difference the summary names.
DIFFERENCES_SHOWN = 3


@dataclass(frozen=True)
class GroupAffinity:
    """How often the participant voted like a group's majority."""

    group: int
    label: str
    colour: str
    agreement: float  # share of compared statements on which the votes matched
    compared: int

    @property
    def agreement_pct(self) -> int:
        """The agreement in whole percent."""
        return round(100 * self.agreement)


@dataclass(frozen=True)
class Difference:
    """A statement on which the participant voted against the closest group's majority."""

    statement: Statement
    my_vote: int  # 1 agree, -1 disagree
    group_agree: float
    group_disagree: float

    @property
    def group_share_pct(self) -> int:
        """The share of the group on the other side, in whole percent."""
        return round(100 * (self.group_disagree if self.my_vote > 0 else self.group_agree))


@dataclass(frozen=True)
class PersonalSummary:
    """The participant's closest group, their agreement with every group, and differences."""

    closest: GroupAffinity
    groups: list[GroupAffinity] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    my_group: str | None = None  # the label of the group the analysis placed them in
    votes: int = 0  # agree/disagree votes compared

    @property
    def tied(self) -> list[GroupAffinity]:
        """Every group the participant agrees with most (more than one on a tie), closest first."""
        return [g for g in self.groups if g.agreement_pct == self.closest.agreement_pct] or [
            self.closest
        ]


def _lean(agree: float, disagree: float) -> int:
    return 1 if agree > disagree else -1 if disagree > agree else 0


def summary_of(
    result: AnalysisResult,
    votes: dict[str, int],
    *,
    me: str | None = None,
    styles: GroupStyles | None = None,
) -> tuple[GroupAffinity, list[GroupAffinity], list[tuple[str, int, float, float]]] | None:
    """Compare a participant's votes ({statement key: 1 | -1}) with each group's majority.

    Returns the closest group, every group's affinity (closest first) and the statements of
    difference with the closest group as (key, my vote, group agree, group disagree), the
    clearest first; None without groups or with fewer than :data:`MIN_VOTES` comparable votes.
    """
    if not result.groups:
        return None
    styles = styles if styles is not None else group_styles(result)
    ids = [group.id for group in result.groups]
    affinities: list[GroupAffinity] = []
    diffs: dict[int, list[tuple[str, int, float, float]]] = {}
    for index, gid in enumerate(ids):
        matched = compared = 0
        diffs[gid] = []
        for key, vote in votes.items():
            stats = result.statements.get(key)
            if stats is None or stats.moderated or index >= len(stats.groups):
                continue
            agree, disagree, _pass = stats.groups[index].shares
            lean = _lean(agree, disagree)
            if lean == 0:
                continue
            compared += 1
            if lean == vote:
                matched += 1
            else:
                diffs[gid].append((key, vote, agree, disagree))
        if compared:
            style = styles.of(gid)
            affinities.append(
                GroupAffinity(gid, style.label, style.colour, matched / compared, compared)
            )
    if not affinities or max(a.compared for a in affinities) < MIN_VOTES:
        return None
    mine = result.group_of(me) if me else None
    # Closest: highest agreement; on a tie the participant's own group, then more compared.
    affinities.sort(key=lambda a: (-a.agreement, a.group != mine, -a.compared, a.group))
    closest = affinities[0]
    ranked = sorted(
        diffs[closest.group],
        key=lambda d: (-(d[3] if d[1] > 0 else d[2]), int(d[0]) if d[0].isdigit() else 0),
    )
    return closest, affinities, ranked


def personal_summary(
    consultation: Consultation, user: User, result: AnalysisResult | None = None
) -> PersonalSummary | None:
    """The user's personal summary in a consultation, from the stored analysis (None if none)."""
    if result is None:
        cached = cached_analysis(consultation)
        if cached is None:
            return None
        result = AnalysisResult.from_json(cached.result)
    rows = db.session.execute(
        select(Vote.statement_id, Vote.value).where(
            Vote.consultation_id == consultation.id, Vote.user_id == user.id, Vote.value != 0
        )
    )
    votes = {adapters.statement_key(sid): int(value) for sid, value in rows}
    me = adapters.participant_id(consultation.id, user.id)
    styles = group_styles(result)
    found = summary_of(result, votes, me=me, styles=styles)
    if found is None:
        return None
    closest, affinities, ranked = found
    wanted = adapters.statement_ids_of([key for key, *_ in ranked])
    texts = {
        adapters.statement_key(s.id): s
        for s in db.session.scalars(
            select(Statement).where(
                Statement.consultation_id == consultation.id,
                Statement.id.in_(wanted or [0]),
                Statement.status == StatementStatus.visible,
            )
        )
    }
    differences = [
        Difference(texts[key], vote, agree, disagree)
        for key, vote, agree, disagree in ranked
        if key in texts
    ][:DIFFERENCES_SHOWN]
    my_group = result.group_of(me)
    return PersonalSummary(
        closest=closest,
        groups=affinities,
        differences=differences,
        my_group=styles.of(my_group).label if my_group is not None else None,
        votes=len(votes),
    )
