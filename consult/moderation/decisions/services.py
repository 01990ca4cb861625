"""Hide, restore or approve a statement, or dismiss its flags; always with a reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consult.audit.services import record_audit
from consult.auth.models import User
from consult.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from consult.extensions import db
from consult.moderation.common import (
    ACTIONS,
    check_moderator,
    clean_reason,
    notify_author,
    open_flag_counts,
    resolve_flags,
    statement_state,
)
from consult.moderation.permissions import moderated_consultation_ids
from consult.notifications.services import reason_for_reader
from consult.signals import statement_published
from consult.statements.models import Statement, StatementStatus
from consult.types import utcnow

UNKNOWN_ACTION = {"action": [_l("Choose hide, restore, approve or ignore_flags.")]}


def possible_actions(statement: Statement, open_flags: int) -> list[str]:
    """The decisions that fit a statement's state (what the review page offers)."""
    status = statement.status
    if status is StatementStatus.merged:
        return []
    if status is StatementStatus.hidden:
        return ["restore"]
    if status is StatementStatus.pending:
        actions = ["approve", "hide"] if not statement.auto_hidden else ["hide", "restore"]
    else:
        actions = ["hide"] + (["ignore_flags", "approve"] if open_flags else [])
    if open_flags and "ignore_flags" not in actions and statement.auto_hidden:
        actions.append("ignore_flags")
    return actions


def _apply(statement: Statement, action: str, flags: int) -> None:
    """Change the statement's status for the action, or raise Conflict if it does not fit."""
    status = statement.status
    if action == "hide":
        if status is StatementStatus.hidden:
            raise Conflict(
                _l("This statement is already hidden."), fields={"action": [_l("Hidden.")]}
            )
        statement.status = StatementStatus.hidden
    elif action == "restore":
        if status is not StatementStatus.hidden and not statement.auto_hidden:
            raise Conflict(
                _l("Only hidden statements can be restored."),
                fields={"action": [_l("This statement is not hidden.")]},
            )
        statement.status = StatementStatus.visible
    elif action == "approve":
        if status is StatementStatus.hidden:
            raise Conflict(
                _l("A hidden statement is restored, not approved."),
                fields={"action": [_l("Use restore for hidden statements.")]},
            )
        if status is StatementStatus.visible and not flags:
            raise Conflict(
                _l("This statement is already published."),
                fields={"action": [_l("Nothing to approve.")]},
            )
        statement.status = StatementStatus.visible
    else:  # ignore_flags
        if not flags:
            raise Conflict(
                _l("This statement has no open flags."), fields={"action": [_l("No flags.")]}
            )
        if statement.auto_hidden and status is StatementStatus.pending:
            statement.status = StatementStatus.visible
    statement.auto_hidden = False


def moderate_statement(statement: Statement, actor: User, action: str, *, reason: str) -> Statement:
    """Hide, restore or approve a statement, or dismiss its flags; always with a reason."""
    check_moderator(statement, actor)
    if action not in ACTIONS:
        raise ValidationFailed(_l("Unknown action."), fields=UNKNOWN_ACTION)
    reason = clean_reason(reason)
    if statement.status is StatementStatus.merged:
        raise Conflict(
            _l("This statement was merged into another one."),
            fields={"action": [_l("Merged statements cannot be moderated.")]},
        )
    flags = open_flag_counts([statement.id]).get(statement.id, 0)
    before = statement_state(statement, flags)
    was_pending_approval = statement.status is StatementStatus.pending and not statement.auto_hidden
    _apply(statement, action, flags)
    resolved = resolve_flags(statement, actor, utcnow())
    db.session.flush()
    record_audit(
        actor,
        action,
        "statement",
        statement.id,
        reason=reason,
        consultation_id=statement.consultation_id,
        before=before,
        after=statement_state(statement, flags - resolved),
    )
    if before["status"] != "visible" and statement.status is StatementStatus.visible:
        statement_published.send(statement, statement=statement, actor=actor)
    if action == "hide":
        notify_author(
            statement,
            lambda text: _(
                "A moderator hid your statement “%(text)s”. Reason: %(reason)s",
                text=text,
                reason=reason_for_reader(reason),
            ),
        )
    elif statement.status is StatementStatus.visible and (
        was_pending_approval or before["status"] != "visible"
    ):
        notify_author(
            statement, lambda text: _("Your statement “%(text)s” is now published.", text=text)
        )
    return statement


@dataclass
class BulkResult:
    """What a bulk action did: the statements changed and those skipped (with why)."""

    done: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def load_statements_for_moderation(statement_ids: Sequence[int], actor: User) -> list[Statement]:
    """Load statements by id; raise NotFound/NotAllowed unless the actor may moderate them all."""
    ids = list(dict.fromkeys(int(i) for i in statement_ids))
    found = {s.id: s for s in db.session.scalars(select(Statement).where(Statement.id.in_(ids)))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(
            _l("Statement not found."),
            fields={"statements": [_l("Unknown statement %(i)s.", i=i) for i in missing]},
        )
    scope = moderated_consultation_ids(actor)
    outside = [i for i in ids if scope is not None and found[i].consultation_id not in scope]
    if outside:
        raise NotAllowed(
            _l("You do not moderate the consultation of some of these statements."),
            fields={
                "statements": [
                    _l("Statement %(i)s is outside your consultations.", i=i) for i in outside
                ]
            },
        )
    return [found[i] for i in ids]


def bulk_moderate(
    statement_ids: Sequence[int], actor: User, action: str, *, reason: str
) -> BulkResult:
    """Apply one action to many statements; those it does not fit are skipped, not failed.

    Every statement must exist and be in a consultation the actor moderates (else NotFound or
    NotAllowed, and nothing changes).
    """
    statements = load_statements_for_moderation(statement_ids, actor)
    reason = clean_reason(reason)
    if action not in ACTIONS:
        raise ValidationFailed(_l("Unknown action."), fields=UNKNOWN_ACTION)
    result = BulkResult()
    for statement in statements:
        try:
            with db.session.begin_nested():
                moderate_statement(statement, actor, action, reason=reason)
        except (Conflict, NotAllowed) as exc:
            result.skipped.append((statement.id, str(exc.message)))
        else:
            result.done.append(statement.id)
    return result
