"""Fixtures of the JSON API tests: a client that speaks JSON and authenticates like a script."""

from __future__ import annotations

import json as jsonlib
from collections.abc import Callable
from typing import Any

import pytest
from flask import g
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from consult.auth.models import Role, User
from consult.extensions import db


class ApiClient:
    """Send API requests as a given caller (a bearer token, the session, or nobody)."""

    def __init__(self, client: FlaskClient, create_token: Callable[[User], str]) -> None:
        self.client = client
        self._create_token = create_token
        self._tokens: dict[int, str] = {}

    def token_for(self, user: User) -> str:
        """The user's API token (created once)."""
        if user.id not in self._tokens:
            self._tokens[user.id] = self._create_token(user)
        return self._tokens[user.id]

    def request(
        self,
        method: str,
        url: str,
        *,
        as_user: User | None = None,
        token: str | None = None,
        json: Any = None,
        data: bytes | str | None = None,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> TestResponse:
        """Send one request; ``json`` is encoded, ``data`` is sent as it is."""
        all_headers = dict(headers or {})
        if as_user is not None:
            token = self.token_for(as_user)
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        if json is not None:
            data = jsonlib.dumps(json)
            content_type = content_type or "application/json"
        # The test's data is in the database before the request, as it would be in real life.
        db.session.commit()
        # Tests share one app context across requests: forget the previous request's user.
        g.pop("_login_user", None)
        return self.client.open(
            url, method=method, data=data, content_type=content_type, headers=all_headers
        )

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("PATCH", url, **kwargs)


@pytest.fixture
def api(client: FlaskClient, create_token: Callable[[User], str]) -> ApiClient:
    """A JSON API client: ``api.post(url, json=..., as_user=user)``."""
    return ApiClient(client, create_token)


@pytest.fixture
def participant(create_user: Callable[..., User]) -> User:
    """A participant."""
    return create_user(display_name="Aigerim")


@pytest.fixture
def other_policymaker(create_user: Callable[..., User]) -> User:
    """A policymaker who runs none of the test's consultations."""
    return create_user(role=Role.policymaker, display_name="Another ministry")
