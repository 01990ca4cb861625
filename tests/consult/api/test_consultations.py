"""/api/v1/consultations: list, create, show, change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from consult.audit.models import AuditEntry
from consult.auth.models import Role
from consult.consultations.models import (
    Consultation,
    ConsultationMember,
    ConsultationStatus,
    MemberRole,
    ModerationMode,
)
from tests.consult.api.helpers import assert_error, send_form

ITEM_FIELDS = {
    "id",
    "slug",
    "title",
    "summary",
    "status",
    "opens_at",
    "closes_at",
    "moderation",
    "counts",
    "url",
}


def new_consultation(**overrides):
    body = {"title": "Night buses", "summary": "Should buses run all night?"}
    body.update(overrides)
    return body


# --- GET /consultations ---------------------------------------------------------------------


def create(api, user, **fields):
    """POST a new consultation (new_consultation's fields, overridden) as ``user``."""
    return api.post("/api/v1/consultations", json=new_consultation(**fields), as_user=user)


def test_list_consultations_anonymous_sees_no_drafts(api, create_consultation):
    shown = create_consultation(title="Open one")
    create_consultation(title="Draft one", status=ConsultationStatus.draft)
    closed = create_consultation(title="Closed one", status=ConsultationStatus.closed)

    response = api.get("/api/v1/consultations")

    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"items", "page", "per_page", "total"}
    assert {item["id"] for item in body["items"]} == {shown.id, closed.id}
    assert body["total"] == 2
    assert (body["page"], body["per_page"]) == (1, 50)


def test_list_consultations_item_fields(api, dummy_consultation, create_statement, create_vote):
    statement = create_statement(consultation=dummy_consultation)
    create_statement(consultation=dummy_consultation, status="hidden")
    create_vote(statement, 1)
    create_vote(statement, -1)

    item = api.get("/api/v1/consultations").get_json()["items"][0]

    assert set(item) >= ITEM_FIELDS
    assert item["slug"] == "public-transport"
    assert item["status"] == "open"
    assert item["moderation"] == "post"
    assert item["counts"] == {"statements": 1, "votes": 2, "participants": 2}
    assert item["url"] == "http://localhost/consultations/public-transport"
    assert api.get(item["url"]).status_code == 200
    assert item["owners"] == [{"id": dummy_consultation.created_by_id, "display_name": "Ministry"}]
    assert "email" not in str(item["owners"])


def test_list_consultations_owner_sees_own_drafts_only(
    api, create_consultation, dummy_policymaker, other_policymaker
):
    mine = create_consultation(owner=dummy_policymaker, status=ConsultationStatus.draft)
    create_consultation(owner=other_policymaker, status=ConsultationStatus.draft)

    body = api.get("/api/v1/consultations", as_user=dummy_policymaker).get_json()

    assert [item["id"] for item in body["items"]] == [mine.id]


def test_list_consultations_admin_sees_every_draft(api, create_consultation, dummy_admin):
    create_consultation(status=ConsultationStatus.draft)
    create_consultation(status=ConsultationStatus.draft)

    body = api.get("/api/v1/consultations", as_user=dummy_admin).get_json()

    assert body["total"] == 2


def test_list_consultations_paginates_newest_first(api, create_consultation):
    made = [
        create_consultation(created_at=datetime(2025, 1, day, tzinfo=UTC)) for day in range(1, 6)
    ]

    first = api.get("/api/v1/consultations?per_page=2").get_json()
    third = api.get("/api/v1/consultations?per_page=2&page=3").get_json()
    beyond = api.get("/api/v1/consultations?per_page=2&page=4").get_json()

    assert [i["id"] for i in first["items"]] == [made[4].id, made[3].id]
    assert [i["id"] for i in third["items"]] == [made[0].id]
    assert (third["page"], third["per_page"], third["total"]) == (3, 2, 5)
    assert beyond["items"] == [] and beyond["total"] == 5


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("per_page=0", "per_page"),
        ("per_page=201", "per_page"),
        ("per_page=ten", "per_page"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=1.5", "page"),
        ("page=99999999999999999999999", "page"),
    ],
)
def test_list_consultations_invalid_pagination_is_422(api, query, field):
    error = assert_error(api.get(f"/api/v1/consultations?{query}"), 422, "validation_error")

    assert field in error["fields"]


def test_list_consultations_per_page_200_is_allowed(api, dummy_consultation):
    assert api.get("/api/v1/consultations?per_page=200").get_json()["per_page"] == 200


def test_list_consultations_filters_by_status(api, create_consultation):
    create_consultation()
    closed = create_consultation(status=ConsultationStatus.closed)

    body = api.get("/api/v1/consultations?status=closed").get_json()

    assert [i["id"] for i in body["items"]] == [closed.id]


def test_list_consultations_invalid_status_filter_is_422(api):
    error = assert_error(api.get("/api/v1/consultations?status=secret"), 422)

    assert "status" in error["fields"]


def test_list_consultations_invalid_token_is_401(api, dummy_consultation):
    response = api.get("/api/v1/consultations", token="kns_not-a-real-token")

    assert_error(response, 401, "invalid_token")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


# --- POST /consultations --------------------------------------------------------------------


def test_create_consultation_policymaker_gets_201_draft(api, dummy_policymaker):
    response = create(api, dummy_policymaker, body="  Background.  ", moderation="pre")

    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "draft"
    assert body["moderation"] == "pre"
    assert body["body"] == "Background."
    assert body["slug"] == "night-buses"
    assert response.headers["Location"] == f"/api/v1/consultations/{body['id']}"
    consultation = api.client.application.extensions["sqlalchemy"].session.get(
        Consultation, body["id"]
    )
    assert consultation.created_by_id == dummy_policymaker.id
    assert api.get(response.headers["Location"], as_user=dummy_policymaker).status_code == 200


def test_create_consultation_owner_membership(api, db, dummy_policymaker):
    body = create(api, dummy_policymaker).get_json()

    member = db.session.scalar(
        select(ConsultationMember).where(ConsultationMember.consultation_id == body["id"])
    )
    assert (member.user_id, member.role) == (dummy_policymaker.id, MemberRole.owner)
    assert body["owners"] == [{"id": dummy_policymaker.id, "display_name": "Ministry"}]


def test_create_consultation_admin_gets_201(api, dummy_admin):
    response = create(api, dummy_admin)

    assert response.status_code == 201


def test_create_consultation_defaults_to_post_moderation(api, dummy_policymaker):
    body = create(api, dummy_policymaker).get_json()

    assert body["moderation"] == "post"
    assert body["closes_at"] is None


def test_create_consultation_converts_dates_to_utc(api, db, dummy_policymaker):
    body = create(api, dummy_policymaker, closes_at="2030-06-30T18:00:00+05:00").get_json()

    assert body["closes_at"] == "2030-06-30T13:00:00+00:00"
    stored = db.session.get(Consultation, body["id"])
    assert stored.closes_at == datetime(2030, 6, 30, 13, tzinfo=UTC)


def test_create_consultation_participant_is_403(api, participant):
    response = create(api, participant)

    assert_error(response, 403, "forbidden")


def test_create_consultation_moderator_is_403(api, create_user):
    moderator = create_user(role=Role.moderator)

    response = create(api, moderator)

    assert_error(response, 403)


def test_create_consultation_anonymous_is_401(api, db):
    response = api.post("/api/v1/consultations", json=new_consultation())

    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert db.session.scalar(select(Consultation)) is None


def test_create_consultation_form_body_is_415(api, dummy_policymaker):
    response = send_form(
        api, "POST", "/api/v1/consultations", "title=Night+buses&summary=x", dummy_policymaker
    )

    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"summary": "No title"}, "title"),
        ({"title": "No summary"}, "summary"),
        (new_consultation(title="   "), "title"),
        (new_consultation(title="\ud800"), "title"),
        (new_consultation(title="x" * 201), "title"),
        (new_consultation(title=None), "title"),
        (new_consultation(title=12), "title"),
        (new_consultation(summary="s" * 501), "summary"),
        (new_consultation(moderation="later"), "moderation"),
        (new_consultation(closes_at="2030-06-30T18:00:00"), "closes_at"),
        (new_consultation(closes_at="next tuesday"), "closes_at"),
        (new_consultation(closes_at="0001-01-01T00:30:00+01:00"), "closes_at"),
        (new_consultation(flag_threshold=True), "flag_threshold"),
        (new_consultation(flag_threshold=0), "flag_threshold"),
        (new_consultation(slug="Not A Slug"), "slug"),
        (new_consultation(status="open"), "status"),
        (new_consultation(colour="blue"), "colour"),
    ],
)
def test_create_consultation_invalid_fields_are_422(api, dummy_policymaker, body, field):
    response = api.post("/api/v1/consultations", json=body, as_user=dummy_policymaker)

    error = assert_error(response, 422, "validation_error")
    assert field in error["fields"]


def test_create_consultation_closing_before_opening_is_422(api, dummy_policymaker):
    body = new_consultation(opens_at="2030-02-01T00:00:00Z", closes_at="2030-01-01T00:00:00Z")

    response = api.post("/api/v1/consultations", json=body, as_user=dummy_policymaker)

    assert "closes_at" in assert_error(response, 422)["fields"]


def test_create_consultation_strips_control_characters_from_title(api, dummy_policymaker):
    body = create(api, dummy_policymaker, title=" Night\u0000 buses\u202e \n now ").get_json()

    assert body["title"] == "Night buses now"


def test_create_consultation_taken_slug_is_409(api, dummy_policymaker, dummy_consultation):
    response = create(api, dummy_policymaker, slug="public-transport")

    assert "slug" in assert_error(response, 409, "conflict")["fields"]


def test_create_consultation_same_title_gets_a_new_slug(api, dummy_policymaker):
    first = create(api, dummy_policymaker)
    second = create(api, dummy_policymaker)

    assert second.status_code == 201
    assert second.get_json()["slug"] != first.get_json()["slug"]


# --- GET /consultations/{id} ----------------------------------------------------------------


def test_show_consultation_is_public(api, dummy_consultation):
    response = api.get(f"/api/v1/consultations/{dummy_consultation.id}")

    assert response.status_code == 200
    assert response.get_json()["title"] == "Transport"


@pytest.mark.parametrize("who", ["anonymous", "participant", "other_policymaker"])
def test_show_draft_to_non_owner_is_404(
    api, create_consultation, participant, other_policymaker, who
):
    draft = create_consultation(status=ConsultationStatus.draft)
    user = {"anonymous": None, "participant": participant, "other_policymaker": other_policymaker}

    response = api.get(f"/api/v1/consultations/{draft.id}", as_user=user[who])

    assert_error(response, 404, "not_found")


def test_show_draft_to_owner_and_admin(api, create_consultation, dummy_policymaker, dummy_admin):
    draft = create_consultation(owner=dummy_policymaker, status=ConsultationStatus.draft)

    for user in (dummy_policymaker, dummy_admin):
        response = api.get(f"/api/v1/consultations/{draft.id}", as_user=user)
        assert response.status_code == 200
        assert response.get_json()["status"] == "draft"


@pytest.mark.parametrize("consultation_id", ["999", "99999999999999999999", "0"])
def test_show_missing_consultation_is_404(api, consultation_id):
    assert_error(api.get(f"/api/v1/consultations/{consultation_id}"), 404)


def test_show_consultation_invalid_token_is_401(api, dummy_consultation):
    response = api.get(f"/api/v1/consultations/{dummy_consultation.id}", token="kns_nope")

    assert_error(response, 401)


# --- PATCH /consultations/{id} --------------------------------------------------------------


def test_update_consultation_fields(api, dummy_consultation, dummy_policymaker):
    response = api.patch(
        f"/api/v1/consultations/{dummy_consultation.id}",
        json={"title": "Night transport", "closes_at": "2030-01-01T00:00:00Z"},
        as_user=dummy_policymaker,
    )

    assert response.status_code == 200
    body = response.get_json()
    assert body["title"] == "Night transport"
    assert body["closes_at"] == "2030-01-01T00:00:00+00:00"
    assert body["summary"] == "Should the city do something?"  # untouched


def test_update_consultation_clears_closing_date_with_null(
    api, create_consultation, dummy_policymaker
):
    consultation = create_consultation(
        owner=dummy_policymaker, closes_at=datetime(2030, 1, 1, tzinfo=UTC)
    )

    body = api.patch(
        f"/api/v1/consultations/{consultation.id}",
        json={"closes_at": None},
        as_user=dummy_policymaker,
    ).get_json()

    assert body["closes_at"] is None


def test_update_consultation_walks_the_lifecycle(api, db, create_consultation, dummy_policymaker):
    consultation = create_consultation(owner=dummy_policymaker, status=ConsultationStatus.draft)
    url = f"/api/v1/consultations/{consultation.id}"

    opened = api.patch(url, json={"status": "open"}, as_user=dummy_policymaker).get_json()
    closed = api.patch(url, json={"status": "closed"}, as_user=dummy_policymaker).get_json()
    reported = api.patch(url, json={"status": "reported"}, as_user=dummy_policymaker)

    assert opened["status"] == "open" and opened["opens_at"] is not None
    assert closed["status"] == "closed" and closed["closed_at"] is not None
    assert reported.status_code == 200, reported.get_json()
    assert reported.get_json()["status"] == "reported"
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.consultation_id == consultation.id)
    ).all()
    assert actions.count("change_status") == 3


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (ConsultationStatus.draft, "closed"),
        (ConsultationStatus.draft, "reported"),
        (ConsultationStatus.open, "reported"),
        (ConsultationStatus.open, "draft"),
        (ConsultationStatus.reported, "open"),
    ],
)
def test_update_consultation_illegal_transition_is_409(
    api, create_consultation, dummy_policymaker, start, target
):
    consultation = create_consultation(owner=dummy_policymaker, status=start)

    response = api.patch(
        f"/api/v1/consultations/{consultation.id}",
        json={"status": target},
        as_user=dummy_policymaker,
    )

    assert "status" in assert_error(response, 409, "conflict")["fields"]


def test_update_consultation_refused_transition_changes_nothing(
    api, db, create_consultation, dummy_policymaker
):
    consultation = create_consultation(owner=dummy_policymaker, title="Before")

    response = api.patch(
        f"/api/v1/consultations/{consultation.id}",
        json={"title": "After", "status": "reported"},
        as_user=dummy_policymaker,
    )

    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Consultation, consultation.id).title == "Before"


def test_update_consultation_admin_may(api, dummy_consultation, dummy_admin):
    response = api.patch(
        f"/api/v1/consultations/{dummy_consultation.id}",
        json={"moderation": "pre"},
        as_user=dummy_admin,
    )

    assert response.status_code == 200
    assert response.get_json()["moderation"] == "pre"


def test_update_consultation_participant_is_403(api, dummy_consultation, participant):
    response = api.patch(
        f"/api/v1/consultations/{dummy_consultation.id}",
        json={"title": "Mine now"},
        as_user=participant,
    )

    assert_error(response, 403, "forbidden")
    assert dummy_consultation.title == "Transport"


def test_update_consultation_other_policymaker_is_403(api, dummy_consultation, other_policymaker):
    response = api.patch(
        f"/api/v1/consultations/{dummy_consultation.id}",
        json={"status": "closed"},
        as_user=other_policymaker,
    )

    assert_error(response, 403)


def test_update_others_draft_is_404(api, create_consultation, other_policymaker):
    draft = create_consultation(status=ConsultationStatus.draft)

    response = api.patch(
        f"/api/v1/consultations/{draft.id}", json={"status": "open"}, as_user=other_policymaker
    )

    assert_error(response, 404)


def test_update_consultation_anonymous_is_401(api, dummy_consultation):
    response = api.patch(f"/api/v1/consultations/{dummy_consultation.id}", json={"title": "Anyone"})

    assert_error(response, 401)


def test_update_missing_consultation_is_404(api, dummy_policymaker):
    assert_error(
        api.patch("/api/v1/consultations/4242", json={"title": "x"}, as_user=dummy_policymaker),
        404,
    )


def test_update_consultation_text_body_is_415(api, dummy_consultation, dummy_policymaker):
    response = api.patch(
        f"/api/v1/consultations/{dummy_consultation.id}",
        data="title: x",
        content_type="text/yaml",
        as_user=dummy_policymaker,
    )

    assert_error(response, 415)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slug": "new-slug"}, "slug"),
        ({"title": None}, "title"),
        ({"title": ""}, "title"),
        ({"status": "archived"}, "status"),
        ({"moderation": ["pre"]}, "moderation"),
        ({"opens_at": "2030-01-01T00:00:00Z", "closes_at": "2029-01-01T00:00:00Z"}, "closes_at"),
    ],
)
def test_update_consultation_invalid_fields_are_422(
    api, dummy_consultation, dummy_policymaker, body, field
):
    response = api.patch(
        f"/api/v1/consultations/{dummy_consultation.id}", json=body, as_user=dummy_policymaker
    )

    assert field in assert_error(response, 422, "validation_error")["fields"]


def test_update_consultation_empty_body_changes_nothing(api, dummy_consultation, dummy_policymaker):
    response = api.patch(
        f"/api/v1/consultations/{dummy_consultation.id}", json={}, as_user=dummy_policymaker
    )

    assert response.status_code == 200
    assert response.get_json()["title"] == "Transport"


def test_update_consultation_moderation_mode_applies(
    api, db, dummy_consultation, dummy_policymaker
):
    api.patch(
        f"/api/v1/consultations/{dummy_consultation.id}",
        json={"moderation": "pre"},
        as_user=dummy_policymaker,
    )

    db.session.expire_all()
    assert db.session.get(Consultation, dummy_consultation.id).moderation is ModerationMode.pre
