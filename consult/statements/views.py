"""Post positions and arguments from the discussion page; permalinks to statements."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.auth.recovery import needs_verification
from consult.auth.standing import is_blocked
from consult.consultations.models import Consultation
from consult.consultations.views import (
    load_authors,
    load_consultation,
    render_consultation_page,
)
from consult.errors import Conflict, ValidationFailed
from consult.extensions import db
from consult.ratelimits import rate_limited
from consult.statements.forms import ArgumentForm, PositionForm
from consult.statements.hooks import thread_context
from consult.statements.models import Statement, StatementKind, StatementStatus
from consult.statements.permissions import can_post_statement, can_view_statement
from consult.statements.services import create_statement
from consult.statements.thread import branch_ancestors, branch_page, statement_place
from consult.web import login_redirect, page_number, show_errors

bp = Blueprint("statements", __name__)


def thread_url(statement: Statement) -> str:
    """The statement's place: its page of positions, or the page of the statement it answers."""
    above, page = statement_place(statement, current_user)
    anchor = f"s-{statement.id}"
    if above is not None:
        return url_for(
            "statements.branch",
            statement_id=above,
            page=page if page > 1 else None,
            _anchor=anchor,
        )
    return url_for(
        "consultations.show",
        slug=statement.consultation.slug,
        page=page if page > 1 else None,
        _anchor=anchor,
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
    if statement.status is StatementStatus.pending and needs_verification(current_user):
        flash(
            _(
                "Thank you. Your statement will appear once you confirm your e-mail address "
                "(we sent you a link)."
            ),
            "info",
        )
    elif statement.status is StatementStatus.pending:
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


@bp.route("/statements/<id:statement_id>/replies")
def replies(statement_id: int) -> Any:
    """The former address of a statement's replies: its own page (same page, same anchor)."""
    page = request.args.get("page")
    fragment = request.args.get("fragment")
    target = url_for("statements.branch", statement_id=statement_id, page=page, fragment=fragment)
    return redirect(target, 301)


@bp.route("/statements/<id:statement_id>/branch")
def branch(statement_id: int) -> Any:
    """One statement on its own page: a breadcrumb to the question, the statement, and its
    replies a page at a time, each with its strongest replies (bounded like the thread page).

    With ``?fragment=1`` only the list of replies is returned, for static/js/kenes.js to put in
    place under the statement on the thread page.
    """
    statement = db.session.get(Statement, statement_id)
    if statement is None or statement.status is StatementStatus.merged:
        abort(404)
    consultation = statement.consultation
    load_consultation(consultation.slug)  # 404 unless the viewer may see the consultation
    readable = can_view_statement(current_user, statement)
    screen = branch_page(statement, current_user, page=page_number())
    if not readable and not screen.total:
        abort(404)
    views = screen.views
    fragment = request.args.get("fragment") == "1"
    next_page_url = None
    if fragment and screen.page < screen.pages:
        next_page_url = url_for(
            "statements.branch", statement_id=statement.id, page=screen.page + 1, fragment="1"
        )
    can_post = can_post_statement(current_user, consultation)
    context = thread_context(consultation, current_user, list(views))
    context.update(
        consultation=consultation,
        statement=statement,
        readable=readable,
        screen=screen,
        focus=screen.parent,
        ancestors=branch_ancestors(statement, current_user),
        cards=screen.cards if fragment else [screen.parent],
        root_class="" if fragment else "thread-root",
        open_depth=1 if fragment else 2,
        views=views,
        can_post=can_post,
        can_vote=can_post,
        reply_target=None,
        argument_form=None,
        max_length=current_app.config["STATEMENT_MAX_LENGTH"],
        authors=load_authors(views),
        next_page_url=next_page_url,
        active_tab="discussion",
    )
    template = "statements/_thread.html" if fragment else "statements/branch.html"
    return render_template(template, **context)
