"""Post positions and arguments from the discussion page; permalinks to statements."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.auth.standing import is_blocked
from consult.consultations.models import Consultation
from consult.consultations.views import load_consultation, render_consultation_page
from consult.errors import Conflict, ValidationFailed
from consult.extensions import db
from consult.ratelimits import rate_limited
from consult.statements.forms import ArgumentForm, PositionForm
from consult.statements.models import Statement, StatementKind, StatementStatus
from consult.statements.permissions import can_view_statement
from consult.statements.services import create_statement
from consult.web import login_redirect, show_errors

bp = Blueprint("statements", __name__)


def thread_url(statement: Statement) -> str:
    """The statement's place on its consultation's page."""
    return url_for(
        "consultations.show", slug=statement.consultation.slug, _anchor=f"s-{statement.id}"
    )


def _check_can_take_part(consultation: Consultation) -> None:
    if not consultation.is_open:
        raise Conflict(_("This consultation is not open for contributions."))
    if is_blocked(current_user):
        abort(403, _("Your account cannot post or vote at the moment."))


@bp.route("/consultations/<slug>/statements", methods=["POST"])
@rate_limited("post")
def create(slug: str) -> Any:
    """Post a position, or an argument for or against a statement of this consultation."""
    consultation = load_consultation(slug)
    if not current_user.is_authenticated:
        return login_redirect(
            url_for("consultations.show", slug=consultation.slug),
            _("Log in to take part in this consultation."),
        )
    _check_can_take_part(consultation)
    kind = request.form.get("kind", StatementKind.position.value)
    if kind == StatementKind.argument.value:
        form: PositionForm | ArgumentForm = ArgumentForm()
    elif kind == StatementKind.position.value:
        form = PositionForm()
    else:
        form = PositionForm()
        form.validate()
        form.text.errors = [*form.text.errors, _("Unknown kind of statement.")]
        return _rerender(consultation, form, 422)
    if not form.validate_on_submit():
        return _rerender(consultation, form, 422)
    links = []
    if isinstance(form, ArgumentForm):
        links = [(form.target.data, form.relation.data)]
    try:
        statement = create_statement(
            consultation, current_user, text=form.text.data or "", kind=kind, links=links
        )
    except (ValidationFailed, Conflict) as exc:
        # The service checks everything before writing; nothing is committed on this path.
        if not exc.fields or "consultation" in exc.fields:
            raise
        show_errors(form, exc, "text", aliases={"links": "target"})
        return _rerender(consultation, form, exc.status)
    db.session.commit()
    if statement.status is StatementStatus.pending:
        flash(_("Thank you. Your statement will appear once a moderator has approved it."), "info")
    elif statement.kind is StatementKind.position:
        flash(_("Your position has been published."), "success")
    else:
        flash(_("Your argument has been published."), "success")
    return redirect(thread_url(statement), 303)


def _rerender(consultation: Consultation, form: PositionForm | ArgumentForm, status: int) -> Any:
    if isinstance(form, ArgumentForm):
        return render_consultation_page(consultation, argument_form=form, status=status)
    return render_consultation_page(consultation, position_form=form, status=status)


MAX_MERGE_HOPS = 20


@bp.route("/statements/<id:statement_id>")
def show(statement_id: int) -> Any:
    """Redirect to the statement on its consultation's page (a merged one: to its target)."""
    statement = db.session.get(Statement, statement_id)
    hops = 0
    while (
        statement is not None
        and statement.status is StatementStatus.merged
        and statement.merged_into_id is not None
        and hops < MAX_MERGE_HOPS
    ):
        statement = db.session.get(Statement, statement.merged_into_id)
        hops += 1
    if (
        statement is None
        or statement.status is StatementStatus.merged
        or not can_view_statement(current_user, statement)
    ):
        abort(404)
    return redirect(thread_url(statement))
