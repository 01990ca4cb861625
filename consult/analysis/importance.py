"""Importance by opinion group: which statements people marked "this matters to me", and in
which groups (the Insights page, the report and its exports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from consult.analysis import adapters
from consult.analysis.opinion_map import NO_GROUP, GroupStyles
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.statements.models import Statement, StatementStatus
from consult.votes.importance import importance_markers
from debate.result import AnalysisResult

#: How many statements the Insights page and the report list.
SHOWN = 5


@dataclass(frozen=True)
class GroupImportance:
    """How many of a group's members marked a statement important, and their share."""

    label: str
    colour: str
    marks: int
    share: float  # of the group's members


@dataclass(frozen=True)
class StatementImportance:
    """A statement people marked as important, with the marks by group."""

    statement: Statement
    marks: int
    groups: list[GroupImportance] = field(default_factory=list)
    ungrouped: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the report and its exports."""
        return {
            "statement": self.statement.id,
            "text": self.statement.text,
            "language": self.statement.language,
            "marks": self.marks,
            "groups": [
                {"group": g.label, "colour": g.colour, "marks": g.marks, "share": g.share}
                for g in self.groups
            ],
            "ungrouped": self.ungrouped,
        }


def importance_by_group(
    consultation: Consultation,
    result: AnalysisResult,
    styles: GroupStyles,
    *,
    limit: int = SHOWN,
) -> list[StatementImportance]:
    """The most-marked visible statements (most marks first), with the marks by group."""
    markers = importance_markers(consultation.id)
    if not markers:
        return []
    ranked = sorted(markers.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ids = [sid for sid, _users in ranked]
    visible = {
        s.id: s
        for s in db.session.scalars(
            select(Statement).where(
                Statement.id.in_(ids), Statement.status == StatementStatus.visible
            )
        )
    }
    users = sorted({uid for _sid, uids in ranked for uid in uids})
    pids = dict(zip(users, adapters.participant_ids(consultation.id, users), strict=True))
    sizes = {group.id: group.size for group in result.groups}
    found = []
    for sid, uids in ranked:
        if sid not in visible:
            continue
        counts: dict[int, int] = {}
        ungrouped = 0
        for uid in uids:
            gid = result.group_of(pids[uid])
            if gid is None or gid not in sizes:
                ungrouped += 1
            else:
                counts[gid] = counts.get(gid, 0) + 1
        groups = []
        for gid, size in sizes.items():
            style = styles.of(gid) if gid is not None else NO_GROUP
            n = counts.get(gid, 0)
            groups.append(GroupImportance(style.label, style.colour, n, n / size if size else 0))
        found.append(StatementImportance(visible[sid], len(uids), groups, ungrouped))
        if len(found) >= limit:
            break
    return found
