"""Working-day arithmetic of response deadlines: weekends and public holidays skipped."""

from __future__ import annotations

from datetime import date

import pytest

from consult.consultations.models import Holiday
from consult.errors import ValidationFailed
from consult.responses.calendar import (
    add_working_days,
    is_working_day,
    parse_public_holidays,
    public_holidays,
    response_due_date,
    working_days_between,
)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2025, 3, 3), 0, date(2025, 3, 3)),  # Monday, no days
        (date(2025, 3, 3), 1, date(2025, 3, 4)),  # Monday -> Tuesday
        (date(2025, 3, 7), 1, date(2025, 3, 10)),  # Friday -> Monday
        (date(2025, 3, 8), 1, date(2025, 3, 10)),  # Saturday -> Monday
        (date(2025, 3, 9), 5, date(2025, 3, 14)),  # Sunday + 5 -> Friday
        (date(2025, 3, 3), 15, date(2025, 3, 24)),  # three full weeks
        (date(2025, 12, 31), 2, date(2026, 1, 2)),  # across a year end
    ],
)
def test_add_working_days_skips_weekends(start: date, days: int, expected: date) -> None:
    assert add_working_days(start, days) == expected


def test_add_working_days_skips_holidays() -> None:
    # Nauryz: 21-23 March 2025 (Fri-Sun) and the Monday off.
    holidays = [date(2025, 3, 21), date(2025, 3, 24)]
    assert add_working_days(date(2025, 3, 20), 1, holidays) == date(2025, 3, 25)
    assert add_working_days(date(2025, 3, 3), 15, holidays) == date(2025, 3, 26)


def test_add_working_days_holiday_on_a_weekend_counts_once() -> None:
    assert add_working_days(date(2025, 3, 7), 1, [date(2025, 3, 8)]) == date(2025, 3, 10)


def test_add_working_days_rejects_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_working_days(date(2025, 1, 1), -1)


def test_working_days_between_counts_and_signs() -> None:
    assert working_days_between(date(2025, 3, 7), date(2025, 3, 10)) == 1
    assert working_days_between(date(2025, 3, 10), date(2025, 3, 7)) == -1
    assert working_days_between(date(2025, 3, 3), date(2025, 3, 3)) == 0
    assert working_days_between(date(2025, 3, 3), date(2025, 3, 24), [date(2025, 3, 21)]) == 14


def test_is_working_day() -> None:
    assert is_working_day(date(2025, 3, 3))
    assert not is_working_day(date(2025, 3, 8))
    assert not is_working_day(date(2025, 3, 3), [date(2025, 3, 3)])


def test_parse_public_holidays_accepts_lists_and_strings() -> None:
    assert parse_public_holidays(["2025-03-21"]) == {date(2025, 3, 21)}
    assert parse_public_holidays("2025-03-21, 2025-03-24") == {date(2025, 3, 21), date(2025, 3, 24)}
    with pytest.raises(ValidationFailed, match="not an ISO date"):
        parse_public_holidays(["21.03.2025"])


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"PUBLIC_HOLIDAYS": ["2025-03-24"], "RESPONSE_WORKING_DAYS": 15}


def test_public_holidays_merge_table_and_config(db: object) -> None:
    from consult.extensions import db as _db

    _db.session.add(Holiday(day=date(2025, 3, 21), name="Nauryz"))
    _db.session.flush()
    assert public_holidays() == {date(2025, 3, 21), date(2025, 3, 24)}
    # 3 March + 15 working days, minus the two holidays, lands on Wednesday 26 March.
    assert response_due_date(date(2025, 3, 3)) == date(2025, 3, 26)
