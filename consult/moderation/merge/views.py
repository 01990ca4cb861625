"""Merge a duplicate from its review page."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.errors import Conflict, ValidationFailed
from consult.extensions import db
from consult.moderation.common import get_moderatable_statement
from consult.moderation.decisions.views import render_review
from consult.moderation.forms import MergeForm
from consult.moderation.merge.services import merge_statements, merge_target
from consult.moderation.pages import bp, reason_templates, require_moderator
from consult.web import login_required, safe_next, show_errors


@bp.route("/moderation/statements/<id:statement_id>/merge", methods=["POST"])
@login_required
def merge(statement_id: int) -> Any:
    """Merge this statement (a duplicate) into another one."""
    require_moderator()
    source = get_moderatable_statement(statement_id, current_user, own=True)
    form = MergeForm()
    templates = reason_templates(form, ("merge",))
    if not form.validate_on_submit():
        return render_review(source, merge=form, status=422)
    target = merge_target(form.into.data, current_user)
    if target is None:
        form.into.errors = [_("There is no statement with this number.")]
        return render_review(source, merge=form, status=422)
    try:
        result = merge_statements(source, target, current_user, reason=form.reason_text(templates))
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        show_errors(form, exc, "into")
        return render_review(source, merge=form, status=exc.status)
    db.session.commit()
    flash(
        _(
            "Statement #%(source)s merged into #%(target)s: %(votes)s votes and %(links)s links "
            "moved, %(dropped)s duplicate votes dropped.",
            source=result.source.id,
            target=result.target.id,
            votes=result.moved_votes,
            links=result.moved_links,
            dropped=result.dropped_votes,
        ),
        "success",
    )
    return redirect(safe_next(form.next.data, url_for("moderation.queue")), 303)
