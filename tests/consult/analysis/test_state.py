"""Opinion groups that keep their identity between recomputations (consult.analysis.state)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import delete

from consult.analysis import services
from consult.analysis.adapters import participant_id
from consult.analysis.insights import retired_groups
from consult.analysis.models import AnalysisState, CachedAnalysis
from consult.analysis.opinion_map import group_styles
from consult.analysis.state import ORIGIN_REPLAY, advance_registry
from consult.consultations.demo import DEMO_SLUG
from consult.consultations.services import get_consultation_by_slug
from debate.identity import RetiredGroup
from debate.result import AnalysisResult

DAY1 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DAY3 = datetime(2026, 12, 3, 15, 30, tzinfo=UTC)


def test_advance_registry_gives_new_groups_new_letters_and_free_colours():
    registry = advance_registry([], [0, 1, 2], (), DAY1)
    assert [(e["label"], e["colour"]) for e in registry] == [("A", 0), ("B", 1), ("C", 2)]
    # Group B merges into A; a new group D takes the colour B no longer wears.
    later = advance_registry(registry, [0, 2, 3], (RetiredGroup(1, 0, 5, DAY3.timestamp()),), DAY3)
    by_id = {e["id"]: e for e in later}
    assert by_id[1]["retired_at"] == DAY3.isoformat() and by_id[1]["joined"] == 0
    assert (by_id[3]["label"], by_id[3]["colour"]) == ("D", 1)
    assert (by_id[0]["colour"], by_id[2]["colour"]) == (0, 2)  # the others keep theirs
    assert by_id[0]["created_at"] == DAY1.isoformat()


def test_advance_registry_is_idempotent():
    registry = advance_registry([], [0, 1], (), DAY1)
    retired = (RetiredGroup(1, None, 2, DAY3.timestamp()),)
    once = advance_registry(registry, [0], retired, DAY3)
    assert advance_registry(once, [0], retired, DAY3) == once
    assert once[1]["joined"] is None


def test_letters_go_past_z():
    registry = advance_registry([], [25, 26], (), DAY1)
    assert [e["label"] for e in registry] == ["Z", "AA"]


def test_insights_name_the_retired_groups_with_the_group_they_joined(app):
    registry = advance_registry([], [0, 1, 2], (), DAY1)
    registry = advance_registry(registry, [0, 1], (RetiredGroup(2, 0, 4, DAY3.timestamp()),), DAY3)
    result = AnalysisResult.from_json(
        {"groups": [{"id": 0}, {"id": 1}], "group_registry": registry}
    )
    with app.test_request_context():
        [gone] = retired_groups(result, group_styles(result))
    assert (gone["label"], gone["joined"].label, gone["date"]) == ("C", "A", "3 December")
    assert gone["colour"] == "g2"


def test_first_analysis_starts_the_state_by_replay(make_opinions, db):
    opinions = make_opinions(n=8)
    result, _meta = services.get_analysis(opinions.consultation)
    row = db.session.get(AnalysisState, opinions.consultation.id)
    assert row is not None and row.origin == ORIGIN_REPLAY and row.updates >= 2
    # The groups first shown are A and B, in colours 0 and 1; nothing retired yet.
    assert [(e["label"], e["colour"], e["retired_at"]) for e in result["group_registry"]] == [
        ("A", 0, None),
        ("B", 1, None),
    ]
    assert [g["id"] for g in result["groups"]] == [0, 1]


def test_same_votes_give_the_same_groups_again(make_opinions, db):
    opinions = make_opinions(n=8)
    first, _meta = services.get_analysis(opinions.consultation)
    updates = db.session.get(AnalysisState, opinions.consultation.id).updates
    db.session.execute(delete(CachedAnalysis))  # the cache is gone, the votes are the same
    again, _meta = services.get_analysis(opinions.consultation)
    assert again["participants"] == first["participants"]
    assert again["groups"] == first["groups"]
    assert again["group_registry"] == first["group_registry"]
    db.session.expire_all()
    assert db.session.get(AnalysisState, opinions.consultation.id).updates == updates


def test_api_group_ids_are_stable_across_recomputations(
    client, db, make_opinions, create_user, create_vote
):
    opinions = make_opinions(n=8)
    db.session.commit()
    url = f"/api/v1/consultations/{opinions.consultation.id}/analysis"
    first = client.get(url).get_json()
    # Two newcomers join, one on each side: the analysis is recomputed from the stored state.
    for pattern in ([1, 1, -1, 1, 1, -1, 1, -1], [-1, -1, 1, -1, 1, 1, -1, 1]):
        newcomer = create_user()
        for statement, value in zip(opinions.statements, pattern, strict=True):
            create_vote(statement, value, newcomer)
    db.session.commit()
    second = client.get(url).get_json()
    assert second["counts"]["participants"] == first["counts"]["participants"] + 2
    for pid, group in first["participants"].items():
        assert second["participants"][pid] == group
    assert [g["id"] for g in second["groups"]] == [g["id"] for g in first["groups"]]
    assert second["group_registry"] == first["group_registry"]
    assert second["group_updates"]["updates"] > first["group_updates"]["updates"]


def test_demo_newcomer_voting_on_the_next_statement_changes_no_other_label(
    runner, client, auth, db, create_user
):
    """The issue's scenario: a fresh demo, one new participant casts 8 votes through "vote on
    the next statement"; every other participant keeps their group's letter and colour."""
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    demo = get_consultation_by_slug(DEMO_SLUG)
    before, _meta = services.get_analysis(demo)
    db.session.commit()

    def shown(result):
        styles = group_styles(AnalysisResult.from_json(result))
        return {
            pid: (styles.of(g).label, styles.of(g).colour)
            for pid, g in result["participants"].items()
            if g is not None
        }

    labels_before = shown(before)
    assert {label for label, _colour in labels_before.values()} == {"A", "B", "C"}

    newcomer = create_user()
    db.session.commit()
    auth.login(newcomer)
    url = f"/consultations/{demo.slug}/next"
    for n in range(8):
        html = client.get(url).get_data(as_text=True)
        statement = re.search(r'name="statement"[^>]*value="(\d+)"', html).group(1)
        value = ("agree", "disagree", "agree", "pass")[n % 4]
        response = client.post(url, data={"statement": statement, "value": value})
        assert response.status_code == 302
    after, meta = services.get_analysis(demo)
    assert not meta.stale
    me = participant_id(demo.id, newcomer.id)
    assert me in after["participants"]
    labels_after = shown(after)
    changed = {p for p, style in labels_before.items() if labels_after.get(p) != style}
    assert changed == set()


def _with_a_retired_group(db, consultation):
    """Record in the stored registry that a group H merged into A on 3 December."""
    row = db.session.get(AnalysisState, consultation.id)
    row.group_registry = [
        *row.group_registry,
        {
            "id": 7,
            "label": "H",
            "colour": 3,
            "created_at": DAY1.isoformat(),
            "retired_at": DAY3.isoformat(),
            "joined": 0,
        },
    ]
    db.session.execute(delete(CachedAnalysis))
    db.session.commit()


def test_insights_page_says_which_group_joined_which(client, db, make_opinions):
    opinions = make_opinions(n=8)
    services.get_analysis(opinions.consultation)
    _with_a_retired_group(db, opinions.consultation)
    html = client.get(f"/consultations/{opinions.consultation.slug}/insights").get_data(
        as_text=True
    )
    assert "Group H joined Group A on 3 December." in html


def test_report_page_says_which_group_joined_which(client, auth, db, make_opinions):
    opinions = make_opinions(n=8)
    services.get_analysis(opinions.consultation)
    _with_a_retired_group(db, opinions.consultation)
    owner = opinions.consultation.created_by
    if owner is not None:
        auth.login(owner)
    html = client.get(f"/consultations/{opinions.consultation.slug}/report").get_data(as_text=True)
    assert "Group H joined Group A on 3 December." in html


def test_stable_groups_record_the_k_shown_in_the_stored_state(app, make_opinions, db):
    opinions = make_opinions(n=8)
    result, _meta = services.get_analysis(opinions.consultation)
    row = db.session.get(AnalysisState, opinions.consultation.id)
    assert app.config["ANALYSIS_STABLE_GROUPS"] is True  # on by default
    assert row.state["shown_k"] == len(result["groups"]) == 2
    assert row.state["k_pending"] is None


def test_without_stable_groups_the_state_shows_polis_groups(app, make_opinions, db):
    app.config["ANALYSIS_STABLE_GROUPS"] = False
    opinions = make_opinions(n=8)
    result, _meta = services.get_analysis(opinions.consultation)
    row = db.session.get(AnalysisState, opinions.consultation.id)
    assert (row.state["shown_k"], row.state["k_pending"]) == (None, None)
    assert len(result["groups"]) == 2


def test_a_state_stored_before_stable_groups_is_continued(
    make_opinions, db, create_user, create_vote
):
    opinions = make_opinions(n=8)
    first, _meta = services.get_analysis(opinions.consultation)
    row = db.session.get(AnalysisState, opinions.consultation.id)
    older = {k: v for k, v in row.state.items() if k not in ("shown_k", "k_pending")}
    row.state = older
    updates = row.updates
    db.session.commit()
    db.session.execute(delete(CachedAnalysis))
    newcomer = create_user()
    for statement, value in zip(opinions.statements, [1, 1, -1, 1, 1, -1, 1, -1], strict=True):
        create_vote(statement, value, newcomer)
    db.session.commit()
    again, _meta = services.get_analysis(opinions.consultation)
    db.session.expire_all()
    row = db.session.get(AnalysisState, opinions.consultation.id)
    assert row.updates == updates + 1  # continued, not started afresh
    assert row.state["shown_k"] == 2
    for pid, group in first["participants"].items():
        assert again["participants"][pid] == group
