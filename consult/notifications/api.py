"""/api/v1/notifications: the signed-in user's notifications."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import current_user

from consult.api import api, load_body, login_required_json, page_of
from consult.extensions import db
from consult.notifications import services
from consult.notifications.schemas import (  # noqa: F401  (named in the OpenAPI docstrings)
    MarkReadInputSchema,
    MarkReadResultSchema,
    NotificationListSchema,
    NotificationSchema,
)


@api.get("/notifications")
@login_required_json
def list_notifications() -> Any:
    """The signed-in user's notifications, newest first (paginated).
    ---
    get:
      summary: My notifications.
      security: [{bearer: []}]
      responses:
        200: {content: {application/json: {schema: NotificationListSchema}}}
    """
    body = page_of(services.notifications_query(current_user), NotificationSchema(many=True).dump)
    body["unread"] = services.unread_count(current_user)
    return jsonify(body)


@api.post("/notifications/read")
@login_required_json
def mark_notifications_read() -> Any:
    """Mark notifications read: ``{"ids": [...]}``, or all of them with an empty body.
    ---
    post:
      summary: Mark my notifications read.
      security: [{bearer: []}]
      requestBody: {content: {application/json: {schema: MarkReadInputSchema}}}
      responses:
        200: {content: {application/json: {schema: MarkReadResultSchema}}}
    """
    data = load_body(MarkReadInputSchema())
    marked = services.mark_notifications_read(current_user, data.get("ids"))
    db.session.commit()
    return jsonify({"marked": marked, "unread": services.unread_count(current_user)})
