"""Session hooks are bound to the app's own sessions, never to every SQLAlchemy session."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from consult.consultations import versions
from consult.extensions import db
from consult.jobs import runtime
from consult.notifications import mail


def test_hooks_are_bound_to_db_session_only(app: Flask) -> None:
    hooks = [
        ("before_commit", versions._before_commit),
        ("before_flush", versions._before_flush),
        ("after_commit", runtime._after_commit),
        ("after_commit", mail._deliver),
    ]
    for name, hook in hooks:
        assert event.contains(db.session, name, hook), name
        assert not event.contains(Session, name, hook), name


def test_an_edit_through_the_app_session_bumps_the_version(
    app: Flask, create_consultation: Any
) -> None:
    consultation = create_consultation()
    before = versions.content_version(consultation.id)
    consultation.title = "A changed title"
    db.session.commit()
    assert versions.content_version(consultation.id) == before + 1
