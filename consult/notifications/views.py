"""The notifications page of the signed-in user, and the unread count of every page's header."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from consult.extensions import db
from consult.notifications import services
from consult.web import EmptyForm, login_required, page_number, paginate, parse_id, safe_next

bp = Blueprint("notifications", __name__)

PER_PAGE = 30


@bp.route("/notifications")
@login_required
def index() -> Any:
    """The signed-in user's notifications, newest first."""
    page = paginate(
        services.notifications_query(current_user), page=page_number(), per_page=PER_PAGE
    )
    return render_template(
        "notifications/index.html",
        items=page.items,
        **page.numbers(),
        form=EmptyForm(),
    )


@bp.route("/notifications/read", methods=["POST"])
@login_required
def read() -> Any:
    """Mark one notification (``id``) or all of them read; optionally follow its link."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    raw = request.form.get("id", "")
    if not raw:
        services.mark_notifications_read(current_user)
        db.session.commit()
        return redirect(url_for("notifications.index"))
    notification_id = parse_id(raw)
    if notification_id is None:
        abort(400)
    notification = services.own_notification(current_user, notification_id)
    if notification is None:
        abort(404)
    services.mark_notifications_read(current_user, [notification.id])
    db.session.commit()
    if request.form.get("open") and notification.link:
        return redirect(safe_next(notification.link, url_for("notifications.index")))
    return redirect(url_for("notifications.index"))


@bp.app_context_processor
def inject_unread_notifications() -> dict[str, Any]:
    """``unread_notifications`` for the header of every page."""
    try:
        return {"unread_notifications": services.unread_count(current_user)}
    except Exception:  # noqa: BLE001 - an error page must render even if the database is down
        db.session.rollback()
        return {"unread_notifications": 0}
