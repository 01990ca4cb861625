"""Dates, numbers and rate limits written the way the reader's language writes them.

One format per kind and per locale, used by every page, export and message: a day
("Dec 2, 2026" / "2 дек. 2026 г." / "2026 ж. 02 жел."), a moment (the day and the time, in the
display time zone, with its name), a count ("12,345" / "12 345"), a share ("46%" / "46 %") and a
score with two decimals ("0.83" / "0,83"). Templates use the filters of :func:`init_app`
(``|day``, ``|moment``, ``|number``, ``|share``, ``|score``); Flask-Babel's own
``dateformat``/``datetimeformat`` filters are pointed at the same two formats, so that a
template written with them cannot bring back a second format.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from babel.dates import get_datetime_format
from flask import Flask
from flask_babel import (
    LazyString,
    format_date,
    format_decimal,
    format_percent,
    format_time,
    get_locale,
    ngettext,
)
from flask_babel import gettext as _

_EMPTY = "—"


def format_day(value: date | datetime | None) -> str:
    """The day, in the reader's language (``Dec 2, 2026``)."""
    if value is None:
        return _EMPTY
    return str(format_date(value, "medium"))


def format_moment(value: datetime | None) -> str:
    """The day and the time, in the reader's language and the display time zone."""
    if value is None:
        return _EMPTY
    pattern = str(get_datetime_format("medium", locale=get_locale() or "en"))
    time_text = f"{format_time(value, 'HH:mm')} {format_time(value, 'z')}"
    return pattern.replace("{1}", str(format_date(value, "medium"))).replace("{0}", time_text)


def format_number(value: float | int | None, digits: int | None = None) -> str:
    """A count or a measure with the locale's separators (``digits`` decimals when given)."""
    if value is None:
        return _EMPTY
    if digits is None:
        return str(format_decimal(value))
    return str(format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0"))


def format_score(value: float | None) -> str:
    """A score between 0 and 1 (strength, consensus), two decimals."""
    return format_number(value, 2)


def format_share(value: float | None) -> str:
    """A share between 0 and 1 as a whole percentage."""
    if value is None:
        return _EMPTY
    return str(format_percent(value))


_LIMIT = re.compile(r"^\s*(\d+)\s+per\s+(\d+\s+)?(second|minute|hour|day|month|year)s?\s*$", re.I)


def format_rate_limit(text: str) -> str:
    """A limit such as ``5 per 1 hour`` in words of the reader's language."""
    match = _LIMIT.match(text or "")
    if not match:
        return text
    count, amount, unit = int(match[1]), int(match[2] or 1), match[3].lower()
    if amount == 1:
        period = {
            "second": _("second"),
            "minute": _("minute"),
            "hour": _("hour"),
            "day": _("day"),
            "month": _("month"),
            "year": _("year"),
        }[unit]
    else:
        period = {
            "second": ngettext("%(num)d second", "%(num)d seconds", amount),
            "minute": ngettext("%(num)d minute", "%(num)d minutes", amount),
            "hour": ngettext("%(num)d hour", "%(num)d hours", amount),
            "day": ngettext("%(num)d day", "%(num)d days", amount),
            "month": ngettext("%(num)d month", "%(num)d months", amount),
            "year": ngettext("%(num)d year", "%(num)d years", amount),
        }[unit]
    return str(_("%(count)s per %(period)s", count=format_number(count), period=period))


def too_long_message(limit: int, written: int | None = None) -> str:
    """The one message for a text over its length limit, in the reader's language.

    Numbers are grouped the reader's way ("2,000", "2 000"); ``written`` adds how long it was.
    """
    if written is None:
        return str(_("Use at most %(limit)s characters.", limit=format_number(limit)))
    return str(
        _(
            "Use at most %(limit)s characters (you wrote %(count)s).",
            limit=format_number(limit),
            count=format_number(written),
        )
    )


def lazy_too_long_message(limit: int, written: int | None = None) -> str:
    """``too_long_message`` translated when read (for domain errors raised by services)."""
    lazy: str = LazyString(too_long_message, limit, written)
    return lazy


def _any_day(value: Any, *_ignored: Any, **_kw: Any) -> str:
    return format_day(value)


def _any_moment(value: Any, *_ignored: Any, **_kw: Any) -> str:
    return format_moment(value)


def init_app(app: Flask) -> None:
    """Register the formatting filters (after Flask-Babel, whose date filters they replace)."""
    filters = {
        "day": format_day,
        "moment": format_moment,
        "number": format_number,
        "score": format_score,
        "share": format_share,
        "rate_limit": format_rate_limit,
        "dateformat": _any_day,
        "datetimeformat": _any_moment,
    }
    app.jinja_env.filters.update(filters)
