"""Moderation: flags, the review queue, hide/restore/approve, merges, blocks, the audit log.

Decisions documented here (and in the moderators' help text):

- A statement that reaches its consultation's flag threshold (``Consultation.flag_threshold``
  distinct open flags) is hidden *provisionally*: ``status = pending`` with ``auto_hidden =
  True``. It leaves the thread, the votes and the analysis, its author still sees it (marked
  "under review") and is notified, and it waits in the queue for a moderator, who hides it for
  good, restores it, or dismisses the flags.
- Pre-moderated statements are ``pending`` with ``auto_hidden = False`` until approved.
- Every action appends to the audit log with the statement's state before and after.
- A block or suspension hides the person's visible and pending statements; lifting it (or the
  suspension ending, see :func:`expire_suspensions`) restores exactly those that are still
  hidden and that no moderator has hidden on their own since.

Services take an explicit ``actor``, flush but never commit.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from consult.extensions import db
from consult.moderation.duplicates import (
    SUGGEST_MIN_SCORE,
    Match,
    TextIndex,
)
from consult.moderation.models import (
    AuditEntry,
    BlockKind,
    Flag,
    FlagReason,
    ReasonTemplate,
    UserBlock,
)
from consult.moderation.permissions import (
    can_block_user,
    can_flag_statement,
    can_moderate_statement,
    can_view_audit_entry,
    moderated_consultation_ids,
)
from consult.responses.models import Notification
from consult.statements.models import Statement, StatementLink, StatementStatus
from consult.types import utcnow
from consult.votes.models import Vote

#: Moderation actions on a statement.
ACTIONS = ("hide", "restore", "approve", "ignore_flags")
#: Queue filters.
QUEUE_STATES = ("flagged", "auto_hidden", "pending")
REASON_MAX_LENGTH = 1000
NOTE_MAX_LENGTH = 500

DEFAULT_REASON_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("hide", "Spam or advertising."),
    ("hide", "Insults or personal attacks break the participation rules."),
    ("hide", "Off topic for this consultation."),
    ("hide", "Contains personal data of a third person."),
    ("restore", "Reviewed: the statement respects the participation rules."),
    ("approve", "Respects the participation rules."),
    ("ignore_flags", "Reviewed: disagreement is not a reason to hide a statement."),
    ("block", "Repeated breaches of the participation rules."),
    ("merge", "Duplicate of an earlier statement."),
)


# --------------------------------------------------------------------------------------------
# Audit log and blocks (used by every domain)


def record_audit(
    actor: User | None,
    action: str,
    target_type: str,
    target_id: int | None,
    *,
    reason: str = "",
    consultation_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one row to the audit log."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        consultation_id=consultation_id,
        reason=reason,
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry


def _active_block_condition(now: datetime) -> Any:
    return and_(
        UserBlock.lifted_at.is_(None),
        or_(UserBlock.ends_at.is_(None), UserBlock.ends_at > now),
    )


def active_block(user: User) -> UserBlock | None:
    """Return the block or suspension in force for this user, if any."""
    return db.session.scalar(
        select(UserBlock)
        .where(UserBlock.user_id == user.id, _active_block_condition(utcnow()))
        .order_by(UserBlock.created_at.desc())
        .limit(1)
    )


def active_blocks(user_ids: Iterable[int]) -> dict[int, UserBlock]:
    """Return the block in force for each of these users (those without one are left out)."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    found: dict[int, UserBlock] = {}
    for block in db.session.scalars(
        select(UserBlock)
        .where(UserBlock.user_id.in_(ids), _active_block_condition(utcnow()))
        .order_by(UserBlock.created_at)
    ):
        found[block.user_id] = block
    return found


# --------------------------------------------------------------------------------------------
# Helpers


def clean_reason(reason: str | None, *, field_name: str = "reason", required: bool = True) -> str:
    """Trim a moderation reason; raise ValidationFailed if it is missing or too long."""
    text = " ".join((reason or "").split())
    if required and not text:
        raise ValidationFailed(
            "A reason is required.",
            fields={field_name: ["Give a reason: pick a template or write one."]},
        )
    if len(text) > REASON_MAX_LENGTH:
        raise ValidationFailed(
            "The reason is too long.",
            fields={field_name: [f"Use at most {REASON_MAX_LENGTH} characters."]},
        )
    return text


def _state(statement: Statement, open_flags: int | None = None) -> dict[str, Any]:
    state: dict[str, Any] = {
        "status": statement.status.value,
        "auto_hidden": bool(statement.auto_hidden),
    }
    if open_flags is not None:
        state["open_flags"] = open_flags
    if statement.merged_into_id is not None:
        state["merged_into"] = statement.merged_into_id
    return state


def _statement_link(statement_id: int) -> str:
    return f"/statements/{statement_id}"


def _excerpt(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def notify(user_id: int | None, text_fn: Any, *, link: str | None = None) -> None:
    """Tell a user about a moderation decision, in their own language.

    ``text_fn`` is called inside the recipient's locale and returns the (translated) message.
    """
    if user_id is None:
        return
    user = db.session.get(User, user_id)
    if user is None or user.is_imported:
        return
    locale = user.locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
    with force_locale(locale):
        text = str(text_fn())
    db.session.add(Notification(user_id=user.id, kind="moderation", text=text, link=link))


def open_flag_counts(statement_ids: Sequence[int]) -> dict[int, int]:
    """Return the number of unresolved flags per statement."""
    if not statement_ids:
        return {}
    return dict(
        db.session.execute(
            select(Flag.statement_id, func.count(Flag.id))
            .where(Flag.statement_id.in_(list(statement_ids)), Flag.resolved_at.is_(None))
            .group_by(Flag.statement_id)
        ).all()
    )


def _resolve_flags(statement: Statement, actor: User | None, now: datetime) -> int:
    result = db.session.execute(
        update(Flag)
        .where(Flag.statement_id == statement.id, Flag.resolved_at.is_(None))
        .values(resolved_at=now, resolved_by_id=actor.id if actor is not None else None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------
# Flags


def flag_statement(
    statement: Statement, actor: User, *, reason: FlagReason | str, note: str = ""
) -> Flag:
    """Report a statement; at the consultation's threshold it is hidden pending review."""
    if statement.status is StatementStatus.merged:
        raise NotFound("Statement not found.")
    if not can_flag_statement(actor, statement):
        if statement.author_id == actor.id:
            raise NotAllowed("You cannot flag your own statement.")
        if statement.status is not StatementStatus.visible:
            raise Conflict(
                "This statement is already being reviewed.",
                fields={"statement": ["Already under review."]},
            )
        raise NotAllowed("You cannot flag this statement.")
    try:
        reason = FlagReason(reason)
    except ValueError:
        raise ValidationFailed(
            "Unknown reason.", fields={"reason": ["Choose spam, offensive, off_topic or other."]}
        ) from None
    note = " ".join((note or "").split())
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationFailed(
            "The note is too long.", fields={"note": [f"Use at most {NOTE_MAX_LENGTH} characters."]}
        )
    if reason is FlagReason.other and not note:
        raise ValidationFailed(
            "Say what is wrong.", fields={"note": ["Add a short note when the reason is other."]}
        )
    flag = Flag(statement_id=statement.id, user_id=actor.id, reason=reason, note=note)
    try:
        with db.session.begin_nested():
            db.session.add(flag)
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            "You have already flagged this statement.",
            fields={"statement": ["You have already flagged this statement."]},
        ) from None
    threshold = statement.consultation.flag_threshold or int(current_app.config["FLAG_THRESHOLD"])
    count = open_flag_counts([statement.id]).get(statement.id, 0)
    if count >= threshold and statement.status is StatementStatus.visible:
        before = _state(statement, count)
        statement.status = StatementStatus.pending
        statement.auto_hidden = True
        db.session.flush()
        record_audit(
            None,
            "auto_hide",
            "statement",
            statement.id,
            reason=f"{count} flags (threshold {threshold})",
            consultation_id=statement.consultation_id,
            before=before,
            after=_state(statement, count),
        )
        excerpt = _excerpt(statement.text)
        notify(
            statement.author_id,
            lambda: _(
                "Your statement “%(text)s” was reported by several participants and is hidden "
                "until a moderator reviews it.",
                text=excerpt,
            ),
            link=_statement_link(statement.id),
        )
    return flag


# --------------------------------------------------------------------------------------------
# Hide, restore, approve, dismiss flags


def _check_moderator(statement: Statement, actor: User) -> None:
    if statement.author_id is not None and statement.author_id == actor.id:
        raise NotAllowed("You cannot moderate your own statement.")
    if not can_moderate_statement(actor, statement):
        raise NotAllowed("You do not moderate this consultation.")


def moderate_statement(statement: Statement, actor: User, action: str, *, reason: str) -> Statement:
    """Hide, restore or approve a statement, or dismiss its flags; always with a reason."""
    _check_moderator(statement, actor)
    if action not in ACTIONS:
        raise ValidationFailed(
            "Unknown action.", fields={"action": ["Choose hide, restore, approve or ignore_flags."]}
        )
    reason = clean_reason(reason)
    status = statement.status
    if status is StatementStatus.merged:
        raise Conflict(
            "This statement was merged into another one.",
            fields={"action": ["Merged statements cannot be moderated."]},
        )
    flags = open_flag_counts([statement.id]).get(statement.id, 0)
    before = _state(statement, flags)
    was_pending_approval = status is StatementStatus.pending and not statement.auto_hidden
    if action == "hide":
        if status is StatementStatus.hidden:
            raise Conflict("This statement is already hidden.", fields={"action": ["Hidden."]})
        statement.status = StatementStatus.hidden
    elif action == "restore":
        if status is not StatementStatus.hidden and not statement.auto_hidden:
            raise Conflict(
                "Only hidden statements can be restored.",
                fields={"action": ["This statement is not hidden."]},
            )
        statement.status = StatementStatus.visible
    elif action == "approve":
        if status is StatementStatus.hidden:
            raise Conflict(
                "A hidden statement is restored, not approved.",
                fields={"action": ["Use restore for hidden statements."]},
            )
        if status is StatementStatus.visible and not flags:
            raise Conflict(
                "This statement is already published.", fields={"action": ["Nothing to approve."]}
            )
        statement.status = StatementStatus.visible
    else:  # ignore_flags
        if not flags:
            raise Conflict("This statement has no open flags.", fields={"action": ["No flags."]})
        if statement.auto_hidden and status is StatementStatus.pending:
            statement.status = StatementStatus.visible
    statement.auto_hidden = False
    now = utcnow()
    resolved = _resolve_flags(statement, actor, now)
    db.session.flush()
    record_audit(
        actor,
        action,
        "statement",
        statement.id,
        reason=reason,
        consultation_id=statement.consultation_id,
        before=before,
        after=_state(statement, flags - resolved),
    )
    excerpt = _excerpt(statement.text)
    if action == "hide":
        notify(
            statement.author_id,
            lambda: _(
                "A moderator hid your statement “%(text)s”. Reason: %(reason)s",
                text=excerpt,
                reason=reason,
            ),
            link=_statement_link(statement.id),
        )
    elif statement.status is StatementStatus.visible and (
        was_pending_approval or before["status"] != "visible"
    ):
        notify(
            statement.author_id,
            lambda: _("Your statement “%(text)s” is now published.", text=excerpt),
            link=_statement_link(statement.id),
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
            "Statement not found.",
            fields={"statements": [f"Unknown statement {i}." for i in missing]},
        )
    scope = moderated_consultation_ids(actor)
    outside = [i for i in ids if scope is not None and found[i].consultation_id not in scope]
    if outside:
        raise NotAllowed(
            "You do not moderate the consultation of some of these statements.",
            fields={
                "statements": [f"Statement {i} is outside your consultations." for i in outside]
            },
        )
    return [found[i] for i in ids]


def bulk_moderate(
    statements: Sequence[Statement], actor: User, action: str, *, reason: str
) -> BulkResult:
    """Apply one action to many statements; those it does not fit are skipped, not failed."""
    reason = clean_reason(reason)
    if action not in ACTIONS:
        raise ValidationFailed(
            "Unknown action.", fields={"action": ["Choose hide, restore, approve or ignore_flags."]}
        )
    result = BulkResult()
    for statement in statements:
        try:
            with db.session.begin_nested():
                moderate_statement(statement, actor, action, reason=reason)
        except (Conflict, NotAllowed) as exc:
            result.skipped.append((statement.id, exc.message))
        else:
            result.done.append(statement.id)
    return result


# --------------------------------------------------------------------------------------------
# Merge duplicates


@dataclass
class MergeResult:
    """What a merge moved and dropped."""

    source: Statement
    target: Statement
    moved_links: int = 0
    dropped_links: int = 0
    moved_votes: int = 0
    dropped_votes: int = 0


def merge_statements(
    source: Statement, target: Statement, actor: User, *, reason: str
) -> MergeResult:
    """Merge ``source`` (a duplicate) into ``target``: links and votes move, source redirects.

    A person who voted on both keeps their vote on the target. Links that would duplicate one
    of the target's, or link the target to itself, are dropped.
    """
    reason = clean_reason(reason)
    if source.id == target.id:
        raise ValidationFailed(
            "A statement cannot be merged into itself.", fields={"into": ["Choose another one."]}
        )
    if source.consultation_id != target.consultation_id:
        raise ValidationFailed(
            "Both statements must belong to the same consultation.",
            fields={"into": ["Not in the same consultation."]},
        )
    for statement in (source, target):
        _check_moderator(statement, actor)
    if source.status is StatementStatus.merged or target.status is StatementStatus.merged:
        raise Conflict(
            "One of these statements was already merged.",
            fields={"into": ["Merge into the statement it now redirects to."]},
        )
    if target.status is StatementStatus.hidden:
        raise ValidationFailed(
            "Merge into a visible statement.", fields={"into": ["The target is hidden."]}
        )
    if source.kind is not target.kind:
        raise ValidationFailed(
            "Only statements of the same kind can be merged.",
            fields={"into": ["One is a position, the other an argument."]},
        )
    result = MergeResult(source=source, target=target)
    before = {"source": _state(source), "target": _state(target)}
    links = list(
        db.session.scalars(
            select(StatementLink).where(
                or_(
                    StatementLink.source_id.in_([source.id, target.id]),
                    StatementLink.target_id.in_([source.id, target.id]),
                )
            )
        )
    )
    outgoing = {link.target_id for link in links if link.source_id == target.id}
    incoming = {link.source_id for link in links if link.target_id == target.id}
    for link in links:
        if link.source_id == source.id:
            other = link.target_id
            if other == target.id or other in outgoing:
                db.session.delete(link)
                result.dropped_links += 1
            else:
                link.source_id = target.id
                outgoing.add(other)
                result.moved_links += 1
        elif link.target_id == source.id:
            other = link.source_id
            if other == target.id or other in incoming:
                db.session.delete(link)
                result.dropped_links += 1
            else:
                link.target_id = target.id
                incoming.add(other)
                result.moved_links += 1
    db.session.flush()
    voted_on_target = select(Vote.user_id).where(Vote.statement_id == target.id)
    dropped = db.session.execute(
        delete(Vote)
        .where(Vote.statement_id == source.id, Vote.user_id.in_(voted_on_target))
        .execution_options(synchronize_session=False)
    )
    moved = db.session.execute(
        update(Vote)
        .where(Vote.statement_id == source.id)
        .values(statement_id=target.id)
        .execution_options(synchronize_session=False)
    )
    result.dropped_votes = int(dropped.rowcount or 0)  # type: ignore[attr-defined]
    result.moved_votes = int(moved.rowcount or 0)  # type: ignore[attr-defined]
    now = utcnow()
    _resolve_flags(source, actor, now)
    # Earlier redirects to the source now point straight at the target.
    db.session.execute(
        update(Statement)
        .where(Statement.merged_into_id == source.id)
        .values(merged_into_id=target.id)
        .execution_options(synchronize_session=False)
    )
    source.status = StatementStatus.merged
    source.auto_hidden = False
    source.merged_into_id = target.id
    db.session.flush()
    db.session.expire_all()
    record_audit(
        actor,
        "merge",
        "statement",
        source.id,
        reason=reason,
        consultation_id=source.consultation_id,
        before=before,
        after={
            "source": _state(source),
            "target": _state(target),
            "moved_links": result.moved_links,
            "dropped_links": result.dropped_links,
            "moved_votes": result.moved_votes,
            "dropped_votes": result.dropped_votes,
        },
    )
    excerpt = _excerpt(source.text)
    target_id = target.id
    notify(
        source.author_id,
        lambda: _(
            "Your statement “%(text)s” repeated an earlier one and was merged into it; its "
            "votes and replies now count there.",
            text=excerpt,
        ),
        link=_statement_link(target_id),
    )
    return result


# --------------------------------------------------------------------------------------------
# Suspensions and blocks


def _hide_content_of(user: User) -> dict[int, dict[str, str]]:
    """Hide the user's visible and pending statements; return {consultation: {id: status}}."""
    hidden: dict[int, dict[str, str]] = defaultdict(dict)
    for statement in db.session.scalars(
        select(Statement)
        .where(
            Statement.author_id == user.id,
            Statement.status.in_([StatementStatus.visible, StatementStatus.pending]),
        )
        .order_by(Statement.id)
    ):
        hidden[statement.consultation_id][str(statement.id)] = statement.status.value
        statement.status = StatementStatus.hidden
        statement.auto_hidden = False
    db.session.flush()
    return dict(hidden)


def block_user(
    user: User,
    actor: User,
    *,
    kind: BlockKind | str,
    reason: str,
    ends_at: datetime | None = None,
    consultation: Consultation | None = None,
) -> UserBlock:
    """Suspend (until ``ends_at``) or block a user: they cannot post, vote or flag, and their
    statements are hidden until the block is lifted."""
    if not can_block_user(actor, user):
        if actor.id == user.id:
            raise NotAllowed("You cannot block yourself.")
        raise NotAllowed("You cannot block this person.")
    reason = clean_reason(reason)
    try:
        kind = BlockKind(kind)
    except ValueError:
        raise ValidationFailed(
            "Unknown kind.", fields={"kind": ["Choose suspend or block."]}
        ) from None
    now = utcnow()
    if kind is BlockKind.suspend:
        if ends_at is None:
            raise ValidationFailed(
                "A suspension needs an end date.", fields={"ends_at": ["Choose when it ends."]}
            )
        if ends_at.tzinfo is None:
            raise ValidationFailed(
                "Give the end with a time zone.", fields={"ends_at": ["Include a time zone."]}
            )
        if ends_at <= now:
            raise ValidationFailed(
                "The end of a suspension must be in the future.",
                fields={"ends_at": ["Choose a future date."]},
            )
    elif ends_at is not None:
        raise ValidationFailed(
            "A block has no end date; use a suspension for a limited time.",
            fields={"ends_at": ["Leave empty for a block."]},
        )
    if active_block(user) is not None:
        raise Conflict(
            "This person is already suspended or blocked; lift that first.",
            fields={"user": ["Already blocked."]},
        )
    block = UserBlock(
        user_id=user.id,
        kind=kind,
        reason=reason,
        ends_at=ends_at,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(block)
    db.session.flush()
    hidden = _hide_content_of(user)
    all_hidden = {sid: status for per in hidden.values() for sid, status in per.items()}
    record_audit(
        actor,
        kind.value,
        "user",
        user.id,
        reason=reason,
        consultation_id=consultation.id if consultation is not None else None,
        before={"blocked": False},
        after={
            "block_id": block.id,
            "kind": kind.value,
            "ends_at": ends_at.isoformat() if ends_at else None,
            "hidden_statements": all_hidden,
        },
    )
    # Each consultation whose content was hidden gets its own entry, so its moderators see it.
    for consultation_id, statuses in sorted(hidden.items()):
        record_audit(
            actor,
            "hide_by_block",
            "user",
            user.id,
            reason=reason,
            consultation_id=consultation_id,
            before={"statements": statuses},
            after={"block_id": block.id, "status": "hidden"},
        )
    until = ends_at
    notify(
        user.id,
        lambda: (
            _(
                "Your account is suspended until %(date)s: you cannot post, vote or flag, and "
                "your statements are hidden meanwhile. Reason: %(reason)s",
                date=until.strftime("%Y-%m-%d %H:%M UTC"),
                reason=reason,
            )
            if until is not None
            else _(
                "Your account is blocked: you cannot post, vote or flag, and your statements are "
                "hidden. Reason: %(reason)s",
                reason=reason,
            )
        ),
    )
    return block


def _restore_content_of(block: UserBlock, actor: User | None, reason: str) -> list[int]:
    """Restore what the block hid, unless a moderator has hidden it again on their own since."""
    entry = None
    for candidate in db.session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.target_type == "user",
            AuditEntry.target_id == block.user_id,
            AuditEntry.action.in_([k.value for k in BlockKind]),
        )
        .order_by(AuditEntry.id.desc())
    ):
        if (candidate.after or {}).get("block_id") == block.id:
            entry = candidate
            break
    if entry is None:
        return []
    statuses: dict[str, str] = dict((entry.after or {}).get("hidden_statements") or {})
    if not statuses:
        return []
    ids = [int(s) for s in statuses]
    rehidden = set(
        db.session.scalars(
            select(AuditEntry.target_id).where(
                AuditEntry.target_type == "statement",
                AuditEntry.target_id.in_(ids),
                AuditEntry.action.in_(["hide", "merge"]),
                AuditEntry.id > entry.id,
            )
        )
    )
    restored: dict[int, dict[str, str]] = defaultdict(dict)
    for statement in db.session.scalars(
        select(Statement).where(Statement.id.in_(ids)).order_by(Statement.id)
    ):
        if statement.status is not StatementStatus.hidden or statement.id in rehidden:
            continue
        previous = statuses.get(str(statement.id), "visible")
        statement.status = StatementStatus(previous)
        restored[statement.consultation_id][str(statement.id)] = previous
    db.session.flush()
    for consultation_id, per in sorted(restored.items()):
        record_audit(
            actor,
            "restore_by_unblock",
            "user",
            block.user_id,
            reason=reason,
            consultation_id=consultation_id,
            before={"block_id": block.id, "status": "hidden"},
            after={"statements": per},
        )
    return [int(s) for per in restored.values() for s in per]


def lift_block(
    user: User, actor: User, *, reason: str = "", consultation: Consultation | None = None
) -> UserBlock:
    """Lift the user's block or suspension and restore the statements it hid."""
    if not can_block_user(actor, user):
        raise NotAllowed("You cannot unblock this person.")
    reason = clean_reason(reason)
    block = active_block(user)
    if block is None:
        raise NotFound("This person is not blocked.")
    block.lifted_at = utcnow()
    block.lifted_by_id = actor.id
    db.session.flush()
    restored = _restore_content_of(block, actor, reason)
    record_audit(
        actor,
        "unblock",
        "user",
        user.id,
        reason=reason,
        consultation_id=consultation.id if consultation is not None else None,
        before={"block_id": block.id, "kind": block.kind.value},
        after={"blocked": False, "restored_statements": restored},
    )
    notify(
        user.id,
        lambda: _("Your account can post and vote again. Your statements are visible again."),
    )
    return block


def expire_suspensions(now: datetime | None = None) -> int:
    """Close the suspensions that have ended and restore what they hid; return how many."""
    now = now or utcnow()
    ended = list(
        db.session.scalars(
            select(UserBlock)
            .where(
                UserBlock.kind == BlockKind.suspend,
                UserBlock.lifted_at.is_(None),
                UserBlock.ends_at.is_not(None),
                UserBlock.ends_at <= now,
            )
            .order_by(UserBlock.ends_at)
        )
    )
    for block in ended:
        block.lifted_at = block.ends_at
        db.session.flush()
        restored = _restore_content_of(block, None, "Suspension ended.")
        record_audit(
            None,
            "suspension_ended",
            "user",
            block.user_id,
            reason="Suspension ended.",
            before={"block_id": block.id, "ends_at": block.ends_at.isoformat()},
            after={"blocked": False, "restored_statements": restored},
        )
    return len(ended)


def blocks_of(user: User) -> list[UserBlock]:
    """Every block and suspension of a user, newest first."""
    return list(
        db.session.scalars(
            select(UserBlock)
            .where(UserBlock.user_id == user.id)
            .order_by(UserBlock.created_at.desc(), UserBlock.id.desc())
        )
    )


# --------------------------------------------------------------------------------------------
# The queue


def _open_flags_subquery() -> Any:
    return (
        select(
            Flag.statement_id.label("statement_id"),
            func.count(Flag.id).label("n"),
            func.min(Flag.created_at).label("first"),
        )
        .where(Flag.resolved_at.is_(None))
        .group_by(Flag.statement_id)
        .subquery()
    )


def queue_query(
    actor: User,
    *,
    consultation_id: int | None = None,
    reason: str | None = None,
    state: str | None = None,
) -> Select[Any]:
    """Pending and flagged statements the actor may moderate, oldest in the queue first."""
    open_flags = _open_flags_subquery()
    flagged = func.coalesce(open_flags.c.n, 0) > 0
    query = (
        select(Statement)
        .outerjoin(open_flags, open_flags.c.statement_id == Statement.id)
        .where(
            # Hidden statements are decided (a flag on one, e.g. hidden by a block, waits
            # until it comes back); merged ones are redirects.
            Statement.status.in_([StatementStatus.visible, StatementStatus.pending]),
            or_(Statement.status == StatementStatus.pending, flagged),
            or_(Statement.author_id.is_(None), Statement.author_id != actor.id),
        )
        .order_by(func.coalesce(open_flags.c.first, Statement.created_at), Statement.id)
    )
    scope = moderated_consultation_ids(actor)
    if scope is not None:
        query = query.where(Statement.consultation_id.in_(scope or [-1]))
    if consultation_id is not None:
        query = query.where(Statement.consultation_id == consultation_id)
    if reason:
        query = query.where(
            exists().where(
                Flag.statement_id == Statement.id,
                Flag.resolved_at.is_(None),
                Flag.reason == FlagReason(reason),
            )
        )
    if state == "flagged":
        query = query.where(Statement.status == StatementStatus.visible, flagged)
    elif state == "auto_hidden":
        query = query.where(Statement.status == StatementStatus.pending, Statement.auto_hidden)
    elif state == "pending":
        query = query.where(
            Statement.status == StatementStatus.pending, Statement.auto_hidden.is_(False)
        )
    return query


def queue_summary(actor: User, *, consultation_id: int | None = None) -> dict[str, int]:
    """Count the queue by state: flagged (still visible), auto_hidden, pending approval."""
    queue = queue_query(actor, consultation_id=consultation_id).order_by(None).subquery()
    visible = queue.c.status == StatementStatus.visible
    pending = queue.c.status == StatementStatus.pending
    flagged, auto_hidden, waiting = db.session.execute(
        select(
            func.coalesce(func.sum(case((visible, 1), else_=0)), 0),
            func.coalesce(func.sum(case((pending & queue.c.auto_hidden, 1), else_=0)), 0),
            func.coalesce(func.sum(case((pending & ~queue.c.auto_hidden, 1), else_=0)), 0),
        )
    ).one()
    summary = {"flagged": int(flagged), "auto_hidden": int(auto_hidden), "pending": int(waiting)}
    summary["total"] = sum(summary.values())
    return summary


@dataclass
class ContextItem:
    """A statement next to the reviewed one in the argument graph."""

    statement: Statement
    relation: str


@dataclass
class QueueItem:
    """A statement awaiting review with what a moderator needs to decide."""

    statement: Statement
    flags: list[Flag] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)
    queued_at: datetime | None = None
    author_total: int = 0
    author_hidden: int = 0
    author_block: UserBlock | None = None
    targets: list[ContextItem] = field(default_factory=list)  # what it supports or attacks
    replies: list[ContextItem] = field(default_factory=list)  # what supports or attacks it
    duplicates: list[tuple[Statement, float]] = field(default_factory=list)

    @property
    def state(self) -> str:
        status = self.statement.status
        if status is StatementStatus.pending:
            return "auto_hidden" if self.statement.auto_hidden else "pending"
        if status is StatementStatus.hidden:
            return "hidden"
        return "flagged" if self.flags else "visible"


def author_history(user_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Per author: how many statements they posted and how many were hidden."""
    ids = list({u for u in user_ids if u is not None})
    history: dict[int, dict[str, int]] = {u: {"total": 0, "hidden": 0} for u in ids}
    if not ids:
        return history
    for author_id, status, n in db.session.execute(
        select(Statement.author_id, Statement.status, func.count(Statement.id))
        .where(Statement.author_id.in_(ids))
        .group_by(Statement.author_id, Statement.status)
    ):
        history[author_id]["total"] += n
        if status is StatementStatus.hidden:
            history[author_id]["hidden"] += n
    return history


def thread_context(
    statements: Sequence[Statement],
) -> dict[int, tuple[list[ContextItem], list[ContextItem]]]:
    """For each statement: (its targets, its replies), hidden ones included (for moderators)."""
    ids = [s.id for s in statements]
    context: dict[int, tuple[list[ContextItem], list[ContextItem]]] = {i: ([], []) for i in ids}
    if not ids:
        return context
    links = list(
        db.session.scalars(
            select(StatementLink)
            .where(or_(StatementLink.source_id.in_(ids), StatementLink.target_id.in_(ids)))
            .order_by(StatementLink.id)
        )
    )
    others = {link.target_id for link in links} | {link.source_id for link in links}
    loaded = {
        s.id: s for s in db.session.scalars(select(Statement).where(Statement.id.in_(list(others))))
    }
    for link in links:
        if link.source_id in context and link.target_id in loaded:
            context[link.source_id][0].append(
                ContextItem(loaded[link.target_id], link.relation.value)
            )
        if link.target_id in context and link.source_id in loaded:
            context[link.target_id][1].append(
                ContextItem(loaded[link.source_id], link.relation.value)
            )
    return context


def queue_items(statements: Sequence[Statement], *, duplicates: bool = True) -> list[QueueItem]:
    """Load flags, author history, thread context and likely duplicates for queued statements."""
    items = {s.id: QueueItem(statement=s) for s in statements}
    if not items:
        return []
    ids = list(items)
    for flag in db.session.scalars(
        select(Flag)
        .where(Flag.statement_id.in_(ids), Flag.resolved_at.is_(None))
        .options(selectinload(Flag.user))
        .order_by(Flag.created_at, Flag.id)
    ):
        item = items[flag.statement_id]
        item.flags.append(flag)
    for item in items.values():
        item.reasons = dict(Counter(f.reason.value for f in item.flags).most_common())
        first = item.flags[0].created_at if item.flags else None
        item.queued_at = first or item.statement.created_at
    authors = [s.author_id for s in statements if s.author_id is not None]
    history = author_history(authors)
    blocks = active_blocks(authors)
    for item in items.values():
        author = item.statement.author_id
        if author is not None:
            item.author_total = history.get(author, {}).get("total", 0)
            item.author_hidden = history.get(author, {}).get("hidden", 0)
            item.author_block = blocks.get(author)
    for sid, (targets, replies) in thread_context(statements).items():
        items[sid].targets, items[sid].replies = targets, replies
    if duplicates:
        by_consultation: dict[int, list[Statement]] = defaultdict(list)
        for s in statements:
            by_consultation[s.consultation_id].append(s)
        for consultation_id, group in by_consultation.items():
            index = statement_index(consultation_id)
            among = suggestible_ids(consultation_id, include_hidden=True)
            found = index.query_many(
                [s.text for s in group], limit=3, exclude=[[s.id] for s in group], among=among
            )
            matches = {s.id: m for s, m in zip(group, found, strict=True)}
            wanted = {m.id for found in matches.values() for m in found}
            loaded = {
                s.id: s
                for s in db.session.scalars(select(Statement).where(Statement.id.in_(list(wanted))))
            }
            for sid, found in matches.items():
                items[sid].duplicates = [(loaded[m.id], m.score) for m in found if m.id in loaded]
    return [items[s.id] for s in statements]


def flags_of(statement: Statement, *, resolved: bool = True) -> list[Flag]:
    """Every flag of a statement (resolved ones too, unless told otherwise), oldest first."""
    query = select(Flag).where(Flag.statement_id == statement.id)
    if not resolved:
        query = query.where(Flag.resolved_at.is_(None))
    return list(
        db.session.scalars(query.options(selectinload(Flag.user)).order_by(Flag.created_at))
    )


# --------------------------------------------------------------------------------------------
# Likely duplicates


_INDEXES_KEY = "kenes.moderation.text_indexes"
_INDEX_CACHE_SIZE = 32


def statement_index(consultation_id: int) -> TextIndex:
    """The text index of a consultation's statements, kept per app and extended as they come.

    Statements are never edited, so appending the new ones (by id) keeps it current; which of
    them may be suggested is decided at query time (see :func:`suggestible_ids`).
    """
    indexes: OrderedDict[int, TextIndex] = current_app.extensions.setdefault(
        _INDEXES_KEY, OrderedDict()
    )
    index = indexes.get(consultation_id)
    if index is None:
        index = indexes[consultation_id] = TextIndex().fit([])
        while len(indexes) > _INDEX_CACHE_SIZE:
            indexes.popitem(last=False)
    else:
        indexes.move_to_end(consultation_id)
    rows = db.session.execute(
        select(Statement.id, Statement.text)
        .where(Statement.consultation_id == consultation_id, Statement.id > index.max_id)
        .order_by(Statement.id)
    ).all()
    index.partial_fit([(sid, text) for sid, text in rows])
    return index


def suggestible_ids(consultation_id: int, *, include_hidden: bool = False) -> list[int]:
    """Statements that may be suggested: visible ones to readers, all but merges to moderators."""
    statuses = [StatementStatus.visible]
    if include_hidden:
        statuses += [StatementStatus.pending, StatementStatus.hidden]
    return list(
        db.session.scalars(
            select(Statement.id)
            .where(Statement.consultation_id == consultation_id, Statement.status.in_(statuses))
            .order_by(Statement.id)
        )
    )


def similar_statements(
    consultation: Consultation,
    text: str,
    *,
    limit: int = 5,
    exclude: Sequence[int] = (),
    min_score: float = SUGGEST_MIN_SCORE,
) -> list[tuple[Statement, float]]:
    """Visible statements of the consultation that resemble ``text``, best first."""
    matches: list[Match] = statement_index(consultation.id).query(
        text,
        limit=limit,
        exclude=exclude,
        among=suggestible_ids(consultation.id),
        min_score=min_score,
    )
    if not matches:
        return []
    loaded = {
        s.id: s
        for s in db.session.scalars(
            select(Statement).where(Statement.id.in_([m.id for m in matches]))
        )
    }
    return [
        (loaded[m.id], m.score)
        for m in matches
        if m.id in loaded and loaded[m.id].status is StatementStatus.visible
    ]


# --------------------------------------------------------------------------------------------
# Analysis and coordinated voting


def excluded_for_analysis(consultation: Consultation) -> dict[str, list[int]]:
    """What the analysis must leave out: statements that are not visible, blocked voters.

    ``statements``: hidden, pending (awaiting approval or review) and merged statements;
    ``users``: people who voted here and are suspended or blocked now.
    """
    statements = list(
        db.session.scalars(
            select(Statement.id)
            .where(
                Statement.consultation_id == consultation.id,
                Statement.status != StatementStatus.visible,
            )
            .order_by(Statement.id)
        )
    )
    blocked = select(UserBlock.user_id).where(_active_block_condition(utcnow()))
    users = list(
        db.session.scalars(
            select(Vote.user_id)
            .where(Vote.consultation_id == consultation.id, Vote.user_id.in_(blocked))
            .distinct()
            .order_by(Vote.user_id)
        )
    )
    return {"statements": statements, "users": users}


@dataclass
class BrigadeReport:
    """A suspected brigade, with the evidence a moderator reviews."""

    consultation: Consultation
    members: list[User]
    similarity: float
    min_similarity: float
    pairs: int
    created_from: datetime
    created_to: datetime
    statements: list[tuple[Statement, int, float]]  # statement, common vote, share of members

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def span(self) -> timedelta:
        return self.created_to - self.created_from


def detect_brigades(
    consultation: Consultation,
    *,
    window: timedelta | None = None,
    min_similarity: float | None = None,
    min_shared: int | None = None,
    min_size: int | None = None,
) -> list[BrigadeReport]:
    """Suspected coordinated voting in a consultation (a report: nothing is blocked).

    Imported participants are left out: their accounts all carry the import time.
    """
    from debate.brigades import suspected_brigades
    from debate.types import VoteMatrix

    config = current_app.config
    window = window or config.get("BRIGADE_WINDOW", timedelta(hours=1))
    min_similarity = min_similarity or float(config.get("BRIGADE_MIN_SIMILARITY", 0.95))
    min_shared = min_shared or int(config.get("BRIGADE_MIN_SHARED", 10))
    min_size = min_size or int(config.get("BRIGADE_MIN_SIZE", 3))
    count, last_change = db.session.execute(
        select(func.count(Vote.id), func.max(Vote.updated_at)).where(
            Vote.consultation_id == consultation.id
        )
    ).one()
    _brigade_cache: OrderedDict[tuple[Any, ...], list[Any]] = current_app.extensions.setdefault(
        "kenes.moderation.brigades", OrderedDict()
    )
    key = (
        consultation.id,
        count,
        last_change,
        window,
        min_similarity,
        min_shared,
        min_size,
    )
    cached = _brigade_cache.get(key)
    if cached is None:
        rows = db.session.execute(
            select(Vote.user_id, Vote.statement_id, Vote.value, User.created_at)
            .join(User, User.id == Vote.user_id)
            .where(Vote.consultation_id == consultation.id, User.is_imported.is_(False))
        ).all()
        cached = []
        if rows:
            users = np.array([r[0] for r in rows], dtype=np.int64)
            stmts = np.array([r[1] for r in rows], dtype=np.int64)
            values = np.array([r[2] for r in rows], dtype=np.int8)
            user_ids, row_index = np.unique(users, return_inverse=True)
            statement_ids, col_index = np.unique(stmts, return_inverse=True)
            created_of = {r[0]: r[3].timestamp() for r in rows}
            matrix = VoteMatrix(
                participants=tuple(str(u) for u in user_ids.tolist()),
                statements=tuple(str(s) for s in statement_ids.tolist()),
                rows=row_index.astype(np.int32),
                cols=col_index.astype(np.int32),
                values=values,
            )
            created = np.array([created_of[u] for u in user_ids.tolist()], dtype=np.float64)
            for found in suspected_brigades(
                matrix,
                created,
                window=window.total_seconds(),
                min_similarity=min_similarity,
                min_shared=min_shared,
                min_size=min_size,
            ):
                cached.append(
                    (
                        [int(user_ids[i]) for i in found.members],
                        found.similarity,
                        found.min_similarity,
                        len(found.pairs),
                        [
                            (int(statement_ids[c]), v, u)
                            for c, v, u in zip(
                                found.statements, found.votes, found.unanimity, strict=True
                            )
                        ],
                    )
                )
        _brigade_cache[key] = cached
        while len(_brigade_cache) > _INDEX_CACHE_SIZE:
            _brigade_cache.popitem(last=False)
    reports = []
    for member_ids, similarity, lowest, pairs, statements in cached:
        users_by_id = {
            u.id: u for u in db.session.scalars(select(User).where(User.id.in_(member_ids)))
        }
        members = [users_by_id[u] for u in member_ids if u in users_by_id]
        statement_rows = {
            s.id: s
            for s in db.session.scalars(
                select(Statement).where(Statement.id.in_([s for s, _v, _u in statements]))
            )
        }
        reports.append(
            BrigadeReport(
                consultation=consultation,
                members=members,
                similarity=similarity,
                min_similarity=lowest,
                pairs=pairs,
                created_from=min(m.created_at for m in members),
                created_to=max(m.created_at for m in members),
                statements=[
                    (statement_rows[s], v, u) for s, v, u in statements if s in statement_rows
                ],
            )
        )
    return reports


# --------------------------------------------------------------------------------------------
# Audit log: reading and export


def audit_query(
    actor: User,
    *,
    consultation_id: int | None = None,
    action: str | None = None,
    actor_id: int | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[Any]:
    """The audit entries this actor may read, newest first, filtered."""
    query = select(AuditEntry).options(selectinload(AuditEntry.actor))
    scope = moderated_consultation_ids(actor)
    if scope is not None:
        query = query.where(AuditEntry.consultation_id.in_(scope or [-1]))
    if consultation_id is not None:
        query = query.where(AuditEntry.consultation_id == consultation_id)
    if action:
        query = query.where(AuditEntry.action == action)
    if actor_id is not None:
        query = query.where(AuditEntry.actor_id == actor_id)
    if target_type:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id is not None:
        query = query.where(AuditEntry.target_id == target_id)
    if since is not None:
        query = query.where(AuditEntry.created_at >= since)
    if until is not None:
        query = query.where(AuditEntry.created_at < until)
    return query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def audit_actions(actor: User) -> list[str]:
    """The distinct actions in the part of the log this actor may read."""
    query = select(AuditEntry.action).distinct().order_by(AuditEntry.action)
    scope = moderated_consultation_ids(actor)
    if scope is not None:
        query = query.where(AuditEntry.consultation_id.in_(scope or [-1]))
    return list(db.session.scalars(query))


def entries_for(target_type: str, target_id: int, actor: User) -> list[AuditEntry]:
    """The readable audit history of one statement or user, newest first."""
    return [
        entry
        for entry in db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.target_type == target_type, AuditEntry.target_id == target_id)
            .options(selectinload(AuditEntry.actor))
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        )
        if can_view_audit_entry(actor, entry.consultation_id)
    ]


AUDIT_CSV_COLUMNS = (
    "id",
    "created_at",
    "actor_id",
    "actor",
    "action",
    "target_type",
    "target_id",
    "consultation_id",
    "reason",
    "before",
    "after",
)


def _csv_cell(value: Any) -> Any:
    # Spreadsheet formula injection: text starting with = + - @ (or a tab/CR) is data, not code.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def audit_csv(entries: Iterable[AuditEntry]) -> str:
    """The audit entries as CSV (UTF-8, one header row)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(AUDIT_CSV_COLUMNS)
    for entry in entries:
        writer.writerow(
            [
                _csv_cell(v)
                for v in (
                    entry.id,
                    entry.created_at.isoformat(),
                    entry.actor_id if entry.actor_id is not None else "",
                    entry.actor.display_name if entry.actor is not None else "system",
                    entry.action,
                    entry.target_type,
                    entry.target_id if entry.target_id is not None else "",
                    entry.consultation_id if entry.consultation_id is not None else "",
                    entry.reason,
                    json.dumps(entry.before, ensure_ascii=False, sort_keys=True)
                    if entry.before is not None
                    else "",
                    json.dumps(entry.after, ensure_ascii=False, sort_keys=True)
                    if entry.after is not None
                    else "",
                )
            ]
        )
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# Reason templates

TEMPLATE_ACTIONS = ("hide", "restore", "approve", "ignore_flags", "block", "merge")


def list_reason_templates(action: str | None = None) -> list[ReasonTemplate]:
    """The reason templates, by action then text."""
    query = select(ReasonTemplate).order_by(ReasonTemplate.action, ReasonTemplate.text)
    if action:
        query = query.where(ReasonTemplate.action == action)
    return list(db.session.scalars(query))


def _clean_template(action: str, text: str) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    if action not in TEMPLATE_ACTIONS:
        errors["action"] = [f"Choose one of: {', '.join(TEMPLATE_ACTIONS)}."]
    text = " ".join((text or "").split())
    if not text:
        errors["text"] = ["Write the reason."]
    elif len(text) > 500:
        errors["text"] = ["Use at most 500 characters."]
    if errors:
        raise ValidationFailed("The reason template is not valid.", fields=errors)
    return action, text


def create_reason_template(actor: User, *, action: str, text: str) -> ReasonTemplate:
    """Add a reason template."""
    from consult.moderation.permissions import can_manage_reason_templates

    if not can_manage_reason_templates(actor):
        raise NotAllowed("Only moderators edit reason templates.")
    action, text = _clean_template(action, text)
    template = ReasonTemplate(action=action, text=text)
    db.session.add(template)
    db.session.flush()
    record_audit(
        actor,
        "reason_template_create",
        "reason_template",
        template.id,
        after={"action": action, "text": text},
    )
    return template


def update_reason_template(
    template: ReasonTemplate, actor: User, *, action: str, text: str
) -> ReasonTemplate:
    """Change a reason template."""
    from consult.moderation.permissions import can_manage_reason_templates

    if not can_manage_reason_templates(actor):
        raise NotAllowed("Only moderators edit reason templates.")
    action, text = _clean_template(action, text)
    before = {"action": template.action, "text": template.text}
    template.action, template.text = action, text
    db.session.flush()
    record_audit(
        actor,
        "reason_template_update",
        "reason_template",
        template.id,
        before=before,
        after={"action": action, "text": text},
    )
    return template


def delete_reason_template(template: ReasonTemplate, actor: User) -> None:
    """Remove a reason template (decisions that used it keep their reason text)."""
    from consult.moderation.permissions import can_manage_reason_templates

    if not can_manage_reason_templates(actor):
        raise NotAllowed("Only moderators edit reason templates.")
    record_audit(
        actor,
        "reason_template_delete",
        "reason_template",
        template.id,
        before={"action": template.action, "text": template.text},
    )
    db.session.delete(template)
    db.session.flush()


def ensure_default_reason_templates() -> int:
    """Create the default reason templates when there are none; return how many were added."""
    if db.session.scalar(select(func.count(ReasonTemplate.id))):
        return 0
    for action, text in DEFAULT_REASON_TEMPLATES:
        db.session.add(ReasonTemplate(action=action, text=text))
    db.session.flush()
    return len(DEFAULT_REASON_TEMPLATES)
