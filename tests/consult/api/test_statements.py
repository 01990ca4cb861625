"""/api/v1/consultations/{id}/statements and /api/v1/statements/{id}."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from consult.consultations.models import ConsultationStatus, ModerationMode
from consult.statements.models import Statement, StatementLink, StatementStatus
from consult.types import utcnow
from tests.consult.api.helpers import assert_error, send_form

STATEMENT_FIELDS = {
    "id",
    "kind",
    "text",
    "author",
    "created_at",
    "status",
    "links",
    "votes",
    "my_vote",
}


def statements_url(consultation):
    return f"/api/v1/consultations/{consultation.id}/statements"


def post_argument(api, consultation, user, target_id, relation="support", text="x"):
    """Post an argument linked to one statement, as ``user``."""
    return api.post(
        statements_url(consultation),
        json={
            "text": text,
            "kind": "argument",
            "links": [{"target": target_id, "relation": relation}],
        },
        as_user=user,
    )


# --- GET /consultations/{id}/statements -----------------------------------------------------


def test_list_statements_is_public(api, dummy_consultation, dummy_statement):
    response = api.get(statements_url(dummy_consultation))

    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 1
    item = body["items"][0]
    assert set(item) >= STATEMENT_FIELDS
    assert item["id"] == dummy_statement.id
    assert item["kind"] == "position"
    assert item["text"] == "Buses should run all night."
    assert item["status"] == "visible"
    assert item["votes"] == {"agree": 0, "disagree": 0, "pass": 0}
    assert item["my_vote"] is None
    assert item["links"] == []
    assert item["created_at"].endswith("+00:00")
    assert item["url"] == f"http://localhost/statements/{dummy_statement.id}"
    page = api.get(item["url"])
    assert page.status_code in (301, 302, 303)  # into the thread, at the statement's anchor
    assert page.headers["Location"].endswith(f"#s-{dummy_statement.id}")


def test_list_statements_author_is_display_name_only(
    api, dummy_consultation, create_statement, participant
):
    create_statement(consultation=dummy_consultation, author=participant)

    item = api.get(statements_url(dummy_consultation)).get_json()["items"][0]

    assert item["author"] == "Aigerim"
    assert participant.email not in str(item)


def test_list_statements_counts_links_and_my_vote(
    api, dummy_consultation, dummy_statement, create_statement, create_vote, participant
):
    argument = create_statement(consultation=dummy_consultation, attacks=dummy_statement)
    create_vote(dummy_statement, 1)
    create_vote(dummy_statement, 1)
    create_vote(dummy_statement, 0)
    create_vote(dummy_statement, -1, user=participant)

    items = api.get(statements_url(dummy_consultation), as_user=participant).get_json()["items"]

    by_id = {item["id"]: item for item in items}
    assert by_id[dummy_statement.id]["votes"] == {"agree": 2, "disagree": 1, "pass": 1}
    assert by_id[dummy_statement.id]["my_vote"] == "disagree"
    assert by_id[argument.id]["kind"] == "argument"
    assert by_id[argument.id]["links"] == [{"target": dummy_statement.id, "relation": "attack"}]
    assert by_id[argument.id]["my_vote"] is None


def test_list_statements_links_span_pages(
    api, dummy_consultation, dummy_statement, create_statement
):
    argument = create_statement(consultation=dummy_consultation, supports=dummy_statement)

    page_two = api.get(statements_url(dummy_consultation) + "?per_page=1&page=2").get_json()

    assert page_two["items"][0]["id"] == argument.id
    assert page_two["items"][0]["links"] == [{"target": dummy_statement.id, "relation": "support"}]


def test_list_statements_hides_hidden_and_merged(
    api, dummy_consultation, dummy_statement, create_statement
):
    hidden = create_statement(consultation=dummy_consultation, status=StatementStatus.hidden)
    create_statement(consultation=dummy_consultation, status=StatementStatus.merged)
    argument = create_statement(consultation=dummy_consultation, supports=hidden)

    items = api.get(statements_url(dummy_consultation)).get_json()["items"]

    assert {i["id"] for i in items} == {dummy_statement.id, argument.id}
    # A link to a hidden statement is not shown either.
    assert next(i for i in items if i["id"] == argument.id)["links"] == []


def test_list_statements_shows_own_pending_only_to_its_author(
    api, dummy_consultation, create_statement, participant, create_user
):
    pending = create_statement(
        consultation=dummy_consultation, author=participant, status=StatementStatus.pending
    )

    own = api.get(statements_url(dummy_consultation), as_user=participant).get_json()
    someone = api.get(statements_url(dummy_consultation), as_user=create_user()).get_json()
    anonymous = api.get(statements_url(dummy_consultation)).get_json()

    assert [(i["id"], i["status"]) for i in own["items"]] == [(pending.id, "pending")]
    assert someone["items"] == [] and anonymous["total"] == 0


def test_list_statements_filters_by_kind(
    api, dummy_consultation, dummy_statement, create_statement
):
    argument = create_statement(consultation=dummy_consultation, supports=dummy_statement)

    arguments = api.get(statements_url(dummy_consultation) + "?kind=argument").get_json()
    positions = api.get(statements_url(dummy_consultation) + "?kind=position").get_json()

    assert [i["id"] for i in arguments["items"]] == [argument.id]
    assert [i["id"] for i in positions["items"]] == [dummy_statement.id]


def test_list_statements_invalid_kind_is_422(api, dummy_consultation):
    error = assert_error(api.get(statements_url(dummy_consultation) + "?kind=rant"), 422)

    assert "kind" in error["fields"]


def test_list_statements_invalid_per_page_is_422(api, dummy_consultation):
    assert_error(api.get(statements_url(dummy_consultation) + "?per_page=500"), 422)


def test_list_statements_of_others_draft_is_404(api, create_consultation, participant):
    draft = create_consultation(status=ConsultationStatus.draft)

    assert_error(api.get(statements_url(draft), as_user=participant), 404)


def test_list_statements_of_missing_consultation_is_404(api):
    assert_error(api.get("/api/v1/consultations/404/statements"), 404)


def test_list_statements_with_revoked_token_is_401(
    api, db, dummy_consultation, participant, create_token
):
    token = create_token(participant)
    for row in participant.tokens:
        row.revoked_at = utcnow()

    assert_error(api.get(statements_url(dummy_consultation), token=token), 401)


# --- POST /consultations/{id}/statements ----------------------------------------------------


def test_create_position_is_201(api, db, dummy_consultation, participant):
    response = api.post(
        statements_url(dummy_consultation),
        json={"text": "  Buses every ten minutes.  ", "kind": "position"},
        as_user=participant,
    )

    assert response.status_code == 201
    body = response.get_json()
    assert body["text"] == "Buses every ten minutes."
    assert body["author"] == "Aigerim"
    assert body["status"] == "visible"
    assert body["consultation"] == dummy_consultation.id
    assert response.headers["Location"] == f"/api/v1/statements/{body['id']}"
    assert db.session.get(Statement, body["id"]).author_id == participant.id
    assert api.get(response.headers["Location"]).get_json()["id"] == body["id"]


def test_create_argument_with_links_is_201(
    api, db, dummy_consultation, dummy_statement, create_statement, participant
):
    other = create_statement(consultation=dummy_consultation)

    response = api.post(
        statements_url(dummy_consultation),
        json={
            "text": "Night shifts exist.",
            "kind": "argument",
            "links": [
                {"target": dummy_statement.id, "relation": "support"},
                {"target": other.id, "relation": "attack"},
            ],
        },
        as_user=participant,
    )

    assert response.status_code == 201
    links = response.get_json()["links"]
    assert sorted(links, key=lambda link: link["target"]) == [
        {"target": dummy_statement.id, "relation": "support"},
        {"target": other.id, "relation": "attack"},
    ]
    assert db.session.scalar(select(func.count(StatementLink.id))) == 2


def test_create_argument_refused_by_the_database_hides_its_text(
    api, db, dummy_consultation, dummy_statement, participant
):
    db_text = 'duplicate key value violates unique constraint "uq_statement_links_source_id"'

    def refuse_links(session, flush_context, instances):
        if any(isinstance(obj, StatementLink) for obj in session.new):
            raise IntegrityError("INSERT INTO statement_links ...", {}, Exception(db_text))

    event.listen(db.session, "before_flush", refuse_links)
    try:
        response = post_argument(
            api, dummy_consultation, participant, dummy_statement.id, text="Night shifts exist."
        )
    finally:
        event.remove(db.session, "before_flush", refuse_links)

    error = assert_error(response, 422, "validation_error")
    assert error["fields"] == {"links": ["A linked statement changed meanwhile; try again."]}
    body = response.get_data(as_text=True)
    assert "unique constraint" not in body and "statement_links" not in body


def test_create_statement_under_pre_moderation_is_pending(
    api, create_consultation, participant, create_user
):
    consultation = create_consultation(moderation=ModerationMode.pre)

    body = api.post(
        statements_url(consultation),
        json={"text": "Hold me for review.", "kind": "position"},
        as_user=participant,
    ).get_json()

    assert body["status"] == "pending"
    assert api.get(statements_url(consultation), as_user=create_user()).get_json()["total"] == 0
    assert api.get(statements_url(consultation), as_user=participant).get_json()["total"] == 1


def test_create_argument_without_links_is_422(api, dummy_consultation, participant):
    response = api.post(
        statements_url(dummy_consultation),
        json={"text": "Because.", "kind": "argument"},
        as_user=participant,
    )

    assert "links" in assert_error(response, 422, "validation_error")["fields"]


def test_create_argument_linking_another_consultation_is_422(
    api, dummy_consultation, create_statement, participant
):
    elsewhere = create_statement()

    response = post_argument(api, dummy_consultation, participant, elsewhere.id)

    assert "links" in assert_error(response, 422)["fields"]


@pytest.mark.parametrize("status", [StatementStatus.hidden, StatementStatus.pending])
def test_create_argument_linking_unreadable_statement_is_422(
    api, dummy_consultation, create_statement, participant, status
):
    target = create_statement(consultation=dummy_consultation, status=status)

    response = post_argument(api, dummy_consultation, participant, target.id, "attack")

    assert "links" in assert_error(response, 422)["fields"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "position"}, "text"),
        ({"text": "No kind"}, "kind"),
        ({"text": "   \n\t ", "kind": "position"}, "text"),
        ({"text": "\u200b\u202e", "kind": "position"}, "text"),
        ({"text": "x" * 2001, "kind": "position"}, "text"),
        ({"text": ["a list"], "kind": "position"}, "text"),
        ({"text": "Fine", "kind": "rant"}, "kind"),
        (
            {"text": "Fine", "kind": "argument", "links": [{"target": "1", "relation": "support"}]},
            "links",
        ),
        (
            {
                "text": "Fine",
                "kind": "argument",
                "links": [{"target": True, "relation": "support"}],
            },
            "links",
        ),
        (
            {
                "text": "Fine",
                "kind": "argument",
                "links": [{"target": 2**40, "relation": "support"}],
            },
            "links",
        ),
        (
            {"text": "Fine", "kind": "argument", "links": [{"target": 1, "relation": "likes"}]},
            "links",
        ),
        ({"text": "Fine", "kind": "argument", "links": [{"target": 1}]}, "links"),
        (
            {
                "text": "Fine",
                "kind": "argument",
                "links": [{"target": 1, "relation": "support", "x": 1}],
            },
            "links",
        ),
        ({"text": "Fine", "kind": "argument", "links": {"target": 1}}, "links"),
        ({"text": "Fine", "kind": "argument", "links": None}, "links"),
        ({"text": "Fine", "kind": "position", "author": "Someone else"}, "author"),
    ],
)
def test_create_statement_invalid_input_is_422(api, dummy_consultation, participant, body, field):
    response = api.post(statements_url(dummy_consultation), json=body, as_user=participant)

    assert field in assert_error(response, 422, "validation_error")["fields"]


def test_create_statement_2000_characters_is_allowed(api, dummy_consultation, participant):
    response = api.post(
        statements_url(dummy_consultation),
        json={"text": "é" * 2000, "kind": "position"},
        as_user=participant,
    )

    assert response.status_code == 201


def test_create_statement_duplicate_links_is_422(
    api, dummy_consultation, dummy_statement, participant
):
    link = {"target": dummy_statement.id, "relation": "support"}

    response = api.post(
        statements_url(dummy_consultation),
        json={"text": "Twice", "kind": "argument", "links": [link, link]},
        as_user=participant,
    )

    assert "links" in assert_error(response, 422)["fields"]


def test_create_statement_same_text_twice_is_409(api, dummy_consultation, participant):
    body = {"text": "Buses every ten minutes.", "kind": "position"}
    api.post(statements_url(dummy_consultation), json=body, as_user=participant)

    response = api.post(
        statements_url(dummy_consultation),
        json={"text": "buses, every ten minutes!", "kind": "position"},
        as_user=participant,
    )

    assert_error(response, 409, "conflict")


@pytest.mark.parametrize("status", [ConsultationStatus.closed, ConsultationStatus.reported])
def test_create_statement_in_finished_consultation_is_409(
    api, create_consultation, participant, status
):
    consultation = create_consultation(status=status)

    response = api.post(
        statements_url(consultation), json={"text": "Late", "kind": "position"}, as_user=participant
    )

    assert_error(response, 409, "conflict")


def test_create_statement_in_own_draft_is_409(api, create_consultation, dummy_policymaker):
    draft = create_consultation(owner=dummy_policymaker, status=ConsultationStatus.draft)

    response = api.post(
        statements_url(draft), json={"text": "Early", "kind": "position"}, as_user=dummy_policymaker
    )

    assert_error(response, 409)


def test_create_statement_in_others_draft_is_404(api, create_consultation, participant):
    draft = create_consultation(status=ConsultationStatus.draft)

    response = api.post(
        statements_url(draft), json={"text": "Early", "kind": "position"}, as_user=participant
    )

    assert_error(response, 404)


def test_create_statement_blocked_user_is_403(
    api, db, dummy_consultation, participant, dummy_admin, create_block
):
    create_block(participant, ends_in=timedelta(days=1), by=dummy_admin, reason="Spam")

    response = api.post(
        statements_url(dummy_consultation),
        json={"text": "Let me in", "kind": "position"},
        as_user=participant,
    )

    assert_error(response, 403, "forbidden")
    assert db.session.scalar(select(func.count(Statement.id))) == 0


def test_create_statement_after_suspension_ended_is_201(
    api, db, dummy_consultation, participant, dummy_admin, create_block
):
    create_block(participant, ends_in=-timedelta(minutes=1), by=dummy_admin, reason="Spam")

    response = api.post(
        statements_url(dummy_consultation),
        json={"text": "Back again", "kind": "position"},
        as_user=participant,
    )

    assert response.status_code == 201


def test_create_statement_anonymous_is_401(api, db, dummy_consultation):
    response = api.post(
        statements_url(dummy_consultation), json={"text": "Who am I", "kind": "position"}
    )

    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_create_statement_form_body_is_415(api, dummy_consultation, participant):
    response = send_form(
        api, "POST", statements_url(dummy_consultation), "text=hello&kind=position", participant
    )

    assert_error(response, 415)


def test_create_statement_missing_consultation_is_404(api, participant):
    response = api.post(
        "/api/v1/consultations/31337/statements",
        json={"text": "Hello", "kind": "position"},
        as_user=participant,
    )

    assert_error(response, 404)


@pytest.mark.parametrize(
    "app_config",
    [{"RATELIMIT_ENABLED": True, "RATE_LIMIT_POST": "2 per minute"}],
)
def test_create_statement_rate_limited_is_429(api, dummy_consultation, create_user):
    veteran = create_user(created_at=utcnow() - timedelta(days=30))
    statuses = [
        api.post(
            statements_url(dummy_consultation),
            json={"text": f"Statement {n}", "kind": "position"},
            as_user=veteran,
        )
        for n in range(3)
    ]

    assert [r.status_code for r in statuses[:2]] == [201, 201]
    assert_error(statuses[2], 429, "rate_limited")
    assert int(statuses[2].headers["Retry-After"]) > 0


@pytest.mark.parametrize(
    "app_config",
    [
        {
            "RATELIMIT_ENABLED": True,
            "RATE_LIMIT_POST": "5 per minute",
            "RATE_LIMIT_POST_NEW_ACCOUNT": "1 per minute",
        }
    ],
)
def test_create_statement_new_accounts_have_a_stricter_limit(api, dummy_consultation, create_user):
    newcomer = create_user()
    veteran = create_user(created_at=utcnow() - timedelta(days=30))

    def post(user, n):
        return api.post(
            statements_url(dummy_consultation),
            json={"text": f"Statement {n}", "kind": "position"},
            as_user=user,
        ).status_code

    assert [post(newcomer, n) for n in range(2)] == [201, 429]
    assert [post(veteran, n) for n in range(2)] == [201, 201]


# --- GET /statements/{id} -------------------------------------------------------------------


def test_show_statement(api, dummy_statement, create_vote, participant):
    create_vote(dummy_statement, 1, user=participant)

    response = api.get(f"/api/v1/statements/{dummy_statement.id}", as_user=participant)

    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == dummy_statement.id
    assert body["my_vote"] == "agree"
    assert body["votes"]["agree"] == 1


@pytest.mark.parametrize("status", [StatementStatus.hidden, StatementStatus.pending])
def test_show_unreadable_statement_is_404(api, create_statement, participant, status):
    statement = create_statement(status=status)

    assert_error(api.get(f"/api/v1/statements/{statement.id}", as_user=participant), 404)


def test_show_own_pending_statement(api, create_statement, participant):
    statement = create_statement(author=participant, status=StatementStatus.pending)

    response = api.get(f"/api/v1/statements/{statement.id}", as_user=participant)

    assert response.status_code == 200
    assert response.get_json()["status"] == "pending"


def test_show_statement_of_others_draft_is_404(api, create_consultation, create_statement):
    draft = create_consultation(status=ConsultationStatus.draft)
    statement = create_statement(consultation=draft)

    assert_error(api.get(f"/api/v1/statements/{statement.id}"), 404)


def test_show_merged_statement_redirects(
    api, dummy_consultation, dummy_statement, create_statement
):
    merged = create_statement(
        consultation=dummy_consultation,
        status=StatementStatus.merged,
        merged_into_id=dummy_statement.id,
    )

    response = api.get(f"/api/v1/statements/{merged.id}")

    assert response.status_code == 301
    assert response.headers["Location"] == f"/api/v1/statements/{dummy_statement.id}"


@pytest.mark.parametrize("statement_id", ["12345", "99999999999999999999"])
def test_show_missing_statement_is_404(api, statement_id):
    assert_error(api.get(f"/api/v1/statements/{statement_id}"), 404)


def test_show_statement_invalid_token_is_401(api, dummy_statement):
    assert_error(api.get(f"/api/v1/statements/{dummy_statement.id}", token="kns_nope"), 401)


def test_create_statement_drops_lone_surrogates(api, dummy_consultation, participant):
    # JSON can encode half of a UTF-16 pair ("\ud800"), which no database stores.
    response = api.post(
        statements_url(dummy_consultation),
        json={"text": "Night \ud800buses", "kind": "position"},
        as_user=participant,
    )
    only = api.post(
        statements_url(dummy_consultation),
        json={"text": "\udfff", "kind": "position"},
        as_user=participant,
    )

    assert response.status_code == 201
    assert response.get_json()["text"] == "Night buses"
    assert "text" in assert_error(only, 422)["fields"]


def test_create_statement_detects_or_takes_its_language(api, dummy_consultation, participant):
    url = statements_url(dummy_consultation)
    detected = api.post(
        url, json={"text": "Автобусы каждые десять минут.", "kind": "position"}, as_user=participant
    )
    assert detected.status_code == 201
    assert detected.get_json()["language"] == "ru"
    given = api.post(
        url, json={"text": "Bus", "kind": "position", "language": "kk"}, as_user=participant
    )
    assert given.get_json()["language"] == "kk"
    assert_error(
        api.post(
            url, json={"text": "Tram", "kind": "position", "language": "de"}, as_user=participant
        ),
        422,
    )
