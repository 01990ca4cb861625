"""After a participant posts on the page, point out a statement that says the same."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, has_request_context, request
from flask_babel import gettext as _

from consult.moderation.similar.services import similar_statements
from consult.signals import statement_created
from consult.statements.models import Statement
from consult.text import excerpt
from debate.similarity import DEFAULT_MIN_SCORE


def suggest_duplicates(sender: Any, statement: Statement, **_kwargs: Any) -> None:
    """``statement_created`` on the discussion page: flash the most similar statement, if any."""
    if not has_request_context() or request.blueprint != "statements":
        return
    try:
        found = similar_statements(
            statement.consultation,
            statement.text,
            limit=1,
            exclude=[statement.id],
            min_score=DEFAULT_MIN_SCORE,
        )
    except Exception:  # noqa: BLE001 - a suggestion must never break posting
        current_app.logger.exception("duplicate suggestion failed")
        return
    if not found:
        return
    similar, _score = found[0]
    flash(
        _(
            "A similar statement already exists (#%(id)s): “%(text)s”. If it says what you "
            "meant, vote on it too; the moderators may merge duplicates.",
            id=similar.id,
            text=excerpt(similar.text, 120),
        ),
        "info",
    )


def connect_receivers() -> None:
    """Suggest duplicates after posts (idempotent)."""
    statement_created.connect(suggest_duplicates)
