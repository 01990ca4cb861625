"""The moderation queue page."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request
from flask_login import current_user

from consult.auth.standing import expire_suspensions
from consult.extensions import db
from consult.languages.shown import remember_translations
from consult.moderation.forms import FLAG_REASON_CHOICES, BulkForm
from consult.moderation.models import FlagReason
from consult.moderation.pages import (
    DECISIONS,
    STATE_LABELS,
    bp,
    reason_templates,
    require_moderator,
)
from consult.moderation.permissions import moderated_consultations
from consult.moderation.queue.services import (
    QUEUE_STATES,
    queue_items,
    queue_query,
    queue_statements,
    queue_summary,
)
from consult.web import id_arg, login_required, page_number, paginate

PER_PAGE = 25


def _filters() -> dict[str, Any]:
    reason = request.args.get("reason", "")
    state = request.args.get("state", "")
    return {
        "consultation": id_arg("consultation"),
        "reason": reason if reason in {r.value for r in FlagReason} else "",
        "state": state if state in QUEUE_STATES else "",
    }


@bp.route("/moderation")
@login_required
def queue() -> Any:
    """Pending and flagged statements of the viewer's consultations, oldest first."""
    require_moderator()
    if expire_suspensions():
        db.session.commit()
    consultations = moderated_consultations(current_user)
    filters = _filters()
    if filters["consultation"] is not None and filters["consultation"] not in {
        c.id for c in consultations
    }:
        abort(403)
    query = queue_query(
        current_user,
        consultation_id=filters["consultation"],
        reason=filters["reason"] or None,
        state=filters["state"] or None,
    )
    page = paginate(query, page=page_number(), per_page=PER_PAGE)
    form = BulkForm(formdata=None)
    reason_templates(form, DECISIONS)
    form.next.data = request.full_path.rstrip("?")
    items = queue_items(page.items)
    remember_translations(queue_statements(items))
    return render_template(
        "moderation/queue.html",
        items=items,
        **page.numbers(),
        summary=queue_summary(current_user, consultation_id=filters["consultation"]),
        consultations=consultations,
        filters=filters,
        filter_args={k: v for k, v in filters.items() if v},
        form=form,
        reasons=FLAG_REASON_CHOICES,
        state_labels=STATE_LABELS,
        active_tab="queue",
    )
