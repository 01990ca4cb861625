"""Dates, numbers, limits and error pages in the reader's language: one format per locale."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask, render_template_string
from flask_babel import force_locale

from consult.formatting import (
    format_day,
    format_moment,
    format_number,
    format_rate_limit,
    format_score,
    format_share,
    too_long_message,
)

MOMENT = datetime(2026, 12, 2, 10, 35, tzinfo=UTC)


@pytest.mark.parametrize(
    ("locale", "day", "moment"),
    [
        ("en", "Dec 2, 2026", "Dec 2, 2026, 10:35 UTC"),
        ("ru", "2 дек. 2026\u202fг.", "2 дек. 2026\u202fг., 10:35 UTC"),
        ("kk", "2026\u202fж. 02 жел.", "2026\u202fж. 02 жел., 10:35 UTC"),
    ],
)
def test_format_day_and_moment_follow_the_locale(
    app: Flask, locale: str, day: str, moment: str
) -> None:
    with app.test_request_context(), force_locale(locale):
        assert format_day(MOMENT) == day
        assert format_day(date(2026, 12, 2)) == day
        assert format_moment(MOMENT) == moment


@pytest.mark.parametrize(
    ("locale", "number", "score"),
    [("en", "12,345", "0.83"), ("ru", "12\xa0345", "0,83"), ("kk", "12\xa0345", "0,83")],
)
def test_format_numbers_follow_the_locale(app: Flask, locale: str, number: str, score: str) -> None:
    with app.test_request_context(), force_locale(locale):
        assert format_number(12345) == number
        assert format_score(0.834) == score
        assert format_share(0.456).startswith("46")


def test_format_missing_values_show_a_dash(app: Flask) -> None:
    with app.test_request_context():
        assert format_day(None) == format_moment(None) == format_number(None) == "—"
        assert format_share(None) == format_score(None) == "—"


def test_format_rate_limit_in_words(app: Flask) -> None:
    with app.test_request_context():
        assert format_rate_limit("5 per 1 hour") == "5 per hour"
        assert format_rate_limit("10 per 2 minutes") == "10 per 2 minutes"
        assert format_rate_limit("something else") == "something else"


def test_too_long_message_groups_digits(app: Flask) -> None:
    with app.test_request_context():
        assert too_long_message(2000, 2500) == "Use at most 2,000 characters (you wrote 2,500)."
        with force_locale("ru"):
            assert "2\xa0000" in too_long_message(2000, 2500)


def test_babel_date_filters_give_the_same_format(app: Flask) -> None:
    with app.test_request_context(), force_locale("ru"):
        html = render_template_string(
            "{{ d|datetimeformat('short') }}|{{ d|moment }}|{{ d|dateformat('long') }}|{{ d|day }}",
            d=MOMENT,
        )
    moment, moment2, day, day2 = html.split("|")
    assert (moment, day) == (moment2, day2)


TEMPLATES = __import__("consult").ROOT / "templates"


def test_templates_format_dates_and_scores_with_the_filters() -> None:
    """No template formats a date or a score by hand (strftime, "%.2f"|format)."""
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if re.search(r"\.strftime\(|[\"']%\.[0-9]f[\"']\|format\((?![^)]*_w)", path.read_text())
    ]
    assert offenders == []


def test_error_page_drops_werkzeugs_english_explanation(client: Any) -> None:
    response = client.get("/no-such-page", headers={"Accept-Language": "ru"})
    assert response.status_code == 404
    assert b"The requested URL was not found" not in response.data


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "RATE_LIMIT_LOGIN": "1 per 1 hour"}]
)
def test_rate_limited_page_states_the_limit_in_words(client: Any) -> None:
    form = {"email": "x@example.org", "password": "not the password"}
    assert client.post("/login", data=form).status_code == 422
    limited = client.post("/login", data=form)
    assert limited.status_code == 429
    assert b"The limit is 1 per hour." in limited.data
    assert b"per 1 hour" not in limited.data
