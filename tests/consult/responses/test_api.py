"""JSON API of official responses, response items and notifications."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from consult.auth.models import Role, User
from consult.consultations.models import ConsultationStatus
from consult.extensions import db
from consult.responses.models import ResponseItem
from tests.consult.responses.conftest import Debate, answer

TEXT = "The ministry will fund two new tram lines from next year."


def bearer(token: str) -> dict[str, str]:
    """Authenticate with a token (and drop the user cached by an earlier request of the test)."""
    from flask import g

    g.pop("_login_user", None)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def debate(closed_debate: Debate) -> Debate:
    return closed_debate


def test_post_statement_response(client: Any, create_token: Any, debate: Debate) -> None:
    token = create_token(debate.owner)
    db.session.commit()
    statement = debate.positions[0]
    answer = client.post(
        f"/api/v1/statements/{statement.id}/responses",
        json={"decision": "accepted", "text": TEXT, "measure_url": "https://example.kz/m/1"},
        headers=bearer(token),
    )
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["decision"] == "accepted" and body["statements"] == [statement.id]
    listed = client.get(f"/api/v1/statements/{statement.id}/responses").get_json()
    assert [r["id"] for r in listed["items"]] == [body["id"]]
    again = client.post(
        f"/api/v1/statements/{statement.id}/responses",
        json={"decision": "noted", "text": TEXT},
        headers=bearer(token),
    )
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "maybe", "text": TEXT}, "decision"),
        ({"decision": "accepted"}, "text"),
        ({"decision": "accepted", "text": TEXT, "measure_url": "ftp://x.org"}, "measure_url"),
        ({"decision": "accepted", "text": TEXT, "extra": 1}, "extra"),
    ],
)
def test_post_statement_response_validation(
    client: Any, create_token: Any, debate: Debate, body: dict[str, Any], field: str
) -> None:
    token = create_token(debate.owner)
    db.session.commit()
    answer = client.post(
        f"/api/v1/statements/{debate.positions[0].id}/responses", json=body, headers=bearer(token)
    )
    assert answer.status_code == 422
    assert field in answer.get_json()["error"]["fields"]


def test_post_response_permissions(
    client: Any,
    create_token: Any,
    create_user: Callable[..., User],
    make_debate: Callable[..., Debate],
    debate: Debate,
) -> None:
    url = f"/api/v1/statements/{debate.positions[0].id}/responses"
    body = {"decision": "accepted", "text": TEXT}
    assert client.post(url, json=body).status_code == 401
    other = create_token(create_user(role=Role.policymaker))
    citizen = create_token(create_user())
    draft = make_debate(status=ConsultationStatus.draft)
    owner_token = create_token(draft.owner)
    db.session.commit()
    assert client.post(url, json=body, headers=bearer(other)).status_code == 403
    assert client.post(url, json=body, headers=bearer(citizen)).status_code == 403
    draft_url = f"/api/v1/statements/{draft.positions[0].id}/responses"
    assert client.post(draft_url, json=body, headers=bearer(other)).status_code == 404
    assert client.post(draft_url, json=body, headers=bearer(owner_token)).status_code == 404
    assert (
        client.post(
            "/api/v1/statements/999999/responses", json=body, headers=bearer(other)
        ).status_code
        == 404
    )


def test_cluster_response_and_listing(client: Any, create_token: Any, debate: Debate) -> None:
    token = create_token(debate.owner)
    db.session.commit()
    cid = debate.consultation.id
    ids = [p.id for p in debate.positions[:3]]
    answer = client.post(
        f"/api/v1/consultations/{cid}/responses",
        json={"statements": ids, "decision": "partially_accepted", "text": TEXT},
        headers=bearer(token),
    )
    assert answer.status_code == 201
    assert answer.get_json()["statements"] == sorted(ids)
    page = client.get(f"/api/v1/consultations/{cid}/responses").get_json()
    assert page["total"] == 1 and page["items"][0]["decision"] == "partially_accepted"
    bad = client.post(
        f"/api/v1/consultations/{cid}/responses",
        json={"statements": [], "decision": "accepted", "text": TEXT},
        headers=bearer(token),
    )
    assert bad.status_code == 422


def test_response_items_for_policymakers_only(
    client: Any, create_token: Any, create_user: Callable[..., User], debate: Debate
) -> None:
    token = create_token(debate.owner)
    citizen = create_token(create_user())
    db.session.commit()
    url = f"/api/v1/consultations/{debate.consultation.id}/response-items"
    assert client.get(url, headers=bearer(citizen)).status_code == 403
    body = client.get(url + "?state=overdue", headers=bearer(token)).get_json()
    assert len(body["items"]) == 4 and all(i["state"] == "overdue" for i in body["items"])
    assert body["summary"]["overdue"] == 4
    assert client.get(url + "?state=late", headers=bearer(token)).status_code == 422


def test_extension_by_api(client: Any, create_token: Any, debate: Debate) -> None:
    token = create_token(debate.owner)
    db.session.commit()
    item = db.session.scalar(select(ResponseItem))
    assert item is not None
    due = item.due_on + timedelta(days=14)
    while due.weekday() >= 5:
        due += timedelta(days=1)
    url = f"/api/v1/response-items/{item.id}/extension"
    done = client.post(
        url,
        json={"due_on": due.isoformat(), "reason": "Budget review pending."},
        headers=bearer(token),
    )
    assert done.status_code == 200
    assert done.get_json()["effective_due_on"] == due.isoformat()
    again = client.post(
        url,
        json={"due_on": due.isoformat(), "reason": "Budget review pending."},
        headers=bearer(token),
    )
    assert again.status_code == 409


def test_notifications_api(client: Any, create_token: Any, debate: Debate) -> None:
    answer(debate, [debate.positions[0]])
    author = debate.authors[debate.positions[0].id]
    token = create_token(author)
    db.session.commit()
    listing = client.get("/api/v1/notifications", headers=bearer(token)).get_json()
    assert listing["total"] == 1 and listing["unread"] == 1
    marked = client.post("/api/v1/notifications/read", json={}, headers=bearer(token)).get_json()
    assert marked == {"marked": 1, "unread": 0}


def test_openapi_documents_response_endpoints(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/statements/{statement_id}/responses" in spec["paths"]
    assert "ResponseSchema" in spec["components"]["schemas"]
