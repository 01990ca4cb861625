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


def test_register_is_limited(call):
    def register(n: int):
        return call.page(
            "POST",
            "/register",
            data={
                "email": f"new{n}@example.org",
                "display_name": f"New {n}",
                "password": PASSWORD,
                "confirm": PASSWORD,
            },
        )

    assert [register(n).status_code for n in range(2)] == [303, 303]
    assert_limited(register(2), json=False)


def test_register_rejected_input_does_not_use_up_the_limit(call):
    def register(n: int, confirm: str = PASSWORD):
        return call.page(
            "POST",
            "/register",
            data={
                "email": f"new{n}@example.org",
                "display_name": f"New {n}",
                "password": PASSWORD,
                "confirm": confirm,
            },
        )

    assert [register(n, confirm="typo typo typo").status_code for n in range(5)] == [422] * 5
    assert [register(n).status_code for n in range(2)] == [303, 303]
    assert_limited(register(2), json=False)


def test_posting_on_the_page_is_limited(call, consultation, people):
    def post(n: int):
        return call.page(
            "POST",
            f"/consultations/{consultation.slug}/statements",
            people[0],
            data={"kind": "position", "text": f"Statement number {n} about air"},
        )

    assert [post(n).status_code for n in range(2)] == [303, 303]
    assert_limited(post(2), json=False)


def test_posting_by_api_is_limited(call, consultation, people):
    def post(n: int):
        return call.api(
            "POST",
            f"/api/v1/consultations/{consultation.id}/statements",
            people[0],
            json={"kind": "position", "text": f"Statement number {n} about air"},
        )

    assert [post(n).status_code for n in range(2)] == [201, 201]
    assert_limited(post(2), json=True)


def test_new_accounts_post_less(call, consultation, create_user):
    newcomer = create_user(created_at=utcnow() - timedelta(hours=2))

    def post(n: int):
        return call.api(
            "POST",
            f"/api/v1/consultations/{consultation.id}/statements",
            newcomer,
            json={"kind": "position", "text": f"Newcomer statement {n}"},
        )

    assert post(0).status_code == 201
    assert_limited(post(1), json=True)


def test_voting_on_the_page_is_limited(call, statement, people):
    def vote(value: str):
        return call.page(
            "POST", f"/statements/{statement.id}/vote", people[0], data={"value": value}
        )

    assert [vote(v).status_code for v in ("agree", "disagree")] == [303, 303]
    assert_limited(vote("pass"), json=False)


def test_voting_by_api_is_limited(call, statement, people):
    def vote(value: str):
        return call.api(
            "PUT", f"/api/v1/statements/{statement.id}/vote", people[0], json={"value": value}
        )

    assert [vote(v).status_code for v in ("agree", "disagree")] == [200, 200]
    assert_limited(vote("pass"), json=True)


def test_votes_share_one_budget_across_page_api_and_next_statement(
    call, create_statement, consultation, people
):
    targets = [create_statement(consultation=consultation) for _ in range(4)]
    voter = people[0]

    page = call.page("POST", f"/statements/{targets[0].id}/vote", voter, data={"value": "agree"})
    api = call.api("PUT", f"/api/v1/statements/{targets[1].id}/vote", voter, json={"value": "pass"})
    next_page = call.page(
        "POST",
        f"/consultations/{consultation.slug}/next",
        voter,
        data={"statement": targets[2].id, "value": "disagree"},
    )
    third_api = call.api(
        "PUT", f"/api/v1/statements/{targets[3].id}/vote", voter, json={"value": "agree"}
    )
    other_voter = call.page(
        "POST", f"/statements/{targets[0].id}/vote", people[1], data={"value": "agree"}
    )

    assert (page.status_code, api.status_code) == (303, 200)  # RATE_LIMIT_VOTE: 2 per minute
    assert_limited(next_page, json=False)
    assert_limited(third_api, json=True)
    assert other_voter.status_code == 303  # counted per account


def test_posting_shares_one_budget_between_page_and_api(call, consultation, people):
    page = call.page(
        "POST",
        f"/consultations/{consultation.slug}/statements",
        people[0],
        data={"kind": "position", "text": "From the page, about air"},
    )
    api = call.api(
        "POST",
        f"/api/v1/consultations/{consultation.id}/statements",
        people[0],
        json={"kind": "position", "text": "From the API, about air"},
    )
    third = call.api(
        "POST",
        f"/api/v1/consultations/{consultation.id}/statements",
        people[0],
        json={"kind": "position", "text": "One too many, about air"},
    )

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

    page = call.page(
        "POST", f"/statements/{targets[0].id}/flag", people[0], data={"reason": "spam"}
    )
    api = call.api(
        "POST", f"/api/v1/statements/{targets[1].id}/flags", people[0], json={"reason": "spam"}
    )
    third_api = call.api(
        "POST", f"/api/v1/statements/{targets[2].id}/flags", people[0], json={"reason": "spam"}
    )
    third_page = call.page(
        "POST", f"/statements/{targets[2].id}/flag", people[0], data={"reason": "spam"}
    )

    assert (page.status_code, api.status_code) == (303, 201)
    assert_limited(third_api, json=True)
    assert_limited(third_page, json=False)


def test_flag_limit_is_per_account(call, create_statement, consultation, people):
    target = create_statement(consultation=consultation)
    other = create_statement(consultation=consultation)
    for n in range(2):
        call.api("POST", f"/api/v1/statements/{[target, other][n].id}/flags", people[0],
                 json={"reason": "spam"})  # fmt: skip

    response = call.api(
        "POST", f"/api/v1/statements/{target.id}/flags", people[1], json={"reason": "spam"}
    )

    assert response.status_code == 201


def test_new_accounts_flag_less(call, create_statement, consultation, create_user):
    newcomer = create_user(created_at=utcnow() - timedelta(minutes=5))
    first, second = (create_statement(consultation=consultation) for _ in range(2))

    ok = call.api("POST", f"/api/v1/statements/{first.id}/flags", newcomer, json={"reason": "spam"})
    limited = call.api(
        "POST", f"/api/v1/statements/{second.id}/flags", newcomer, json={"reason": "spam"}
    )

    assert ok.status_code == 201
    assert_limited(limited, json=True)


def test_rate_limit_key_uses_the_account_then_the_address(app, people):
    from flask_login import login_user

    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        assert rate_limit_key() == "ip:203.0.113.9"
        login_user(people[0])
        assert rate_limit_key() == f"user:{people[0].id}"
