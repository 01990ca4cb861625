"""The policymaker's report: every number from the analysis or a database count, nothing else.

``build_report`` gathers the analysis (read as a :class:`debate.result.AnalysisResult`), database
counts and official responses into one plain dict that the report page and the Markdown, HTML
and PDF exports render. Each statement it mentions is listed in ``report["statements"]`` with
its vote counts, so every figure can be traced to statements.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from consult.analysis.adapters import participant_id
from consult.analysis.importance import importance_by_group
from consult.analysis.insights import retired_groups
from consult.analysis.languages import language_insights
from consult.analysis.opinion_map import group_styles, map_layout
from consult.analysis.quality import data_quality
from consult.analysis.roles import statement_roles
from consult.analysis.services import get_analysis_result
from consult.auth.models import User
from consult.consultations.models import Consultation, ConsultationMember, MemberRole
from consult.consultations.services import consultation_counts
from consult.extensions import db
from consult.languages.services import shown_consultation_text, translations_in
from consult.responses import deadlines
from consult.responses import services as responses
from consult.statements.models import Statement, StatementKind, StatementLink, StatementStatus
from consult.types import utcnow
from consult.votes.models import Vote
from debate.result import AnalysisResult

TOP = 8  # statements per list (consensus, divisive, uncertain, cruxes)
TOP_REPRESENTATIVE = 5
TOP_ARGUMENTS = 3  # strongest arguments on each side of a position
MAX_POSITIONS = 30


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
        for sid, kind, text, status, language in db.session.execute(
            select(
                Statement.id, Statement.kind, Statement.text, Statement.status, Statement.language
            ).where(Statement.id.in_(chunk))
        ):
            rows[sid] = {
                "id": sid,
                "kind": kind.value,
                "text": text,
                "language": language,
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
    consultation: Consultation, analysis: AnalysisResult, statement_ids: Iterable[int]
) -> dict[int, dict[int, dict[str, float]]]:
    """Per statement and opinion group: agree/disagree/pass shares and how many voted."""
    membership = analysis.participants
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


def get_report_analysis(consultation: Consultation) -> tuple[AnalysisResult, dict[str, Any]]:
    """The consultation's analysis (recomputed if stale) and how fresh it is."""
    result, meta = get_analysis_result(consultation, wait=True)
    return result or AnalysisResult(), meta.as_dict()


def argument_sides(
    consultation: Consultation, position_ids: list[int], strength: Mapping[str, float]
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


def _entries(entries: Iterable[Any], cite: Any, limit: int = TOP) -> list[dict[str, Any]]:
    """The first ``limit`` entries of an analysis list as plain dicts, statement ids as ints."""
    out = []
    for entry in list(entries)[:limit]:
        sid = cite(entry.statement)
        if sid is not None:
            out.append({**entry.to_json(), "statement": sid})
    return out


def _positions(
    consultation: Consultation, analysis: AnalysisResult, cited: set[int]
) -> list[dict[str, Any]]:
    """The most voted positions, with their strongest arguments on each side."""
    position_rows = db.session.execute(
        select(Statement.id, func.count(Vote.id).label("n"))
        .outerjoin(Vote, Vote.statement_id == Statement.id)
        .where(
            Statement.consultation_id == consultation.id,
            Statement.status == StatementStatus.visible,
            Statement.kind == StatementKind.position,
        )
        .group_by(Statement.id)
        .order_by(func.count(Vote.id).desc(), Statement.id)
        .limit(MAX_POSITIONS)
    ).all()
    position_ids = [sid for sid, _n in position_rows]
    sides = argument_sides(consultation, position_ids, analysis.strength)
    positions = []
    for pid in position_ids:
        cited.add(pid)
        entry = sides[pid]
        for side in ("support", "attack"):
            cited.update(argument["statement"] for argument in entry[side])
        positions.append(
            {
                "statement": pid,
                "strength": analysis.strength.get(str(pid)),
                "support": entry["support"],
                "attack": entry["attack"],
                "support_total": entry["support_total"],
                "attack_total": entry["attack_total"],
            }
        )
    return positions


def in_language(
    statements: Mapping[int, dict[str, Any]], importance: list[dict[str, Any]], language: str
) -> None:
    """Show the statements' texts in ``language`` where a translation exists (one query).

    A translated row keeps its own words as ``original`` (and ``original_language``) and says
    whether a machine made the translation; rows without one stay in their original.
    """
    rows = [*statements.values(), *importance]
    wanted = [
        int(row.get("id", row.get("statement", 0)))
        for row in rows
        if row.get("language") not in (None, language)
    ]
    found = translations_in(language, wanted)
    for row in rows:
        translation = found.get(int(row.get("id", row.get("statement", 0))))
        if translation is None or row.get("language") in (None, language):
            continue
        row["original"], row["original_language"] = row["text"], row["language"]
        row["text"], row["language"] = translation.text, language
        row["machine"] = translation.machine


def build_report(consultation: Consultation, *, language: str | None = None) -> dict[str, Any]:
    """Gather everything the report shows, as plain data (ids are database statement ids).

    With ``language``, the question, summary and statements are given in that language where a
    version exists (each text says its language), else in their original.
    """
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
    # Hidden statements never appear in the report, whatever list would name them.
    hidden = set(
        db.session.scalars(
            select(Statement.id).where(
                Statement.consultation_id == cid, Statement.status == StatementStatus.hidden
            )
        )
    )

    def cite(value: Any) -> int | None:
        sid = _sid(value)
        if sid is None or sid in hidden:
            return None
        cited.add(sid)
        return sid

    clustered = analysis.n_clustered
    styles = group_styles(analysis)
    groups = [
        {
            "id": group.id,
            "label": styles.of(group.id).label,
            "colour": styles.of(group.id).colour,
            "size": group.size,
            "share": group.size / clustered if clustered else 0.0,
            "representative": _entries(group.representative, cite, TOP_REPRESENTATIVE),
        }
        for group in analysis.groups
    ]
    # One rule (consult/analysis/roles.py): "common ground" and "divides opinion" never overlap.
    roles = statement_roles(analysis)
    divisive = _entries([d for d in analysis.divisive if roles.is_divisive(d.statement)], cite)
    uncertain = _entries(analysis.uncertain, cite)
    cruxes = _entries([c for c in analysis.cruxes if not roles.is_common_ground(c.statement)], cite)
    consensus_agree = _entries(
        [c for c in analysis.consensus.agree if roles.is_common_ground(c.statement)], cite
    )
    consensus_disagree = _entries(
        [c for c in analysis.consensus.disagree if roles.is_common_ground(c.statement)], cite
    )
    # Group-informed consensus: agreement that holds in every group, best first.
    gic = analysis.group_informed_consensus
    gic_top = sorted(
        (
            (v, sid)
            for k, v in gic.items()
            if (sid := _sid(k)) is not None and sid not in hidden and not roles.is_divisive(k)
        ),
        key=lambda t: (-t[0], t[1]),
    )[:TOP]
    cited.update(sid for _score, sid in gic_top)
    positions = _positions(consultation, analysis, cited)

    per_group = group_votes(
        consultation,
        analysis,
        [d["statement"] for d in divisive] + [c["statement"] for c in cruxes],
    )
    for entry in divisive + cruxes:
        entry["groups"] = per_group.get(entry["statement"], {})

    response_list = responses.list_responses(consultation)
    for response in response_list:
        cited.update(statement.id for statement in response.statements)
    states = deadlines.item_states(consultation)
    statements = statement_rows(cited - hidden)
    for sid, row in statements.items():
        row["strength"] = analysis.strength.get(str(sid))
        row["bridging"] = analysis.bridging.get(str(sid))
        row["group_informed_consensus"] = gic.get(str(sid))

    importance = [i.as_dict() for i in importance_by_group(consultation, analysis, styles)]
    shown = shown_consultation_text(
        original_language=consultation.language or "en",
        question=consultation.title,
        summary=consultation.summary,
        body=consultation.body,
        versions=consultation.texts,
        wanted=language or consultation.language or "en",
    )
    if language is not None:
        in_language(statements, importance, language)
    return {
        "consultation": {
            "id": consultation.id,
            "slug": consultation.slug,
            "title": shown.question,
            "summary": shown.summary,
            "language": shown.language,
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
            "analysed_participants": len(analysis.participants),
            "responses": len(response_list),
        },
        "groups": groups,
        "retired_groups": [
            {
                "label": r["label"],
                "colour": r["colour"],
                "date": r["date"],
                "joined": r["joined"].label if r["joined"] is not None else None,
            }
            for r in retired_groups(analysis, styles)
        ],
        "consensus": {"agree": consensus_agree, "disagree": consensus_disagree},
        "group_informed_consensus": [{"statement": sid, "score": s} for s, sid in gic_top],
        "divisive": divisive,
        "uncertain": uncertain,
        "cruxes": cruxes,
        "positions": positions,
        "positions_total": int(kinds.get(StatementKind.position, 0)),
        "controversy": analysis.controversy,
        "opinion_map": map_layout(analysis),
        "importance": importance,
        "languages": asdict(language_insights(consultation, analysis)),
        "participation": participation_by_day(consultation),
        "responses": response_list,
        "decision_counts": dict(Counter(r.decision.value for r in response_list)),
        "response_items": states,
        "response_summary": deadlines.response_summary(states),
        "statements": statements,
        "data_quality": data_quality(consultation).as_dict(),
        "analysis": analysis.to_json(),
    }


def site_url() -> str:
    """The public base URL for links in exported files (``PUBLIC_URL``), or empty."""
    return str(current_app.config.get("PUBLIC_URL") or "").rstrip("/")
