"""The review page of one statement (decide with a reason), and bulk decisions from the queue."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from consult.audit.services import entries_for
from consult.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from consult.extensions import db
from consult.languages.shown import remember_translations
from consult.moderation.common import get_moderatable_statement
from consult.moderation.decisions.services import (
    bulk_moderate,
    moderate_statement,
    possible_actions,
)
from consult.moderation.flags.services import flags_of
from consult.moderation.forms import BulkForm, DecisionForm, MergeForm
from consult.moderation.pages import (
    DECISIONS,
    STATE_LABELS,
    bp,
    reason_templates,
    require_moderator,
)
from consult.moderation.permissions import audit_scope, can_block_user, can_moderate_statement
from consult.moderation.queue.services import queue_items, queue_statements
from consult.statements.models import Statement
from consult.web import ids_from, login_required, safe_next, show_errors

#: How many statements one bulk decision may change.
BULK_MAX = 200


def render_review(
    statement: Statement,
    *,
    decision: DecisionForm | None = None,
    merge: MergeForm | None = None,
    status: int = 200,
) -> Any:
    """The review page: flags, thread context, duplicates, author, history; the decision forms."""
    item = queue_items([statement])[0]
    remember_translations(queue_statements([item]))
    decision = decision or DecisionForm(formdata=None)
    reason_templates(decision, DECISIONS)
    merge = merge or MergeForm(formdata=None)
    reason_templates(merge, ("merge",))
    next_url = safe_next(
        request.values.get("next") or decision.next.data, url_for("moderation.queue")
    )
    decision.next.data = next_url
    merge.next.data = next_url
    scope = audit_scope(current_user)
    return render_template(
        "moderation/review.html",
        statement=statement,
        item=item,
        decision=decision,
        merge=merge,
        actions=possible_actions(statement, len(item.flags)),
        all_flags=flags_of(statement),
        history=entries_for("statement", statement.id, scope) if scope else [],
        own=statement.author_id == current_user.id,
        can_act=can_moderate_statement(current_user, statement),
        can_block=statement.author is not None and can_block_user(current_user, statement.author),
        next_url=next_url,
        state_labels=STATE_LABELS,
        active_tab="queue",
    ), status


@bp.route("/moderation/statements/<id:statement_id>", methods=["GET", "POST"])
@login_required
def review(statement_id: int) -> Any:
    """One statement: its flags, thread context, duplicates, author; decide with a reason."""
    require_moderator()
    statement = get_moderatable_statement(statement_id, current_user, own=True)
    if request.method == "GET":
        return render_review(statement)
    form = DecisionForm()
    templates = reason_templates(form, DECISIONS)
    if not form.validate_on_submit():
        return render_review(statement, decision=form, status=422)
    try:
        moderate_statement(
            statement, current_user, form.action.data or "", reason=form.reason_text(templates)
        )
    except ValidationFailed as exc:
        db.session.rollback()
        show_errors(form, exc, "reason")
        return render_review(statement, decision=form, status=422)
    except Conflict as exc:
        db.session.rollback()
        form.action.errors = [exc.message]
        return render_review(statement, decision=form, status=409)
    db.session.commit()
    labels = {
        "hide": _("Statement #%(id)s hidden.", id=statement.id),
        "restore": _("Statement #%(id)s restored.", id=statement.id),
        "approve": _("Statement #%(id)s approved.", id=statement.id),
        "ignore_flags": _("Flags on statement #%(id)s dismissed.", id=statement.id),
    }
    flash(labels[form.action.data or "hide"], "success")
    return redirect(safe_next(form.next.data, url_for("moderation.queue")), 303)


@bp.route("/moderation/bulk", methods=["POST"])
@login_required
def bulk() -> Any:
    """Apply one decision to the selected statements."""
    require_moderator()
    form = BulkForm()
    templates = reason_templates(form, DECISIONS)
    back = safe_next(form.next.data, url_for("moderation.queue"))
    ids = ids_from(request.form.getlist("statements"), limit=BULK_MAX)
    if ids is None:
        abort(400, description=_l("Not a statement id."))
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(back, 303)
    if not ids:
        flash(_("Select at least one statement."), "error")
        return redirect(back, 303)
    try:
        result = bulk_moderate(
            ids, current_user, form.action.data or "", reason=form.reason_text(templates)
        )
    except ValidationFailed as exc:
        db.session.rollback()
        message = _("Give a reason: pick a template or write one.")
        flash(message if "reason" in exc.fields else str(exc.message), "error")
        return redirect(back, 303)
    except NotAllowed:
        db.session.rollback()
        abort(403)
    except NotFound:
        db.session.rollback()
        abort(404)
    db.session.commit()
    if result.done:
        flash(
            ngettext("%(num)s statement updated.", "%(num)s statements updated.", len(result.done)),
            "success",
        )
    if result.skipped:
        flash(
            ngettext(
                "%(num)s statement skipped: %(why)s",
                "%(num)s statements skipped, e.g. %(why)s",
                len(result.skipped),
                why=result.skipped[0][1],
            ),
            "warning",
        )
    return redirect(back, 303)
