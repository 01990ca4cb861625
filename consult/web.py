"""Helpers every page and API endpoint shares: input at the edge, redirects, pagination.

One of each, so that pages and the API cannot drift apart: the ``id`` URL converter of every
route (ASCII digits, 1..MAX_ID, anything else a 404), the integer reader of every query string
(:func:`query_int`), the guard that refuses NUL and control characters in paths, query strings
and form fields before any view runs (:func:`refuse_control_characters`), the strict same-site
redirect, the paginator (on Flask-SQLAlchemy's ``db.paginate``) behind every list page and
every API list, the helper that puts a service error on the form fields it names, and the
login redirect. :func:`init_app` registers the converter and the guard.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any, Generic, TypeVar, cast
from urllib.parse import urlsplit

import flask_login
from flask import Flask, abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import Select
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter
from werkzeug.wrappers import Response
from wtforms import IntegerField
from wtforms.validators import ValidationError

from consult.errors import ConsultError
from consult.extensions import db

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

#: Largest row id (PostgreSQL ``integer``); larger ids in a query string are ignored.
MAX_ID = 2_147_483_647
#: Highest page number accepted, so that offsets stay far inside the databases' integer range.
MAX_PAGE = 1_000_000

#: C0 control characters (tab, newline and carriage return excepted), DEL and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def parse_id(raw: str) -> int | None:
    """The row id written in ``raw`` (ASCII digits, 1..MAX_ID), else None.

    >>> [parse_id(v) for v in ("42", "0", "2147483648", "\u00b2", "\u0663", " 7", "1e3", "")]
    [42, None, None, None, None, None, None, None]
    """
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10:
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


def parse_int(raw: str, *, minimum: int, maximum: int) -> int | None:
    """A whole number written in ASCII digits within ``minimum..maximum``, else None.

    >>> [parse_int(v, minimum=1, maximum=100) for v in ("7", "101", "\u00b2", "1e20", "-1")]
    [7, None, None, None, None]
    """
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(maximum)):
        return None
    value = int(raw)
    return value if minimum <= value <= maximum else None


class IdConverter(BaseConverter):
    """``<id:name>``: a row id in a URL; any other value is a 404, on every method.

    Werkzeug's ``int`` takes Unicode digits and any size; a converter that refuses a value makes
    the router try the other rules (and answer 405 when only another method matches), so an id
    no row can have ends the routing with 404 here instead.
    """

    regex = r"[0-9]+"
    weight = 50
    part_isolating = True

    def to_python(self, value: str) -> int:
        parsed = parse_id(value)
        if parsed is None:
            raise NotFound()
        return parsed

    def to_url(self, value: object) -> str:
        return str(int(value))  # type: ignore[call-overload]


class IdField(IntegerField):
    """A form field holding a row id (ASCII digits, 1..MAX_ID)."""

    data: Any

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        raw = str(valuelist[0]).strip()
        self.data = parse_id(raw)
        if self.data is None and raw:
            self.data = None
            raise ValueError(self.gettext("Not a valid integer value."))


def coerce_id(value: object) -> int:
    """``coerce`` of a WTForms choice field of ids: ValueError unless an id."""
    parsed = value if isinstance(value, int) and 1 <= value <= MAX_ID else None
    if parsed is None and isinstance(value, str):
        parsed = parse_id(value.strip())
    if parsed is None:
        raise ValueError("not an id")
    return parsed


def ids_from(values: list[str], *, limit: int) -> list[int] | None:
    """Ids from a multi-valued form field; None when one of them is not an id."""
    parsed = [parse_id(value.strip()) for value in values[:limit]]
    if any(value is None for value in parsed):
        return None
    return [value for value in parsed if value is not None]


def has_control_characters(text: str) -> bool:
    """Tell whether ``text`` holds NUL or another control character (not tab or newline).

    >>> has_control_characters("a\x00b"), has_control_characters("line\r\nnext\tcell")
    (True, False)
    """
    return _CONTROL.search(text) is not None


def no_control_characters(form: Any, field: Any) -> None:
    """WTForms validator: refuse NUL and control characters."""
    if isinstance(field.data, str) and has_control_characters(field.data):
        raise ValidationError(field.gettext("Remove the control characters."))


def refuse_control_characters() -> None:
    """Answer 400 when the path, the query string or a form field holds a control character.

    No page or endpoint stores such characters, and PostgreSQL cannot store NUL at all, so they
    are refused before any view runs (JSON bodies are checked by ``consult.api.load_body``).
    """
    texts = [request.path]
    texts += [item for pair in request.args.items(multi=True) for item in pair]
    if request.method != "GET" and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        texts += [item for pair in request.form.items(multi=True) for item in pair]
    if any(has_control_characters(text) for text in texts):
        abort(400, description=_l("The request holds control characters."))


def init_app(app: Flask) -> None:
    """Register the ``id`` URL converter and the control-character guard."""
    app.url_map.converters["id"] = IdConverter
    app.before_request(refuse_control_characters)


def safe_next(target: str | None, default: str) -> str:
    """Return ``target`` if it is a path on this site, else ``default``.

    >>> safe_next("/consultations/air?sort=votes", "/")
    '/consultations/air?sort=votes'
    >>> [safe_next(t, "/") for t in ("//evil.example", "/\\\\evil.example", "https://evil.example")]
    ['/', '/', '/']
    >>> [safe_next(t, "/") for t in ("javascript:alert(1)", "/\\tx", "relative", "", None)]
    ['/', '/', '/', '/', '/']
    """
    if not target:
        return default
    # Browsers read "/\\host" as "//host" and drop tabs and newlines: refuse all of them.
    if "\\" in target or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def login_required(view: F) -> F:
    """Flask-Login's ``login_required`` (send visitors to the login page), with its type kept:
    Flask-Login ships no type hints."""
    return cast(F, flask_login.login_required(view))


def login_redirect(next_url: str, message: str | None = None) -> Response:
    """Send a visitor to the login page (with a notice), then back to ``next_url``."""
    if message:
        flash(message, "info")
    return redirect(url_for("auth.login", next=next_url), 303)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items and where it stands in the whole."""

    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one, even when empty)."""
        return max(1, ceil(self.total / self.per_page))

    def numbers(self) -> dict[str, int]:
        """``page``, ``pages`` and ``total``: what the pagination macro and the count show."""
        return {"page": self.page, "pages": self.pages, "total": self.total}


def paginate(query: Select[Any], *, page: int, per_page: int) -> Page[Any]:
    """Run one page of a SELECT of rows (and a count of all of them)."""
    result = db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)
    return Page(items=list(result.items), page=page, per_page=per_page, total=result.total or 0)


def query_int(name: str, *, default: int, minimum: int = 1, maximum: int = MAX_PAGE) -> int:
    """An integer from the query string of a page: a missing or bad value means ``default``."""
    value = parse_int(request.args.get(name, "").strip(), minimum=minimum, maximum=maximum)
    return default if value is None else value


def page_number(name: str = "page") -> int:
    """The page number of a list page: a missing or bad value means the first page."""
    return query_int(name, default=1)


def id_arg(name: str) -> int | None:
    """An id from the query string of a page (a missing or bad one is ignored)."""
    return parse_id(request.args.get(name, "").strip())


class EmptyForm(FlaskForm):
    """A form with only its CSRF token (for buttons that POST)."""


def show_errors(
    form: Any,
    error: ConsultError,
    default: str | None = None,
    *,
    aliases: dict[str, str] | None = None,
) -> None:
    """Put a service error's messages on the form fields it names.

    ``aliases`` maps the service's field names to the form's (``{"links": "target"}``).
    Messages for a field the form lacks, and the message of an error that names no field, go on
    the ``default`` field; without a default they are flashed.
    """
    fields: dict[str, Sequence[str]] = dict(error.fields) or {default or "": [error.message]}
    for name, messages in fields.items():
        name = (aliases or {}).get(name, name)
        field = getattr(form, name, None) if name else None
        if field is None and default:
            field = getattr(form, default)
        if field is None:
            for message in messages:
                flash(str(message), "error")
            continue
        field.errors = [*list(field.errors or []), *messages]
