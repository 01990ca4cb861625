"""What the insights page shows: the analysis joined with statement texts, and the map.

Everything here is presentation: it reads an :class:`~debate.result.AnalysisResult` (computed and
cached by :mod:`consult.analysis.services`) and the statements' texts. The opinion map is laid
out by :mod:`consult.analysis.opinion_map`. No analysis is computed here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import format_date
from sqlalchemy import select

from consult.analysis import adapters
from consult.analysis.explore import group_detail, visible_statements
from consult.analysis.importance import importance_by_group
from consult.analysis.opinion_map import (
    NO_GROUP,
    GroupStyle,
    GroupStyles,
    group_styles,
    map_layout,
)
from consult.analysis.roles import statement_roles
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.statements.models import Statement, StatementKind, StatementLink
from debate.result import AnalysisResult, GroupVotes

TOP = 5
#: Lists that show every group's bar are kept shorter.
TOP_WITH_BARS = 3


def _bar(
    gid: int | None,
    agree: float,
    disagree: float,
    passes: float,
    n: int,
    style: GroupStyle = NO_GROUP,
) -> dict[str, Any]:
    agree_w = round(100 * max(agree, 0.0), 1)
    disagree_w = round(100 * max(disagree, 0.0), 1)
    pass_w = round(max(0.0, min(100.0 - agree_w - disagree_w, 100 * passes)), 1)
    return {
        "group": gid,
        "label": style.label,
        "colour": style.colour,
        "agree": agree,
        "disagree": disagree,
        "pass": passes,
        "n": n,
        "agree_pct": round(100 * agree),
        "disagree_pct": round(100 * disagree),
        "pass_pct": round(100 * passes),
        "agree_w": agree_w,
        "disagree_w": disagree_w,
        "disagree_x": agree_w,
        "pass_w": pass_w,
        "pass_x": round(agree_w + disagree_w, 1),
    }


def _votes_bar(gid: int | None, votes: GroupVotes, style: GroupStyle = NO_GROUP) -> dict[str, Any]:
    agree, disagree, passes = votes.shares
    return _bar(gid, agree, disagree, passes, votes.seen, style)


def group_views(
    result: AnalysisResult, statement: str, styles: GroupStyles | None = None
) -> list[dict[str, Any]]:
    """Return each group's agree/disagree/pass shares on a statement (empty if unknown)."""
    stats = result.statements.get(statement)
    if stats is None:
        return []
    styles = styles if styles is not None else group_styles(result)
    # The per-group counts follow the order of result.groups (by stable id, not 0 .. k-1).
    ids = [group.id for group in result.groups]
    return [
        _votes_bar(gid, votes, styles.of(gid))
        for gid, votes in zip(ids, stats.groups, strict=False)
    ]


def overall_view(result: AnalysisResult, statement: str) -> dict[str, Any] | None:
    """Return everyone's agree/disagree/pass shares on a statement, if the analysis has them."""
    stats = result.statements.get(statement)
    return None if stats is None else _votes_bar(None, stats.overall)


def controversy_level(value: float | None) -> str:
    """Return a key for the plain-language reading of the controversy score."""
    if value is None:
        return "unknown"
    # Random votes score about 0.1 (debate.controversy); bands chosen around that floor.
    if value < 0.2:
        return "low"
    if value < 0.45:
        return "moderate"
    if value < 0.7:
        return "high"
    return "polarised"


def _referenced(result: AnalysisResult) -> set[str]:
    keys = {rep.statement for group in result.groups for rep in group.representative}
    keys.update(c.statement for c in (*result.consensus.agree, *result.consensus.disagree))
    keys.update(d.statement for d in result.divisive)
    keys.update(u.statement for u in result.uncertain)
    keys.update(c.statement for c in result.cruxes)
    for scores in (result.group_informed_consensus, result.bridging, result.strength):
        keys.update(scores)
    return keys


def _top(mapping: Mapping[str, float], texts: dict[str, Statement], n: int) -> list[Any]:
    items = [(k, v) for k, v in mapping.items() if k in texts]
    items.sort(key=lambda kv: (-kv[1], int(kv[0]) if kv[0].isdigit() else 0))
    return items[:n]


def _groups(
    result: AnalysisResult,
    texts: dict[str, Statement],
    n_participants: int,
    styles: GroupStyles,
) -> list[dict[str, Any]]:
    groups = []
    for group in result.groups:
        style = styles.of(group.id)
        reps = []
        for rep in group.representative:
            if rep.statement not in texts:
                continue
            share = rep.agree if rep.direction == "agree" else rep.disagree
            reps.append(
                {
                    "statement": texts[rep.statement],
                    "direction": rep.direction,
                    "pct": round(100 * share),
                    "bar": _bar(group.id, rep.agree, rep.disagree, rep.pass_, 0, style),
                }
            )
        groups.append(
            {
                "id": group.id,
                "label": style.label,
                "colour": style.colour,
                "size": group.size,
                "share": round(100 * group.size / n_participants) if n_participants else 0,
                "representative": reps[:TOP],
            }
        )
    return groups


def build_insights(
    consultation: Consultation,
    result: AnalysisResult,
    *,
    me: str | None = None,
    selected: int | None = None,
) -> dict[str, Any]:
    """Assemble everything the insights page displays from one analysis result.

    ``selected`` is the group chosen on the opinion map (None: the viewer's own group, if any).
    """
    texts = visible_statements(consultation, adapters.statement_ids_of(_referenced(result)))
    n_participants = len(result.participants)
    roles = statement_roles(result)
    styles = group_styles(result)
    common = {
        side: [
            {
                "statement": texts[c.statement],
                "pct": round(100 * (c.agree if side == "agree" else c.disagree)),
                "overall": overall_view(result, c.statement),
            }
            for c in entries
            if c.statement in texts and roles.is_common_ground(c.statement)
        ][:TOP]
        for side, entries in (
            ("agree", result.consensus.agree),
            ("disagree", result.consensus.disagree),
        )
    }
    gic = [
        {"statement": texts[k], "score": v, "groups": group_views(result, k, styles)}
        for k, v in _top(
            {k: v for k, v in result.group_informed_consensus.items() if not roles.is_divisive(k)},
            texts,
            TOP_WITH_BARS,
        )
    ]
    divisive = [
        {
            "statement": texts[d.statement],
            "spread": d.spread,
            "groups": group_views(result, d.statement, styles),
        }
        for d in result.divisive
        if d.statement in texts and roles.is_divisive(d.statement)
    ][:TOP]
    uncertain = [
        {"statement": texts[u.statement], "pct": round(100 * u.pass_)}
        for u in result.uncertain
        if u.statement in texts
    ][:TOP]
    bridging = [
        {"statement": texts[k], "score": v, "groups": group_views(result, k, styles)}
        for k, v in _top(result.bridging, texts, TOP_WITH_BARS)
        if v > 0
    ]
    cruxes = [
        {
            "statement": texts[c.statement],
            "score": c.score,
            "groups": group_views(result, c.statement, styles),
        }
        for c in result.cruxes
        if c.statement in texts and not roles.is_common_ground(c.statement)
    ][:TOP]
    controversy = result.controversy
    my_group = result.group_of(me) if me else None
    chosen = selected if selected is not None else my_group
    return {
        "n_participants": n_participants,
        "n_clustered": result.n_clustered,
        "n_groups": len(result.groups),
        "groups": _groups(result, texts, n_participants, styles),
        "retired_groups": retired_groups(result, styles),
        "common": common,
        "gic": gic,
        "divisive": divisive,
        "uncertain": uncertain,
        "bridging": bridging,
        "cruxes": cruxes,
        "arguments": strongest_arguments(consultation, result.strength),
        "controversy": controversy,
        "controversy_pct": None if controversy is None else round(100 * controversy),
        "controversy_level": controversy_level(controversy),
        "map": map_layout(result, me=me, selected=selected),
        "importance": importance_by_group(consultation, result, styles),
        "explore": (
            group_detail(consultation, result, chosen, styles, me=me)
            if chosen is not None
            else None
        ),
        "me": me if me in result.participants else None,
        "my_group": my_group,
        "my_group_label": styles.of(my_group).label if my_group is not None else None,
        "excluded": {
            "statements": result.excluded.n_statements,
            "participants": result.excluded.participants,
        },
    }


#: How many retired groups the insights page names (the most recent first).
RETIRED_SHOWN = 5


def retired_groups(result: AnalysisResult, styles: GroupStyles) -> list[dict[str, Any]]:
    """The groups retired so far, most recent first: which, when, and the group it joined."""
    registry = result.extra.get("group_registry")
    entries = []
    for entry in registry if isinstance(registry, list) else []:
        if not isinstance(entry, dict) or not entry.get("retired_at"):
            continue
        try:
            at = datetime.fromisoformat(str(entry["retired_at"]))
            gid = int(entry["id"])
        except (KeyError, TypeError, ValueError):
            continue
        joined = entry.get("joined")
        entries.append(
            {
                "id": gid,
                "label": styles.of(gid).label,
                "colour": styles.of(gid).colour,
                "at": at,
                "date": format_date(at, "d MMMM"),
                "joined": styles.of(int(joined)) if isinstance(joined, int) else None,
            }
        )
    entries.sort(key=lambda e: (e["at"], e["id"]), reverse=True)
    return entries[:RETIRED_SHOWN]


def strongest_arguments(
    consultation: Consultation,
    strength: Mapping[str, float],
    *,
    per_side: int = 3,
    positions: int = 5,
) -> list[dict[str, Any]]:
    """Return, for the positions with arguments, their strongest supporting and attacking ones."""
    if not strength:
        return []
    links = db.session.execute(
        select(StatementLink.source_id, StatementLink.target_id, StatementLink.relation).where(
            StatementLink.consultation_id == consultation.id
        )
    ).all()
    if not links:
        return []
    ids = {s for s, _t, _r in links} | {t for _s, t, _r in links}
    statements = visible_statements(consultation, ids)
    by_target: dict[str, dict[str, list[tuple[float, Statement]]]] = defaultdict(
        lambda: {"support": [], "attack": []}
    )
    for source, target, relation in links:
        s_key, t_key = adapters.statement_key(source), adapters.statement_key(target)
        if s_key in statements and t_key in statements and s_key in strength:
            by_target[t_key][relation.value].append((strength[s_key], statements[s_key]))
    items: list[dict[str, Any]] = []
    for t_key, sides in by_target.items():
        target = statements[t_key]
        if target.kind is not StatementKind.position:
            continue
        items.append(
            {
                "position": target,
                "strength": strength.get(t_key),
                "support": _strongest(sides["support"], per_side),
                "attack": _strongest(sides["attack"], per_side),
                "n_arguments": len(sides["support"]) + len(sides["attack"]),
            }
        )
    items.sort(key=lambda e: (-e["n_arguments"], e["position"].id))
    return items[:positions]


def _strongest(side: list[tuple[float, Statement]], n: int) -> list[dict[str, Any]]:
    ranked = sorted(side, key=lambda x: (-x[0], x[1].id))[:n]
    return [{"statement": s, "strength": v, "pct": round(100 * v)} for v, s in ranked]
