"""The working-day calendar of response deadlines.

A working day is a Monday to Friday that is not a public holiday. Public holidays come from two
places, merged: the ``holidays`` table (managed by administrators, see ``kenes holidays``) and
``Config.PUBLIC_HOLIDAYS`` (ISO dates, e.g. ``KENES_PUBLIC_HOLIDAYS='["2025-03-21"]'``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consult.consultations.models import Holiday
from consult.errors import ValidationFailed
from consult.extensions import db

WEEKEND = (5, 6)  # Saturday, Sunday


def is_working_day(day: date, holidays: Iterable[date] = ()) -> bool:
    """Tell whether ``day`` is a weekday that is not a holiday."""
    return day.weekday() not in WEEKEND and day not in set(holidays)


def add_working_days(start: date, days: int, holidays: Iterable[date] = ()) -> date:
    """Return the date ``days`` working days after ``start`` (``start`` itself not counted).

    >>> add_working_days(date(2025, 1, 3), 1)  # Friday -> Monday
    datetime.date(2025, 1, 6)
    >>> add_working_days(date(2025, 1, 3), 1, [date(2025, 1, 6)])
    datetime.date(2025, 1, 7)
    """
    if days < 0:
        raise ValueError("days must not be negative")
    skip = set(holidays)
    day = start
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if day.weekday() not in WEEKEND and day not in skip:
            remaining -= 1
    return day


def working_days_between(start: date, end: date, holidays: Iterable[date] = ()) -> int:
    """Count the working days after ``start`` up to and including ``end`` (negative if before).

    >>> working_days_between(date(2025, 1, 3), date(2025, 1, 10))
    5
    """
    if end < start:
        return -working_days_between(end, start, holidays)
    skip = set(holidays)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if day.weekday() not in WEEKEND and day not in skip:
            count += 1
    return count


def parse_public_holidays(values: Iterable[str] | str) -> set[date]:
    """Parse ``PUBLIC_HOLIDAYS`` (ISO dates, as a list or a comma-separated string)."""
    if isinstance(values, str):
        values = [v for v in values.replace(";", ",").split(",")]
    days = set()
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        try:
            days.add(date.fromisoformat(text))
        except ValueError:
            message = _l("PUBLIC_HOLIDAYS: %(value)s is not an ISO date", value=repr(text))
            raise ValidationFailed(message) from None
    return days


def public_holidays() -> set[date]:
    """Every configured public holiday: the holidays table plus ``PUBLIC_HOLIDAYS``."""
    days = set(db.session.scalars(select(Holiday.day)))
    days |= parse_public_holidays(current_app.config.get("PUBLIC_HOLIDAYS") or ())
    return days


def response_due_date(start: date, days: int | None = None) -> date:
    """The due date of an answer for a consultation that closed on ``start``."""
    if days is None:
        days = int(current_app.config["RESPONSE_WORKING_DAYS"])
    return add_working_days(start, days, public_holidays())
