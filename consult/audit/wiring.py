"""How the audit domain plugs into the app: its ``init_app``, called by ``create_app``."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event

from consult.audit import api as _api  # noqa: F401  (adds the endpoints to the API blueprint)
from consult.audit import views
from consult.audit.access import ScopeProvider, use_scope
from consult.audit.describe import describe_change
from consult.audit.models import refuse_bulk_changes
from consult.extensions import db


def init_app(app: Flask, *, scope: ScopeProvider) -> None:
    """Register the audit page; ``scope(user)`` says which part of the log a person may read.

    The log refuses bulk UPDATE and DELETE statements made through the app's session.
    """
    use_scope(app, scope)
    if not event.contains(db.session, "do_orm_execute", refuse_bulk_changes):
        event.listen(db.session, "do_orm_execute", refuse_bulk_changes)
    app.register_blueprint(views.bp)
    app.add_template_global(describe_change, "describe_change")
