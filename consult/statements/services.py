"""Statements: post positions and arguments, link them, list them with their votes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from consult.auth.models import User
from consult.auth.recovery import needs_verification
from consult.consultations.models import Consultation, ModerationMode
from consult.consultations.permissions import can_moderate_consultation
from consult.errors import Conflict, NotAllowed, ValidationFailed, invalid, too_long
from consult.extensions import db
from consult.languages.codes import is_language
from consult.languages.detect import detect_language
from consult.signals import statement_created
from consult.statements.models import (
    Relation,
    Statement,
    StatementKind,
    StatementLink,
    StatementStatus,
)
from consult.statements.permissions import can_post_statement
from consult.text import clean_text, text_key
from consult.votes.models import Vote


def validate_text(text: str) -> str:
    """Clean the text and raise ValidationFailed if it is empty or too long."""
    cleaned = clean_text(text)
    limit = int(current_app.config["STATEMENT_MAX_LENGTH"])
    if not cleaned:
        raise invalid(_l("The text is empty."), "text", _l("Write something first."))
    if len(cleaned) > limit:
        raise too_long(_l("The text is too long."), "text", limit, len(cleaned))
    return cleaned


def create_statement(
    consultation: Consultation,
    actor: User,
    *,
    text: str,
    kind: StatementKind | str,
    links: list[tuple[int, Relation | str]] | None = None,
    language: str | None = None,
) -> Statement:
    """Post a position or an argument; arguments support or attack at least one statement.

    ``language`` is the author's choice; without it the language is detected from the text.
    """
    if not can_post_statement(actor, consultation):
        if not consultation.is_open:
            raise Conflict(
                _l("This consultation is not open for contributions."),
                fields={"consultation": [_l("Not open.")]},
            )
        raise NotAllowed(_l("You cannot post in this consultation."))
    kind = StatementKind(kind)
    cleaned = validate_text(text)
    if language is not None and not is_language(language):
        raise invalid(_l("Unknown language."), "language", _l("Choose Kazakh, Russian or English."))
    wanted: dict[int, Relation] = {}
    for target_id, relation in links or []:
        try:
            wanted[int(target_id)] = Relation(relation)
        except (TypeError, ValueError):
            raise invalid(
                _l("Invalid link."), "links", _l("Each link needs a target and a relation.")
            ) from None
    if kind is StatementKind.argument and not wanted:
        raise invalid(
            _l("An argument must support or attack a statement."),
            "links",
            _l("Choose the statement this argument supports or attacks."),
        )
    targets = _load_targets(consultation, list(wanted))
    key = text_key(cleaned)
    duplicate = db.session.scalar(
        select(Statement.id).where(
            Statement.consultation_id == consultation.id,
            Statement.author_id == actor.id,
            Statement.text_key == key,
            Statement.status != StatementStatus.merged,
        )
    )
    if duplicate is not None:
        raise Conflict(
            _l("You have already posted this text in this consultation."),
            fields={"text": [_l("You have already posted this.")]},
        )
    pre = (
        consultation.moderation is ModerationMode.pre
        and not can_moderate_consultation(actor, consultation)
    ) or needs_verification(actor)
    statement = Statement(
        consultation_id=consultation.id,
        kind=kind,
        text=cleaned,
        text_key=key,
        language=language or detect_language(cleaned),
        author_id=actor.id,
        status=StatementStatus.pending if pre else StatementStatus.visible,
    )
    db.session.add(statement)
    db.session.flush()
    for target in targets:
        db.session.add(
            StatementLink(
                consultation_id=consultation.id,
                source_id=statement.id,
                target_id=target.id,
                relation=wanted[target.id],
            )
        )
    try:
        db.session.flush()
    except IntegrityError as exc:
        # Guarded above; a concurrent change can still trip a constraint. The database's own
        # text names tables and constraints, so it goes to the log, never to the answer.
        current_app.logger.warning("statement links refused by the database: %s", exc.orig)
        raise invalid(
            _l("Invalid link."), "links", _l("A linked statement changed meanwhile; try again.")
        ) from exc
    statement_created.send(statement, statement=statement, actor=actor)
    return statement


def _load_targets(consultation: Consultation, target_ids: list[int]) -> list[Statement]:
    return published_statements(
        consultation,
        target_ids,
        "links",
        _l("Invalid link target."),
        lambda sid: _l("Statement %(sid)s cannot be replied to.", sid=sid),
    )


def published_statements(
    consultation: Consultation,
    ids: list[int],
    field: str,
    message: Any,
    unpublished: Callable[[int], Any],
) -> list[Statement]:
    """The visible statements of the consultation with these ids, in their order; else
    ValidationFailed(``message``) with, on ``field``, a line for each id that is not a statement
    of the consultation or not visible (``unpublished(id)``)."""
    if not ids:
        return []
    found = {
        s.id: s
        for s in db.session.scalars(
            select(Statement).where(
                Statement.id.in_(ids), Statement.consultation_id == consultation.id
            )
        )
    }
    errors = []
    for sid in ids:
        statement = found.get(sid)
        if statement is None:
            errors.append(_l("Statement %(sid)s is not in this consultation.", sid=sid))
        elif statement.status is not StatementStatus.visible:
            errors.append(unpublished(sid))
    if errors:
        raise ValidationFailed(message, fields={field: errors})
    return [found[sid] for sid in ids]


def visible_statement_filter(consultation: Consultation, viewer: Any) -> Any:
    """SQL condition for the statements of a consultation this viewer may read."""
    condition = Statement.status == StatementStatus.visible
    if viewer is not None and getattr(viewer, "is_authenticated", False):
        condition = or_(
            condition,
            (Statement.status == StatementStatus.pending) & (Statement.author_id == viewer.id),
        )
    return (Statement.consultation_id == consultation.id) & condition


@dataclass
class StatementView:
    """A statement with what a reader sees about it: counts, my vote, links."""

    statement: Statement
    agree: int = 0
    disagree: int = 0
    pass_: int = 0
    my_vote: int | None = None
    links: list[StatementLink] = field(default_factory=list)  # outgoing (this → target)
    replies: list[StatementLink] = field(default_factory=list)  # incoming (source → this)
    # A stand-in for a hidden statement that shown replies answer ("a hidden statement").
    placeholder: bool = False

    @property
    def id(self) -> int:
        return self.statement.id

    @property
    def total(self) -> int:
        return self.agree + self.disagree + self.pass_


def vote_counts(statement_ids: list[int]) -> dict[int, dict[int, int]]:
    """Return {statement_id: {1: agrees, -1: disagrees, 0: passes}}."""
    counts: dict[int, dict[int, int]] = defaultdict(lambda: {1: 0, -1: 0, 0: 0})
    if not statement_ids:
        return counts
    for sid, value, n in count_by(Vote.statement_id, Vote.value, statement_ids):
        counts[sid][value] = n
    return counts


def count_by(key: Any, value: Any, keys: Collection[Any]) -> Any:
    """``(key, value, rows)`` for each pair of the two columns' values among the rows whose
    ``key`` is one of ``keys``."""
    return db.session.execute(
        select(key, value, func.count()).where(key.in_(keys)).group_by(key, value)
    )


def my_votes(user: Any, statement_ids: list[int]) -> dict[int, int]:
    """Return the viewer's vote value per statement."""
    if not statement_ids or user is None or not getattr(user, "is_authenticated", False):
        return {}
    return dict(
        db.session.execute(
            select(Vote.statement_id, Vote.value).where(
                Vote.user_id == user.id, Vote.statement_id.in_(statement_ids)
            )
        ).all()
    )


def statement_views(
    consultation: Consultation,
    viewer: Any,
    *,
    statements: list[Statement] | None = None,
    placeholders: bool = False,
) -> dict[int, StatementView]:
    """Load the readable statements of a consultation with counts, my vote and links.

    With ``placeholders``, hidden statements that readable ones reply to are added as
    stand-ins (``view.placeholder``), so that their replies keep their place in the thread.
    """
    if statements is None:
        statements = list(
            db.session.scalars(
                select(Statement)
                .where(visible_statement_filter(consultation, viewer))
                .order_by(Statement.created_at, Statement.id)
            )
        )
    views = {s.id: StatementView(statement=s) for s in statements}
    ids = list(views)
    counts = vote_counts(ids)
    mine = my_votes(viewer, ids)
    for sid, view in views.items():
        c = counts.get(sid)
        if c:
            view.agree, view.disagree, view.pass_ = c[1], c[-1], c[0]
        view.my_vote = mine.get(sid)
    if ids:
        links = list(
            db.session.scalars(
                select(StatementLink).where(StatementLink.consultation_id == consultation.id)
            )
        )
        if placeholders:
            _add_placeholders(views, links)
        for link in links:
            if link.source_id in views and link.target_id in views:
                views[link.source_id].links.append(link)
                views[link.target_id].replies.append(link)
    return views


def _add_placeholders(views: dict[int, StatementView], links: list[StatementLink]) -> None:
    """Add stand-ins for the hidden statements that shown statements answer (transitively).

    A stand-in is a detached copy with the id and kind only (no text, no author), so a template
    that forgets to check ``view.placeholder`` shows an empty card, never the hidden text.
    """
    targets: dict[int, list[int]] = defaultdict(list)
    for link in links:
        targets[link.source_id].append(link.target_id)
    wanted = {t for sid in views for t in targets.get(sid, ()) if t not in views}
    while wanted:
        added = []
        for sid, consultation_id, kind, created_at in db.session.execute(
            select(
                Statement.id, Statement.consultation_id, Statement.kind, Statement.created_at
            ).where(
                Statement.id.in_(wanted),
                Statement.status.in_([StatementStatus.hidden, StatementStatus.pending]),
            )
        ):
            stand_in = Statement(
                id=sid,
                consultation_id=consultation_id,
                kind=kind,
                text="",
                status=StatementStatus.hidden,
                created_at=created_at,
            )
            views[sid] = StatementView(statement=stand_in, placeholder=True)
            added.append(sid)
        wanted = {t for sid in added for t in targets.get(sid, ()) if t not in views}


@dataclass
class ThreadNode:
    """One statement in the displayed argument tree (a DAG unrolled, cycles cut)."""

    view: StatementView
    relation: str | None  # how this node relates to its parent
    children: list[ThreadNode]
    repeated: bool = False  # already shown elsewhere in this thread: not expanded again
    depth: int = 0


def build_threads(views: dict[int, StatementView], *, max_depth: int = 12) -> list[ThreadNode]:
    """Unroll the argument graph into one tree per position (arguments may appear twice)."""

    def node(view: StatementView, relation: str | None, path: frozenset[int], depth: int) -> Any:
        children = []
        repeated = view.id in path
        if not repeated and depth < max_depth:
            replies = sorted(
                view.replies,
                key=lambda link: (link.relation.value != "support", link.source_id),
            )
            for link in replies:
                child = views.get(link.source_id)
                if child is not None:
                    children.append(node(child, link.relation.value, path | {view.id}, depth + 1))
        return ThreadNode(
            view=view, relation=relation, children=children, repeated=repeated, depth=depth
        )

    roots = [v for v in views.values() if v.statement.kind is StatementKind.position]
    orphans = [
        v for v in views.values() if v.statement.kind is StatementKind.argument and not v.links
    ]
    return [node(v, None, frozenset(), 0) for v in roots + orphans]


def get_statement_or_none(statement_id: int) -> Statement | None:
    """Return the statement with this id, if any."""
    return db.session.get(Statement, statement_id)


def check_actor_may_post(actor: User, consultation: Consultation) -> None:
    """Raise NotAllowed unless the actor may post here."""
    if not can_post_statement(actor, consultation):
        raise NotAllowed(_l("You cannot post in this consultation."))


def set_statement_language(statement: Statement, actor: User, language: str) -> Statement:
    """Correct the language a statement is written in (its author only)."""
    if actor is None or statement.author_id != getattr(actor, "id", None):
        raise NotAllowed(_l("Only the author can change the language of a statement."))
    if not is_language(language):
        raise invalid(_l("Unknown language."), "language", _l("Choose Kazakh, Russian or English."))
    statement.language = language
    db.session.flush()
    return statement
