"""The reason templates page: list, add, change, remove."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from consult.errors import ValidationFailed
from consult.extensions import db
from consult.moderation.forms import ReasonTemplateForm
from consult.moderation.models import ReasonTemplate
from consult.moderation.pages import bp
from consult.moderation.permissions import can_manage_reason_templates
from consult.moderation.reasons import services
from consult.web import EmptyForm, login_required, show_errors


def reader_language() -> str:
    """The moderator's interface language, the likely language of a new reason."""
    return str(get_locale() or "en")


def _require_manager() -> None:
    if not can_manage_reason_templates(current_user):
        abort(403)


def _render(form: ReasonTemplateForm | None = None, status: int = 200) -> Any:
    templates = services.list_reason_templates()
    forms = {}
    for template in templates:
        edit = ReasonTemplateForm(formdata=None, prefix=f"t{template.id}")
        edit.action.data = template.action
        edit.text.data = template.text
        edit.language.data = template.language
        for version in template.versions:
            getattr(edit, f"text_{version.language}").data = version.text
        forms[template.id] = edit
    return render_template(
        "moderation/reasons.html",
        templates=templates,
        forms=forms,
        form=form or ReasonTemplateForm(formdata=None, data={"language": reader_language()}),
        active_tab="reasons",
    ), status


@bp.route("/moderation/reasons", methods=["GET", "POST"])
@login_required
def reasons() -> Any:
    """The reusable reasons moderators pick from; add one."""
    _require_manager()
    if request.method == "GET":
        return _render()
    form = ReasonTemplateForm()
    if not form.validate_on_submit():
        return _render(form, 422)
    try:
        services.create_reason_template(
            current_user,
            action=form.action.data or "",
            text=form.text.data or "",
            language=form.language.data or "en",
            versions=form.versions(),
        )
    except ValidationFailed as exc:
        db.session.rollback()
        show_errors(form, exc, "text")
        return _render(form, 422)
    db.session.commit()
    flash(_("Reason template added."), "success")
    return redirect(url_for("moderation.reasons"), 303)


@bp.route("/moderation/reasons/<id:template_id>", methods=["POST"])
@login_required
def update_reason(template_id: int) -> Any:
    """Change a reason template."""
    _require_manager()
    template = db.get_or_404(ReasonTemplate, template_id)
    form = ReasonTemplateForm(prefix=f"t{template.id}")
    if not form.validate_on_submit():
        flash(_("Write the reason (at most 500 characters)."), "error")
        return redirect(url_for("moderation.reasons"), 303)
    try:
        services.update_reason_template(
            template,
            current_user,
            action=form.action.data or "",
            text=form.text.data or "",
            language=form.language.data or template.language,
            versions=form.versions(),
        )
    except ValidationFailed as exc:
        db.session.rollback()
        details = [str(m) for messages in exc.fields.values() for m in messages]
        flash(" ".join([str(exc.message), *details]), "error")
        return redirect(url_for("moderation.reasons"), 303)
    db.session.commit()
    flash(_("Reason template saved."), "success")
    return redirect(url_for("moderation.reasons"), 303)


@bp.route("/moderation/reasons/<id:template_id>/delete", methods=["POST"])
@login_required
def delete_reason(template_id: int) -> Any:
    """Remove a reason template."""
    _require_manager()
    template = db.get_or_404(ReasonTemplate, template_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.delete_reason_template(template, current_user)
    db.session.commit()
    flash(_("Reason template removed."), "info")
    return redirect(url_for("moderation.reasons"), 303)
