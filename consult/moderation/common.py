"""What every moderation feature shares: the actions, reasons, a statement's logged state.

Decisions documented here (and in the moderators' help text):

- A statement that reaches its consultation's flag threshold (``Consultation.flag_threshold``
  distinct open flags) is hidden *provisionally*: ``status = pending`` with ``auto_hidden =
  True``. It leaves the thread, the votes and the analysis, its author still sees it (marked
  "under review") and is notified, and it waits in the queue for a moderator, who hides it for
  good, restores it, or dismisses the flags (:mod:`consult.moderation.flags`,
  :mod:`consult.moderation.decisions`).
- Pre-moderated statements are ``pending`` with ``auto_hidden = False`` until approved.
- Every action appends to the audit log with the statement's state before and after.
- A block or suspension hides the person's visible and pending statements; lifting it (or the
  suspension ending) restores exactly those that are still hidden and that no moderator has
  hidden on their own since (:mod:`consult.moderation.blocks`).

Services take an explicit ``actor``, flush but never commit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from consult.auth.models import User
from consult.consultations.permissions import can_moderate_consultation
from consult.errors import NotAllowed, NotFound, invalid, too_long
from consult.extensions import db
from consult.moderation.models import Flag
from consult.moderation.permissions import can_moderate_statement
from consult.notifications.services import notify
from consult.statements.models import Statement
from consult.statements.permissions import can_view_statement
from consult.text import excerpt

#: Moderation actions on a statement.
ACTIONS = ("hide", "restore", "approve", "ignore_flags")
REASON_MAX_LENGTH = 1000
NOTE_MAX_LENGTH = 500


def clean_reason(reason: str | None, *, field_name: str = "reason", required: bool = True) -> str:
    """Trim a moderation reason; raise ValidationFailed if it is missing or too long."""
    text = " ".join((reason or "").split())
    if required and not text:
        raise invalid(
            _l("A reason is required."),
            field_name,
            _l("Give a reason: pick a template or write one."),
        )
    if len(text) > REASON_MAX_LENGTH:
        raise too_long(_l("The reason is too long."), field_name, REASON_MAX_LENGTH)
    return text


def statement_state(statement: Statement, open_flags: int | None = None) -> dict[str, Any]:
    """A statement's moderation state, as the audit log records it before and after."""
    state: dict[str, Any] = {
        "status": statement.status.value,
        "auto_hidden": bool(statement.auto_hidden),
    }
    if open_flags is not None:
        state["open_flags"] = open_flags
    if statement.merged_into_id is not None:
        state["merged_into"] = statement.merged_into_id
    return state


def statement_link(statement_id: int) -> str:
    """The link of a statement in notifications."""
    return f"/statements/{statement_id}"


def notify_author(
    statement: Statement, message: Callable[[str], Any], *, link_to: int | None = None
) -> None:
    """Tell a statement's author what moderation did to it, in the author's language.

    ``message`` is called with the statement's excerpt in the author's locale and returns the
    translated text; the notification links to the statement, or to ``link_to``.
    """
    text = excerpt(statement.text)
    target = statement.id if link_to is None else link_to
    notify(statement.author_id, lambda: message(text), link=statement_link(target))


def check_moderator(statement: Statement, actor: User) -> None:
    """Raise NotAllowed unless the actor moderates this statement (never their own)."""
    if statement.author_id is not None and statement.author_id == actor.id:
        raise NotAllowed(_l("You cannot moderate your own statement."))
    if not can_moderate_statement(actor, statement):
        raise NotAllowed(_l("You do not moderate this consultation."))


def open_flag_counts(statement_ids: Sequence[int]) -> dict[int, int]:
    """Return the number of unresolved flags per statement."""
    if not statement_ids:
        return {}
    rows = db.session.execute(
        select(Flag.statement_id, func.count(Flag.id))
        .where(Flag.statement_id.in_(list(statement_ids)), Flag.resolved_at.is_(None))
        .group_by(Flag.statement_id)
    ).all()
    return {int(sid): int(n) for sid, n in rows}


def resolve_flags(statement: Statement, actor: User | None, now: datetime) -> int:
    """Mark the statement's open flags dealt with; return how many."""
    result = db.session.execute(
        update(Flag)
        .where(Flag.statement_id == statement.id, Flag.resolved_at.is_(None))
        .values(resolved_at=now, resolved_by_id=actor.id if actor is not None else None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def get_moderatable_statement(statement_id: int, actor: User, *, own: bool = False) -> Statement:
    """Load a statement the actor moderates, for a page or the API.

    NotFound if they may not even see it; NotAllowed outside their consultations, and on their
    own statement unless ``own`` (a review page shows it, without the decisions).
    """
    statement = db.session.get(Statement, statement_id)
    if statement is None or not can_view_statement(actor, statement):
        raise NotFound(_l("Statement not found."))
    if not can_moderate_consultation(actor, statement.consultation):
        raise NotAllowed(_l("You do not moderate this consultation."))
    if not own and statement.author_id is not None and statement.author_id == actor.id:
        raise NotAllowed(_l("You cannot moderate your own statement."))
    return statement
