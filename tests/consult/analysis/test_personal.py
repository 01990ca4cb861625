"""A participant's personal summary: the group they agree with most, and where they differ."""

from __future__ import annotations

import re

from consult.analysis.adapters import participant_id
from consult.analysis.opinion_map import group_styles
from consult.analysis.personal import MIN_VOTES, personal_summary
from consult.analysis.services import get_analysis_result

# camp A of make_opinions: for trams, car-free centre, 30 km/h; against parking, the ring road.
PATTERN_A = [1, 1, -1, 1, 1, -1, 1, -1]


def _dissenter(make_opinions, create_user, create_vote):
    """Camp A's votes except on the first statement (trams), which this person rejects."""
    opinions = make_opinions(n=8)
    person = create_user()
    for statement, value in zip(opinions.statements, [-1, *PATTERN_A[1:]], strict=True):
        create_vote(statement, value, person)
    return opinions, person


def _group_of_camp_a(opinions, result):
    gid = result.group_of(participant_id(opinions.consultation.id, opinions.camp_a[0].id))
    return group_styles(result).of(gid).label


def test_summary_names_the_closest_group_and_the_difference(
    db, make_opinions, create_user, create_vote
):
    opinions, person = _dissenter(make_opinions, create_user, create_vote)
    result, _meta = get_analysis_result(opinions.consultation)

    summary = personal_summary(opinions.consultation, person, result)

    assert summary is not None
    assert summary.closest.label == _group_of_camp_a(opinions, result)
    assert summary.closest.agreement_pct == round(100 * 7 / 8)
    assert summary.votes == 8
    assert [g.label for g in summary.groups][0] == summary.closest.label
    assert summary.groups[-1].agreement < summary.closest.agreement
    [difference] = summary.differences
    assert difference.statement.id == opinions.statements[0].id
    assert difference.my_vote == -1 and difference.group_share_pct >= 60


def test_no_summary_with_too_few_votes_or_without_analysis(
    db, make_opinions, create_user, create_vote, create_consultation
):
    opinions = make_opinions(n=6)
    person = create_user()
    for statement in opinions.statements[: MIN_VOTES - 1]:
        create_vote(statement, 1, person)
    create_vote(opinions.statements[MIN_VOTES], 0, person)  # a pass is not compared
    result, _meta = get_analysis_result(opinions.consultation)
    assert personal_summary(opinions.consultation, person, result) is None
    assert personal_summary(create_consultation(), person) is None  # nothing stored


def test_next_statement_page_and_thread_show_the_summary(
    client, auth, db, make_opinions, create_user, create_vote
):
    opinions, person = _dissenter(make_opinions, create_user, create_vote)
    result, _meta = get_analysis_result(opinions.consultation)
    db.session.commit()
    label = _group_of_camp_a(opinions, result)
    auth.login(person)

    for path in ("/next", ""):
        html = client.get(f"/consultations/{opinions.consultation.slug}{path}").get_data(
            as_text=True
        )
        section = re.search(r'<section class="personal-summary.*?</section>', html, re.S)
        assert section, path
        text = section.group(0)
        assert f"You agree most with group {label}" in text
        assert f"On these statements you differ from group {label}" in text
        assert opinions.statements[0].text in text
        assert "You disagreed;" in text


def test_anonymous_thread_has_no_summary(client, db, make_opinions):
    opinions = make_opinions(n=4)
    get_analysis_result(opinions.consultation)
    db.session.commit()
    html = client.get(f"/consultations/{opinions.consultation.slug}").get_data(as_text=True)
    assert "personal-summary" not in html


def test_a_tie_names_every_tied_group(client, auth, db, make_opinions, create_user, create_vote):
    opinions = make_opinions(n=8)
    person = create_user()
    # Like camp A on trams, the car-free centre and 30 km/h; like camp B on parking, the ring
    # road and the sixth statement: as close to one camp as to the other.
    for index, value in ((0, 1), (1, 1), (2, -1), (3, -1), (5, 1), (6, -1)):
        create_vote(opinions.statements[index], value, person)
    result, _meta = get_analysis_result(opinions.consultation)
    db.session.commit()

    summary = personal_summary(opinions.consultation, person, result)

    assert summary is not None
    assert [g.agreement_pct for g in summary.groups] == [50, 50]
    assert sorted(g.label for g in summary.tied) == sorted(g.label for g in summary.groups)
    labels = ", ".join(g.label for g in summary.tied)
    auth.login(person)
    html = client.get(f"/consultations/{opinions.consultation.slug}/next").get_data(as_text=True)
    section = re.search(r'<section class="personal-summary.*?</section>', html, re.S)
    assert section
    assert f"You agree equally with groups {labels}" in section.group(0)
    assert "You agree most with group" not in section.group(0)
    api = client.get("/api/v1/me/participation").get_json()
    mine = next(p for p in api["items"] if p["consultation"]["id"] == opinions.consultation.id)
    assert sorted(g["group"] for g in mine["summary"]["tied"]) == sorted(labels.split(", "))
