"""Exploring the opinion map: one group chosen (``?group=B`` on the Insights page), its size, what
it stands for, and where it agrees with the other groups.

Presentation only, like :mod:`consult.analysis.insights`: it reads an analysis result and the
statements' texts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from consult.analysis import adapters
from consult.analysis.opinion_map import GroupStyles
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.statements.models import Statement, StatementStatus
from debate.result import AnalysisResult

#: A group "agrees" on a statement when at least this share of those who saw it voted one way.
AGREEMENT = 0.6
#: How many statements each list of the group's panel shows.
SHOWN = 3


@dataclass(frozen=True)
class GroupStand:
    """A statement and how the chosen group (and, for shared ground, the others) voted on it."""

    statement: Statement
    direction: str  # "agree" | "disagree"
    pct: int  # the chosen group's share on that side
    others_pct: int  # the lowest share on that side among the other groups (0 if none)


@dataclass(frozen=True)
class GroupDetail:
    """What the map shows about a chosen group."""

    id: int
    label: str
    colour: str
    size: int
    share: int  # percent of participants
    is_mine: bool
    stands_for: list[GroupStand] = field(default_factory=list)
    shared: list[GroupStand] = field(default_factory=list)


def group_by_label(result: AnalysisResult, styles: GroupStyles, label: str) -> int | None:
    """The id of the group people know by ``label`` ("B"), or None if no current group has it."""
    wanted = label.strip().upper()
    for group in result.groups:
        if styles.of(group.id).label.upper() == wanted:
            return group.id
    return None


def _texts(consultation: Consultation, keys: set[str]) -> dict[str, Statement]:
    return visible_statements(consultation, adapters.statement_ids_of(keys))


def visible_statements(consultation: Consultation, ids: Iterable[int]) -> dict[str, Statement]:
    """The consultation's visible statements among ``ids``, by their analysis key (one query)."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = db.session.scalars(
        select(Statement).where(
            Statement.consultation_id == consultation.id,
            Statement.id.in_(wanted),
            Statement.status == StatementStatus.visible,
        )
    )
    return {adapters.statement_key(s.id): s for s in rows}


def _shared_ground(result: AnalysisResult, index: int) -> list[tuple[str, str, float, float]]:
    """Statements where the group at ``index`` and every other group lean the same clear way."""
    found = []
    for key, stats in result.statements.items():
        if stats.moderated or stats.meta or len(stats.groups) != len(result.groups):
            continue
        shares = [votes.shares for votes in stats.groups]
        if any(votes.seen == 0 for votes in stats.groups):
            continue
        for side, at in (("agree", 0), ("disagree", 1)):
            if all(share[at] >= AGREEMENT for share in shares):
                others = [share[at] for i, share in enumerate(shares) if i != index]
                found.append((key, side, shares[index][at], min(others, default=0.0)))
    # The broadest agreement first: the weakest group's share decides.
    found.sort(key=lambda f: (-min(f[2], f[3]), -f[2], int(f[0]) if f[0].isdigit() else 0))
    return found


def group_detail(
    consultation: Consultation,
    result: AnalysisResult,
    group_id: int,
    styles: GroupStyles,
    *,
    me: str | None = None,
) -> GroupDetail | None:
    """The chosen group's panel: size, what it stands for, where it agrees with the others."""
    ids = [group.id for group in result.groups]
    if group_id not in ids:
        return None
    index = ids.index(group_id)
    group = result.groups[index]
    shared = _shared_ground(result, index) if len(ids) > 1 else []
    texts = _texts(
        consultation, {rep.statement for rep in group.representative} | {s[0] for s in shared}
    )
    stands_for = [
        GroupStand(
            texts[rep.statement],
            rep.direction,
            round(100 * (rep.agree if rep.direction == "agree" else rep.disagree)),
            0,
        )
        for rep in group.representative
        if rep.statement in texts
    ][:SHOWN]
    agreed = [
        GroupStand(texts[key], side, round(100 * mine), round(100 * others))
        for key, side, mine, others in shared
        if key in texts
    ][:SHOWN]
    n_participants = len(result.participants)
    style = styles.of(group_id)
    return GroupDetail(
        id=group_id,
        label=style.label,
        colour=style.colour,
        size=group.size,
        share=round(100 * group.size / n_participants) if n_participants else 0,
        is_mine=me is not None and result.group_of(me) == group_id,
        stands_for=stands_for,
        shared=agreed,
    )
