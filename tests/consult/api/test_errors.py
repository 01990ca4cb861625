"""The API's errors: always the JSON error body, never HTML, never a 500 for bad input."""

from __future__ import annotations

import re

import pytest

from tests.consult.api.helpers import assert_error


def test_unknown_api_route_is_json_404(api):
    response = api.get("/api/v1/no-such-thing")

    assert_error(response, 404, "not_found")
    assert b"<html" not in response.data.lower()


def test_non_numeric_id_is_json_404(api):
    assert_error(api.get("/api/v1/statements/abc"), 404)


def test_wrong_method_is_json_405_with_allow(api, dummy_policymaker):
    response = api.request("DELETE", "/api/v1/consultations", as_user=dummy_policymaker)

    assert_error(response, 405, "method_not_allowed")
    assert {"GET", "POST"} <= set(response.headers["Allow"].replace(" ", "").split(","))


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b'{"title": "Night buses",', 400, "bad_request"),
        (b"{'title': 'single quotes'}", 400, "bad_request"),
        (b'{"title": "\xff\xfe"}', 400, "bad_request"),
        (b"[" * 100_000, 400, "bad_request"),
        (b"null", 422, "validation_error"),
        (b"[]", 422, "validation_error"),
        (b'"a string"', 422, "validation_error"),
        (b"42", 422, "validation_error"),
    ],
    ids=["truncated", "single-quotes", "not-utf8", "deeply-nested"]
    + ["null", "list", "string", "number"],
)
def test_json_body_that_is_not_an_object_is_refused(api, dummy_policymaker, raw, status, code):
    """Malformed JSON is a 400; well-formed JSON that is not an object is a 422."""
    response = api.post(
        "/api/v1/consultations",
        data=raw,
        content_type="application/json",
        as_user=dummy_policymaker,
    )

    assert_error(response, status, code)


def test_json_with_charset_is_accepted(api, dummy_policymaker):
    response = api.post(
        "/api/v1/consultations",
        data='{"title": "Жол", "summary": "Қала көліктері"}'.encode(),
        content_type="application/json; charset=utf-8",
        as_user=dummy_policymaker,
    )

    assert response.status_code == 201
    assert response.get_json()["title"] == "Жол"


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data; boundary=x"])
def test_body_that_is_not_json_is_415(api, dummy_statement, dummy_user, content_type):
    response = api.put(
        f"/api/v1/statements/{dummy_statement.id}/vote",
        data='{"value": "agree"}',
        content_type=content_type,
        as_user=dummy_user,
    )

    assert_error(response, 415, "unsupported_media_type")


def test_validation_error_lists_every_field(api, dummy_policymaker):
    response = api.post(
        "/api/v1/consultations",
        json={"title": "", "moderation": "sometimes", "colour": "red"},
        as_user=dummy_policymaker,
    )

    error = assert_error(response, 422, "validation_error")
    assert set(error["fields"]) == {"title", "summary", "moderation", "colour"}
    assert all(isinstance(m, list) and m for m in error["fields"].values())


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 1024}])
def test_body_over_the_limit_is_413(api, dummy_policymaker):
    response = api.post(
        "/api/v1/consultations",
        json={"title": "Big", "summary": "x" * 2000},
        as_user=dummy_policymaker,
    )

    assert_error(response, 413, "payload_too_large")


def test_unexpected_exception_is_json_500_without_traceback(app, api):
    def explode():
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/api/v1/_explode", "test_explode", explode)

    response = api.get("/api/v1/_explode")

    error = assert_error(response, 500, "internal_error")
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    assert "secret internal detail" not in text
    assert "RuntimeError" not in error["message"]


def test_error_responses_carry_security_headers(api):
    response = api.get("/api/v1/consultations/0")

    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_ids_beyond_the_database_range_are_404_on_every_route_and_page(app, api, dummy_admin):
    checked = 0
    for rule in app.url_map.iter_rules():
        if "<id:" not in rule.rule:
            continue
        url = re.sub(r"<id:[^>]+>", "99999999999999999999", rule.rule)
        url = re.sub(r"<[^>]+>", "x", url)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = api.request(method, url, json={}, as_user=dummy_admin)
            assert response.status_code == 404, (method, url, response.get_json())
            checked += 1

    assert checked >= 35
