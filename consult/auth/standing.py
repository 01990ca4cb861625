"""Account standing: blocks and suspensions, and whether one is in force.

A suspension ends on a date; a block lasts until lifted. While one is in force the account cannot
post, vote or flag (the permission checks ask :func:`is_blocked`). What a block does to the
account's content is not decided here: :func:`restrict_account` sends ``account_restricted`` and
:func:`reinstate_account` / :func:`expire_suspensions` send ``account_reinstated``
(:mod:`consult.signals`); the moderation domain answers by hiding or restoring the statements,
and each receiver returns what it changed, ``{consultation id: {statement id: status}}``, which
goes into the audit log. Who may block whom is the moderation domain's rule too
(``can_block_user``): these functions take an actor that was already allowed.

Services flush, never commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Exists, and_, exists, or_, select

from consult.audit.services import record_audit
from consult.auth.models import BlockKind, User, UserBlock
from consult.errors import Conflict, NotFound, invalid
from consult.extensions import db
from consult.formatting import format_moment
from consult.notifications.services import notify, reason_for_reader
from consult.signals import account_reinstated, account_restricted
from consult.types import utcnow

#: The reason logged when a suspension ends by itself.
SUSPENSION_ENDED = "Suspension ended."

#: What a receiver of the standing signals changed: {consultation id: {statement id: status}}.
Changed = dict[int, dict[str, str]]


def active_block_condition(
    now: datetime | ColumnElement[Any] | None = None,
) -> ColumnElement[bool]:
    """SQL: the block row is in force at ``now`` (not lifted, not ended); ``now`` may be a
    bound parameter of a query built once."""
    now = utcnow() if now is None else now
    return and_(
        UserBlock.lifted_at.is_(None),
        or_(UserBlock.ends_at.is_(None), UserBlock.ends_at > now),
    )


def active_block(user: User) -> UserBlock | None:
    """Return the block or suspension in force for this user, if any."""
    return db.session.scalar(
        select(UserBlock)
        .where(UserBlock.user_id == user.id, active_block_condition())
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
        .where(UserBlock.user_id.in_(ids), active_block_condition())
        .order_by(UserBlock.created_at)
    ):
        found[block.user_id] = block
    return found


def blocked_user_ids() -> list[int]:
    """Every account with a block or suspension in force."""
    return list(
        db.session.scalars(select(UserBlock.user_id).where(active_block_condition()).distinct())
    )


#: Where a request keeps the standing it already read with the account: {user id: blocked}.
_KNOWN = "kenes.blocked"


def blocked_now(user_id: Any, *, now: datetime | ColumnElement[Any] | None = None) -> Exists:
    """SQL: a block or suspension of this user (a column or id) is in force now (or ``now``).

    Selected with the account (the API token's lookup does), it spares the permission checks of
    the request their own query: see :func:`remember_standing`.
    """
    return exists().where(UserBlock.user_id == user_id, active_block_condition(now))


def remember_standing(user_id: int, blocked: bool) -> None:
    """Keep, for the rest of the current request, whether this account is blocked."""
    if has_request_context():
        request.environ.setdefault(_KNOWN, {})[int(user_id)] = bool(blocked)


def _forget_standing(user_id: int) -> None:
    if has_request_context():
        request.environ.get(_KNOWN, {}).pop(int(user_id), None)


def is_blocked(user: Any) -> bool:
    """Tell whether a block or suspension is in force for this (signed-in) user.

    Answered without a query when the request read it with the account (``remember_standing``).
    """
    if not (user is not None and getattr(user, "is_authenticated", False)):
        return False
    if has_request_context():
        known = request.environ.get(_KNOWN, {}).get(user.id)
        if known is not None:
            return bool(known)
        blocked = active_block(user) is not None
        remember_standing(user.id, blocked)  # asked again by the page's other checks
        return blocked
    return active_block(user) is not None


def blocks_of(user: User) -> list[UserBlock]:
    """Every block and suspension of a user, newest first."""
    return list(
        db.session.scalars(
            select(UserBlock)
            .where(UserBlock.user_id == user.id)
            .order_by(UserBlock.created_at.desc(), UserBlock.id.desc())
        )
    )


def _merged(results: list[tuple[Any, Any]]) -> Changed:
    """Merge what the signal's receivers changed."""
    merged: Changed = defaultdict(dict)
    for _receiver, changed in results:
        for consultation_id, statuses in (changed or {}).items():
            merged[int(consultation_id)].update(statuses)
    return dict(merged)


def _check_end(kind: BlockKind, ends_at: datetime | None, now: datetime) -> None:
    if kind is BlockKind.suspend:
        if ends_at is None:
            raise invalid(
                _l("A suspension needs an end date."), "ends_at", _l("Choose when it ends.")
            )
        if ends_at.tzinfo is None:
            raise invalid(
                _l("Give the end with a time zone."), "ends_at", _l("Include a time zone.")
            )
        if ends_at <= now:
            raise invalid(
                _l("The end of a suspension must be in the future."),
                "ends_at",
                _l("Choose a future date."),
            )
    elif ends_at is not None:
        raise invalid(
            _l("A block has no end date; use a suspension for a limited time."),
            "ends_at",
            _l("Leave empty for a block."),
        )


def restrict_account(
    user: User,
    actor: User,
    *,
    kind: BlockKind | str,
    reason: str,
    ends_at: datetime | None = None,
    consultation_id: int | None = None,
) -> UserBlock:
    """Suspend (until ``ends_at``) or block an account; its content is hidden by the receivers.

    ``reason`` is already cleaned by the caller. The log gets one entry for the block (with every
    statement hidden, so that lifting it can restore exactly those) and one per consultation whose
    content was hidden, so that its moderators see it.
    """
    try:
        kind = BlockKind(kind)
    except ValueError:
        raise invalid(_l("Unknown kind."), "kind", _l("Choose suspend or block.")) from None
    now = utcnow()
    _check_end(kind, ends_at, now)
    if active_block(user) is not None:
        raise Conflict(
            _l("This person is already suspended or blocked; lift that first."),
            fields={"user": [_l("Already blocked.")]},
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
    _forget_standing(user.id)
    db.session.flush()
    hidden = _merged(account_restricted.send(user, user=user, block=block, actor=actor))
    record_audit(
        actor,
        kind.value,
        "user",
        user.id,
        reason=reason,
        consultation_id=consultation_id,
        before={"blocked": False},
        after={
            "block_id": block.id,
            "kind": kind.value,
            "ends_at": ends_at.isoformat() if ends_at else None,
            "hidden_statements": {sid: s for per in hidden.values() for sid, s in per.items()},
        },
    )
    for cid, statuses in sorted(hidden.items()):
        record_audit(
            actor,
            "hide_by_block",
            "user",
            user.id,
            reason=reason,
            consultation_id=cid,
            before={"statements": statuses},
            after={"block_id": block.id, "status": "hidden"},
        )
    notify(user.id, lambda: _restricted_message(ends_at, reason))
    return block


def _restricted_message(until: datetime | None, reason: str) -> str:
    if until is not None:
        return str(
            _(
                "Your account is suspended until %(date)s: you cannot post, vote or flag, and "
                "your statements are hidden meanwhile. Reason: %(reason)s",
                date=format_moment(until),
                reason=reason_for_reader(reason),
            )
        )
    return str(
        _(
            "Your account is blocked: you cannot post, vote or flag, and your statements are "
            "hidden. Reason: %(reason)s",
            reason=reason_for_reader(reason),
        )
    )


def _reinstate(block: UserBlock, actor: User | None, reason: str) -> list[int]:
    """Send ``account_reinstated``, log what its receivers restored; return the statement ids."""
    user = db.session.get(User, block.user_id)
    restored = _merged(account_reinstated.send(user, user=user, block=block, actor=actor))
    for cid, statuses in sorted(restored.items()):
        record_audit(
            actor,
            "restore_by_unblock",
            "user",
            block.user_id,
            reason=reason,
            consultation_id=cid,
            before={"block_id": block.id, "status": "hidden"},
            after={"statements": statuses},
        )
    return [int(s) for per in restored.values() for s in per]


def reinstate_account(
    user: User, actor: User, *, reason: str, consultation_id: int | None = None
) -> UserBlock:
    """Lift the user's block or suspension; the receivers restore the content it hid."""
    block = active_block(user)
    if block is None:
        raise NotFound(_l("This person is not blocked."))
    block.lifted_at = utcnow()
    block.lifted_by_id = actor.id
    _forget_standing(user.id)
    db.session.flush()
    restored = _reinstate(block, actor, reason)
    record_audit(
        actor,
        "unblock",
        "user",
        user.id,
        reason=reason,
        consultation_id=consultation_id,
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
        ends_at = block.ends_at or now  # the query only finds suspensions with an end
        block.lifted_at = ends_at
        db.session.flush()
        restored = _reinstate(block, None, SUSPENSION_ENDED)
        record_audit(
            None,
            "suspension_ended",
            "user",
            block.user_id,
            reason=SUSPENSION_ENDED,
            before={"block_id": block.id, "ends_at": ends_at.isoformat()},
            after={"blocked": False, "restored_statements": restored},
        )
    return len(ended)
