"""Authentication of API calls: bearer tokens, and the browser session with its CSRF token."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from consult.auth.models import ApiToken
from consult.types import utcnow
from consult.votes.models import Vote
from tests.consult.api.helpers import assert_error

CSRF_ON = {"WTF_CSRF_ENABLED": True}


def vote_url(statement):
    return f"/api/v1/statements/{statement.id}/vote"


def csrf_token(api):
    """The CSRF token a page of the site hands to its scripts."""
    page = api.get("/login").get_data(as_text=True)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert match, "the page carries no CSRF token"
    return match.group(1)


def test_bearer_token_authenticates_writes(api, db, dummy_statement, participant, create_token):
    token = create_token(participant)

    response = api.put(vote_url(dummy_statement), json={"value": "agree"}, token=token)

    assert response.status_code == 200
    assert db.session.scalar(select(Vote.user_id)) == participant.id


def test_bearer_token_records_last_use(api, db, dummy_consultation, participant, create_token):
    token = create_token(participant)

    api.get("/api/v1/consultations", token=token)

    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == participant.id))
    db.session.refresh(row)
    assert row.last_used_at is not None


def test_revoked_token_is_401(api, db, dummy_statement, participant, create_token):
    token = create_token(participant)
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == participant.id))
    row.revoked_at = utcnow()

    response = api.put(vote_url(dummy_statement), json={"value": "agree"}, token=token)

    assert_error(response, 401, "invalid_token")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert db.session.scalar(select(Vote)) is None


def test_unknown_token_is_401_even_on_public_reads(api, dummy_consultation):
    response = api.get("/api/v1/consultations", token="kns_made-up")

    assert_error(response, 401, "invalid_token")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_missing_credentials_on_write_is_401(api, dummy_statement):
    response = api.put(vote_url(dummy_statement), json={"value": "agree"})

    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="kenes"'


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer ", "Token abc"])
def test_other_authorization_schemes_are_anonymous(api, dummy_statement, header):
    read = api.get("/api/v1/consultations", headers={"Authorization": header})
    write = api.put(
        vote_url(dummy_statement), json={"value": "agree"}, headers={"Authorization": header}
    )

    assert read.status_code == 200
    assert_error(write, 401)


def test_token_acts_only_as_its_owner(api, db, dummy_consultation, participant, create_user):
    other = create_user(display_name="Someone else")

    body = api.post(
        f"/api/v1/consultations/{dummy_consultation.id}/statements",
        json={"text": "Mine", "kind": "position"},
        as_user=other,
    ).get_json()

    assert body["author"] == "Someone else"


def test_session_writes_work_when_csrf_is_off(api, auth, dummy_statement, participant):
    auth.login(participant)

    response = api.put(vote_url(dummy_statement), json={"value": "pass"})

    assert response.status_code == 200


@pytest.mark.parametrize("app_config", [CSRF_ON])
def test_session_write_without_csrf_token_is_400(api, auth, db, dummy_statement, participant):
    auth.login(participant)

    response = api.put(vote_url(dummy_statement), json={"value": "agree"})

    error = assert_error(response, 400, "csrf_failed")
    assert "X-CSRFToken" in error["message"]
    assert db.session.scalar(select(Vote)) is None


@pytest.mark.parametrize("app_config", [CSRF_ON])
def test_session_write_with_wrong_csrf_token_is_400(api, auth, dummy_statement, participant):
    auth.login(participant)

    response = api.put(
        vote_url(dummy_statement), json={"value": "agree"}, headers={"X-CSRFToken": "forged"}
    )

    assert_error(response, 400, "csrf_failed")


@pytest.mark.parametrize("app_config", [CSRF_ON])
def test_session_write_with_csrf_token_is_accepted(api, auth, db, dummy_statement, participant):
    token = csrf_token(api)
    auth.login(participant)

    response = api.put(
        vote_url(dummy_statement), json={"value": "agree"}, headers={"X-CSRFToken": token}
    )

    assert response.status_code == 200
    assert db.session.scalar(select(Vote.user_id)) == participant.id


@pytest.mark.parametrize("app_config", [CSRF_ON])
def test_session_reads_need_no_csrf_token(api, auth, dummy_consultation, participant):
    auth.login(participant)

    assert api.get("/api/v1/consultations").status_code == 200


@pytest.mark.parametrize("app_config", [CSRF_ON])
def test_bearer_writes_need_no_csrf_token(api, dummy_statement, participant):
    response = api.put(vote_url(dummy_statement), json={"value": "agree"}, as_user=participant)

    assert response.status_code == 200


@pytest.mark.parametrize("app_config", [CSRF_ON])
def test_anonymous_write_with_csrf_on_is_401_not_400(api, dummy_statement):
    response = api.put(vote_url(dummy_statement), json={"value": "agree"})

    assert_error(response, 401)
