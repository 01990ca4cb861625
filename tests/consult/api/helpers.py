"""Assertions shared by the JSON API tests."""

from __future__ import annotations

from typing import Any

from werkzeug.test import TestResponse


def assert_error(response: TestResponse, status: int, code: str | None = None) -> dict[str, Any]:
    """Check the API's JSON error shape and return its ``error`` object."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert error["status"] == status
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code
    return error


def send_form(api: Any, method: str, url: str, form: str, user: Any) -> TestResponse:
    """Send ``user``'s request with a URL-encoded form body instead of JSON."""
    return api.request(
        method, url, data=form, content_type="application/x-www-form-urlencoded", as_user=user
    )
