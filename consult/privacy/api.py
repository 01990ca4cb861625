"""The personal-data endpoints: ask for the JSON download, delete the account."""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from werkzeug.security import check_password_hash

from consult.api import ApiError, api, load_body, login_required_json
from consult.extensions import db
from consult.jobs.schemas import JobSchema, job_data  # noqa: F401  (named in the docstring)
from consult.privacy import services
from consult.privacy.schemas import AccountDeletionInputSchema, AccountDeletionSchema
from consult.ratelimits import rate_limited


@api.post("/account/data-export")
@login_required_json
@rate_limited("personal_data")
def privacy_export() -> Any:
    """Prepare a JSON download of everything you wrote and voted.
    ---
    post:
      tags: [account]
      summary: Start (or return the running) personal-data export job; follow it at its URL.
      responses:
        202: {content: {application/json: {schema: JobSchema}}}
      x-errors:
        401: Not authenticated.
        429: Too many requests.
    """
    job = services.request_export(current_user)
    db.session.commit()
    response = jsonify(job_data(job))
    response.status_code = 202
    response.headers["Location"] = url_for("api.show_job", job_id=job.id)
    return response


@api.delete("/account")
@login_required_json
@rate_limited("personal_data")
def privacy_delete_account() -> Any:
    """Delete your account; your statements stay without your name, or are removed.
    ---
    delete:
      tags: [account]
      summary: Delete the caller's account (the password confirms it).
      requestBody:
        content: {application/json: {schema: AccountDeletionInputSchema}}
      responses:
        200: {content: {application/json: {schema: AccountDeletionSchema}}}
      x-errors:
        401: Not authenticated.
        403: Wrong password, or a staff or consultation-member account.
        422: Invalid input.
        429: Too many requests.
    """
    data = load_body(AccountDeletionInputSchema())
    if not check_password_hash(current_user.password_hash or "", data["password"]):
        raise ApiError(403, "forbidden", _l("The password is not right."))
    result = services.delete_account(current_user, remove_statements=data["remove_statements"])
    db.session.commit()
    logout_user()
    body = {"deleted": True, "removed_statements": result.removed, "kept_statements": result.kept}
    return jsonify(AccountDeletionSchema().dump(body))
