"""Fixtures of the JSON API tests: a client that speaks JSON and authenticates like a script."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from consult.auth.models import Role, User
from tests.clients import Caller


@pytest.fixture
def api(client: FlaskClient, create_token: Callable[[User], str]) -> Caller:
    """A JSON API client: ``api.post(url, json=..., as_user=user)``."""
    return Caller(client, create_token)


@pytest.fixture
def participant(create_user: Callable[..., User]) -> User:
    """A participant."""
    return create_user(display_name="Aigerim")


@pytest.fixture
def other_policymaker(create_user: Callable[..., User]) -> User:
    """A policymaker who runs none of the test's consultations."""
    return create_user(role=Role.policymaker, display_name="Another ministry")
