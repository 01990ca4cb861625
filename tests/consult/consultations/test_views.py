"""The consultation pages: list, discussion page, create, edit, status, people."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import func, select

from consult.auth.models import BlockKind, Role, User, UserBlock
from consult.consultations.models import (
    Consultation,
    ConsultationMember,
    ConsultationStatus,
    MemberRole,
    ModerationMode,
)
from consult.statements import hooks
from consult.statements.models import StatementStatus
from consult.types import utcnow
from tests.factories import consultation_form

# --- the list ------------------------------------------------------------------------------


def test_index_lists_open_then_closed_consultations(
    client: Any, create_consultation: Any, create_statement: Any, create_vote: Any
) -> None:
    closed = create_consultation(title="Closed question", status=ConsultationStatus.closed)
    opened = create_consultation(title="Open question", summary="What should we do?")
    statement = create_statement(consultation=opened)
    create_vote(statement, 1)
    create_vote(statement, -1)
    response = client.get("/")
    assert response.status_code == 200
    page = response.data.decode()
    assert page.index("Open question") < page.index("Closed question")
    assert "What should we do?" in page
    card = page[page.index("Open question") :][:1500]
    assert re.search(r"<dt>Participants</dt><dd>2</dd>", card)
    assert re.search(r"<dt>Statements</dt><dd>1</dd>", card)
    assert re.search(r"<dt>Votes</dt><dd>2</dd>", card)
    assert f'href="/consultations/{closed.slug}"' in page


def test_index_hides_drafts_from_other_people(
    client: Any, auth: Any, create_consultation: Any, create_user: Any
) -> None:
    owner = create_user(role=Role.policymaker)
    create_consultation(title="Secret draft", owner=owner, status=ConsultationStatus.draft)
    assert b"Secret draft" not in client.get("/").data
    auth.login(create_user(role=Role.policymaker))
    assert b"Secret draft" not in client.get("/").data
    auth.login(owner)
    page = client.get("/").data
    assert b"Your drafts" in page and b"Secret draft" in page


def test_index_offers_new_consultation_to_policymakers_only(
    client: Any, auth: Any, dummy_user: User, dummy_policymaker: User
) -> None:
    assert b'href="/consultations/new"' not in client.get("/").data
    auth.login(dummy_user)
    assert b'href="/consultations/new"' not in client.get("/").data
    auth.login(dummy_policymaker)
    assert b'href="/consultations/new"' in client.get("/").data


def test_index_without_consultations(client: Any) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert b"No consultations yet." in response.data


# --- the discussion page ---------------------------------------------------------------------


@pytest.fixture
def thread(
    create_consultation: Any, create_statement: Any, create_user: Any, add_link: Any
) -> dict[str, Any]:
    """Two positions; an argument attacking both; a reply chain three deep."""
    consultation = create_consultation(slug="air", title="How should we clean the air?")
    p1 = create_statement(consultation=consultation, text="Convert the plant to gas.")
    p2 = create_statement(consultation=consultation, text="Raise parking fees.")
    shared = create_statement(consultation=consultation, attacks=p1, text="Buses are too rare.")
    add_link(shared, p2, "attack")
    a1 = create_statement(consultation=consultation, supports=p1, text="It is the main source.")
    a2 = create_statement(consultation=consultation, attacks=a1, text="Cars matter more.")
    a3 = create_statement(consultation=consultation, attacks=a2, text="Not in winter.")
    return {"c": consultation, "p1": p1, "p2": p2, "shared": shared, "a1": a1, "a2": a2, "a3": a3}


def test_show_renders_positions_and_nested_arguments(client: Any, thread: dict[str, Any]) -> None:
    response = client.get("/consultations/air")
    assert response.status_code == 200
    page = response.data.decode()
    for key in ("p1", "p2", "shared", "a1", "a2", "a3"):
        assert page.count(f'id="s-{thread[key].id}"') == 1, key
    # a3 is nested three levels under p1: it comes after p1, a1 and a2, inside their lists.
    p1, a1, a2, a3 = (page.index(f'id="s-{thread[k].id}"') for k in ("p1", "a1", "a2", "a3"))
    assert p1 < a1 < a2 < a3
    assert page[:a3].count("<ol") - page[:a3].count("</ol>") == 4  # root + three levels
    assert "Convert the plant to gas." in page and "Not in winter." in page


def test_show_argument_with_two_targets_is_expanded_once(
    client: Any, thread: dict[str, Any]
) -> None:
    page = client.get("/consultations/air").data.decode()
    shared = thread["shared"]
    assert page.count("Buses are too rare.") == 2
    assert page.count(f'id="s-{shared.id}"') == 1
    assert "Shown in full above" in page
    # Under each target, the other target is named.
    assert f'Also attacks\n        <a href="#s-{thread["p2"].id}">' in page
    assert f'Also attacks\n        <a href="#s-{thread["p1"].id}">' in page


def test_show_displays_counts_and_my_vote(
    client: Any, auth: Any, thread: dict[str, Any], create_vote: Any, dummy_user: User
) -> None:
    p1 = thread["p1"]
    create_vote(p1, 1)
    create_vote(p1, 1)
    create_vote(p1, 0)
    create_vote(p1, -1, user=dummy_user)
    auth.login(dummy_user)
    page = client.get("/consultations/air").data.decode()
    card = page[page.index(f'id="s-{p1.id}"') :]
    card = card[: card.index("</article>")]
    assert re.search(r'value="agree"[^>]*aria-pressed="false">Agree <span class="count">2<', card)
    assert re.search(
        r'value="disagree"[^>]*aria-pressed="true">Disagree <span class="count">1<', card
    )
    assert re.search(r'value="pass"[^>]*aria-pressed="false">Pass <span class="count">1<', card)
    assert f'action="/statements/{p1.id}/vote"' in card
    assert f'data-api="/api/v1/statements/{p1.id}/vote"' in card
    assert '<rect class="agree" data-part="agree" x="0" y="0" height="6" width="50.00">' in card


def test_show_offers_forms_to_signed_in_people(
    client: Any, auth: Any, thread: dict[str, Any], dummy_user: User
) -> None:
    auth.login(dummy_user)
    page = client.get("/consultations/air").data.decode()
    assert 'id="position-text"' in page
    assert page.count('<details class="reply"') == 6  # one per statement, none for the repeat
    assert f'id="reply-{thread["a3"].id}-support"' in page
    assert 'name="csrf_token"' in page


def test_show_invites_visitors_to_log_in(client: Any, thread: dict[str, Any]) -> None:
    page = client.get("/consultations/air").data.decode()
    assert 'id="position-text"' not in page
    assert '<details class="reply"' not in page
    assert "data-api=" not in page  # the plain form posts and asks to log in
    assert 'href="/login?next=/consultations/air"' in page


def test_show_pending_statement_only_to_its_author(
    client: Any, auth: Any, thread: dict[str, Any], create_statement: Any, dummy_user: User
) -> None:
    create_statement(
        consultation=thread["c"],
        author=dummy_user,
        text="Waiting for approval.",
        status=StatementStatus.pending,
    )
    assert b"Waiting for approval." not in client.get("/consultations/air").data
    auth.login(dummy_user)
    page = client.get("/consultations/air").data.decode()
    assert "Waiting for approval." in page
    assert "Awaiting moderation" in page


def test_show_hides_hidden_statements(
    client: Any, thread: dict[str, Any], create_statement: Any
) -> None:
    create_statement(consultation=thread["c"], text="Spam spam.", status=StatementStatus.hidden)
    assert b"Spam spam." not in client.get("/consultations/air").data


def test_show_sorts_positions(client: Any, thread: dict[str, Any], create_vote: Any) -> None:
    create_vote(thread["p2"], 1)
    page = client.get("/consultations/air?sort=votes").data.decode()
    assert page.index(f'id="s-{thread["p2"].id}"') < page.index(f'id="s-{thread["p1"].id}"')
    page = client.get("/consultations/air?sort=nonsense").data.decode()
    assert page.index(f'id="s-{thread["p1"].id}"') < page.index(f'id="s-{thread["p2"].id}"')


def test_show_missing_consultation_is_404(client: Any) -> None:
    assert client.get("/consultations/nope").status_code == 404


@pytest.mark.parametrize("viewer", [None, "participant", "other_policymaker", "moderator"])
def test_show_draft_is_404_for_everyone_but_its_owners(
    client: Any, auth: Any, create_consultation: Any, create_user: Any, viewer: str | None
) -> None:
    create_consultation(slug="draft", status=ConsultationStatus.draft)
    if viewer == "participant":
        auth.login(create_user())
    elif viewer == "other_policymaker":
        auth.login(create_user(role=Role.policymaker))
    elif viewer == "moderator":
        auth.login(create_user(role=Role.moderator))
    assert client.get("/consultations/draft").status_code == 404


def test_show_draft_to_owner_and_admin(
    client: Any, auth: Any, create_consultation: Any, dummy_policymaker: User, dummy_admin: User
) -> None:
    create_consultation(slug="draft", owner=dummy_policymaker, status=ConsultationStatus.draft)
    auth.login(dummy_policymaker)
    response = client.get("/consultations/draft")
    assert response.status_code == 200
    assert b"Open to the public" in response.data
    assert b'id="position-text"' not in response.data
    auth.login(dummy_admin)
    assert client.get("/consultations/draft").status_code == 200


def test_show_closed_consultation_is_read_only(
    client: Any, auth: Any, thread: dict[str, Any], db: Any, dummy_user: User
) -> None:
    thread["c"].status = ConsultationStatus.closed
    thread["c"].closed_at = utcnow()
    db.session.flush()
    auth.login(dummy_user)
    page = client.get("/consultations/air").data.decode()
    assert "This consultation is closed." in page
    for form_marker in ('id="position-text"', '<details class="reply"', 'class="vote-form"'):
        assert form_marker not in page
    assert "0 agree" in page


def test_show_tells_blocked_people_they_cannot_take_part(
    client: Any, auth: Any, db: Any, thread: dict[str, Any], dummy_user: User
) -> None:
    db.session.add(UserBlock(user_id=dummy_user.id, kind=BlockKind.block, reason="spam"))
    db.session.flush()
    auth.login(dummy_user)
    page = client.get("/consultations/air").data.decode()
    assert "Your account cannot post or vote at the moment." in page
    assert 'id="position-text"' not in page


def test_show_renders_registered_partials_and_context(
    app: Any, client: Any, thread: dict[str, Any], monkeypatch: Any
) -> None:
    monkeypatch.setattr(hooks.hooks_of(app), "partials", ["test/_partial.html"])
    monkeypatch.setattr(
        hooks.hooks_of(app),
        "providers",
        [lambda c, viewer, ids: {"marker": f"{c.slug}:{len(ids)}"}],
    )
    app.jinja_env.loader = ChoiceLoader(
        [
            DictLoader(
                {"test/_partial.html": '<p class="probe">{{ statement.id }}/{{ marker }}</p>'}
            ),
            app.jinja_env.loader,
        ]
    )
    page = client.get("/consultations/air").data.decode()
    assert f'<p class="probe">{thread["a3"].id}/air:6</p>' in page
    assert page.count('<p class="probe">') == 6  # not for the repeated card


def test_tabs_link_to_the_sections_that_exist(
    app: Any, client: Any, auth: Any, create_consultation: Any, dummy_policymaker: User
) -> None:
    if "reports.show" not in app.view_functions:
        app.add_url_rule("/consultations/<slug>/report", "reports.show", lambda slug: "report")
    create_consultation(slug="air", owner=dummy_policymaker)
    page = client.get("/consultations/air").data.decode()
    assert '<nav class="tabs"' in page and 'aria-current="page">Discussion</a>' in page
    # The report of an open consultation is for its organisers only.
    assert 'href="/consultations/air/report"' not in page
    auth.login(dummy_policymaker)
    assert 'href="/consultations/air/report"' in client.get("/consultations/air").data.decode()


# --- create ----------------------------------------------------------------------------------


def count_consultations(db: Any) -> int:
    return db.session.scalar(select(func.count(Consultation.id)))


def test_new_form_renders_for_policymakers(client: Any, auth: Any, dummy_policymaker: User) -> None:
    auth.login(dummy_policymaker)
    response = client.get("/consultations/new")
    assert response.status_code == 200
    assert b'name="title"' in response.data and b'name="moderation"' in response.data


def test_new_needs_login(client: Any) -> None:
    response = client.get("/consultations/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.participant, Role.moderator])
def test_new_is_403_for_others(
    client: Any, auth: Any, db: Any, create_user: Any, role: Role
) -> None:
    auth.login(create_user(role=role))
    assert client.get("/consultations/new").status_code == 403
    assert client.post("/consultations/new", data=consultation_form()).status_code == 403
    assert count_consultations(db) == 0


def test_new_creates_a_draft_owned_by_its_author(
    client: Any, auth: Any, db: Any, dummy_policymaker: User
) -> None:
    auth.login(dummy_policymaker)
    response = client.post("/consultations/new", data=consultation_form())
    assert response.status_code == 303
    consultation = db.session.scalar(select(Consultation))
    assert response.headers["Location"] == f"/consultations/{consultation.slug}"
    assert consultation.slug == "where-should-the-new-park-go"
    assert consultation.status is ConsultationStatus.draft
    assert consultation.moderation is ModerationMode.pre
    assert consultation.body == "Option A.\n\nOption B."
    assert consultation.closes_at.date() == date.today() + timedelta(days=30)
    owner = db.session.scalar(select(ConsultationMember))
    assert (owner.user_id, owner.role) == (dummy_policymaker.id, MemberRole.owner)


def test_new_reserved_title_gets_a_usable_slug(
    client: Any, auth: Any, db: Any, dummy_policymaker: User
) -> None:
    auth.login(dummy_policymaker)
    client.post("/consultations/new", data=consultation_form(title="New"))
    consultation = db.session.scalar(select(Consultation))
    assert consultation.slug != "new"
    assert client.get(f"/consultations/{consultation.slug}").status_code == 200


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, b"This field is required"),
        ({"title": "x" * 201}, b"Field cannot be longer than 200 characters"),
        ({"summary": ""}, b"This field is required"),
        ({"summary": "x" * 501}, b"Field cannot be longer than 500 characters"),
        ({"closes_at": "2001-01-01"}, b"Choose a date that is not in the past"),
        ({"closes_at": "next week"}, b"Not a valid date value"),
        ({"moderation": "none"}, b"Not a valid choice"),
    ],
)
def test_new_rejects_bad_input(
    client: Any,
    auth: Any,
    db: Any,
    dummy_policymaker: User,
    overrides: dict[str, str],
    message: bytes,
) -> None:
    auth.login(dummy_policymaker)
    response = client.post("/consultations/new", data=consultation_form(**overrides))
    assert response.status_code == 422
    assert message in response.data
    assert count_consultations(db) == 0


# --- edit, status, people --------------------------------------------------------------------


@pytest.fixture
def owned(create_consultation: Any, dummy_policymaker: User) -> Consultation:
    return create_consultation(
        slug="park", title="Park", owner=dummy_policymaker, status=ConsultationStatus.draft
    )


def test_edit_page_renders_for_owner(
    client: Any, auth: Any, owned: Consultation, dummy_policymaker: User
) -> None:
    auth.login(dummy_policymaker)
    response = client.get("/consultations/park/edit")
    assert response.status_code == 200
    assert b'value="Park"' in response.data
    assert b"Open to the public" in response.data


def test_edit_saves_changes(
    client: Any, auth: Any, db: Any, owned: Consultation, dummy_policymaker: User
) -> None:
    auth.login(dummy_policymaker)
    response = client.post(
        "/consultations/park/edit", data=consultation_form(title="A better park", closes_at="")
    )
    assert response.status_code == 303
    db.session.expire_all()
    consultation = db.session.get(Consultation, owned.id)
    assert consultation.title == "A better park"
    assert consultation.closes_at is None
    assert consultation.slug == "park"


def test_edit_keeps_a_past_closing_date_that_did_not_change(
    client: Any, auth: Any, db: Any, owned: Consultation, dummy_policymaker: User
) -> None:
    past = utcnow() - timedelta(days=3)
    owned.closes_at = past
    db.session.flush()
    auth.login(dummy_policymaker)
    response = client.post(
        "/consultations/park/edit",
        data=consultation_form(title="Renamed", closes_at=past.date().isoformat()),
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Consultation, owned.id).closes_at == past


def _stored_title(db: Any, consultation: Consultation) -> str:
    """The title in the database (not the one the session remembers)."""
    db.session.expire_all()
    return db.session.get(Consultation, consultation.id).title


def test_edit_rejects_bad_input_and_changes_nothing(
    client: Any, auth: Any, db: Any, owned: Consultation, dummy_policymaker: User
) -> None:
    auth.login(dummy_policymaker)
    response = client.post("/consultations/park/edit", data=consultation_form(title=""))
    assert response.status_code == 422
    assert _stored_title(db, owned) == "Park"


def test_edit_by_a_participant_is_403(
    client: Any, auth: Any, db: Any, create_consultation: Any, dummy_user: User
) -> None:
    consultation = create_consultation(slug="open", title="Open one")
    auth.login(dummy_user)
    assert client.get("/consultations/open/edit").status_code == 403
    response = client.post("/consultations/open/edit", data=consultation_form())
    assert response.status_code == 403
    assert _stored_title(db, consultation) == "Open one"


def test_edit_by_another_policymaker(
    client: Any, auth: Any, create_consultation: Any, create_user: Any, owned: Consultation
) -> None:
    create_consultation(slug="open")
    auth.login(create_user(role=Role.policymaker))
    assert client.get("/consultations/open/edit").status_code == 403
    assert client.get("/consultations/park/edit").status_code == 404  # a draft: not even seen


def test_edit_by_admin(client: Any, auth: Any, owned: Consultation, dummy_admin: User) -> None:
    auth.login(dummy_admin)
    assert client.get("/consultations/park/edit").status_code == 200


def test_status_opens_closes_and_reopens(
    client: Any, auth: Any, db: Any, owned: Consultation, dummy_policymaker: User
) -> None:
    auth.login(dummy_policymaker)
    for status in ("open", "closed", "open"):
        response = client.post("/consultations/park/status", data={"status": status})
        assert response.status_code == 303
        db.session.expire_all()
        assert db.session.get(Consultation, owned.id).status.value == status
    assert db.session.get(Consultation, owned.id).opens_at is not None


def test_status_rejects_an_impossible_transition(
    client: Any, auth: Any, db: Any, owned: Consultation, dummy_policymaker: User
) -> None:
    auth.login(dummy_policymaker)
    response = client.post("/consultations/park/status", data={"status": "closed"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Consultation, owned.id).status is ConsultationStatus.draft


def test_status_rejects_unknown_values(
    client: Any, auth: Any, owned: Consultation, dummy_policymaker: User
) -> None:
    auth.login(dummy_policymaker)
    assert client.post("/consultations/park/status", data={"status": "gone"}).status_code == 422


def test_status_by_a_participant_is_403(
    client: Any, auth: Any, db: Any, create_consultation: Any, dummy_user: User
) -> None:
    consultation = create_consultation(slug="open")
    auth.login(dummy_user)
    assert client.post("/consultations/open/status", data={"status": "closed"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Consultation, consultation.id).status is ConsultationStatus.open


def test_add_moderator_and_co_owner_by_email(
    client: Any, auth: Any, db: Any, owned: Consultation, dummy_policymaker: User, create_user: Any
) -> None:
    moderator = create_user(role=Role.moderator, email="mod@example.org")
    colleague = create_user(role=Role.policymaker, email="colleague@example.org")
    auth.login(dummy_policymaker)
    response = client.post(
        "/consultations/park/members", data={"email": "MOD@example.org", "role": "moderator"}
    )
    assert response.status_code == 303
    client.post("/consultations/park/members", data={"email": colleague.email, "role": "owner"})
    members = {
        (m.user_id, m.role)
        for m in db.session.scalars(
            select(ConsultationMember).where(ConsultationMember.consultation_id == owned.id)
        )
    }
    assert (moderator.id, MemberRole.moderator) in members
    assert (colleague.id, MemberRole.owner) in members
    auth.login(colleague)
    assert client.get("/consultations/park/edit").status_code == 200


@pytest.mark.parametrize(
    ("email", "role", "message"),
    [
        ("nobody@example.org", "moderator", b"There is no account with this e-mail"),
        ("citizen@example.org", "owner", b"Only policymakers can co-own"),
        ("citizen@example.org", "moderator", b"This person is not a moderator"),
        ("not an email", "moderator", b"Invalid email address"),
        ("citizen@example.org", "king", b"Not a valid choice"),
    ],
)
def test_add_person_rejects_bad_input(
    client: Any,
    auth: Any,
    db: Any,
    owned: Consultation,
    dummy_policymaker: User,
    dummy_user: User,
    email: str,
    role: str,
    message: bytes,
) -> None:
    auth.login(dummy_policymaker)
    response = client.post("/consultations/park/members", data={"email": email, "role": role})
    assert response.status_code == 422
    assert message in response.data
    assert db.session.scalar(select(func.count(ConsultationMember.id))) == 1


def test_add_person_by_a_participant_is_403(
    client: Any, auth: Any, create_consultation: Any, create_user: Any
) -> None:
    create_consultation(slug="open")
    participant = create_user()
    auth.login(participant)
    response = client.post(
        "/consultations/open/members", data={"email": participant.email, "role": "owner"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_status_change_needs_a_csrf_token(
    client: Any, auth: Any, db: Any, owned: Consultation, dummy_policymaker: User
) -> None:
    auth.login(dummy_policymaker)
    assert client.post("/consultations/park/status", data={"status": "open"}).status_code == 400
    page = client.get("/consultations/park/edit").data.decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/consultations/park/status", data={"status": "open", "csrf_token": token}
    )
    assert response.status_code == 303
