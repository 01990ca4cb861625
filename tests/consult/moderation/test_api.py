"""The moderation JSON API: flags, queue, decisions, bulk, merge, blocks, audit, similar."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from consult.audit.models import AuditEntry
from consult.extensions import db
from consult.moderation.blocks.services import block_user
from consult.moderation.decisions.services import moderate_statement
from consult.moderation.flags.services import flag_statement
from consult.moderation.models import Flag
from consult.moderation.reasons.services import create_reason_template
from consult.statements.models import StatementStatus
from consult.types import utcnow
from consult.votes.models import Vote


def flags_url(statement) -> str:
    return f"/api/v1/statements/{statement.id}/flags"


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


# --- flags -----------------------------------------------------------------------------------


def test_flag_returns_201_with_the_flag(call, statement, people):
    response = call.api("POST", flags_url(statement), people[0], json={"reason": "offensive"})

    assert response.status_code == 201
    body = response.get_json()
    assert (body["statement"], body["reason"], body["note"]) == (statement.id, "offensive", "")
    assert "user" not in body


def test_flag_twice_is_409(call, statement, people):
    call.api("POST", flags_url(statement), people[0], json={"reason": "spam"})

    response = call.api("POST", flags_url(statement), people[0], json={"reason": "spam"})

    assert response.status_code == 409
    assert error_code(response) == "conflict"
    assert db.session.scalar(select(func.count(Flag.id))) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "boring"}, "reason"),
        ({}, "reason"),
        ({"reason": "spam", "note": "x" * 501}, "note"),
        ({"reason": "spam", "extra": 1}, "extra"),
        ({"reason": "other"}, "note"),
    ],
)
def test_flag_invalid_body_is_422(call, statement, people, body, field):
    response = call.api("POST", flags_url(statement), people[0], json=body)

    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_flag_own_statement_is_403(call, statement, author):
    response = call.api("POST", flags_url(statement), author, json={"reason": "spam"})

    assert response.status_code == 403


def test_flag_unknown_or_hidden_statement_is_404(call, statement, people, moderator):
    moderate_statement(statement, moderator, "hide", reason="Spam.")

    hidden = call.api("POST", flags_url(statement), people[0], json={"reason": "spam"})
    unknown = call.api("POST", "/api/v1/statements/999999/flags", people[0], json={"reason": "x"})

    assert (hidden.status_code, unknown.status_code) == (404, 404)


def test_flags_reaching_the_threshold_hide_the_statement(call, statement, people):
    statuses = [
        call.api("POST", flags_url(statement), person, json={"reason": "spam"}).status_code
        for person in people[:3]
    ]

    assert statuses == [201, 201, 201]
    db.session.refresh(statement)
    assert (statement.status, statement.auto_hidden) == (StatementStatus.pending, True)
    later = call.api("POST", flags_url(statement), people[3], json={"reason": "spam"})
    assert later.status_code == 404  # no longer visible to other participants


# --- queue -----------------------------------------------------------------------------------


def test_queue_lists_items_with_flags_author_and_context(
    call, statement, create_statement, consultation, people, moderator
):
    reply = create_statement(consultation=consultation, supports=statement, text="Yes, and soon.")
    flag_statement(statement, people[0], reason="offensive", note="Rude")

    body = call.api("GET", "/api/v1/moderation/queue", moderator).get_json()

    assert body["total"] == 1 and body["page"] == 1
    item = body["items"][0]
    assert item["id"] == statement.id and item["state"] == "flagged"
    assert item["flags"][0]["note"] == "Rude" and item["flags"][0]["user"] == people[0].id
    assert item["reasons"] == {"offensive": 1}
    assert item["author"]["statements"] == 1 and item["author"]["hidden"] == 0
    assert item["replies"] == [
        {"id": reply.id, "relation": "support", "status": "visible", "text": "Yes, and soon."}
    ]
    assert body["summary"]["total"] == 1


def test_queue_is_paginated(call, create_statement, consultation, people, moderator):
    for n in range(5):
        flag_statement(create_statement(consultation=consultation), people[n], reason="spam")

    body = call.api("GET", "/api/v1/moderation/queue?per_page=2&page=3", moderator).get_json()

    assert (body["total"], body["per_page"], len(body["items"])) == (5, 2, 1)


@pytest.mark.parametrize(
    "query", ["reason=boring", "state=gone", "consultation=abc", "per_page=500", "page=0"]
)
def test_queue_bad_filter_is_422(call, moderator, consultation, query):
    response = call.api("GET", f"/api/v1/moderation/queue?{query}", moderator)

    assert response.status_code == 422


def test_queue_filters_by_reason(call, create_statement, consultation, people, moderator):
    spam = create_statement(consultation=consultation)
    rude = create_statement(consultation=consultation)
    flag_statement(spam, people[0], reason="spam")
    flag_statement(rude, people[0], reason="offensive")

    body = call.api("GET", "/api/v1/moderation/queue?reason=offensive", moderator).get_json()

    assert [i["id"] for i in body["items"]] == [rude.id]


# --- decisions -------------------------------------------------------------------------------


def test_moderation_action_returns_state_and_is_logged(call, statement, people, moderator):
    flag_statement(statement, people[0], reason="spam")

    response = call.decide("api", statement, moderator, action="hide", reason="Advertising.")

    assert response.status_code == 200
    assert response.get_json() == {
        "id": statement.id,
        "status": "hidden",
        "auto_hidden": False,
        "open_flags": 0,
        "action": "hide",
        "reason": "Advertising.",
    }
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "hide"))
    assert (entry.actor_id, entry.target_id, entry.reason) == (
        moderator.id,
        statement.id,
        "Advertising.",
    )


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"action": "hide"}, 422),
        ({"action": "delete", "reason": "x"}, 422),
        ({"action": "hide", "reason": ""}, 422),
        ({"action": "restore", "reason": "Why not."}, 409),
    ],
)
def test_moderation_action_errors(call, statement, moderator, body, status):
    response = call.api(
        "POST", f"/api/v1/statements/{statement.id}/moderation", moderator, json=body
    )

    assert response.status_code == status


def test_every_action_writes_an_audit_row(call, create_statement, consultation, people, moderator):
    first, second = (create_statement(consultation=consultation) for _ in range(2))
    flag_statement(first, people[0], reason="spam")
    flag_statement(second, people[0], reason="spam")
    before = db.session.scalar(select(func.count(AuditEntry.id)))

    for url, body in [
        (f"/api/v1/statements/{first.id}/moderation", {"action": "hide", "reason": "a"}),
        (f"/api/v1/statements/{first.id}/moderation", {"action": "restore", "reason": "b"}),
        (f"/api/v1/statements/{second.id}/moderation", {"action": "ignore_flags", "reason": "c"}),
        (f"/api/v1/statements/{second.id}/merge", {"into": first.id, "reason": "d"}),
        (f"/api/v1/users/{people[0].id}/blocks", {"kind": "block", "reason": "e"}),
    ]:
        assert call.api("POST", url, moderator, json=body).status_code in (200, 201)
    assert (
        call.api(
            "DELETE", f"/api/v1/users/{people[0].id}/blocks", moderator, json={"reason": "f"}
        ).status_code
        == 200
    )

    actions = list(
        db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.id > before).order_by(AuditEntry.id)
        )
    )
    assert actions == ["hide", "restore", "ignore_flags", "merge", "block", "unblock"]
    reasons = list(db.session.scalars(select(AuditEntry.reason).where(AuditEntry.id > before)))
    assert reasons == ["a", "b", "c", "d", "e", "f"]


def test_bulk_applies_and_reports_skips(call, create_statement, consultation, people, moderator):
    items = [create_statement(consultation=consultation) for _ in range(3)]
    for s in items:
        flag_statement(s, people[0], reason="spam")
    moderate_statement(items[2], moderator, "hide", reason="Spam.")

    response = call.api(
        "POST",
        "/api/v1/moderation/bulk",
        moderator,
        json={"statements": [s.id for s in items], "action": "hide", "reason": "Spam wave."},
    )

    body = response.get_json()
    assert response.status_code == 200
    assert body["done"] == [items[0].id, items[1].id]
    assert [s["id"] for s in body["skipped"]] == [items[2].id]


@pytest.mark.parametrize(
    "body",
    [
        {"statements": [], "action": "hide", "reason": "x"},
        {"statements": list(range(1, 202)), "action": "hide", "reason": "x"},
        {"statements": ["1"], "action": "hide", "reason": "x"},
    ],
)
def test_bulk_invalid_body_is_422(call, moderator, consultation, body):
    assert call.api("POST", "/api/v1/moderation/bulk", moderator, json=body).status_code == 422


def test_bulk_unknown_statement_is_404(call, moderator, statement):
    response = call.api(
        "POST",
        "/api/v1/moderation/bulk",
        moderator,
        json={"statements": [statement.id, 999999], "action": "hide", "reason": "x"},
    )

    assert response.status_code == 404
    assert statement.status is StatementStatus.visible


def test_merge_keeps_one_vote_per_voter(
    call, create_statement, create_vote, consultation, people, moderator
):
    keep = create_statement(consultation=consultation, text="Free buses on smog days.")
    dupe = create_statement(consultation=consultation, text="Free buses when the air is bad.")
    for n, person in enumerate(people[:6]):
        if n < 4:
            create_vote(keep, 1, person)
        if n >= 2:
            create_vote(dupe, -1, person)

    response = call.merge("api", dupe, moderator, into=keep.id, reason="Dup.")

    assert response.status_code == 200
    assert response.get_json()["moved_votes"] == 2 and response.get_json()["dropped_votes"] == 2
    per_voter = db.session.execute(
        select(Vote.user_id, func.count(Vote.id))
        .where(Vote.statement_id.in_([keep.id, dupe.id]))
        .group_by(Vote.user_id)
    ).all()
    assert len(per_voter) == 6 and all(n == 1 for _user, n in per_voter)


def test_merge_into_unknown_statement_is_422(call, statement, moderator):
    response = call.merge("api", statement, moderator, into=999999, reason="x")

    assert response.status_code == 422


# --- blocks ----------------------------------------------------------------------------------


def test_suspend_then_list_then_lift(call, statement, author, moderator):
    ends = (utcnow() + timedelta(days=3)).isoformat()

    created = call.api(
        "POST",
        f"/api/v1/users/{author.id}/blocks",
        moderator,
        json={"kind": "suspend", "reason": "Cool off.", "ends_at": ends},
    )
    listed = call.api("GET", f"/api/v1/users/{author.id}/blocks", moderator).get_json()
    lifted = call.api(
        "DELETE", f"/api/v1/users/{author.id}/blocks", moderator, json={"reason": "Early."}
    )

    assert created.status_code == 201 and created.get_json()["kind"] == "suspend"
    assert listed["active"]["id"] == created.get_json()["id"]
    assert lifted.status_code == 200 and lifted.get_json()["lifted_by"] == moderator.id
    db.session.refresh(statement)
    assert statement.status is StatementStatus.visible


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "suspend", "reason": "x"},
        {"kind": "suspend", "reason": "x", "ends_at": "2020-01-01T00:00:00+00:00"},
        {"kind": "suspend", "reason": "x", "ends_at": "2099-01-01T00:00:00"},
        {"kind": "block", "reason": "x", "ends_at": "2099-01-01T00:00:00+00:00"},
        {"kind": "ban", "reason": "x"},
        {"kind": "block"},
    ],
)
def test_block_invalid_body_is_422(call, statement, author, moderator, body):
    response = call.api("POST", f"/api/v1/users/{author.id}/blocks", moderator, json=body)

    assert response.status_code == 422


def test_block_twice_is_409_and_unblock_without_block_is_404(call, statement, author, moderator):
    url = f"/api/v1/users/{author.id}/blocks"
    assert (
        call.api("POST", url, moderator, json={"kind": "block", "reason": "x"}).status_code == 201
    )
    assert (
        call.api("POST", url, moderator, json={"kind": "block", "reason": "x"}).status_code == 409
    )
    assert call.api("DELETE", url, moderator, json={"reason": "ok"}).status_code == 200
    assert call.api("DELETE", url, moderator, json={"reason": "ok"}).status_code == 404


def test_blocked_user_cannot_post_vote_or_flag_by_api(
    call, statement, create_statement, consultation, people, admin
):
    block_user(people[0], admin, kind="block", reason="Spam.")

    posted = call.api(
        "POST",
        f"/api/v1/consultations/{consultation.id}/statements",
        people[0],
        json={"text": "Hello there", "kind": "position"},
    )
    voted = call.api(
        "PUT", f"/api/v1/statements/{statement.id}/vote", people[0], json={"value": "agree"}
    )
    flagged = call.api("POST", flags_url(statement), people[0], json={"reason": "spam"})

    assert (posted.status_code, voted.status_code, flagged.status_code) == (403, 403, 403)


# --- audit, similar, brigades, reasons, OpenAPI ----------------------------------------------


def test_audit_json_and_csv(call, statement, moderator):
    moderate_statement(statement, moderator, "hide", reason="Spam.")

    page = call.api("GET", "/api/v1/moderation/audit?action=hide", moderator).get_json()
    export = call.api("GET", "/api/v1/moderation/audit?format=csv", moderator)

    assert [(e["action"], e["target_id"], e["reason"]) for e in page["items"]] == [
        ("hide", statement.id, "Spam.")
    ]
    assert page["items"][0]["before"]["status"] == "visible"
    assert export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert [(r["action"], r["target_id"]) for r in rows] == [("hide", str(statement.id))]


@pytest.mark.parametrize("query", ["since=yesterday", "format=xml", "actor=x"])
def test_audit_bad_filter_is_422(call, moderator, query):
    assert call.api("GET", f"/api/v1/moderation/audit?{query}", moderator).status_code == 422


def test_similar_suggests_visible_statements(call, create_statement, consultation):
    near = create_statement(consultation=consultation, text="Buses should run all night.")
    create_statement(consultation=consultation, text="Plant more trees in the parks.")

    body = call.api(
        "GET", f"/api/v1/consultations/{consultation.id}/similar?text=buses+running+all+night"
    ).get_json()

    assert [i["id"] for i in body["items"]] == [near.id]
    assert body["items"][0]["url"] == f"/statements/{near.id}"
    assert 0 < body["items"][0]["score"] <= 1


def test_similar_errors(call, consultation):
    long = call.api("GET", f"/api/v1/consultations/{consultation.id}/similar?text={'a' * 2001}")
    unknown = call.api("GET", "/api/v1/consultations/999999/similar?text=x")
    limit = call.api("GET", f"/api/v1/consultations/{consultation.id}/similar?text=x&limit=50")

    assert (long.status_code, unknown.status_code, limit.status_code) == (422, 404, 422)


def test_brigades_requires_a_consultation(call, moderator):
    response = call.api("GET", "/api/v1/moderation/brigades", moderator)

    assert response.status_code == 422


def test_reasons_lists_templates(call, moderator):
    create_reason_template(moderator, action="hide", text="Spam.")

    body = call.api("GET", "/api/v1/moderation/reasons?action=hide", moderator).get_json()

    assert [t["text"] for t in body["items"]] == ["Spam."]


def test_openapi_documents_the_moderation_api(call):
    spec = call.api("GET", "/api/v1/openapi.json").get_json()

    for path in (
        "/api/v1/statements/{statement_id}/flags",
        "/api/v1/moderation/queue",
        "/api/v1/statements/{statement_id}/moderation",
        "/api/v1/moderation/bulk",
        "/api/v1/statements/{statement_id}/merge",
        "/api/v1/users/{user_id}/blocks",
        "/api/v1/moderation/audit",
        "/api/v1/consultations/{consultation_id}/similar",
        "/api/v1/moderation/brigades",
    ):
        assert path in spec["paths"], path
    schemas = spec["components"]["schemas"]
    assert {"FlagInputSchema", "QueueItemSchema", "ModerationInputSchema", "BlockSchema"} <= set(
        schemas
    )
    assert {"get", "post", "delete"} <= set(spec["paths"]["/api/v1/users/{user_id}/blocks"])
