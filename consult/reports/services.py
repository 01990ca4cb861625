"""The policymaker's report: every number from the analysis or a database count, nothing else.

``build_report`` gathers the analysis (``consult.analysis.services.get_analysis``), database
counts and official responses into one plain dict that the report page, the Markdown, HTML and
PDF exports and the JSON export all render. Each statement it mentions is listed in
``report["statements"]`` with its vote counts, so every figure can be traced to statements.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from consult.consultations.models import Consultation, ConsultationMember, MemberRole
from consult.extensions import db
from consult.statements.models import Statement, StatementKind, StatementLink, StatementStatus
from consult.types import utcnow
from consult.votes.models import Vote

GROUP_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
TOP = 8  # statements per list (consensus, divisive, uncertain, cruxes)
TOP_REPRESENTATIVE = 5
TOP_ARGUMENTS = 3  # strongest arguments on each side of a position
MAX_POSITIONS = 30


def group_label(group_id: Any) -> str:
    """Name an opinion group for people: A, B, C…"""
    try:
        index = int(group_id)
    except (TypeError, ValueError):
        return str(group_id)
    if 0 <= index < len(GROUP_LETTERS):
        return GROUP_LETTERS[index]
    return str(index + 1)


def _sid(value: Any) -> int | None:
    text = str(value)
    return int(text) if text.isdigit() else None


def day_expression(column: Any) -> Any:
    """SQL for the UTC calendar day of a timestamp column, on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def participation_by_day(consultation: Consultation) -> list[dict[str, Any]]:
    """Votes cast and new participants (first vote) per UTC day, every day in between filled."""
    cid = consultation.id
    day = day_expression(Vote.created_at)
    votes = {
        _as_date(d): int(n)
        for d, n in db.session.execute(
            select(day, func.count(Vote.id)).where(Vote.consultation_id == cid).group_by(day)
        )
    }
    first = (
        select(func.min(Vote.created_at).label("first"))
        .where(Vote.consultation_id == cid)
        .group_by(Vote.user_id)
        .subquery()
    )
    first_day = day_expression(first.c.first)
    newcomers = {
        _as_date(d): int(n)
        for d, n in db.session.execute(select(first_day, func.count()).group_by(first_day))
    }
    if not votes:
        return []
    start, end = min(votes), max(votes)
    rows = []
    current = start
    while current <= end:
        rows.append(
            {
                "day": current,
                "votes": votes.get(current, 0),
                "new_participants": newcomers.get(current, 0),
            }
        )
        current += timedelta(days=1)
    return rows


def statement_rows(statement_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Text, kind and vote counts of the given statements, from the database."""
    ids = sorted(set(statement_ids))
    rows: dict[int, dict[str, Any]] = {}
    if not ids:
        return rows
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        for sid, kind, text, status in db.session.execute(
            select(Statement.id, Statement.kind, Statement.text, Statement.status).where(
                Statement.id.in_(chunk)
            )
        ):
            rows[sid] = {
                "id": sid,
                "kind": kind.value,
                "text": text,
                "status": status.value,
                "agree": 0,
                "disagree": 0,
                "pass": 0,
                "votes": 0,
            }
        for sid, value, n in db.session.execute(
            select(Vote.statement_id, Vote.value, func.count(Vote.id))
            .where(Vote.statement_id.in_(chunk))
            .group_by(Vote.statement_id, Vote.value)
        ):
            if sid in rows:
                key = {1: "agree", -1: "disagree", 0: "pass"}[int(value)]
                rows[sid][key] = int(n)
                rows[sid]["votes"] += int(n)
    return rows


def group_votes(
    consultation: Consultation, analysis: dict[str, Any], statement_ids: Iterable[int]
) -> dict[int, dict[int, dict[str, float]]]:
    """Per statement and opinion group: agree/disagree/pass shares and how many voted."""
    from consult.analysis.adapters import participant_id

    membership = {str(pid): group for pid, group in (analysis.get("participants") or {}).items()}
    ids = sorted(set(statement_ids))
    counts: dict[int, dict[int, Counter[int]]] = defaultdict(lambda: defaultdict(Counter))
    if not ids or not membership:
        return {}
    cache: dict[int, Any] = {}
    for sid, uid, value in db.session.execute(
        select(Vote.statement_id, Vote.user_id, Vote.value).where(
            Vote.consultation_id == consultation.id, Vote.statement_id.in_(ids)
        )
    ):
        if uid not in cache:
            cache[uid] = membership.get(participant_id(consultation.id, uid))
        group = cache[uid]
        if group is not None:
            counts[sid][int(group)][int(value)] += 1
    result: dict[int, dict[int, dict[str, float]]] = {}
    for sid, per_group in counts.items():
        result[sid] = {}
        for group, c in per_group.items():
            n = c[1] + c[-1] + c[0]
            result[sid][group] = {
                "n": n,
                "agree": c[1] / n if n else 0.0,
                "disagree": c[-1] / n if n else 0.0,
                "pass": c[0] / n if n else 0.0,
            }
    return result


def _owners(consultation: Consultation) -> list[str]:
    from consult.auth.models import User

    return list(
        db.session.scalars(
            select(User.display_name)
            .join(ConsultationMember, ConsultationMember.user_id == User.id)
            .where(
                ConsultationMember.consultation_id == consultation.id,
                ConsultationMember.role == MemberRole.owner,
            )
            .order_by(User.display_name)
        )
    )


def get_report_analysis(consultation: Consultation) -> tuple[dict[str, Any], dict[str, Any]]:
    """The consultation's analysis (recomputed if stale) and how fresh it is."""
    from consult.analysis.services import get_analysis

    result, meta = get_analysis(consultation, wait=True)
    return dict(result or {}), meta.as_dict()


def argument_sides(
    consultation: Consultation, position_ids: list[int], strength: dict[str, Any]
) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """The strongest supporting and attacking arguments of each position."""
    sides: dict[int, dict[str, list[dict[str, Any]]]] = {
        pid: {"support": [], "attack": []} for pid in position_ids
    }
    if not position_ids:
        return sides
    rows = db.session.execute(
        select(StatementLink.source_id, StatementLink.target_id, StatementLink.relation)
        .join(Statement, Statement.id == StatementLink.source_id)
        .where(
            StatementLink.consultation_id == consultation.id,
            StatementLink.target_id.in_(position_ids),
            Statement.status == StatementStatus.visible,
        )
    ).all()
    for source, target, relation in rows:
        score = strength.get(str(source))
        sides[target][relation.value].append(
            {"statement": source, "strength": float(score) if score is not None else None}
        )
    for entry in sides.values():
        for side in ("support", "attack"):
            entry[side].sort(key=lambda a: (-(a["strength"] or 0.0), a["statement"]))
            entry[side + "_total"] = len(entry[side])  # type: ignore[assignment]
            entry[side] = entry[side][:TOP_ARGUMENTS]
    return sides


def build_report(consultation: Consultation) -> dict[str, Any]:
    """Gather everything the report shows, as plain data (ids are database statement ids)."""
    from consult.consultations.services import consultation_counts
    from consult.responses import services as responses

    analysis, meta = get_report_analysis(consultation)
    counts = consultation_counts([consultation.id])[consultation.id]
    cid = consultation.id
    kinds = dict(
        db.session.execute(
            select(Statement.kind, func.count(Statement.id))
            .where(Statement.consultation_id == cid, Statement.status == StatementStatus.visible)
            .group_by(Statement.kind)
        ).all()
    )
    n_links = db.session.scalar(
        select(func.count(StatementLink.id)).where(StatementLink.consultation_id == cid)
    )
    value_counts = dict(
        db.session.execute(
            select(Vote.value, func.count(Vote.id))
            .where(Vote.consultation_id == cid)
            .group_by(Vote.value)
        ).all()
    )
    cited: set[int] = set()

    def cite(value: Any) -> int | None:
        sid = _sid(value)
        if sid is not None:
            cited.add(sid)
        return sid

    participants = analysis.get("participants") or {}
    clustered = sum(1 for g in participants.values() if g is not None)
    groups = []
    for group in analysis.get("groups") or []:
        representative = []
        for entry in (group.get("representative") or [])[:TOP_REPRESENTATIVE]:
            sid = cite(entry.get("statement"))
            if sid is None:
                continue
            representative.append({**entry, "statement": sid})
        size = int(group.get("size") or 0)
        groups.append(
            {
                "id": group.get("id"),
                "label": group_label(group.get("id")),
                "size": size,
                "share": size / clustered if clustered else 0.0,
                "representative": representative,
            }
        )

    def listed(entries: Any, limit: int = TOP) -> list[dict[str, Any]]:
        out = []
        for entry in (entries or [])[:limit]:
            sid = cite(entry.get("statement"))
            if sid is not None:
                out.append({**entry, "statement": sid})
        return out

    consensus = analysis.get("consensus") or {}
    gic = analysis.get("group_informed_consensus") or {}
    strength = analysis.get("strength") or {}
    bridging = analysis.get("bridging") or {}
    divisive = listed(analysis.get("divisive"))
    uncertain = listed(analysis.get("uncertain"))
    cruxes = listed(analysis.get("cruxes"))
    consensus_agree = listed(consensus.get("agree"))
    consensus_disagree = listed(consensus.get("disagree"))
    # Group-informed consensus: agreement that holds in every group, best first.
    gic_top = sorted(
        ((float(v), sid) for k, v in gic.items() if (sid := _sid(k)) is not None and v is not None),
        key=lambda t: (-t[0], t[1]),
    )[:TOP]
    for _score, sid in gic_top:
        cited.add(sid)

    # Positions: the most voted ones, with their strongest arguments on each side.
    position_rows = db.session.execute(
        select(Statement.id, func.count(Vote.id).label("n"))
        .outerjoin(Vote, Vote.statement_id == Statement.id)
        .where(
            Statement.consultation_id == cid,
            Statement.status == StatementStatus.visible,
            Statement.kind == StatementKind.position,
        )
        .group_by(Statement.id)
        .order_by(func.count(Vote.id).desc(), Statement.id)
        .limit(MAX_POSITIONS)
    ).all()
    position_ids = [sid for sid, _n in position_rows]
    sides = argument_sides(consultation, position_ids, strength)
    positions = []
    for pid in position_ids:
        cited.add(pid)
        entry = sides[pid]
        for side in ("support", "attack"):
            for argument in entry[side]:
                cited.add(argument["statement"])
        score = strength.get(str(pid))
        positions.append(
            {
                "statement": pid,
                "strength": float(score) if score is not None else None,
                "support": entry["support"],
                "attack": entry["attack"],
                "support_total": entry["support_total"],
                "attack_total": entry["attack_total"],
            }
        )

    per_group = group_votes(
        consultation,
        analysis,
        [d["statement"] for d in divisive] + [c["statement"] for c in cruxes],
    )
    for entry in divisive + cruxes:
        entry["groups"] = per_group.get(entry["statement"], {})

    response_list = responses.list_responses(consultation)
    for response in response_list:
        for statement in response.statements:
            cited.add(statement.id)
    states = responses.item_states(consultation)
    statements = statement_rows(cited)
    for sid, row in statements.items():
        row["strength"] = strength.get(str(sid))
        row["bridging"] = bridging.get(str(sid))
        row["group_informed_consensus"] = gic.get(str(sid))

    return {
        "consultation": {
            "id": consultation.id,
            "slug": consultation.slug,
            "title": consultation.title,
            "summary": consultation.summary,
            "status": consultation.status.value,
            "response_policy": consultation.response_policy.value,
            "opens_at": consultation.opens_at,
            "closes_at": consultation.closes_at,
            "closed_at": consultation.closed_at,
            "reported_at": consultation.reported_at,
            "owners": _owners(consultation),
        },
        "generated_at": utcnow(),
        "analysis_meta": meta,
        "overview": {
            "participants": counts["participants"],
            "statements": counts["statements"],
            "positions": int(kinds.get(StatementKind.position, 0)),
            "arguments": int(kinds.get(StatementKind.argument, 0)),
            "links": int(n_links or 0),
            "votes": counts["votes"],
            "agree": int(value_counts.get(1, 0)),
            "disagree": int(value_counts.get(-1, 0)),
            "pass": int(value_counts.get(0, 0)),
            "groups": len(groups),
            "clustered": clustered,
            "analysed_participants": len(participants),
            "responses": len(response_list),
        },
        "groups": groups,
        "consensus": {"agree": consensus_agree, "disagree": consensus_disagree},
        "group_informed_consensus": [{"statement": sid, "score": s} for s, sid in gic_top],
        "divisive": divisive,
        "uncertain": uncertain,
        "cruxes": cruxes,
        "positions": positions,
        "positions_total": int(kinds.get(StatementKind.position, 0)),
        "controversy": analysis.get("controversy"),
        "opinion_map": opinion_map_points(analysis),
        "participation": participation_by_day(consultation),
        "responses": response_list,
        "decision_counts": dict(Counter(r.decision.value for r in response_list)),
        "response_items": states,
        "response_summary": responses.response_summary(states),
        "statements": statements,
        "analysis": analysis,
    }


def opinion_map_points(analysis: dict[str, Any], limit: int = 3000) -> list[dict[str, Any]]:
    """Participants' 2-D positions from the analysis (if it has a map), as {x, y, group}."""
    raw = analysis.get("opinion_map") or analysis.get("map") or analysis.get("projection")
    if not raw:
        return []
    if isinstance(raw, dict):
        points = raw.get("participants") or raw.get("points") or []
        if isinstance(points, dict):
            points = [
                {"participant": k, **v}
                if isinstance(v, dict)
                else {"participant": k, "x": v[0], "y": v[1]}
                for k, v in points.items()
            ]
    else:
        points = raw
    membership = analysis.get("participants") or {}
    out = []
    for point in points:
        if isinstance(point, dict):
            x, y = point.get("x"), point.get("y")
            group = point.get("group", membership.get(str(point.get("participant"))))
        elif isinstance(point, (list, tuple)) and len(point) >= 2:
            x, y, group = point[0], point[1], point[2] if len(point) > 2 else None
        else:
            continue
        if x is None or y is None:
            continue
        out.append({"x": float(x), "y": float(y), "group": group})
    if len(out) > limit:  # an even sample keeps the picture and the file small
        step = len(out) / limit
        out = [out[int(i * step)] for i in range(limit)]
    return out


def site_url() -> str:
    """The public base URL for links in exported files (``PUBLIC_URL``), or empty."""
    return str(current_app.config.get("PUBLIC_URL") or "").rstrip("/")
