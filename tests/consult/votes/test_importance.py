"""'This matters to me': marks by service, API and the card's toggle; their weight in routing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import g
from sqlalchemy import select

from consult.analysis import services as analysis
from consult.auth.models import BlockKind, User, UserBlock
from consult.consultations.models import ConsultationStatus
from consult.errors import Conflict
from consult.ratelimits import LIMITS, RATE_LIMITED_ENDPOINTS
from consult.statements.models import Statement
from consult.votes.importance import (
    importance_count,
    importance_markers,
    importance_shares,
    mark_important,
    unmark_important,
)
from consult.votes.models import ImportanceMark


def marks(db: Any) -> list[tuple[int, int]]:
    return list(db.session.execute(select(ImportanceMark.statement_id, ImportanceMark.user_id)))


def test_marking_twice_keeps_one_mark_and_unmarking_removes_it(
    db: Any, dummy_statement: Statement, dummy_user: User
) -> None:
    mark_important(dummy_statement, dummy_user)
    mark_important(dummy_statement, dummy_user)  # ON CONFLICT DO NOTHING
    assert marks(db) == [(dummy_statement.id, dummy_user.id)]
    assert importance_count(dummy_statement.id) == 1
    assert importance_markers(dummy_statement.consultation_id) == {
        dummy_statement.id: [dummy_user.id]
    }
    unmark_important(dummy_statement, dummy_user)
    unmark_important(dummy_statement, dummy_user)
    assert marks(db) == []


def test_marks_in_a_closed_consultation_are_a_conflict(
    db: Any, create_consultation: Any, create_statement: Any, dummy_user: User
) -> None:
    statement = create_statement(consultation=create_consultation(status=ConsultationStatus.closed))
    with pytest.raises(Conflict):
        mark_important(statement, dummy_user)


def test_share_is_marks_over_voters(
    db: Any, dummy_statement: Statement, create_user: Any, create_vote: Any
) -> None:
    people = [create_user() for _ in range(4)]
    for person in people:
        create_vote(dummy_statement, 1, person)
    mark_important(dummy_statement, people[0])
    shares = importance_shares(dummy_statement.consultation_id)
    assert shares == {dummy_statement.id: pytest.approx(1 / 4)}  # 1 mark, 4 voters


def test_routing_weighs_important_statements(
    db: Any, create_consultation: Any, create_statement: Any, create_user: Any, monkeypatch: Any
) -> None:
    consultation = create_consultation()
    statements = [create_statement(consultation=consultation, text=f"S {i}") for i in range(2)]
    voter = create_user()
    seen: list[list[float]] = []

    class Recorder:
        def __init__(self, seed: str) -> None:
            pass

        def choices(self, population: list[int], weights: list[float], k: int) -> list[int]:
            seen.append(list(weights))
            return [population[0]]

    monkeypatch.setattr(analysis.random, "Random", Recorder)
    analysis.next_statement_for(consultation, voter)
    mark_important(statements[1], create_user())  # marked without a vote: share 1
    analysis.next_statement_for(consultation, voter)
    before, after = seen
    assert after[0] == pytest.approx(before[0])
    assert after[1] == pytest.approx(before[1] * (1 + 3 * 1.0))


def test_api_puts_and_deletes_the_mark(
    client: Any, db: Any, create_token: Any, dummy_statement: Statement, dummy_user: User
) -> None:
    headers = {"Authorization": f"Bearer {create_token(dummy_user)}"}
    db.session.commit()
    url = f"/api/v1/statements/{dummy_statement.id}/importance"
    body = client.put(url, headers=headers).get_json()
    assert body == {"statement": dummy_statement.id, "important": True, "marks": 1}
    assert client.put(url, headers=headers).get_json()["marks"] == 1
    body = client.delete(url, headers=headers).get_json()
    assert body == {"statement": dummy_statement.id, "important": False, "marks": 0}
    g.pop("_login_user", None)  # the test app keeps one context: forget the token's user
    assert client.put(url).status_code == 401
    missing = client.put("/api/v1/statements/999999/importance", headers=headers)
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"


def test_api_mark_by_a_blocked_account_is_403(
    client: Any, db: Any, create_token: Any, dummy_statement: Statement, dummy_user: User
) -> None:
    headers = {"Authorization": f"Bearer {create_token(dummy_user)}"}
    db.session.add(UserBlock(user_id=dummy_user.id, kind=BlockKind.suspend, reason="spam"))
    db.session.commit()
    url = f"/api/v1/statements/{dummy_statement.id}/importance"
    assert client.put(url, headers=headers).status_code == 403
    assert marks(db) == []


def test_card_toggle_marks_and_unmarks_without_script(
    client: Any, auth: Any, db: Any, dummy_statement: Statement, dummy_user: User
) -> None:
    db.session.commit()
    auth.login(dummy_user)
    page = client.get(f"/consultations/{dummy_statement.consultation.slug}").get_data(as_text=True)
    form = re.search(r'<form class="importance-form".*?</form>', page, re.S).group(0)
    assert 'aria-pressed="false"' in form and 'name="important" value="yes"' in form

    response = client.post(
        f"/statements/{dummy_statement.id}/importance", data={"important": "yes"}
    )
    assert response.status_code == 303
    assert marks(db) == [(dummy_statement.id, dummy_user.id)]
    page = client.get(f"/consultations/{dummy_statement.consultation.slug}").get_data(as_text=True)
    assert 'class="importance-toggle is-marked" aria-pressed="true"' in page

    client.post(f"/statements/{dummy_statement.id}/importance", data={"important": "no"})
    assert marks(db) == []
    bad = client.post(f"/statements/{dummy_statement.id}/importance", data={"important": "x"})
    assert bad.status_code == 422


def test_anonymous_sees_no_toggle_and_is_sent_to_log_in(
    client: Any, db: Any, dummy_statement: Statement
) -> None:
    db.session.commit()
    page = client.get(f"/consultations/{dummy_statement.consultation.slug}").get_data(as_text=True)
    assert "importance-form" not in page
    response = client.post(
        f"/statements/{dummy_statement.id}/importance", data={"important": "yes"}
    )
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


def test_importance_limit_is_declared_for_page_and_api() -> None:
    assert "importance" in LIMITS
    assert RATE_LIMITED_ENDPOINTS["votes.importance"] == "importance"
    assert RATE_LIMITED_ENDPOINTS["api.statement_importance"] == "importance"
