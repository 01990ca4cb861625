"""Identity text: display names cleaned, official names protected, e-mails normalised."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from consult.auth.identity import clean_display_name, is_mixed_script, skeleton
from consult.auth.models import Role, User
from consult.auth.services import create_user, find_user_by_email
from consult.errors import ValidationFailed
from consult.extensions import db
from tests.factories import PASSWORD, registration_form


def register(client: FlaskClient, email: str, name: str) -> Any:
    db.session.commit()
    return client.post(
        "/register",
        data=registration_form(email, name),
    )


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Aliya\u202e B.", "Aliya B."),  # right-to-left override
        ("Ali\u200bya\u200d", "Aliya"),  # zero-width space and joiner
        ("Aliya\x07\x1b B.", "Aliya B."),  # control characters
        ("\uff21\uff4c\uff49\uff59\uff41", "Aliya"),  # full-width letters (NFKC)
        ("  Aliya \n\t B.  ", "Aliya B."),
    ],
)
def test_display_names_are_cleaned(app, typed: str, stored: str) -> None:
    user = create_user("a@example.org", typed, PASSWORD)

    assert clean_display_name(typed) == stored
    assert user.display_name == stored


@pytest.mark.parametrize(
    "imitation",
    [
        "Ministry of Transport",
        "ministry  of transport",
        "Ministry of Tr\u0430nsport",  # Cyrillic а
        "\u041cinistry 0f Transport",  # Cyrillic М, zero for o
        "Mlnistry of Transport",
        "Ministry of Transport\u200b",
    ],
)
def test_participants_cannot_take_a_staff_members_name(
    app, create_user: Any, imitation: str
) -> None:
    create_user(role=Role.policymaker, display_name="Ministry of Transport")

    with pytest.raises(ValidationFailed) as error:
        create_user_service(imitation)
    assert "display_name" in error.value.fields


def create_user_service(name: str) -> User:
    return create_user("someone@example.org", name, PASSWORD)


def test_participants_cannot_take_a_reserved_organisation_name(app) -> None:
    app.config["RESERVED_NAMES"] = ("Akimat of Almaty",)

    with pytest.raises(ValidationFailed):
        create_user_service("Akimat \u043ef Almaty")


def test_a_different_name_is_fine(app, create_user: Any) -> None:
    create_user(role=Role.policymaker, display_name="Ministry of Transport")

    assert create_user_service("Ministry of Tourism fan").display_name == "Ministry of Tourism fan"


def test_staff_accounts_may_share_names(app, create_user: Any) -> None:
    create_user(role=Role.policymaker, display_name="Ministry of Transport")

    user = create_user_service_role("Ministry of Transport", Role.policymaker)

    assert user.role is Role.policymaker


def create_user_service_role(name: str, role: Role) -> User:
    return create_user("office@example.org", name, PASSWORD, role=role)


def test_register_page_refuses_an_official_name(client: FlaskClient, create_user: Any) -> None:
    create_user(role=Role.moderator, display_name="Dana Moderator")

    response = register(client, "dana@example.org", "D\u0430na Moderator")

    assert response.status_code == 422
    assert "too close to the name of an official account" in response.get_data(as_text=True)
    assert find_user_by_email("dana@example.org") is None


def test_emails_are_normalised(app) -> None:
    user = create_user("  Ana@Example.ORG ", "Ana", PASSWORD)

    assert user.email == "ana@example.org"
    assert find_user_by_email("ANA@example.org ") is user


def test_mixed_script_local_part_is_refused(app, client: FlaskClient) -> None:
    create_user("pa@example.org", "Pa", PASSWORD)

    response = register(client, "p\u0430@example.org", "Someone")

    assert response.status_code == 422
    assert "one alphabet" in response.get_data(as_text=True)
    with pytest.raises(ValidationFailed):
        create_user("p\u0430@example.org", "Someone", PASSWORD)


def test_single_script_local_parts_are_fine(app) -> None:
    assert not is_mixed_script("\u0434\u0430\u043d\u0430")  # дана
    assert create_user("\u0434\u0430\u043d\u0430@example.kz", "Dana", PASSWORD)


def test_skeleton_ignores_case_spacing_and_look_alikes() -> None:
    assert skeleton("Ministry of Transport") == skeleton("MINISTRY OF TRANSP\u039fRT")
    assert skeleton("Aliya") != skeleton("Dana")
