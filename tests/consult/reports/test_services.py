"""The report's numbers: every one equals the analysis or a database count."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from consult.analysis.adapters import participant_id
from consult.analysis.services import get_analysis
from consult.auth.models import User
from consult.extensions import db
from consult.reports.services import build_report, participation_by_day
from consult.responses import deadlines
from consult.statements.models import Statement, StatementStatus
from consult.votes.models import Vote
from tests.consult.responses.conftest import Debate, answer


def test_overview_equals_database_counts(make_debate: Callable[..., Debate]) -> None:
    debate = make_debate(n=5)
    debate.arguments[-1].status = StatementStatus.hidden
    db.session.flush()
    report = build_report(debate.consultation)
    cid = debate.consultation.id
    ov = report["overview"]
    assert ov["votes"] == db.session.scalar(
        select(func.count(Vote.id)).where(Vote.consultation_id == cid)
    )
    assert ov["participants"] == db.session.scalar(
        select(func.count(func.distinct(Vote.user_id))).where(Vote.consultation_id == cid)
    )
    assert ov["statements"] == 8  # 9 posted, one hidden
    assert (ov["positions"], ov["arguments"]) == (4, 4)
    assert ov["agree"] + ov["disagree"] + ov["pass"] == ov["votes"]


def test_groups_and_lists_equal_the_analysis(make_debate: Callable[..., Debate]) -> None:
    debate = make_debate(n=6)
    analysis, _meta = get_analysis(debate.consultation, wait=True)
    assert analysis is not None
    report = build_report(debate.consultation)
    assert report["overview"]["groups"] == len(analysis["groups"])
    assert [g["size"] for g in report["groups"]] == [g["size"] for g in analysis["groups"]]
    assert report["controversy"] == analysis["controversy"]
    assert [str(d["statement"]) for d in report["divisive"]] == [
        d["statement"] for d in analysis["divisive"][: len(report["divisive"])]
    ]
    assert [str(c["statement"]) for c in report["consensus"]["agree"]] == [
        c["statement"] for c in analysis["consensus"]["agree"][: len(report["consensus"]["agree"])]
    ]
    for group, source in zip(report["groups"], analysis["groups"], strict=True):
        assert [str(r["statement"]) for r in group["representative"]] == [
            r["statement"] for r in source["representative"][: len(group["representative"])]
        ]


def test_every_cited_statement_carries_its_database_counts(
    make_debate: Callable[..., Debate],
) -> None:
    debate = make_debate(n=4)
    report = build_report(debate.consultation)
    assert report["statements"], "the report cites statements"
    for sid, row in report["statements"].items():
        counts = Counter(
            dict(
                db.session.execute(
                    select(Vote.value, func.count(Vote.id))
                    .where(Vote.statement_id == sid)
                    .group_by(Vote.value)
                ).all()
            )
        )
        assert (row["agree"], row["disagree"], row["pass"]) == (counts[1], counts[-1], counts[0])
        assert row["text"] == db.session.get(Statement, sid).text
    cited = {
        *(d["statement"] for d in report["divisive"]),
        *(p["statement"] for p in report["positions"]),
        *(a["statement"] for p in report["positions"] for a in p["support"] + p["attack"]),
    }
    assert cited <= set(report["statements"])


def test_divisive_group_views_count_each_groups_votes(make_debate: Callable[..., Debate]) -> None:
    debate = make_debate(n=6)
    report = build_report(debate.consultation)
    analysis = report["analysis"]
    cid = debate.consultation.id
    assert report["divisive"], "the two camps disagree"
    for entry in report["divisive"]:
        votes = db.session.execute(
            select(Vote.user_id, Vote.value).where(Vote.statement_id == entry["statement"])
        ).all()
        per_group: Counter[int] = Counter()
        agree: Counter[int] = Counter()
        for uid, value in votes:
            group = analysis["participants"].get(participant_id(cid, uid))
            if group is not None:
                per_group[group] += 1
                agree[group] += value == 1
        for group, view in entry["groups"].items():
            assert view["n"] == per_group[group]
            assert abs(view["agree"] - agree[group] / per_group[group]) < 1e-9


def test_positions_list_their_strongest_arguments(make_debate: Callable[..., Debate]) -> None:
    debate = make_debate(n=3)
    report = build_report(debate.consultation)
    tram = next(p for p in report["positions"] if p["statement"] == debate.positions[0].id)
    assert [a["statement"] for a in tram["support"]] == [debate.arguments[0].id]
    assert [a["statement"] for a in tram["attack"]] == [debate.arguments[1].id]
    strength = report["analysis"]["strength"]
    assert tram["support"][0]["strength"] == strength[str(debate.arguments[0].id)]


def test_participation_by_day_fills_gaps_and_counts_newcomers(
    create_consultation: Callable[..., Any],
    create_statement: Callable[..., Any],
    create_user: Callable[..., User],
    create_vote: Callable[..., Any],
) -> None:
    consultation = create_consultation()
    s1 = create_statement(consultation=consultation)
    s2 = create_statement(consultation=consultation)
    alice, bob = create_user(), create_user()
    day1 = datetime(2025, 3, 3, 23, 30, tzinfo=UTC)
    for statement, user, at in (
        (s1, alice, day1),
        (s2, alice, day1 + timedelta(days=2)),
        (s1, bob, day1 + timedelta(days=2, hours=-1)),
    ):
        vote = create_vote(statement, 1, user)
        vote.created_at = vote.updated_at = at
    db.session.flush()
    rows = participation_by_day(consultation)
    assert rows == [
        {"day": date(2025, 3, 3), "votes": 1, "new_participants": 1},
        {"day": date(2025, 3, 4), "votes": 0, "new_participants": 0},
        {"day": date(2025, 3, 5), "votes": 2, "new_participants": 1},
    ]


def test_report_lists_responses_and_their_summary(make_debate: Callable[..., Debate]) -> None:
    debate = make_debate(n=2)
    deadlines.assign_response_items(debate.consultation, closed_on=date(2025, 1, 6))
    answer(debate, [debate.positions[0]], text="The tram network will be extended.")
    report = build_report(debate.consultation)
    assert [r.text for r in report["responses"]] == ["The tram network will be extended."]
    assert report["response_summary"]["answered"] == 1
    assert report["response_summary"]["total"] == 4
    assert debate.positions[0].id in report["statements"]
