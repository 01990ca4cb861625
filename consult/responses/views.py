"""Official responses pages: the public "what we heard — what we did" dashboard, answering and
deadline extensions; plus what the discussion page shows of responses."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from consult.consultations.models import Consultation, ConsultationStatus
from consult.consultations.permissions import can_view_consultation
from consult.consultations.services import (
    change_status,
    consultation_counts,
)
from consult.consultations.views import load_consultation
from consult.errors import ConsultError
from consult.extensions import db
from consult.languages.shown import remember_translations
from consult.responses import deadlines, services
from consult.responses.forms import ExtensionForm, ResponseEditForm, ResponseForm
from consult.responses.models import Response, ResponseItem
from consult.responses.permissions import (
    can_manage_responses,
    can_respond_consultation,
    can_view_report,
)
from consult.statements.models import Statement, StatementStatus
from consult.statements.services import vote_counts
from consult.web import EmptyForm, login_required, parse_id, show_errors

bp = Blueprint("responses", __name__)

#: Rendered inside every statement card of the discussion page.
STATEMENT_PARTIAL = "responses/_statement_response.html"


def _consultation_or_404(slug: str) -> Consultation:
    return load_consultation(slug)


def _form_choices(
    consultation: Consultation, states: list[deadlines.ItemState], extra: list[int]
) -> list[tuple[int, Statement]]:
    """The statements offered in the answer form: open required items, plus any requested."""
    ids = [s.item.statement_id for s in states if s.state != "answered"]
    for sid in extra:
        if sid not in ids:
            ids.append(sid)
    statements = {
        s.id: s
        for s in db.session.scalars(
            select(Statement).where(
                Statement.id.in_(ids),
                Statement.consultation_id == consultation.id,
                Statement.status == StatementStatus.visible,
            )
        )
    }
    return [(sid, statements[sid]) for sid in ids if sid in statements]


def _render_dashboard(
    consultation: Consultation,
    *,
    form: ResponseForm | None = None,
    extension_forms: dict[int, ExtensionForm] | None = None,
    status: int = 200,
) -> Any:
    manage = can_manage_responses(current_user, consultation)
    respond = can_respond_consultation(current_user, consultation)
    responses = services.list_responses(consultation)
    states = deadlines.item_states(consultation)
    heard_ids = sorted({s.id for r in responses for s in r.statements})
    shown = [s for r in responses for s in r.statements] + [s.statement for s in states]
    statement_counts = vote_counts(heard_ids)
    context: dict[str, Any] = {
        "consultation": consultation,
        "responses": responses,
        "statement_counts": statement_counts,
        "counts": consultation_counts([consultation.id])[consultation.id],
        "extended": [
            s for s in states if s.item.extended_due_on is not None and s.state != "answered"
        ],
        "manage": manage,
        "respond": respond,
        "decision_label": services.decision_label,
        "reason_label": services.reason_label,
        "report_visible": can_view_report(current_user, consultation),
    }
    if manage:
        requested: list[int] = []
        for value in request.args.getlist("statement"):
            statement_id = parse_id(value.strip())
            if statement_id is not None:
                requested.append(statement_id)
        if form is None:
            form = ResponseForm()
            form.statements.data = requested
        for sid in form.statements.data or []:
            if sid not in requested:
                requested.append(sid)
        choices = _form_choices(consultation, states, requested)
        shown.extend(statement for _sid, statement in choices)
        summary = deadlines.response_summary(states)
        context.update(
            form=form,
            statement_choices=choices,
            states=states,
            summary=summary,
            extension_forms=extension_forms or {},
            publish_form=EmptyForm(),
            can_publish=consultation.status is ConsultationStatus.closed
            and summary["due"] + summary["overdue"] == 0,
        )
    remember_translations(shown)
    return render_template("responses/dashboard.html", **context), status


@bp.route("/consultations/<slug>/responses")
def dashboard(slug: str) -> Any:
    """What we heard — what we did; due and overdue answers for the policymakers."""
    consultation = _consultation_or_404(slug)
    return _render_dashboard(consultation)


@bp.route("/consultations/<slug>/responses", methods=["POST"])
@login_required
def create(slug: str) -> Any:
    """Publish an official response to the selected statements."""
    consultation = _consultation_or_404(slug)
    if consultation.status is ConsultationStatus.draft:
        abort(404)
    if not can_respond_consultation(current_user, consultation):
        abort(403)
    form = ResponseForm()
    if not form.validate_on_submit():
        return _render_dashboard(consultation, form=form, status=422)
    try:
        response = services.create_response(
            consultation,
            current_user,
            statement_ids=form.statements.data or [],
            decision=form.decision.data or "",
            text=form.text.data or "",
            measure_url=form.measure_url.data,
            language=request.accept_languages.best or None,
        )
    except ConsultError as exc:
        db.session.rollback()
        if exc.status not in (409, 422):
            raise
        show_errors(form, exc)
        return _render_dashboard(consultation, form=form, status=exc.status)
    db.session.commit()
    flash(
        _(
            "Your response is published and %(n)s statement(s) now show it.",
            n=len(response.statements),
        ),
        "success",
    )
    return redirect(url_for("responses.dashboard", slug=slug) + f"#response-{response.id}")


@bp.route("/responses/<id:response_id>/edit", methods=["GET", "POST"])
@login_required
def edit(response_id: int) -> Any:
    """Amend an official response."""
    response = db.get_or_404(Response, response_id)
    consultation = response.consultation
    if not can_view_consultation(current_user, consultation):
        abort(404)
    if not can_respond_consultation(current_user, consultation):
        abort(403)
    form = ResponseEditForm(obj=None if request.method == "POST" else response)
    if request.method == "GET":
        form.decision.data = response.decision.value
    if form.validate_on_submit():
        try:
            services.update_response(
                response,
                current_user,
                decision=form.decision.data,
                text=form.text.data,
                measure_url=form.measure_url.data,
            )
        except ConsultError as exc:
            db.session.rollback()
            if exc.status != 422:
                raise
            show_errors(form, exc)
            remember_translations(response.statements)
            return render_template(
                "responses/edit.html", form=form, response=response, consultation=consultation
            ), 422
        db.session.commit()
        flash(_("The response is updated."), "success")
        return redirect(url_for("responses.dashboard", slug=consultation.slug))
    status = 422 if form.is_submitted() else 200
    remember_translations(response.statements)
    return render_template(
        "responses/edit.html", form=form, response=response, consultation=consultation
    ), status


@bp.route("/consultations/<slug>/responses/items/<id:item_id>/extend", methods=["POST"])
@login_required
def extend(slug: str, item_id: int) -> Any:
    """Extend one due date, once, with a public reason."""
    consultation = _consultation_or_404(slug)
    item = db.get_or_404(ResponseItem, item_id)
    if item.consultation_id != consultation.id:
        abort(404)
    if not can_manage_responses(current_user, consultation):
        abort(403)
    form = ExtensionForm(prefix=f"x{item.id}")
    if form.validate_on_submit():
        try:
            deadlines.extend_response_item(
                item, current_user, due_on=form.due_on.data, reason=form.reason.data
            )
        except ConsultError as exc:
            db.session.rollback()
            if exc.status not in (409, 422):
                raise
            show_errors(form, exc, "reason")
            return _render_dashboard(
                consultation, extension_forms={item.id: form}, status=exc.status
            )
        db.session.commit()
        flash(_("The due date is extended; the reason is shown publicly."), "success")
        return redirect(url_for("responses.dashboard", slug=slug) + f"#item-{item.id}")
    return _render_dashboard(consultation, extension_forms={item.id: form}, status=422)


@bp.route("/consultations/<slug>/responses/publish", methods=["POST"])
@login_required
def publish_report(slug: str) -> Any:
    """Publish the report (closed → reported) once every required answer is given."""
    consultation = _consultation_or_404(slug)
    if not can_manage_responses(current_user, consultation):
        abort(403)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        change_status(consultation, ConsultationStatus.reported, current_user)
    except ConsultError as exc:
        db.session.rollback()
        if exc.status != 409:
            raise
        flash(str(exc.message), "error")
        return _render_dashboard(consultation, status=409)
    db.session.commit()
    flash(_("The report is published."), "success")
    return redirect(url_for("reports.show", slug=slug))


# --------------------------------------------------------------------------------------------
# Thread page integration


def thread_responses(consultation: Any, viewer: Any, statement_ids: list[int]) -> dict[str, Any]:
    """Official responses and deadlines of the statements shown on the thread page."""
    by_statement = services.responses_by_statement(statement_ids)
    manage = can_manage_responses(viewer, consultation)
    deadlines: dict[int, ResponseItem] = {}
    if statement_ids:
        query = select(ResponseItem).where(
            ResponseItem.consultation_id == consultation.id,
            ResponseItem.statement_id.in_(statement_ids),
            ResponseItem.response_id.is_(None),
        )
        if not manage:  # the public sees only postponements and their reasons
            query = query.where(ResponseItem.extended_due_on.is_not(None))
        deadlines = {item.statement_id: item for item in db.session.scalars(query)}
    return {
        "official_responses": by_statement,
        "response_deadlines": deadlines,
        "may_respond": can_respond_consultation(viewer, consultation),
        "response_decision_label": services.decision_label,
    }
