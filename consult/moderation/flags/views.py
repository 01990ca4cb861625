"""The participants' flag form."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.auth.standing import is_blocked
from consult.errors import Conflict, ValidationFailed
from consult.extensions import db
from consult.languages.shown import remember_translations
from consult.moderation.flags.services import flag_statement, has_flagged, readable_statement
from consult.moderation.forms import FlagForm
from consult.moderation.models import FlagReason
from consult.moderation.pages import bp
from consult.moderation.permissions import can_flag_statement
from consult.ratelimits import rate_limited
from consult.statements.models import Statement, StatementStatus
from consult.web import login_required, show_errors


def _notice(statement: Statement) -> tuple[str | None, int]:
    """Why the viewer cannot flag this statement now (and the status to answer), if so."""
    posting = request.method == "POST"
    if statement.author_id == current_user.id:
        return _("This is your own statement: you cannot flag it."), 403
    if is_blocked(current_user):
        return _("Your account cannot flag statements at the moment."), 403
    if statement.status is not StatementStatus.visible:
        message = _("This statement is already being reviewed by the moderators.")
        return message, 409 if posting else 200
    if has_flagged(statement, current_user):
        message = _("You have already flagged this statement. Thank you: it is queued for review.")
        return message, 409 if posting else 200
    return None, 200


@bp.route("/statements/<id:statement_id>/flag", methods=["GET", "POST"])
@login_required
@rate_limited("flag")
def flag(statement_id: int) -> Any:
    """Report a statement to the moderators."""
    statement = readable_statement(statement_id, current_user)
    if statement is None:
        abort(404)
    back = url_for("statements.show", statement_id=statement.id)
    form = FlagForm()
    notice, status = _notice(statement)
    if request.method == "POST" and notice is None:
        if not form.validate_on_submit():
            status = 422
        else:
            try:
                flag_statement(
                    statement,
                    current_user,
                    reason=FlagReason(form.reason.data),
                    note=form.note.data or "",
                )
            except Conflict as exc:
                db.session.rollback()
                notice, status = str(exc.message), 409
            except ValidationFailed as exc:
                db.session.rollback()
                show_errors(form, exc, "note")
                status = 422
            else:
                db.session.commit()
                flash(_("Thank you. The moderators will review this statement."), "success")
                return redirect(back, 303)
    remember_translations([statement])
    return render_template(
        "moderation/flag.html",
        statement=statement,
        form=form,
        notice=notice,
        can_flag=notice is None and can_flag_statement(current_user, statement),
        back=back,
    ), status
