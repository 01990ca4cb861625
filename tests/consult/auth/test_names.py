"""Staff names in kk, ru and en: set on the account page, shown in the reader's language."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from consult.auth.identity import check_display_name
from consult.auth.models import Role, User, UserName
from consult.auth.names import set_user_names
from consult.errors import NotAllowed, ValidationFailed
from consult.extensions import db

NAMES = {
    "kk": "Алматы қаласының әкімдігі, Экология басқармасы",
    "ru": "Акимат города Алматы, Управление экологии",
    "en": "Almaty Akimat, Ecology Department",
}


def names_of(user: User) -> dict[str, str]:
    db.session.expire_all()
    rows = db.session.scalars(select(UserName).where(UserName.user_id == user.id))
    return {row.language: row.name for row in rows}


def test_staff_sets_names_on_the_account_page(client: Any, auth: Any, create_user: Any) -> None:
    policymaker = create_user(role=Role.policymaker, display_name="Ecology Department")
    auth.login(policymaker)
    page = client.get("/account").get_data(as_text=True)
    assert 'id="names"' in page
    response = client.post(
        "/account/names",
        data={"name_kk": NAMES["kk"], "name_ru": NAMES["ru"], "name_en": ""},
    )
    assert response.status_code == 303
    assert names_of(policymaker) == {"kk": NAMES["kk"], "ru": NAMES["ru"]}
    client.post("/account/names", data={"name_kk": "", "name_ru": NAMES["ru"], "name_en": ""})
    assert names_of(policymaker) == {"ru": NAMES["ru"]}


def test_a_name_too_long_is_422(client: Any, auth: Any, create_user: Any) -> None:
    policymaker = create_user(role=Role.policymaker)
    auth.login(policymaker)
    response = client.post("/account/names", data={"name_ru": "Я" * 81})
    assert response.status_code == 422
    assert names_of(policymaker) == {}


def test_participants_have_no_names_to_set(client: Any, auth: Any, create_user: Any) -> None:
    participant = create_user()
    auth.login(participant)
    assert 'id="names"' not in client.get("/account").get_data(as_text=True)
    assert client.post("/account/names", data={"name_ru": "Акимат"}).status_code == 403
    assert names_of(participant) == {}


def test_only_the_account_or_an_admin_sets_its_names(create_user: Any) -> None:
    policymaker = create_user(role=Role.policymaker)
    other = create_user(role=Role.policymaker)
    with pytest.raises(NotAllowed):
        set_user_names(policymaker, other, {"ru": "Акимат"})
    set_user_names(policymaker, create_user(role=Role.admin), {"ru": "Акимат"})
    assert names_of(policymaker) == {"ru": "Акимат"}
    with pytest.raises(ValidationFailed):
        set_user_names(policymaker, policymaker, {"de": "Akimat"})


def test_participants_cannot_imitate_a_name_in_another_language(create_user: Any) -> None:
    policymaker = create_user(role=Role.policymaker, display_name="Ecology Department")
    set_user_names(policymaker, policymaker, {"ru": NAMES["ru"]})
    with pytest.raises(ValidationFailed):
        check_display_name(NAMES["ru"], role=Role.participant)
