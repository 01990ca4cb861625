"""Rate limits on every write endpoint: the request after the limit gets 429 with Retry-After."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consult.ratelimits import LIMITS as DECLARED
from consult.ratelimits import (
    RATE_LIMITED_ENDPOINTS,
    apply_rate_limits,
    rate_limit_key,
    unlimited_write_endpoints,
)
from consult.types import utcnow
from tests.factories import PASSWORD

LIMITS = {
    "RATELIMIT_ENABLED": True,
    "RATE_LIMIT_LOGIN": "2 per minute",
    "RATE_LIMIT_REGISTER": "2 per hour",
    "RATE_LIMIT_POST": "2 per minute",
    "RATE_LIMIT_POST_NEW_ACCOUNT": "1 per minute",
    "RATE_LIMIT_VOTE": "2 per minute",
    "RATE_LIMIT_VOTE_NEW_ACCOUNT": "1 per minute",
    "RATE_LIMIT_FLAG": "2 per hour",
    "RATE_LIMIT_FLAG_NEW_ACCOUNT": "1 per hour",
}


@pytest.fixture
def app_config():
    return dict(LIMITS)


def assert_limited(response, *, json: bool) -> None:
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    if json:
        assert response.get_json()["error"]["code"] == "rate_limited"
    else:
        assert "Too many requests" in response.get_data(as_text=True)


def test_every_write_endpoint_has_a_limit(app):
    assert unlimited_write_endpoints(app) == []
    assert apply_rate_limits(app) == []  # idempotent: nothing left to wrap


def test_login_is_limited_per_address(call, create_user):
    user = create_user(email="someone@example.org")
    form = {"email": user.email, "password": "wrong password"}

    statuses = [call.page("POST", "/login", data=form).status_code for _ in range(2)]
    third = call.page("POST", "/login", data=form)

    assert statuses == [422, 422]
    assert_limited(third, json=False)


def _register(call, n: int, confirm: str = PASSWORD):
    data = {"email": f"new{n}@example.org", "display_name": f"New {n}", "password": PASSWORD}
    return call.page("POST", "/register", data={**data, "confirm": confirm})


def test_register_is_limited(call):
    assert [_register(call, n).status_code for n in range(2)] == [303, 303]
    assert_limited(_register(call, 2), json=False)


def test_register_rejected_input_does_not_use_up_the_limit(call):
    typos = [_register(call, n, confirm="typo typo typo").status_code for n in range(5)]
    assert typos == [422] * 5
    assert [_register(call, n).status_code for n in range(2)] == [303, 303]
    assert_limited(_register(call, 2), json=False)


def test_posting_on_the_page_is_limited(call, consultation, people):
    def post(n: int):
        return call.post_statement("page", consultation, people[0], f"Statement {n} about air")

    assert [post(n).status_code for n in range(2)] == [303, 303]
    assert_limited(post(2), json=False)


def test_posting_by_api_is_limited(call, consultation, people):
    def post(n: int):
        return call.post_statement("api", consultation, people[0], f"Statement {n} about air")

    assert [post(n).status_code for n in range(2)] == [201, 201]
    assert_limited(post(2), json=True)


def test_new_accounts_post_less(call, consultation, create_user):
    newcomer = create_user(created_at=utcnow() - timedelta(hours=2))

    assert (
        call.post_statement("api", consultation, newcomer, "Newcomer statement 0").status_code
        == 201
    )
    assert_limited(
        call.post_statement("api", consultation, newcomer, "Newcomer statement 1"), json=True
    )


def test_voting_on_the_page_is_limited(call, statement, people):
    votes = [call.vote("page", statement, people[0], v) for v in ("agree", "disagree", "pass")]
    assert [vote.status_code for vote in votes[:2]] == [303, 303]
    assert_limited(votes[2], json=False)


def test_voting_by_api_is_limited(call, statement, people):
    votes = [call.vote("api", statement, people[0], v) for v in ("agree", "disagree", "pass")]
    assert [vote.status_code for vote in votes[:2]] == [200, 200]
    assert_limited(votes[2], json=True)


def test_votes_share_one_budget_across_page_api_and_next_statement(
    call, create_statement, consultation, people
):
    targets = [create_statement(consultation=consultation) for _ in range(4)]
    voter = people[0]

    page = call.vote("page", targets[0], voter, "agree")
    api = call.vote("api", targets[1], voter, "pass")
    next_page = call.page(
        "POST",
        f"/consultations/{consultation.slug}/next",
        voter,
        data={"statement": targets[2].id, "value": "disagree"},
    )
    third_api = call.vote("api", targets[3], voter, "agree")
    other_voter = call.vote("page", targets[0], people[1], "agree")

    assert (page.status_code, api.status_code) == (303, 200)  # RATE_LIMIT_VOTE: 2 per minute
    assert_limited(next_page, json=False)
    assert_limited(third_api, json=True)
    assert other_voter.status_code == 303  # counted per account


def test_posting_shares_one_budget_between_page_and_api(call, consultation, people):
    page = call.post_statement("page", consultation, people[0], "From the page, about air")
    api = call.post_statement("api", consultation, people[0], "From the API, about air")
    third = call.post_statement("api", consultation, people[0], "One too many, about air")

    assert (page.status_code, api.status_code) == (303, 201)
    assert_limited(third, json=True)


def test_every_limit_is_declared_once():
    assert set(RATE_LIMITED_ENDPOINTS.values()) <= set(DECLARED)
    assert {
        RATE_LIMITED_ENDPOINTS[e]
        for e in ("votes.cast", "api.vote_statement", "analysis.next_statement")
    } == {"vote"}


def test_flagging_shares_one_budget_between_page_and_api(
    call, create_statement, consultation, people
):
    targets = [create_statement(consultation=consultation) for _ in range(3)]

    page = call.flag("page", targets[0], people[0])
    api = call.flag("api", targets[1], people[0])
    third_api = call.flag("api", targets[2], people[0])
    third_page = call.flag("page", targets[2], people[0])

    assert (page.status_code, api.status_code) == (303, 201)
    assert_limited(third_api, json=True)
    assert_limited(third_page, json=False)


def test_flag_limit_is_per_account(call, create_statement, consultation, people):
    target = create_statement(consultation=consultation)
    other = create_statement(consultation=consultation)
    for statement in (target, other):
        call.flag("api", statement, people[0])

    response = call.flag("api", target, people[1])

    assert response.status_code == 201


def test_new_accounts_flag_less(call, create_statement, consultation, create_user):
    newcomer = create_user(created_at=utcnow() - timedelta(minutes=5))
    first, second = (create_statement(consultation=consultation) for _ in range(2))

    ok = call.flag("api", first, newcomer)
    limited = call.flag("api", second, newcomer)

    assert ok.status_code == 201
    assert_limited(limited, json=True)


def test_rate_limit_key_uses_the_account_then_the_address(app, people):
    from flask_login import login_user

    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        assert rate_limit_key() == "ip:203.0.113.9"
        login_user(people[0])
        assert rate_limit_key() == f"user:{people[0].id}"
