"""The insights page and the next-statement page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from consult.analysis import tasks
from consult.analysis.adapters import participant_id
from consult.analysis.services import get_analysis
from consult.analysis.views import statement_badges, thread_analysis_context
from consult.auth.models import BlockKind, Role, UserBlock
from consult.consultations.models import ConsultationStatus
from consult.statements.models import StatementStatus
from consult.votes.models import Vote
from debate.result import AnalysisResult


def _insights(client, consultation):
    return client.get(f"/consultations/{consultation.slug}/insights")


def test_insights_page_shows_groups_map_and_text_alternative(client, db, make_opinions):
    opinions = make_opinions(n=8)
    db.session.commit()
    response = _insights(client, opinions.consultation)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    svg = re.search(r'<svg class="opinion-map".*?</svg>', html, re.S).group(0)
    assert 'role="group"' in svg and 'aria-describedby="map-desc"' in svg
    assert len(re.findall(r'<circle class="pt g\d', svg)) == 16  # every clustered participant
    assert "<desc" in svg and "Group A: 8 people." in svg
    table = re.search(r'<table class="table group-table">.*?</table>', html, re.S).group(0)
    assert "Group A" in table and "Group B" in table
    assert "You are here" not in html  # anonymous visitor
    for section in ("common-ground", "groups", "map", "differences"):
        assert f'id="{section}"' in html
    assert opinions.statements[4].text in html  # consensus: air-quality data


def test_insights_page_respects_the_csp(client, db, make_opinions):
    opinions = make_opinions(n=4)
    db.session.commit()
    html = _insights(client, opinions.consultation).get_data(as_text=True)
    assert " style=" not in html
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)


def test_insights_page_highlights_the_viewer(client, auth, db, make_opinions):
    opinions = make_opinions(n=8)
    db.session.commit()
    auth.login(opinions.camp_b[0])
    html = _insights(client, opinions.consultation).get_data(as_text=True)
    assert "You are here" in html
    assert html.count('class="me-ring"') == 1
    result, _meta = get_analysis(opinions.consultation)
    mine = result["participants"][participant_id(opinions.consultation.id, opinions.camp_b[0].id)]
    letter = "AB"[mine]
    assert f"You are in group {letter}." in html


def test_insights_page_links_to_next_statement(client, auth, db, make_opinions, create_user):
    opinions = make_opinions(n=4)
    newcomer = create_user()
    db.session.commit()
    auth.login(newcomer)
    html = _insights(client, opinions.consultation).get_data(as_text=True)
    assert f"/consultations/{opinions.consultation.slug}/next" in html
    assert "8 statements are waiting for your vote." in html


def test_insights_page_draft_is_404_except_for_owners(
    client, auth, db, create_consultation, dummy_policymaker, dummy_user, dummy_admin
):
    draft = create_consultation(owner=dummy_policymaker, status=ConsultationStatus.draft)
    db.session.commit()
    assert _insights(client, draft).status_code == 404
    auth.login(dummy_user)
    assert _insights(client, draft).status_code == 404
    auth.login(dummy_policymaker)
    assert _insights(client, draft).status_code == 200
    auth.login(dummy_admin)
    assert _insights(client, draft).status_code == 200


def test_insights_page_unknown_slug_is_404(client, db):
    assert client.get("/consultations/nope/insights").status_code == 404


@pytest.mark.parametrize("status", [ConsultationStatus.closed, ConsultationStatus.reported])
def test_insights_page_open_to_anyone_after_opening(client, db, make_opinions, status):
    opinions = make_opinions(n=3, status=status)
    db.session.commit()
    response = _insights(client, opinions.consultation)
    assert response.status_code == 200
    assert "/next" not in response.get_data(as_text=True)


def test_insights_page_without_votes(client, db, dummy_statement):
    db.session.commit()
    html = _insights(client, dummy_statement.consultation).get_data(as_text=True)
    assert "No votes yet" in html
    assert "opinion-map" not in html


def test_insights_page_while_first_analysis_is_computed(client, db, app, make_opinions):
    app.config.update(ANALYSIS_BACKGROUND=True, ANALYSIS_INLINE_MAX_VOTES=0)
    opinions = make_opinions(n=3)
    db.session.commit()
    response = _insights(client, opinions.consultation)
    tasks.wait_for_refreshes(timeout=30)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "being prepared" in html
    assert '<meta http-equiv="refresh"' in html


def test_insights_page_marks_a_stale_result(
    client, db, app, make_opinions, create_user, create_vote
):
    opinions = make_opinions(n=4)
    get_analysis(opinions.consultation)
    app.config.update(ANALYSIS_BACKGROUND=True, ANALYSIS_INLINE_MAX_VOTES=0)
    create_vote(opinions.statements[0], 1, create_user())
    db.session.commit()
    html = _insights(client, opinions.consultation).get_data(as_text=True)
    tasks.wait_for_refreshes(timeout=30)
    assert "refreshing now" in html
    assert 'class="opinion-map"' in html


def test_insights_page_reports_moderation_exclusions(client, db, make_opinions):
    opinions = make_opinions(n=4)
    opinions.statements[0].status = StatementStatus.hidden
    db.session.add(UserBlock(user_id=opinions.camp_a[0].id, kind=BlockKind.block, reason="x"))
    db.session.commit()
    html = _insights(client, opinions.consultation).get_data(as_text=True)
    assert "Left out by moderation: 1 statements and the votes of 1 participants." in html
    assert opinions.statements[0].text not in html


# --------------------------------------------------------------------------------------------
# Next statement


def _next(client, consultation, **kwargs):
    return client.get(f"/consultations/{consultation.slug}/next", **kwargs)


def _post_next(client, auth, db, opinions, user, statement, value):
    """Sign the user in and vote from the next-statement page."""
    db.session.commit()
    auth.login(user)
    return client.post(
        f"/consultations/{opinions.consultation.slug}/next",
        data={"statement": statement, "value": value},
    )


def _no_votes(db, user):
    return db.session.scalar(select(Vote).where(Vote.user_id == user.id)) is None


def test_next_page_requires_login(client, db, make_opinions):
    opinions = make_opinions(n=2)
    db.session.commit()
    response = _next(client, opinions.consultation)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_next_page_shows_an_unvoted_statement_with_vote_buttons(
    client, auth, db, make_opinions, create_user, create_vote
):
    opinions = make_opinions(n=3)
    user = create_user()
    create_vote(opinions.statements[0], 1, user)
    db.session.commit()
    auth.login(user)
    response = _next(client, opinions.consultation)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    shown = [s for s in opinions.statements if s.text in html]
    assert len(shown) == 1 and shown[0] is not opinions.statements[0]
    for value in ("agree", "disagree", "pass"):
        assert f'name="value" value="{value}"' in html
    assert "You have voted on 1 of 8 statements." in html


def test_next_page_vote_is_stored_and_moves_on(client, auth, db, make_opinions, create_user):
    opinions = make_opinions(n=3)
    user = create_user()
    target = opinions.statements[2]
    response = _post_next(client, auth, db, opinions, user, target.id, "disagree")
    assert response.status_code == 302
    assert f"voted={target.id}" in response.headers["Location"]
    vote = db.session.scalar(select(Vote).where(Vote.user_id == user.id))
    assert (vote.statement_id, vote.value) == (target.id, -1)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Vote saved." in html
    assert "You have voted on 1 of 8 statements." in html


def test_next_page_rejects_bad_vote(client, auth, db, make_opinions, create_user):
    opinions = make_opinions(n=2)
    user = create_user()
    response = _post_next(client, auth, db, opinions, user, opinions.statements[0].id, "maybe")
    assert response.status_code == 422
    assert "Choose agree, disagree or pass." in response.get_data(as_text=True)
    assert _no_votes(db, user)


@pytest.mark.parametrize("statement", ["99999999999", "-3", "x", ""])
def test_next_page_rejects_impossible_statement_ids(
    client, auth, db, make_opinions, create_user, statement
):
    opinions = make_opinions(n=2)
    user = create_user()
    response = _post_next(client, auth, db, opinions, user, statement, "agree")
    assert response.status_code == 422
    assert _no_votes(db, user)


@pytest.mark.parametrize(("which", "status"), [("of another consultation", 404), ("hidden", 302)])
def test_next_page_cannot_vote_on_a_statement_it_would_not_show(
    client, auth, db, make_opinions, create_statement, create_user, which, status
):
    opinions = make_opinions(n=2)
    if which == "hidden":
        statement = opinions.statements[1]
        statement.status = StatementStatus.hidden
    else:
        statement = create_statement()
    user = create_user()
    assert _post_next(client, auth, db, opinions, user, statement.id, "agree").status_code == status
    assert _no_votes(db, user)


def test_next_page_when_everything_is_voted(client, auth, db, make_opinions, create_vote):
    opinions = make_opinions(n=2)
    user = opinions.camp_a[0]
    for statement in opinions.statements:
        if (
            db.session.scalar(
                select(Vote).where(Vote.user_id == user.id, Vote.statement_id == statement.id)
            )
            is None
        ):
            create_vote(statement, 0, user)
    db.session.commit()
    auth.login(user)
    html = _next(client, opinions.consultation).get_data(as_text=True)
    assert "You have voted on every statement" in html
    assert 'name="value"' not in html


def test_next_page_closed_consultation_has_no_vote_form(
    client, auth, db, make_opinions, create_user
):
    opinions = make_opinions(n=2, status=ConsultationStatus.closed)
    user = create_user()
    db.session.commit()
    auth.login(user)
    html = _next(client, opinions.consultation).get_data(as_text=True)
    assert "voting has ended" in html
    assert 'name="value"' not in html


def test_next_page_draft_is_404(client, auth, db, create_consultation, create_user):
    draft = create_consultation(status=ConsultationStatus.draft)
    user = create_user()
    db.session.commit()
    auth.login(user)
    assert _next(client, draft).status_code == 404


def test_next_page_vote_needs_csrf(client, auth, db, app, make_opinions, create_user):
    app.config["WTF_CSRF_ENABLED"] = True
    opinions = make_opinions(n=2)
    user = create_user()
    response = _post_next(client, auth, db, opinions, user, opinions.statements[0].id, "agree")
    assert response.status_code in (400, 422)
    assert _no_votes(db, user)


# --------------------------------------------------------------------------------------------
# Thread page hooks


def test_thread_context_links_to_next_statement(app, db, make_opinions, create_user):
    opinions = make_opinions(n=2)
    user = create_user(role=Role.participant)
    with app.test_request_context():
        context = thread_analysis_context(opinions.consultation, user, [])
        anonymous = thread_analysis_context(opinions.consultation, None, [])
    assert context["analysis_next_url"] == f"/consultations/{opinions.consultation.slug}/next"
    assert context["analysis_remaining"] == 8
    assert anonymous["analysis_next_url"] is None
    assert context["analysis_insights_url"].endswith("/insights")


def test_statement_badges_from_the_analysis(make_opinions, db):
    opinions = make_opinions(n=8)
    result, _meta = get_analysis(opinions.consultation)
    badges = statement_badges(AnalysisResult.from_json(result))
    assert "common-ground" in badges[opinions.statements[4].id]
    divisive = {int(d["statement"]) for d in result["divisive"][:5]}
    assert {sid for sid, b in badges.items() if "divisive" in b} == divisive


def test_next_page_shows_what_an_argument_answers(
    client, auth, db, dummy_consultation, create_statement, create_user, create_vote
):
    position = create_statement(consultation=dummy_consultation, text="Plant more trees.")
    argument = create_statement(
        consultation=dummy_consultation, text="Trees give shade in summer.", supports=position
    )
    user = create_user()
    create_vote(position, 1, user)
    db.session.commit()
    auth.login(user)
    html = _next(client, dummy_consultation).get_data(as_text=True)
    assert argument.text in html
    assert "Argues for" in html and "“Plant more trees.”" in html
    assert "You have voted on 1 of 2 statements." in html


def test_insights_page_shows_the_refresh_progress(client, db, app, make_opinions, create_user):
    from consult.jobs.models import Job, JobStatus
    from consult.types import utcnow

    opinions = make_opinions(n=4)
    get_analysis(opinions.consultation)
    app.config.update(ANALYSIS_BACKGROUND=True, ANALYSIS_INLINE_MAX_VOTES=0)
    db.session.add(
        Vote(
            consultation_id=opinions.consultation.id,
            statement_id=opinions.statements[0].id,
            user_id=create_user().id,
            value=1,
        )
    )
    db.session.add(
        Job(
            id="a" * 32,
            name=tasks.JOB,
            subject=tasks.subject(opinions.consultation.id),
            status=JobStatus.running,
            progress=40,
            message="",
            attempts=1,
            args={},
            created_at=utcnow(),
        )
    )
    db.session.commit()
    html = _insights(client, opinions.consultation).get_data(as_text=True)
    tasks.wait_for_refreshes(timeout=30)
    assert '<progress max="100" value="40"' in html
    assert "40 % done." in html
