"""/api/v1/statements/{id}/translations: list, write, correct and remove a statement's versions."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from consult.auth.models import Role
from consult.consultations.models import ConsultationMember, ConsultationStatus, MemberRole
from consult.languages.models import StatementTranslation
from consult.statements.models import StatementStatus
from tests.consult.api.helpers import assert_error


def url(statement: Any, language: str | None = None) -> str:
    base = f"/api/v1/statements/{statement.id}/translations"
    return f"{base}/{language}" if language else base


@pytest.fixture
def park(create_consultation: Any) -> Any:
    return create_consultation(slug="park", title="Park", status=ConsultationStatus.open)


@pytest.fixture
def statement(create_statement: Any, park: Any, participant: Any) -> Any:
    return create_statement(consultation=park, author=participant, language="en", text="Trees")


def member(db: Any, consultation: Any, user: Any, role: MemberRole) -> Any:
    db.session.add(ConsultationMember(consultation=consultation, user=user, role=role))
    db.session.flush()
    return user


def rows(db: Any) -> list[tuple[str, str, int | None, bool]]:
    db.session.expire_all()
    found = db.session.scalars(select(StatementTranslation).order_by(StatementTranslation.language))
    return [(r.language, r.text, r.translator_id, r.machine) for r in found]


def test_author_writes_a_translation_and_anyone_lists_it(api, db, statement, participant):
    response = api.put(url(statement, "ru"), json={"text": "Деревья"}, as_user=participant)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["language"] == "ru"
    assert body["text"] == "Деревья"
    assert body["machine"] is False
    assert body["translator"] == "Aigerim"
    listed = api.get(url(statement)).get_json()
    assert listed["statement"] == statement.id
    assert listed["language"] == "en"
    assert [(i["language"], i["text"], i["translator"]) for i in listed["items"]] == [
        ("ru", "Деревья", "Aigerim")
    ]
    shown = api.get(f"/api/v1/statements/{statement.id}").get_json()
    assert shown["translations"] == ["ru"]


def test_a_second_put_replaces_the_translation(api, db, statement, participant):
    api.put(url(statement, "kk"), json={"text": "Ағаш"}, as_user=participant)
    response = api.put(url(statement, "kk"), json={"text": "Ағаштар"}, as_user=participant)
    assert response.status_code == 200
    assert rows(db) == [("kk", "Ағаштар", participant.id, False)]


def test_a_person_replaces_a_machine_translation(api, db, statement, create_user, park):
    db.session.add(
        StatementTranslation(statement_id=statement.id, language="ru", text="[ru]", machine=True)
    )
    moderator = member(db, park, create_user(role=Role.moderator), MemberRole.moderator)
    response = api.put(url(statement, "ru"), json={"text": "Деревья"}, as_user=moderator)
    assert response.status_code == 200
    assert rows(db) == [("ru", "Деревья", moderator.id, False)]


def test_consultation_translator_writes_and_removes(api, db, statement, create_user, park):
    translator = member(db, park, create_user(), MemberRole.translator)
    assert api.put(url(statement, "ru"), json={"text": "Д"}, as_user=translator).status_code == 200
    response = api.request("DELETE", url(statement, "ru"), as_user=translator)
    assert response.status_code == 204
    assert rows(db) == []


def test_another_consultations_translator_cannot_write_or_remove(
    api, db, statement, create_user, create_consultation
):
    elsewhere = create_consultation(slug="river", status=ConsultationStatus.open)
    outsider = member(db, elsewhere, create_user(), MemberRole.translator)
    db.session.add(StatementTranslation(statement_id=statement.id, language="ru", text="Д"))
    response = api.put(url(statement, "ru"), json={"text": "Чужой"}, as_user=outsider)
    assert_error(response, 403, "forbidden")
    assert_error(api.request("DELETE", url(statement, "ru"), as_user=outsider), 403, "forbidden")
    assert rows(db) == [("ru", "Д", None, False)]


def test_a_stranger_cannot_write(api, db, statement, create_user):
    response = api.put(url(statement, "ru"), json={"text": "Д"}, as_user=create_user())
    assert_error(response, 403, "forbidden")
    assert rows(db) == []


def test_writing_needs_authentication(api, statement):
    assert_error(api.put(url(statement, "ru"), json={"text": "Д"}), 401)


@pytest.mark.parametrize(
    ("language", "text"),
    [("de", "Bäume"), ("en", "Trees again"), ("ru", "   "), ("ru", "Д" * 4001)],
)
def test_bad_translations_are_422(api, db, statement, participant, language, text):
    response = api.put(url(statement, language), json={"text": text}, as_user=participant)
    assert_error(response, 422, "validation_error")
    assert rows(db) == []


def test_errors_are_in_the_callers_language(api, statement, participant):
    response = api.put(
        url(statement, "en") + "?lang=ru", json={"text": "Trees"}, as_user=participant
    )
    error = assert_error(response, 422)
    assert error["message"] == "Высказывание уже написано на этом языке."


def test_unknown_or_hidden_statement_is_404(api, db, statement, participant, create_user):
    assert_error(api.get("/api/v1/statements/999999/translations"), 404, "not_found")
    statement.status = StatementStatus.hidden
    db.session.flush()
    assert_error(api.get(url(statement)), 404, "not_found")
    response = api.put(url(statement, "ru"), json={"text": "Д"}, as_user=create_user())
    assert_error(response, 404, "not_found")


def test_removing_a_missing_translation_is_404(api, statement, participant):
    assert_error(api.request("DELETE", url(statement, "kk"), as_user=participant), 404)


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "RATE_LIMIT_TRANSLATE": "2 per minute"}]
)
def test_writes_are_rate_limited(api, statement, participant):
    for text in ("Один", "Два"):
        response = api.put(url(statement, "ru"), json={"text": text}, as_user=participant)
        assert response.status_code == 200
    response = api.put(url(statement, "ru"), json={"text": "Три"}, as_user=participant)
    assert_error(response, 429)
    assert response.headers["Retry-After"]


def test_the_page_removes_a_translation_with_the_same_rules(
    api, db, statement, participant, create_user
):
    db.session.add(StatementTranslation(statement_id=statement.id, language="ru", text="Д"))
    page = f"/statements/{statement.id}/translations/ru/delete"
    assert api.page("POST", page, create_user()).status_code == 403
    assert rows(db) == [("ru", "Д", None, False)]
    assert api.page("POST", page, participant).status_code == 303
    assert rows(db) == []


def test_a_staff_translator_is_named_in_the_readers_language(api, db, statement, create_user, park):
    from consult.auth.names import set_user_names

    moderator = member(
        db, park, create_user(role=Role.moderator, display_name="Ecology"), MemberRole.moderator
    )
    set_user_names(moderator, moderator, {"ru": "Управление экологии"})
    api.put(url(statement, "kk"), json={"text": "Ағаштар"}, as_user=moderator)
    listed = api.get(url(statement) + "?lang=ru").get_json()
    assert [i["translator"] for i in listed["items"]] == ["Управление экологии"]
    listed = api.get(url(statement) + "?lang=en").get_json()
    assert [i["translator"] for i in listed["items"]] == ["Ecology"]
