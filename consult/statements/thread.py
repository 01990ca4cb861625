"""The thread page's bounded first screen, and the branches it loads on demand.

The first screen shows one page of positions (``THREAD_PAGE_SIZE``), and under them the
strongest replies (most agreed minus disagreed; supports first on a tie, then the oldest),
breadth first: at most ``THREAD_REPLIES_SHOWN`` per statement, ``THREAD_DEPTH`` levels and
``THREAD_REPLY_BUDGET`` reply cards in all. Whatever is left out is one link away: a branch
(:func:`branch_page`) shows all the replies of one statement, a page at a time, expanded the
same way. The number of queries depends on those settings, never on the consultation's size:
one ranking query per level (a window function picks the strongest replies of every statement
of the level at once), then one query each for the statements, their vote counts, the viewer's
votes, their other links and the replies left out.

A statement the viewer may not read (hidden by a moderator, or pending) still has its place
when readable replies answer it: it is shown as a stand-in ("a hidden statement") with its id
and kind only, never its text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from consult.consultations.models import Consultation
from consult.extensions import db
from consult.statements.models import (
    Relation,
    Statement,
    StatementKind,
    StatementLink,
    StatementStatus,
)
from consult.statements.services import StatementView, my_votes, vote_counts
from consult.votes.models import Vote

SORTS = ("oldest", "newest", "votes")
_HIDDEN = (StatementStatus.hidden, StatementStatus.pending)
# Made once: a new alias per query costs event registrations and defeats SQLAlchemy's cache
# of compiled statements.
_CHILD = aliased(Statement, name="child")
_REPLY = aliased(Statement, name="reply")
_TARGET = aliased(Statement, name="target")


@dataclass
class ThreadCard:
    """A statement as the thread shows it, with the replies shown under it."""

    view: StatementView
    relation: str | None  # how it relates to the statement it is shown under
    children: list[ThreadCard] = field(default_factory=list)
    #: shown in full elsewhere on the page (a reply to two statements, or a cycle)
    repeated: bool = False
    #: outgoing links to readable statements other than the one it is shown under
    also: list[StatementLink] = field(default_factory=list)
    #: replies not shown here (one link away)
    more: int = 0
    #: all its readable replies (or stand-ins)
    replies: int = 0


@dataclass
class ThreadPage:
    """One screen of a thread: positions (or a statement's replies) and what is under them."""

    cards: list[ThreadCard]
    views: dict[int, StatementView]
    page: int
    pages: int
    total: int  # root cards over all pages
    n_positions: int = 0
    n_arguments: int = 0
    #: a branch: the statement whose replies these are, with them as its children
    parent: ThreadCard | None = None


@dataclass(frozen=True)
class Limits:
    """How much one screen shows."""

    per_page: int = 10
    per_parent: int = 2
    depth: int = 4
    budget: int = 30

    @classmethod
    def from_config(cls) -> Limits:
        config = current_app.config
        return cls(
            per_page=int(config.get("THREAD_PAGE_SIZE", cls.per_page)),
            per_parent=int(config.get("THREAD_REPLIES_SHOWN", cls.per_parent)),
            depth=int(config.get("THREAD_DEPTH", cls.depth)),
            budget=int(config.get("THREAD_REPLY_BUDGET", cls.budget)),
        )


def _signed_in(viewer: Any) -> bool:
    return bool(viewer is not None and getattr(viewer, "is_authenticated", False))


def _readable(entity: Any, viewer: Any) -> Any:
    """SQL: this statement is readable by the viewer (visible, or their own pending one)."""
    condition = entity.status == StatementStatus.visible
    if _signed_in(viewer):
        condition = or_(
            condition,
            (entity.status == StatementStatus.pending) & (entity.author_id == viewer.id),
        )
    return condition


def _shown(entity: Any, viewer: Any) -> Any:
    """SQL: readable, or a hidden/pending statement that a readable reply answers (stand-in)."""
    reply = _REPLY
    answered = exists(
        select(StatementLink.id)
        .join(reply, reply.id == StatementLink.source_id)
        .where(StatementLink.target_id == entity.id, _readable(reply, viewer))
    )
    return or_(_readable(entity, viewer), entity.status.in_(_HIDDEN) & answered)


def _strength(agree: Any, disagree: Any) -> Any:
    return func.coalesce(agree, 0) - func.coalesce(disagree, 0)


def _vote_totals(statement_ids: Any) -> Any:
    """Subquery: agree and disagree counts of the statements selected by ``statement_ids``."""
    return (
        select(
            Vote.statement_id.label("statement_id"),
            func.sum(case((Vote.value == 1, 1), else_=0)).label("agree"),
            func.sum(case((Vote.value == -1, 1), else_=0)).label("disagree"),
        )
        .where(Vote.statement_id.in_(statement_ids))
        .group_by(Vote.statement_id)
        .subquery()
    )


def _ranked_replies(
    parent_ids: list[int], viewer: Any, *, limit: int | None, offset: int = 0
) -> list[tuple[int, int, str, int]]:
    """The strongest replies of each parent: (parent, reply, relation, replies of the parent)."""
    if not parent_ids:
        return []
    child = _CHILD
    totals = _vote_totals(
        select(StatementLink.source_id).where(StatementLink.target_id.in_(parent_ids))
    )
    rank = (
        func.row_number()
        .over(
            partition_by=StatementLink.target_id,
            order_by=(
                _strength(totals.c.agree, totals.c.disagree).desc(),
                case((StatementLink.relation == Relation.support, 0), else_=1),
                StatementLink.source_id,
            ),
        )
        .label("rank")
    )
    count = func.count().over(partition_by=StatementLink.target_id).label("n")
    ranked = (
        select(
            StatementLink.target_id, StatementLink.source_id, StatementLink.relation, rank, count
        )
        .join(child, child.id == StatementLink.source_id)
        .outerjoin(totals, totals.c.statement_id == StatementLink.source_id)
        .where(StatementLink.target_id.in_(parent_ids), _shown(child, viewer))
        .subquery()
    )
    query = select(ranked).where(ranked.c.rank > offset)
    if limit is not None:
        query = query.where(ranked.c.rank <= offset + limit)
    rows = db.session.execute(query.order_by(ranked.c.target_id, ranked.c.rank)).all()
    return [
        (parent, reply, relation.value if isinstance(relation, Relation) else str(relation), n)
        for parent, reply, relation, _rank, n in rows
    ]


def _reply_counts(parent_ids: list[int], viewer: Any) -> dict[int, int]:
    if not parent_ids:
        return {}
    child = _CHILD
    rows = db.session.execute(
        select(StatementLink.target_id, func.count())
        .join(child, child.id == StatementLink.source_id)
        .where(StatementLink.target_id.in_(parent_ids), _shown(child, viewer))
        .group_by(StatementLink.target_id)
    ).all()
    return {int(parent): int(n) for parent, n in rows}


def _expand(roots: list[ThreadCard], viewer: Any, limits: Limits) -> list[ThreadCard]:
    """Add the strongest replies under the roots, breadth first, within the limits.

    Returns every card (roots included) in the order they were placed.
    """
    placed: list[ThreadCard] = list(roots)
    expanded = {card.view.id for card in roots if not card.repeated}
    frontier = [card for card in roots if not card.repeated]
    budget = limits.budget
    depth = 0
    while frontier and depth < limits.depth and budget > 0:
        by_parent: dict[int, list[ThreadCard]] = {}
        for card in frontier:
            by_parent.setdefault(card.view.id, []).append(card)
        rows = _ranked_replies(list(by_parent), viewer, limit=limits.per_parent)
        children_of: dict[int, list[tuple[int, str]]] = {}
        for parent, reply, relation, n in rows:
            for card in by_parent[parent]:
                card.replies = n
            children_of.setdefault(parent, []).append((reply, relation))
        next_frontier: list[ThreadCard] = []
        for card in frontier:  # in page order: the first statements get the budget first
            for reply, relation in children_of.get(card.view.id, []):
                if budget <= 0:
                    break
                repeated = reply in expanded
                child = ThreadCard(view=_pending_view(reply), relation=relation, repeated=repeated)
                card.children.append(child)
                placed.append(child)
                budget -= 1
                if not repeated:
                    expanded.add(reply)
                    next_frontier.append(child)
            card.more = card.replies - len(card.children)
        frontier = next_frontier
        depth += 1
    counts = _reply_counts([card.view.id for card in frontier], viewer)
    for card in frontier:
        card.replies = counts.get(card.view.id, 0)
        card.more = card.replies
    return placed


def _pending_view(statement_id: int) -> StatementView:
    """A view to be filled by :func:`_fill` (the statement is loaded with the others)."""
    return StatementView(statement=Statement(id=statement_id))


def _fill(
    roots: list[ThreadCard],
    placed: list[ThreadCard],
    viewer: Any,
    *,
    above: int | None = None,
) -> dict[int, StatementView]:
    """Load the statements, counts, the viewer's votes and other links of the placed cards.

    ``above`` is the statement the roots are shown under (a branch), if any.
    """
    ids = list(dict.fromkeys(card.view.id for card in placed))
    statements = {
        s.id: s for s in db.session.scalars(select(Statement).where(Statement.id.in_(ids)))
    }
    me = viewer.id if _signed_in(viewer) else None
    readable_ids = {
        sid
        for sid, s in statements.items()
        if s.status is StatementStatus.visible
        or (s.status is StatementStatus.pending and me is not None and s.author_id == me)
    }
    views: dict[int, StatementView] = {}
    for sid in ids:
        statement = statements.get(sid)
        if statement is None:
            continue
        if sid in readable_ids:
            views[sid] = StatementView(statement=statement)
        else:  # a detached stand-in: id and kind only, never the text
            stand_in = Statement(
                id=sid,
                consultation_id=statement.consultation_id,
                kind=statement.kind,
                text="",
                status=StatementStatus.hidden,
                created_at=statement.created_at,
            )
            views[sid] = StatementView(statement=stand_in, placeholder=True)
    shown = [sid for sid in ids if sid in readable_ids]
    counts = vote_counts(shown)
    mine = my_votes(viewer, shown)
    for sid in shown:
        view = views[sid]
        c = counts.get(sid)
        if c:
            view.agree, view.disagree, view.pass_ = c[1], c[-1], c[0]
        view.my_vote = mine.get(sid)
    target = _TARGET
    links = db.session.scalars(
        select(StatementLink)
        .join(target, target.id == StatementLink.target_id)
        .where(StatementLink.source_id.in_(shown), _shown(target, viewer))
        .order_by(StatementLink.id)
    )
    outgoing: dict[int, list[StatementLink]] = {}
    for link in links:
        outgoing.setdefault(link.source_id, []).append(link)
    for card, parent_id in _walk(roots, above):
        found = views.get(card.view.id)
        if found is None:
            continue
        card.view = view = found
        view.links = outgoing.get(view.id, [])
        card.also = [link for link in view.links if link.target_id != parent_id]
    return views


def _walk(roots: list[ThreadCard], above: int | None) -> Iterable[tuple[ThreadCard, int | None]]:
    """Every card of the trees whose roots are given, with the id of the card above it."""
    stack: list[tuple[ThreadCard, int | None]] = [(card, above) for card in reversed(roots)]
    while stack:
        card, parent = stack.pop()
        yield card, parent
        stack.extend((child, card.view.id) for child in reversed(card.children))


def _prune(cards: list[ThreadCard]) -> list[ThreadCard]:
    """Drop stand-ins with nothing readable shown or waiting under them."""
    kept = []
    for card in cards:
        card.children = _prune(card.children)
        if card.view.statement.kind is None:  # gone since it was placed (deleted meanwhile)
            continue
        if card.view.placeholder and not card.children and not card.more:
            continue
        kept.append(card)
    return kept


def _pages(total: int, per_page: int) -> int:
    return max(1, -(-total // max(1, per_page)))


def thread_page(
    consultation: Consultation,
    viewer: Any,
    *,
    order: str = "oldest",
    page: int = 1,
    limits: Limits | None = None,
) -> ThreadPage:
    """One page of positions with their strongest replies (the thread page's first screen)."""
    limits = limits or Limits.from_config()
    if order not in SORTS:
        order = "oldest"
    kinds = dict(
        db.session.execute(
            select(Statement.kind, func.count())
            .where(Statement.consultation_id == consultation.id, _readable(Statement, viewer))
            .group_by(Statement.kind)
        ).all()
    )
    root_filter = and_(
        Statement.consultation_id == consultation.id,
        Statement.kind == StatementKind.position,
        _shown(Statement, viewer),
    )
    total = int(db.session.scalar(select(func.count()).where(root_filter)) or 0)
    pages = _pages(total, limits.per_page)
    page = min(max(1, page), pages)
    if order == "newest":
        ordering: tuple[Any, ...] = (Statement.created_at.desc(), Statement.id.desc())
    elif order == "votes":
        n_votes = (
            select(func.count(Vote.id)).where(Vote.statement_id == Statement.id).scalar_subquery()
        )
        ordering = (n_votes.desc(), Statement.id)
    else:
        ordering = (Statement.created_at, Statement.id)
    root_ids = list(
        db.session.scalars(
            select(Statement.id)
            .where(root_filter)
            .order_by(*ordering)
            .limit(limits.per_page)
            .offset((page - 1) * limits.per_page)
        )
    )
    roots = [ThreadCard(view=_pending_view(sid), relation=None) for sid in root_ids]
    placed = _expand(roots, viewer, limits)
    views = _fill(roots, placed, viewer)
    return ThreadPage(
        cards=_prune(roots),
        views=views,
        page=page,
        pages=pages,
        total=total,
        n_positions=int(kinds.get(StatementKind.position, 0)),
        n_arguments=int(kinds.get(StatementKind.argument, 0)),
    )


def branch_page(
    statement: Statement,
    viewer: Any,
    *,
    page: int = 1,
    limits: Limits | None = None,
) -> ThreadPage:
    """The replies of one statement, a page at a time, each with its strongest replies."""
    limits = limits or Limits.from_config()
    total = _reply_counts([statement.id], viewer).get(statement.id, 0)
    pages = _pages(total, limits.per_page)
    page = min(max(1, page), pages)
    rows = _ranked_replies(
        [statement.id], viewer, limit=limits.per_page, offset=(page - 1) * limits.per_page
    )
    roots = [
        ThreadCard(view=_pending_view(reply), relation=relation)
        for _parent, reply, relation, _n in rows
    ]
    placed = _expand(roots, viewer, limits)
    parent = ThreadCard(view=_pending_view(statement.id), relation=None, children=roots)
    parent.replies = total
    views = _fill([parent], [parent, *placed], viewer)
    parent.children = _prune(roots)
    return ThreadPage(
        cards=parent.children, views=views, page=page, pages=pages, total=total, parent=parent
    )


def statement_place(statement: Statement, viewer: Any) -> tuple[int | None, int]:
    """Where a statement is shown: (the statement whose replies page shows it, or None for the
    positions' pages; the page number there)."""
    limits = Limits.from_config()
    per_page = max(1, limits.per_page)
    if statement.kind is StatementKind.position:
        before = db.session.scalar(
            select(func.count()).where(
                Statement.consultation_id == statement.consultation_id,
                Statement.kind == StatementKind.position,
                _shown(Statement, viewer),
                or_(
                    Statement.created_at < statement.created_at,
                    and_(
                        Statement.created_at == statement.created_at,
                        Statement.id < statement.id,
                    ),
                ),
            )
        )
        return None, int(before or 0) // per_page + 1
    target_id = db.session.scalar(
        select(StatementLink.target_id)
        .where(StatementLink.source_id == statement.id)
        .order_by(StatementLink.id)
        .limit(1)
    )
    if target_id is None:
        return None, 1
    rows = _ranked_replies([target_id], viewer, limit=None)
    index = next((i for i, row in enumerate(rows) if row[1] == statement.id), 0)
    return int(target_id), index // per_page + 1


@dataclass(frozen=True)
class Crumb:
    """A statement above another in its branch, as the breadcrumb shows it."""

    id: int
    text: str | None  # None: the viewer may not read it (hidden or pending)


def branch_ancestors(statement: Statement, viewer: Any, *, limit: int = 12) -> list[Crumb]:
    """The statements above this one, from its position down to what it answers (first link at
    each step, at most ``limit`` steps: one query per step, whatever the consultation's size)."""
    chain: list[Crumb] = []
    seen = {statement.id}
    current = statement.id
    while len(chain) < limit:
        parent = db.session.scalars(
            select(Statement)
            .join(StatementLink, StatementLink.target_id == Statement.id)
            .where(StatementLink.source_id == current)
            .order_by(StatementLink.id)
            .limit(1)
        ).first()
        if parent is None or parent.id in seen or parent.status is StatementStatus.merged:
            break
        seen.add(parent.id)
        readable = parent.status is StatementStatus.visible or (
            parent.status is StatementStatus.pending
            and _signed_in(viewer)
            and parent.author_id == viewer.id
        )
        chain.append(Crumb(id=parent.id, text=parent.text if readable else None))
        current = parent.id
    return list(reversed(chain))
