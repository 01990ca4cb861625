"""The review queue: which statements wait, in what order, and what a moderator sees of each."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, exists, func, or_, select
from sqlalchemy.orm import selectinload

from consult.auth.models import User, UserBlock
from consult.auth.standing import active_blocks
from consult.extensions import db
from consult.moderation.models import Flag, FlagReason
from consult.moderation.permissions import moderated_consultation_ids
from consult.moderation.similar.services import likely_duplicates
from consult.statements.models import Statement, StatementLink, StatementStatus
from consult.statements.services import count_by

#: Queue filters.
QUEUE_STATES = ("flagged", "auto_hidden", "pending")


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


def author_history(user_ids: Iterable[int | None]) -> dict[int, dict[str, int]]:
    """Per author: how many statements they posted and how many were hidden."""
    ids = list({u for u in user_ids if u is not None})
    history: dict[int, dict[str, int]] = {u: {"total": 0, "hidden": 0} for u in ids}
    if not ids:
        return history
    for author_id, status, n in count_by(Statement.author_id, Statement.status, ids):
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
    for flag in db.session.scalars(
        select(Flag)
        .where(Flag.statement_id.in_(list(items)), Flag.resolved_at.is_(None))
        .options(selectinload(Flag.user))
        .order_by(Flag.created_at, Flag.id)
    ):
        items[flag.statement_id].flags.append(flag)
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
        for sid, found in likely_duplicates(statements).items():
            items[sid].duplicates = found
    return [items[s.id] for s in statements]


def queue_statements(items: Iterable[QueueItem]) -> list[Statement]:
    """Every statement the queue items show: each one, its thread context and its duplicates."""
    found: list[Statement] = []
    for item in items:
        found.append(item.statement)
        found.extend(c.statement for c in [*item.targets, *item.replies])
        found.extend(statement for statement, _score in item.duplicates)
    return found
