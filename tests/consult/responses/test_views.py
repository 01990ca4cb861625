"""Responses pages: dashboard, answering, extensions, publishing, notifications, thread partial."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from consult.auth.models import Role, User
from consult.consultations.models import ConsultationStatus
from consult.extensions import db
from consult.notifications.models import Notification
from consult.reports.exporters import export_chunks
from consult.responses.models import Response, ResponseItem
from tests.consult.responses.conftest import TEXT, Debate, answer, switch_user


def test_dashboard_is_public_without_deadlines(client: Any, closed_debate: Debate) -> None:
    answer(closed_debate, [closed_debate.positions[0]])
    page = client.get(f"/consultations/{closed_debate.consultation.slug}/responses")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "What we heard" in html and TEXT in html
    assert closed_debate.positions[0].text in html
    assert "Answers due" not in html and "Overdue" not in html


def test_dashboard_shows_due_items_to_policymakers(
    client: Any, auth: Any, closed_debate: Debate
) -> None:
    switch_user(auth, closed_debate.owner)
    html = client.get(f"/consultations/{closed_debate.consultation.slug}/responses").get_data(
        as_text=True
    )
    assert "Answers due" in html and "Overdue" in html
    for position in closed_debate.positions:
        assert f'value="{position.id}" form="respond-form"' in html
    # Answers are still due: no publish button, the count of what is left instead.
    assert "Publish the report" not in html
    assert "/responses/publish" not in html
    left = len(closed_debate.positions)
    assert f"once every required statement is answered ({left} left)" in html


def test_official_response_text_renders_as_sanitised_markdown(
    client: Any, closed_debate: Debate
) -> None:
    text = (
        "We **will** act <script>alert(1)</script> "
        "[plan](https://gov.example.kz/plan) [x](javascript:alert(1))"
    )
    answer(closed_debate, [closed_debate.positions[0]], text=text)
    html = client.get(f"/consultations/{closed_debate.consultation.slug}/responses").get_data(
        as_text=True
    )
    assert "<script>alert" not in html and 'href="javascript:' not in html
    assert (
        "We <strong>will</strong> act &lt;script&gt;alert(1)&lt;/script&gt; "
        '<a href="https://gov.example.kz/plan" rel="nofollow ugc noopener">plan</a>'
    ) in html
    # Exports keep the text as written.
    data = json.loads(b"".join(export_chunks(closed_debate.consultation, "json")))
    assert data["responses"][0]["text"] == text


def test_dashboard_of_a_draft_is_not_found(client: Any, make_debate: Callable[..., Debate]) -> None:
    debate = make_debate(status=ConsultationStatus.draft)
    db.session.commit()
    assert client.get(f"/consultations/{debate.consultation.slug}/responses").status_code == 404


def test_respond_by_form_answers_several_statements(
    client: Any, auth: Any, closed_debate: Debate
) -> None:
    switch_user(auth, closed_debate.owner)
    slug = closed_debate.consultation.slug
    ids = [closed_debate.positions[0].id, closed_debate.positions[1].id]
    page = client.post(
        f"/consultations/{slug}/responses",
        data={
            "statements": ids,
            "decision": "partially_accepted",
            "text": TEXT,
            "measure_url": "https://gov.example.kz/transport",
        },
    )
    assert page.status_code == 302
    response = db.session.scalar(select(Response))
    assert response is not None and sorted(s.id for s in response.statements) == sorted(ids)
    answered = db.session.scalars(select(ResponseItem).where(ResponseItem.response_id.is_not(None)))
    assert sorted(i.statement_id for i in answered) == sorted(ids)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "accepted", "text": TEXT}, "Select at least one statement"),
        ({"statements": "X", "decision": "accepted", "text": TEXT}, "coerce"),
        ({"decision": "accepted", "text": TEXT, "measure_url": "javascript:alert(1)"}, "http"),
        ({"decision": "accepted", "text": "short"}, "at least 10"),
    ],
)
def test_respond_form_errors_rerender(
    client: Any, auth: Any, closed_debate: Debate, data: dict[str, Any], message: str
) -> None:
    switch_user(auth, closed_debate.owner)
    data = dict(data)
    if data.get("statements") is None and "short" in data["text"] or "measure_url" in data:
        data["statements"] = [closed_debate.positions[0].id]
    page = client.post(f"/consultations/{closed_debate.consultation.slug}/responses", data=data)
    assert page.status_code == 422
    assert message in page.get_data(as_text=True)
    assert db.session.scalar(select(Response)) is None


def test_respond_form_refuses_others(
    client: Any, auth: Any, closed_debate: Debate, create_user: Callable[..., User]
) -> None:
    slug = closed_debate.consultation.slug
    data = {"statements": [closed_debate.positions[0].id], "decision": "accepted", "text": TEXT}
    assert client.post(f"/consultations/{slug}/responses", data=data).status_code == 302  # login
    other = create_user(role=Role.policymaker)
    db.session.commit()
    switch_user(auth, other)
    assert client.post(f"/consultations/{slug}/responses", data=data).status_code == 403
    assert db.session.scalar(select(Response)) is None


def test_extend_by_form(client: Any, auth: Any, closed_debate: Debate) -> None:
    switch_user(auth, closed_debate.owner)
    item = db.session.scalar(select(ResponseItem))
    assert item is not None
    new_due = item.due_on + timedelta(days=7)
    url = f"/consultations/{closed_debate.consultation.slug}/responses/items/{item.id}/extend"
    bad = client.post(
        url, data={f"x{item.id}-due_on": new_due.isoformat(), f"x{item.id}-reason": "no"}
    )
    assert bad.status_code == 422 and "at least 10" in bad.get_data(as_text=True)
    ok = client.post(
        url,
        data={
            f"x{item.id}-due_on": new_due.isoformat(),
            f"x{item.id}-reason": "Waiting for the budget committee.",
        },
    )
    assert ok.status_code == 302
    db.session.refresh(item)
    assert item.extended_due_on == new_due
    switch_user(auth, None)
    html = client.get(f"/consultations/{closed_debate.consultation.slug}/responses").get_data(
        as_text=True
    )
    assert "Waiting for the budget committee." in html  # the reason is public


def test_publish_report_needs_answers(client: Any, auth: Any, closed_debate: Debate) -> None:
    switch_user(auth, closed_debate.owner)
    slug = closed_debate.consultation.slug
    refused = client.post(f"/consultations/{slug}/responses/publish")
    assert refused.status_code == 409 and "still need an official response" in refused.get_data(
        as_text=True
    )
    answer(closed_debate, closed_debate.positions, "noted")
    done = client.post(f"/consultations/{slug}/responses/publish")
    assert done.status_code == 302 and done.headers["Location"].endswith(
        f"/consultations/{slug}/report"
    )
    db.session.refresh(closed_debate.consultation)
    assert closed_debate.consultation.status is ConsultationStatus.reported


def test_edit_response(client: Any, auth: Any, closed_debate: Debate) -> None:
    response = answer(closed_debate, [closed_debate.positions[0]])
    assert client.get(f"/responses/{response.id}/edit").status_code == 302
    switch_user(auth, closed_debate.owner)
    assert client.get(f"/responses/{response.id}/edit").status_code == 200
    page = client.post(
        f"/responses/{response.id}/edit",
        data={
            "decision": "rejected",
            "text": "The route is not feasible this decade.",
            "measure_url": "",
        },
    )
    assert page.status_code == 302
    db.session.refresh(response)
    assert response.decision.value == "rejected"


def test_notifications_page_and_header_count(client: Any, auth: Any, closed_debate: Debate) -> None:
    position = closed_debate.positions[0]
    answer(closed_debate, [position])
    author = closed_debate.authors[position.id]
    assert client.get("/notifications").status_code == 302
    switch_user(auth, author)
    html = client.get("/notifications").get_data(as_text=True)
    assert "Official response (Accepted)" in html
    assert '<span class="badge badge-accent">1</span>' in html  # header count
    note = db.session.scalar(select(Notification).where(Notification.user_id == author.id))
    assert note is not None
    opened = client.post("/notifications/read", data={"id": note.id, "open": "1"})
    assert opened.status_code == 302 and opened.headers["Location"] == f"/statements/{position.id}"
    db.session.refresh(note)
    assert note.read_at is not None


def test_notifications_of_others_are_not_found(
    client: Any, auth: Any, closed_debate: Debate, create_user: Callable[..., User]
) -> None:
    answer(closed_debate, [closed_debate.positions[0]])
    note = db.session.scalar(select(Notification))
    assert note is not None
    stranger = create_user()
    db.session.commit()
    switch_user(auth, stranger)
    assert client.post("/notifications/read", data={"id": note.id}).status_code == 404


def test_thread_shows_the_official_response(client: Any, closed_debate: Debate) -> None:
    position = closed_debate.positions[0]
    answer(closed_debate, [position])
    html = client.get(f"/consultations/{closed_debate.consultation.slug}").get_data(as_text=True)
    assert "Official response" in html and TEXT in html
