"""Pages: the privacy notice, the person's data (download, deletion)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.security import check_password_hash

from consult.errors import ConsultError
from consult.extensions import db
from consult.jobs.schemas import job_data
from consult.privacy import services
from consult.privacy.forms import DeleteAccountForm
from consult.ratelimits import rate_limited
from consult.web import EmptyForm, login_required, show_errors

bp = Blueprint("privacy", __name__)


@bp.route("/privacy")
def show() -> Any:
    """What Kenes stores about people, why, and their rights (consent, access, deletion)."""
    return render_template("privacy/show.html")


def _data_page(form: DeleteAccountForm, status: int = 200) -> Any:
    job = services.latest_export(current_user)
    blocked = None
    try:
        services.check_can_delete(current_user)
    except ConsultError as exc:
        blocked = exc.message
    page = render_template(
        "privacy/data.html",
        job=job,
        job_info=job_data(job) if job else None,
        export_form=EmptyForm(),
        form=form,
        blocked=blocked,
    )
    return page, status, {"Cache-Control": "no-store"}


@bp.route("/account/data")
@login_required
def data() -> Any:
    """Your data: download everything as JSON, or delete the account."""
    return _data_page(DeleteAccountForm())


@bp.route("/account/data/export", methods=["POST"])
@login_required
@rate_limited("personal_data")
def export() -> Any:
    """Prepare the JSON download (a background job; its page shows the link when ready)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    job = services.request_export(current_user)
    db.session.commit()
    flash(_("Your download is being prepared. The link appears here when it is ready."), "info")
    return redirect(url_for("jobs.show", job_id=job.id), 303)


@bp.route("/account/delete", methods=["POST"])
@login_required
@rate_limited("personal_data")
def delete_account() -> Any:
    """Delete the account (password confirmed); statements stay anonymous or are removed."""
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return _data_page(form, 422)
    if not check_password_hash(current_user.password_hash or "", form.password.data or ""):
        form.password.errors.append(_("The password is not right."))
        return _data_page(form, 422)
    try:
        result = services.delete_account(
            current_user, remove_statements=bool(form.remove_statements.data)
        )
    except ConsultError as exc:
        db.session.rollback()
        show_errors(form, exc, "password")
        return _data_page(form, exc.status)
    db.session.commit()
    logout_user()
    flash(
        _(
            "Your account has been deleted. Statements removed: %(removed)s; kept without your "
            "name: %(kept)s.",
            removed=len(result.removed),
            kept=len(result.kept),
        ),
        "info",
    )
    return redirect(url_for("consultations.index"), 303)
