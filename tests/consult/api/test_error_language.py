"""API error messages come in the language of the request (?lang=, Accept-Language)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from consult.types import utcnow
from tests.consult.api.helpers import assert_error


def test_not_found_follows_accept_language(api: Any) -> None:
    response = api.get("/api/v1/statements/999999", headers={"Accept-Language": "kk"})
    assert assert_error(response, 404, "not_found")["message"] == "Пікір табылмады."


def test_lang_parameter_comes_before_accept_language(api: Any) -> None:
    response = api.get("/api/v1/statements/999999?lang=ru", headers={"Accept-Language": "kk"})
    assert assert_error(response, 404, "not_found")["message"] == "Высказывание не найдено."


def test_unknown_lang_parameter_falls_back_to_accept_language(api: Any) -> None:
    response = api.get("/api/v1/statements/999999?lang=xx", headers={"Accept-Language": "ru"})
    assert assert_error(response, 404, "not_found")["message"] == "Высказывание не найдено."


def test_english_by_default(api: Any) -> None:
    response = api.get("/api/v1/statements/999999")
    assert assert_error(response, 404, "not_found")["message"] == "Statement not found."


def test_validation_field_messages_are_translated(api: Any) -> None:
    response = api.get("/api/v1/consultations?page=0&lang=ru")
    error = assert_error(response, 422, "validation_error")
    assert error["message"] == "Неверные параметры страниц."
    assert error["fields"]["page"][0].startswith("Должно быть целым числом от 1 до ")


def test_werkzeug_errors_get_a_translated_sentence(api: Any) -> None:
    response = api.request("DELETE", "/api/v1/consultations?lang=kk")
    error = assert_error(response, 405, "method_not_allowed")
    assert error["message"] == "Бұл URL үшін бұл әдіске рұқсат жоқ."


def test_unauthenticated_write_is_translated(api: Any, dummy_statement: Any) -> None:
    response = api.put(
        f"/api/v1/statements/{dummy_statement.id}/vote?lang=ru", json={"value": "agree"}
    )
    assert assert_error(response, 401, "unauthorized")["message"] == "Требуется вход в систему."


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "RATE_LIMIT_VOTE": "1 per minute"}]
)
def test_rate_limit_states_the_limit_in_the_request_language(
    api: Any, dummy_statement: Any, create_user: Any
) -> None:
    voter = create_user(created_at=utcnow() - timedelta(days=30))
    url = f"/api/v1/statements/{dummy_statement.id}/vote"
    assert api.put(url, json={"value": "agree"}, as_user=voter).status_code == 200
    english = api.put(url, json={"value": "pass"}, as_user=voter)
    assert assert_error(english, 429, "rate_limited")["message"] == "The limit is 1 per minute."
    russian = api.put(url + "?lang=ru", json={"value": "pass"}, as_user=voter)
    assert assert_error(russian, 429, "rate_limited")["message"] == "Ограничение: 1 за минуту."
