"""The test client that speaks to pages and to the JSON API as a given person (one for all tests).

``request``/``get``/``post``/``put``/``patch`` send API requests authenticated by a bearer token
(``as_user=`` or ``token=``) and leave the browser session alone; ``page`` sends a page request
with a person's session, ``api`` an API request with their token, both starting from an empty
session. Every request first commits what the test set up, as it would be in real life.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Callable
from typing import Any

from flask import g
from flask.testing import FlaskClient
from flask_babel import refresh
from werkzeug.test import TestResponse

from consult.auth.models import User
from consult.extensions import db


class Caller:
    """Send requests as someone: a bearer token for the API, the session for pages."""

    def __init__(self, client: FlaskClient, create_token: Callable[[User], str]) -> None:
        self.client = client
        self._create_token = create_token
        self._tokens: dict[int, str] = {}

    def token_for(self, user: User) -> str:
        """The user's API token (created once)."""
        if user.id not in self._tokens:
            self._tokens[user.id] = self._create_token(user)
        return self._tokens[user.id]

    def _ready(self) -> None:
        db.session.commit()  # the test's data is in the database before the request
        g.pop("_login_user", None)  # tests share one app context: forget the last request's user
        refresh()  # and its language

    def _session(self, user: User | None) -> None:
        with self.client.session_transaction() as session:
            session.clear()
            if user is not None:
                session["_user_id"] = user.get_id()
                session["_fresh"] = True

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
        """Send one API request; ``json`` is encoded, ``data`` is sent as it is."""
        all_headers = dict(headers or {})
        if as_user is not None:
            token = self.token_for(as_user)
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        if json is not None:
            data = jsonlib.dumps(json)
            content_type = content_type or "application/json"
        self._ready()
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

    def page(
        self, method: str, url: str, user: User | None = None, data: Any = None
    ) -> TestResponse:
        """A page request with the user's session (forms posted as form data)."""
        self._ready()
        self._session(user)
        return self.client.open(url, method=method, data=data)

    def api(
        self, method: str, url: str, user: User | None = None, json: Any = None
    ) -> TestResponse:
        """An API request with the user's bearer token (and no session)."""
        self._ready()
        self._session(None)
        return self.request(method, url, as_user=user, json=json)

    def post_statement(
        self, via: str, consultation: Any, user: User | None, text: str, **fields: Any
    ) -> TestResponse:
        """Post a statement (a position unless ``kind=`` says otherwise) from the page or API."""
        body = {"kind": "position", "text": text, **fields}
        if via == "page":
            url = f"/consultations/{consultation.slug}/statements"
            return self.page("POST", url, user, data=body)
        return self.api("POST", f"/api/v1/consultations/{consultation.id}/statements", user, body)

    def vote(self, via: str, statement: Any, user: User | None, value: str) -> TestResponse:
        """Vote on a statement from its page form or the API."""
        if via == "page":
            return self.page("POST", f"/statements/{statement.id}/vote", user, {"value": value})
        return self.api("PUT", f"/api/v1/statements/{statement.id}/vote", user, {"value": value})

    def flag(
        self, via: str, statement: Any, user: User | None, reason: str = "spam"
    ) -> TestResponse:
        """Flag a statement from its page form or the API."""
        if via == "page":
            return self.page("POST", f"/statements/{statement.id}/flag", user, {"reason": reason})
        url = f"/api/v1/statements/{statement.id}/flags"
        return self.api("POST", url, user, {"reason": reason})

    def decide(self, via: str, statement: Any, user: User | None, **body: Any) -> TestResponse:
        """A moderation decision (``action=``, ``reason=``...) from the review page or the API."""
        if via == "page":
            return self.page("POST", f"/moderation/statements/{statement.id}", user, body)
        return self.api("POST", f"/api/v1/statements/{statement.id}/moderation", user, body)

    def merge(self, via: str, statement: Any, user: User | None, **body: Any) -> TestResponse:
        """Merge a statement (``into=``, ``reason=``) from the review page or the API."""
        if via == "page":
            return self.page("POST", f"/moderation/statements/{statement.id}/merge", user, body)
        return self.api("POST", f"/api/v1/statements/{statement.id}/merge", user, body)
