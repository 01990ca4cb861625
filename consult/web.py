"""Helpers every page and API endpoint shares: redirects, pagination, form errors.

One of each, so that pages and the API cannot drift apart: the strict same-site redirect, the
paginator (on Flask-SQLAlchemy's ``db.paginate``) behind every list page and every API list,
the helper that puts a service error on the form fields it names, and the login redirect.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any, Generic, TypeVar, cast
from urllib.parse import urlsplit

import flask_login
from flask import flash, redirect, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import Select
from werkzeug.wrappers import Response

from consult.errors import ConsultError
from consult.extensions import db

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

#: Largest row id (PostgreSQL ``integer``); larger ids in a query string are ignored.
MAX_ID = 2_147_483_647
#: Highest page number accepted, so that offsets stay far inside the databases' integer range.
MAX_PAGE = 1_000_000


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


def page_number(name: str = "page") -> int:
    """The page number of a list page: a missing or bad value means the first page."""
    raw = request.args.get(name, "")
    return min(int(raw), MAX_PAGE) if raw.isdigit() and int(raw) > 0 else 1


def id_arg(name: str) -> int | None:
    """An id from the query string of a page (a missing or bad one is ignored)."""
    raw = request.args.get(name, "").strip()
    return int(raw) if raw.isdigit() and int(raw) <= MAX_ID else None


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
