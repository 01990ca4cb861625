"""Vote from the discussion page (a plain form; static/js/kenes.js upgrades it to the API)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect
from flask_babel import gettext as _
from flask_login import current_user

from consult.auth.standing import is_blocked
from consult.consultations.views import render_consultation_page
from consult.errors import Conflict
from consult.extensions import db
from consult.ratelimits import rate_limited
from consult.statements.forms import VoteForm
from consult.statements.models import Statement, StatementStatus
from consult.statements.permissions import can_view_statement
from consult.statements.views import thread_url
from consult.votes.forms import ImportanceForm
from consult.votes.importance import mark_important, marked_by, unmark_important
from consult.votes.services import cast_vote
from consult.web import login_redirect

bp = Blueprint("votes", __name__)


def _visible_statement(statement_id: int) -> Statement:
    """The visible statement the current user may see, or 404."""
    statement = db.session.get(Statement, statement_id)
    if (
        statement is None
        or statement.status is not StatementStatus.visible
        or not can_view_statement(current_user, statement)
    ):
        abort(404)
    return statement


def _card_errors(statement: Statement, messages: list[Any]) -> Any:
    """The discussion page again (422) with the form's messages on the statement's card."""
    errors = [(str(m), f"s-{statement.id}") for m in messages]
    return render_consultation_page(statement.consultation, errors=errors, status=422)


@bp.route("/statements/<id:statement_id>/vote", methods=["POST"])
@rate_limited("vote")
def cast(statement_id: int) -> Any:
    """Agree, disagree or pass on a statement; a later vote replaces the earlier one."""
    statement = _visible_statement(statement_id)
    if not current_user.is_authenticated:
        return login_redirect(thread_url(statement), _("Log in to vote."))
    if not statement.consultation.is_open:
        raise Conflict(_("This consultation is not open for voting."))
    if is_blocked(current_user):
        abort(403, _("Your account cannot post or vote at the moment."))
    form = VoteForm()
    if not form.validate_on_submit():
        return _card_errors(statement, form.value.errors)
    cast_vote(statement, current_user, form.value.data or "")
    # Where to go back to, read before the commit: after it every object would be loaded again.
    back = thread_url(statement)
    db.session.commit()
    return redirect(back, 303)


@bp.route("/statements/<id:statement_id>/importance", methods=["POST"])
@rate_limited("importance")
def importance(statement_id: int) -> Any:
    """Mark a statement as important to me, or take the mark off (the card's toggle)."""
    statement = _visible_statement(statement_id)
    if not current_user.is_authenticated:
        return login_redirect(thread_url(statement), _("Log in to vote."))
    form = ImportanceForm()
    if not form.validate_on_submit():
        return _card_errors(statement, form.important.errors)
    if form.important.data == "yes":
        mark_important(statement, current_user)
    else:
        unmark_important(statement, current_user)
    db.session.commit()
    return redirect(thread_url(statement), 303)


def importance_thread_context(
    consultation: Any, viewer: Any, statement_ids: list[int]
) -> dict[str, Any]:
    """The statements the viewer marked as important (one query, none for visitors).

    Whether the viewer may mark at all is the page's ``can_vote``: the same rule as voting.
    """
    signed_in = viewer is not None and getattr(viewer, "is_authenticated", False)
    return {"importance_marked": marked_by(viewer, statement_ids) if signed_in else set()}


#: Rendered inside every statement card of the discussion page.
STATEMENT_PARTIAL = "votes/_statement_importance.html"
