"""Fixtures of the moderation tests: people in every role, a consultation, a request helper."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from consult.auth.models import Role, User
from consult.consultations.models import Consultation
from consult.statements.models import Statement
from consult.types import utcnow
from tests.clients import Caller


@pytest.fixture
def call(client: FlaskClient, create_token: Callable[[User], str]) -> Caller:
    """``call.page("GET", url, user)`` and ``call.api("POST", url, user, json={...})``."""
    return Caller(client, create_token)


@pytest.fixture
def moderator(create_user: Callable[..., User]) -> User:
    """A moderator assigned to ``consultation``."""
    return create_user(role=Role.moderator, display_name="Dana Moderator")


@pytest.fixture
def other_moderator(create_user: Callable[..., User]) -> User:
    """A moderator of another consultation only."""
    return create_user(role=Role.moderator, display_name="Other Moderator")


@pytest.fixture
def consultation(
    create_consultation: Callable[..., Consultation],
    moderator: User,
    other_moderator: User,
) -> Consultation:
    """An open, post-moderated consultation moderated by ``moderator``."""
    create_consultation(moderators=[other_moderator], title="Elsewhere")
    return create_consultation(moderators=[moderator], title="Winter air")


@pytest.fixture
def people(create_user: Callable[..., User]) -> list[User]:
    """Ten established participants (accounts older than NEW_ACCOUNT_AGE)."""
    return [
        create_user(display_name=f"Citizen {n}", created_at=utcnow() - timedelta(days=40 + n))
        for n in range(10)
    ]


@pytest.fixture
def author(create_user: Callable[..., User]) -> User:
    """The author of ``statement``."""
    return create_user(display_name="Author", created_at=utcnow() - timedelta(days=90))


@pytest.fixture
def statement(
    create_statement: Callable[..., Statement], consultation: Consultation, author: User
) -> Statement:
    """A visible position by ``author``."""
    return create_statement(
        consultation=consultation, author=author, text="Ban coal heating in the city by 2028."
    )


ROLES = ("anonymous", "participant", "other_moderator", "moderator", "admin")


@pytest.fixture
def as_role(
    create_user: Callable[..., User], moderator: User, other_moderator: User
) -> Callable[[str], User | None]:
    """The user for a role name of ROLES (None for anonymous)."""
    cache: dict[str, User | None] = {}

    def get(role: str) -> User | None:
        if role not in cache:
            cache[role] = {
                "anonymous": lambda: None,
                "participant": lambda: create_user(display_name="Plain participant"),
                "other_moderator": lambda: other_moderator,
                "moderator": lambda: moderator,
                "admin": lambda: create_user(role=Role.admin, display_name="Admin"),
            }[role]()
        return cache[role]

    return get


@pytest.fixture
def admin(create_user: Callable[..., User]) -> User:
    """An administrator."""
    return create_user(role=Role.admin, display_name="Admin")
