"""PUT /api/v1/statements/{id}/vote."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.consultations.models import ConsultationStatus
from consult.statements.models import StatementStatus
from consult.types import utcnow
from consult.votes.models import Vote
from tests.consult.api.helpers import assert_error, send_form


def vote_url(statement):
    return f"/api/v1/statements/{statement.id}/vote"


def votes_of(db, statement):
    return db.session.scalars(select(Vote).where(Vote.statement_id == statement.id)).all()


@pytest.mark.parametrize(("label", "stored"), [("agree", 1), ("disagree", -1), ("pass", 0)])
def test_vote_is_stored(api, db, dummy_statement, participant, label, stored):
    response = api.put(vote_url(dummy_statement), json={"value": label}, as_user=participant)

    assert response.status_code == 200
    assert response.get_json() == {
        "statement": dummy_statement.id,
        "value": label,
        "votes": {
            "agree": int(label == "agree"),
            "disagree": int(label == "disagree"),
            "pass": int(label == "pass"),
        },
    }
    [vote] = votes_of(db, dummy_statement)
    assert (vote.user_id, vote.value, vote.consultation_id) == (
        participant.id,
        stored,
        dummy_statement.consultation_id,
    )


def test_vote_again_replaces_the_vote(api, db, dummy_statement, participant, create_vote):
    create_vote(dummy_statement, 1)  # someone else's

    api.put(vote_url(dummy_statement), json={"value": "agree"}, as_user=participant)
    response = api.put(vote_url(dummy_statement), json={"value": "disagree"}, as_user=participant)

    assert response.get_json()["votes"] == {"agree": 1, "disagree": 1, "pass": 0}
    mine = [v for v in votes_of(db, dummy_statement) if v.user_id == participant.id]
    assert [v.value for v in mine] == [-1]


def test_vote_same_value_twice_is_idempotent(api, db, dummy_statement, participant):
    for _ in range(2):
        response = api.put(vote_url(dummy_statement), json={"value": "pass"}, as_user=participant)
        assert response.status_code == 200

    assert len(votes_of(db, dummy_statement)) == 1


def test_vote_shows_as_my_vote(api, dummy_consultation, dummy_statement, participant):
    api.put(vote_url(dummy_statement), json={"value": "disagree"}, as_user=participant)

    items = api.get(
        f"/api/v1/consultations/{dummy_consultation.id}/statements", as_user=participant
    ).get_json()["items"]

    assert items[0]["my_vote"] == "disagree"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"value": "yes"},
        {"value": 1},
        {"value": None},
        {"value": "Agree"},
        {"value": "agree", "x": 1},
    ],
)
def test_vote_invalid_value_is_422(api, db, dummy_statement, participant, body):
    response = api.put(vote_url(dummy_statement), json=body, as_user=participant)

    error = assert_error(response, 422, "validation_error")
    assert error["fields"]
    assert votes_of(db, dummy_statement) == []


def test_vote_without_body_is_422(api, dummy_statement, participant):
    response = api.put(vote_url(dummy_statement), as_user=participant)

    assert "value" in assert_error(response, 422)["fields"]


def test_vote_form_body_is_415(api, dummy_statement, participant):
    response = send_form(api, "PUT", vote_url(dummy_statement), "value=agree", participant)

    assert_error(response, 415)


def test_vote_anonymous_is_401(api, db, dummy_statement):
    response = api.put(vote_url(dummy_statement), json={"value": "agree"})

    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert votes_of(db, dummy_statement) == []


@pytest.mark.parametrize(
    "status", [StatementStatus.hidden, StatementStatus.pending, StatementStatus.merged]
)
def test_vote_on_unreadable_statement_is_404(api, db, create_statement, participant, status):
    statement = create_statement(status=status)

    response = api.put(vote_url(statement), json={"value": "agree"}, as_user=participant)

    assert_error(response, 404, "not_found")
    assert votes_of(db, statement) == []


def test_vote_on_own_pending_statement_is_404(api, create_statement, participant):
    statement = create_statement(author=participant, status=StatementStatus.pending)

    response = api.put(vote_url(statement), json={"value": "agree"}, as_user=participant)

    assert_error(response, 404)


def test_vote_on_missing_statement_is_404(api, participant):
    response = api.put("/api/v1/statements/777/vote", json={"value": "agree"}, as_user=participant)

    assert_error(response, 404)


def test_vote_in_others_draft_is_404(api, create_consultation, create_statement, participant):
    statement = create_statement(consultation=create_consultation(status=ConsultationStatus.draft))

    response = api.put(vote_url(statement), json={"value": "agree"}, as_user=participant)

    assert_error(response, 404)


@pytest.mark.parametrize("status", [ConsultationStatus.closed, ConsultationStatus.reported])
def test_vote_in_finished_consultation_is_409(
    api, db, create_consultation, create_statement, participant, status
):
    statement = create_statement(consultation=create_consultation(status=status))

    response = api.put(vote_url(statement), json={"value": "agree"}, as_user=participant)

    assert_error(response, 409, "conflict")
    assert votes_of(db, statement) == []


def test_vote_blocked_user_is_403(api, db, dummy_statement, participant, dummy_admin, create_block):
    create_block(participant, by=dummy_admin)

    response = api.put(vote_url(dummy_statement), json={"value": "agree"}, as_user=participant)

    assert_error(response, 403, "forbidden")
    assert votes_of(db, dummy_statement) == []


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "RATE_LIMIT_VOTE": "3 per minute"}]
)
def test_vote_rate_limited_is_429(api, dummy_statement, create_user):
    voter = create_user(created_at=utcnow() - timedelta(days=30))

    responses = [
        api.put(vote_url(dummy_statement), json={"value": value}, as_user=voter)
        for value in ("agree", "disagree", "pass", "agree")
    ]

    assert [r.status_code for r in responses[:3]] == [200, 200, 200]
    assert_error(responses[3], 429, "rate_limited")
    assert int(responses[3].headers["Retry-After"]) > 0


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "RATE_LIMIT_VOTE": "1 per minute"}]
)
def test_vote_rate_limit_is_per_user(api, dummy_statement, create_user):
    first, second = (create_user(created_at=utcnow() - timedelta(days=30)) for _ in range(2))

    assert (
        api.put(vote_url(dummy_statement), json={"value": "agree"}, as_user=first).status_code
        == 200
    )
    assert (
        api.put(vote_url(dummy_statement), json={"value": "agree"}, as_user=second).status_code
        == 200
    )
    assert (
        api.put(vote_url(dummy_statement), json={"value": "pass"}, as_user=first).status_code == 429
    )
