"""The signed-in thread page's cards region, rendered once and filled in for each participant.

The positions and their replies (``templates/consultations/_statements.html``) look the same to
every participant who may post and vote, except for a few marks of their own: their vote on
each card, the "You" badge on what they wrote, their flags, their importance marks and the
CSRF token of the forms. So for such a viewer the region is rendered once per content version
(``versions.py``), language and path (sort and page), with markers where those marks go
(``viewer_value`` and ``viewer_block`` in the templates), kept where the anonymous page is
kept (``pagecache.py``'s storage), and filled in per request from the viewer's votes, flags and
marks (one query each, the ones the full render uses). The rest of the page (header, account
menu, the position form) is rendered per request as before; on a hit only the thread hooks that
read the viewer run (``register_thread_context(..., per_viewer=True)``), the others' context
(translations, official responses) being in the shared render already.

Rendered the full way (``render_consultation_page``): anyone who may not post (visitors have
``pagecache``; closed consultations, blocked accounts), the consultation's staff (editors,
moderators: their cards carry tools), a viewer with statements awaiting moderation (they see
them, nobody else does), query strings other than ``sort`` and ``page``, and the re-renders
with form errors.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import select

from consult.consultations import pagecache
from consult.consultations.models import Consultation
from consult.consultations.permissions import can_edit_consultation, can_moderate_consultation
from consult.extensions import db
from consult.statements.hooks import thread_context
from consult.statements.models import Statement, StatementStatus
from consult.statements.permissions import can_post_statement
from consult.statements.services import my_votes

_PREFIX = "kenes:cards:"
#: The one viewer shape served from a shared render: signed in, may post and vote, no staff.
SHAPE = "participant"
TEMPLATE = "consultations/_statements.html"


# --- the template helpers ------------------------------------------------------------------


def viewer_value(kind: str, sid: int, arg: Any, value: Any) -> Any:
    """A value that is the viewer's own (a full render: the value itself)."""
    return value


def viewer_block(kind: str, sid: int, variant: str, show: bool, caller: Callable[[], str]) -> str:
    """Markup shown to some viewers only (a full render: shown when ``show``)."""
    return caller() if show else ""


def install(app: Flask) -> None:
    """Make the full-render helpers available to every template (cards appear on several
    pages; only the thread page's shared render replaces them)."""
    app.jinja_env.globals.update(viewer_value=viewer_value, viewer_block=viewer_block)


def _shared_helpers(nonce: str) -> dict[str, Any]:
    """The helpers of a shared render: markers that :func:`fill` replaces per viewer."""

    def value(kind: str, sid: int, arg: Any, value: Any) -> Markup:
        return Markup("\x00{}:{}:{}:{}\x03").format(nonce, kind, int(sid), arg)

    def block(kind: str, sid: int, variant: str, show: bool, caller: Callable[[], str]) -> Markup:
        start = Markup("\x00{}:{}:{}:{}\x02").format(nonce, kind, int(sid), variant)
        return start + caller() + Markup("\x01{}\x03").format(nonce)

    return {
        "viewer_value": value,
        "viewer_block": block,
        "csrf_token": lambda: pagecache.CSRF_MARKER,
    }


# --- the stored render ---------------------------------------------------------------------


@dataclass(frozen=True)
class SharedCards:
    """A shared render of the cards region, with what filling it in needs."""

    #: random per render: user text cannot forge a marker
    nonce: str
    #: the statements on the cards (the ids the page's context providers are asked about)
    ids: list[int]
    #: who wrote each card's statement (the "You" badge; nobody flags their own)
    authors: dict[int, int | None]
    html: str

    def dumps(self) -> str:
        return json.dumps(
            {
                "nonce": self.nonce,
                "ids": self.ids,
                "authors": {str(k): v for k, v in self.authors.items()},
                "html": self.html,
            }
        )

    @classmethod
    def loads(cls, raw: str) -> SharedCards | None:
        try:
            data = json.loads(raw)
            return cls(
                nonce=str(data["nonce"]),
                ids=[int(i) for i in data["ids"]],
                authors={int(k): v for k, v in data["authors"].items()},
                html=str(data["html"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None  # written by another version of the app: render again


@dataclass(frozen=True)
class ViewerMarks:
    """What is the viewer's own on the cards."""

    user_id: int | None
    votes: Mapping[int, int]
    flagged: set[int] | frozenset[int]
    marked: set[int] | frozenset[int]


def fill(cards: SharedCards, marks: ViewerMarks) -> str:
    """The shared render with the viewer's marks in place of the markers (one pass)."""
    nonce = re.escape(cards.nonce)
    pattern = re.compile(
        f"\x00{nonce}:([a-z]+):([0-9]+):(-?[a-z0-9]*)(?:\x02(.*?)\x01{nonce})?\x03", re.DOTALL
    )

    def replace(match: re.Match[str]) -> str:
        kind, sid, arg, body = match.group(1), int(match.group(2)), match.group(3), match.group(4)
        mine = marks.user_id is not None and cards.authors.get(sid) == marks.user_id
        if kind == "vote":
            return "true" if marks.votes.get(sid) == int(arg) else "false"
        if kind == "you":
            return body if mine else ""
        if kind == "flag":
            flagged = sid in marks.flagged
            show = not mine and (flagged if arg == "done" else not flagged)
            return body if show else ""
        if kind == "mark":
            return body if (sid in marks.marked) == (arg == "yes") else ""
        return ""

    return pattern.sub(replace, cards.html)


# --- the page ------------------------------------------------------------------------------


def _has_pending(consultation: Consultation) -> bool:
    """Whether the viewer has statements awaiting moderation here (only they see them)."""
    found = db.session.scalar(
        select(Statement.id)
        .where(
            Statement.consultation_id == consultation.id,
            Statement.author_id == current_user.id,
            Statement.status == StatementStatus.pending,
        )
        .limit(1)
    )
    return found is not None


def is_shareable(consultation: Consultation) -> bool:
    """Tell whether this request's cards may come from the participants' shared render."""
    return (
        bool(current_app.config.get("THREAD_FRAGMENTS", True))
        and request.method == "GET"
        and current_user.is_authenticated
        and set(request.args) <= pagecache.SHARED_ARGS
        and can_post_statement(current_user, consultation)
        and not can_edit_consultation(current_user, consultation)
        and not can_moderate_consultation(current_user, consultation)
        and not _has_pending(consultation)
    )


def cards_key(consultation: Consultation) -> str:
    """The storage key: consultation, content version, language, exact path, viewer shape."""
    version = int(consultation.content_version or 0)
    return f"{pagecache.page_key(consultation.id, version, _PREFIX)}:{SHAPE}"


def _template_context(app: Flask, context: dict[str, Any]) -> dict[str, Any]:
    """The context with the app's context processors applied once, for both templates (the
    processors query: the unread notifications)."""
    app.update_template_context(context)
    return context


def serve(
    consultation: Consultation,
    *,
    region: Callable[[], dict[str, Any]],
    page: Callable[[dict[str, Any]], dict[str, Any]],
) -> Any:
    """Answer with the page, its cards region from the shared render (rendered on a miss).

    ``region()`` loads the cards region's context (the thread page's first screen: ``views``
    and what the cards template needs); ``page(extra)`` builds the rest of the page's context
    from the context providers' ``extra`` (``consult.statements.hooks``).
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    key = cards_key(consultation)
    raw = pagecache.fetch(app, key)
    cards = SharedCards.loads(raw) if raw is not None else None
    state = "hit"
    if cards is None:
        state = "miss"
        region_context = region()
        views = region_context["views"]
        extra = thread_context(consultation, current_user, list(views))
        context = _template_context(app, page(extra))
        nonce = secrets.token_hex(8)
        html = app.jinja_env.get_template(TEMPLATE).render(
            {**context, **region_context, **_shared_helpers(nonce)}
        )
        cards = SharedCards(
            nonce=nonce,
            ids=list(views),
            authors={sid: v.statement.author_id for sid, v in views.items()},
            html=html,
        )
        pagecache.store(app, key, cards.dumps())
        votes = {sid: v.my_vote for sid, v in views.items() if v.my_vote is not None}
    else:
        extra = thread_context(consultation, current_user, cards.ids, per_viewer_only=True)
        context = _template_context(app, page(extra))
        votes = my_votes(current_user, cards.ids)
    moderation = extra.get("moderation") or {}
    marks = ViewerMarks(
        user_id=current_user.id,
        votes=votes,
        flagged=set(moderation.get("flagged_by_me") or ()),
        marked=set(extra.get("importance_marked") or ()),
    )
    filled = fill(cards, marks).replace(pagecache.CSRF_MARKER, generate_csrf())
    # the app's own render (autoescaped) with the viewer's marks put in: safe as it is
    context["statements_html"] = Markup(filled)  # noqa: S704
    html = app.jinja_env.get_template("consultations/show.html").render(context)
    response = Response(html, mimetype="text/html")
    response.headers["X-Kenes-Cards"] = state
    return response
