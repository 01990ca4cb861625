"""Voting with the plain form of the discussion page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from consult.auth.models import User
from consult.consultations.models import ConsultationStatus
from consult.statements.models import Statement, StatementStatus
from consult.votes.models import Vote


def vote(client: Any, statement_id: int, value: str | None) -> Any:
    data = {} if value is None else {"value": value}
    return client.post(f"/statements/{statement_id}/vote", data=data)


def votes(db: Any) -> list[tuple[int, int, int]]:
    return list(db.session.execute(select(Vote.statement_id, Vote.user_id, Vote.value)).all())


@pytest.mark.parametrize(("value", "stored"), [("agree", 1), ("disagree", -1), ("pass", 0)])
def test_vote_is_stored_and_redirects_to_the_statement(
    client: Any,
    auth: Any,
    db: Any,
    dummy_statement: Statement,
    dummy_user: User,
    value: str,
    stored: int,
) -> None:
    auth.login(dummy_user)
    response = vote(client, dummy_statement.id, value)
    assert response.status_code == 303
    assert response.headers["Location"] == (
        f"/consultations/public-transport#s-{dummy_statement.id}"
    )
    assert votes(db) == [(dummy_statement.id, dummy_user.id, stored)]


def test_vote_can_be_changed_and_the_last_one_counts(
    client: Any, auth: Any, db: Any, dummy_statement: Statement, dummy_user: User
) -> None:
    auth.login(dummy_user)
    vote(client, dummy_statement.id, "agree")
    vote(client, dummy_statement.id, "disagree")
    assert votes(db) == [(dummy_statement.id, dummy_user.id, -1)]


def test_vote_shows_on_the_page(
    client: Any, auth: Any, dummy_statement: Statement, dummy_user: User, create_vote: Any
) -> None:
    create_vote(dummy_statement, 1)
    auth.login(dummy_user)
    vote(client, dummy_statement.id, "agree")
    page = client.get("/consultations/public-transport").data.decode()
    assert re.search(
        r'value="agree" class="vote-button agree" aria-pressed="true">Agree '
        r'<span class="count">2</span>',
        page,
    )


def test_vote_needs_login(client: Any, db: Any, dummy_statement: Statement) -> None:
    response = vote(client, dummy_statement.id, "agree")
    assert response.status_code == 303
    assert response.headers["Location"] == (
        f"/login?next=/consultations/public-transport%23s-{dummy_statement.id}"
    )
    assert votes(db) == []


@pytest.mark.parametrize("value", [None, "", "maybe", "1"])
def test_vote_rejects_unknown_values(
    client: Any, auth: Any, db: Any, dummy_statement: Statement, dummy_user: User, value: Any
) -> None:
    auth.login(dummy_user)
    response = vote(client, dummy_statement.id, value)
    assert response.status_code == 422
    assert "Choose agree, disagree or pass." in response.data.decode()
    assert votes(db) == []


def test_vote_on_missing_statement_is_404(client: Any, auth: Any, dummy_user: User) -> None:
    auth.login(dummy_user)
    assert vote(client, 999999, "agree").status_code == 404


@pytest.mark.parametrize(
    "status", [StatementStatus.hidden, StatementStatus.pending, StatementStatus.merged]
)
def test_vote_on_a_statement_that_is_not_visible_is_404(
    client: Any,
    auth: Any,
    db: Any,
    create_statement: Any,
    dummy_user: User,
    status: StatementStatus,
) -> None:
    statement = create_statement(status=status, author=dummy_user)
    auth.login(dummy_user)
    assert vote(client, statement.id, "agree").status_code == 404
    assert votes(db) == []


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (ConsultationStatus.draft, 404),  # a draft is not shown to participants at all
        (ConsultationStatus.closed, 409),
        (ConsultationStatus.reported, 409),
    ],
)
def test_vote_outside_an_open_consultation_is_refused(
    client: Any,
    auth: Any,
    db: Any,
    create_consultation: Any,
    create_statement: Any,
    dummy_user: User,
    status: ConsultationStatus,
    expected: int,
) -> None:
    statement = create_statement(consultation=create_consultation(status=status))
    auth.login(dummy_user)
    assert vote(client, statement.id, "agree").status_code == expected
    assert votes(db) == []


def test_vote_by_a_blocked_account_is_403(
    client: Any,
    auth: Any,
    db: Any,
    dummy_statement: Statement,
    dummy_user: User,
    create_block: Any,
) -> None:
    create_block(dummy_user, ends_in=timedelta(days=7))  # suspended for a week
    auth.login(dummy_user)
    assert vote(client, dummy_statement.id, "agree").status_code == 403
    assert votes(db) == []


def test_vote_needs_post(client: Any, dummy_statement: Statement) -> None:
    assert client.get(f"/statements/{dummy_statement.id}/vote").status_code == 405


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_vote_needs_a_csrf_token(
    client: Any, auth: Any, db: Any, dummy_statement: Statement, dummy_user: User
) -> None:
    auth.login(dummy_user)
    assert vote(client, dummy_statement.id, "agree").status_code == 400
    page = client.get("/consultations/public-transport").data.decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        f"/statements/{dummy_statement.id}/vote", data={"value": "pass", "csrf_token": token}
    )
    assert response.status_code == 303
    assert db.session.scalar(select(func.count(Vote.id))) == 1


@pytest.mark.parametrize(
    "app_config",
    [{"RATELIMIT_ENABLED": True, "RATE_LIMIT_VOTE": "2 per minute"}],
)
def test_vote_is_rate_limited(
    client: Any, auth: Any, dummy_statement: Statement, create_user: Any
) -> None:
    from datetime import timedelta

    from consult.types import utcnow

    auth.login(create_user(created_at=utcnow() - timedelta(days=30)))
    assert vote(client, dummy_statement.id, "agree").status_code == 303
    assert vote(client, dummy_statement.id, "pass").status_code == 303
    assert vote(client, dummy_statement.id, "agree").status_code == 429
