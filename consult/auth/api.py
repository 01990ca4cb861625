"""/api/v1/account/sessions: the caller's browser sessions (list, log out everywhere)."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import current_user

from consult.api import api, login_required_json
from consult.auth import sessions
from consult.auth.schemas import (  # noqa: F401  (named in the OpenAPI docstrings)
    EndedSessionsSchema,
    LoginSessionListSchema,
    LoginSessionSchema,
)
from consult.extensions import db


@api.get("/account/sessions", endpoint="account_sessions")
@login_required_json
def list_sessions() -> Any:
    """The caller's open browser sessions, newest first.
    ---
    get:
      summary: My open sessions.
      security: [{bearer: []}]
      responses:
        200: {content: {application/json: {schema: LoginSessionListSchema}}}
    """
    key = getattr(current_user, "session_key", None)
    items = [
        {
            "id": row.id,
            "user_agent": row.user_agent,
            "created_at": row.created_at,
            "current": sessions.is_current(row, key),
        }
        for row in sessions.open_sessions(current_user)
    ]
    return jsonify({"items": LoginSessionSchema(many=True).dump(items)})


@api.delete("/account/sessions", endpoint="account_end_sessions")
@login_required_json
def end_sessions() -> Any:
    """Log out everywhere: end every browser session of the caller (API tokens stay valid).
    ---
    delete:
      summary: Log out everywhere.
      security: [{bearer: []}]
      responses:
        200: {content: {application/json: {schema: EndedSessionsSchema}}}
    """
    ended = sessions.end_sessions(current_user)
    db.session.commit()
    return jsonify({"ended": ended})
