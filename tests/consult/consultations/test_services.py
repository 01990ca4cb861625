"""The demo seed (consultations.demo) and the thread display helper."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sqlalchemy import func, select

from consult.auth.models import Role, User
from consult.auth.services import authenticate
from consult.consultations import demo
from consult.consultations.models import (
    Consultation,
    ConsultationMember,
    ConsultationStatus,
    MemberRole,
)
from consult.extensions import db as _db
from consult.statements.models import Statement, StatementKind, StatementLink
from consult.statements.thread import thread_page
from consult.votes.models import Vote
from tests.conftest import make_app


def demo_consultation() -> Consultation:
    return _db.session.scalar(select(Consultation).where(Consultation.slug == demo.DEMO_SLUG))


def test_seed_demo_creates_an_open_realistic_consultation(db: Any) -> None:
    result = demo.seed_demo()
    consultation = demo_consultation()
    assert consultation in result.created and consultation.status is ConsultationStatus.open
    assert consultation.title == "How should Almaty reduce winter air pollution?"
    statements = list(
        db.session.scalars(select(Statement).where(Statement.consultation_id == consultation.id))
    )
    kinds = Counter(s.kind for s in statements)
    assert 12 <= kinds[StatementKind.position] <= 15
    assert 15 <= kinds[StatementKind.argument] <= 20
    links = list(
        db.session.scalars(
            select(StatementLink).where(StatementLink.consultation_id == consultation.id)
        )
    )
    targets = Counter(link.source_id for link in links)
    assert max(targets.values()) == 2  # one argument answers two statements
    assert {link.relation.value for link in links} == {"support", "attack"}
    # Arguments nest at least three deep somewhere.
    parent = {link.source_id: link.target_id for link in links}

    def depth(sid: int) -> int:
        return 0 if sid not in parent else 1 + depth(parent[sid])

    assert max(depth(s.id) for s in statements) >= 3
    # Several authors; many voters.
    assert len({s.author_id for s in statements}) >= 10
    voters = db.session.scalar(
        select(func.count(func.distinct(Vote.user_id))).where(
            Vote.consultation_id == consultation.id
        )
    )
    assert 40 <= voters <= 60


def test_seed_demo_accounts_have_the_documented_password_and_roles(db: Any) -> None:
    demo.seed_demo()
    roles = {}
    for local, _name, _role in demo.DEMO_ACCOUNTS:
        user = authenticate(f"{local}@demo.kenes.kz", demo.DEMO_PASSWORD)
        assert user is not None, local
        roles[local] = user.role
    assert roles == {
        "admin": Role.admin,
        "policymaker": Role.policymaker,
        "moderator": Role.moderator,
        "citizen": Role.participant,
    }
    consultation = demo_consultation()
    members = {
        (m.user.email, m.role)
        for m in db.session.scalars(
            select(ConsultationMember).where(ConsultationMember.consultation_id == consultation.id)
        )
    }
    assert members == {
        ("policymaker@demo.kenes.kz", MemberRole.owner),
        ("moderator@demo.kenes.kz", MemberRole.moderator),
    }
    citizens = list(db.session.scalars(select(User).where(User.email.like("demo-citizen-%"))))
    assert len(citizens) >= 40
    assert all(c.password_hash is None and not c.is_imported for c in citizens)
    assert len({c.display_name for c in citizens}) == len(citizens)
    # The demo citizen account starts without votes, to try voting.
    citizen = db.session.scalar(select(User).where(User.email == "citizen@demo.kenes.kz"))
    assert db.session.scalar(select(func.count(Vote.id)).where(Vote.user_id == citizen.id)) == 0


def test_seed_demo_is_idempotent(db: Any) -> None:
    demo.seed_demo()
    counts = [
        db.session.scalar(select(func.count(model.id)))
        for model in (User, Consultation, Statement, Vote)
    ]
    again = demo.seed_demo()
    assert again.created == [] and len(again.existing) == 2
    assert not any(created for _user, created in again.accounts)
    assert [
        db.session.scalar(select(func.count(model.id)))
        for model in (User, Consultation, Statement, Vote)
    ] == counts


def test_seed_demo_if_empty_leaves_a_used_database_alone(db: Any, create_consultation: Any) -> None:
    create_consultation()
    result = demo.seed_demo(if_empty=True)
    assert result.skipped
    assert db.session.scalar(select(func.count(Consultation.id))) == 1
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_seed_demo_closed_consultation_is_read_only(db: Any) -> None:
    demo.seed_demo()
    closed = db.session.scalar(select(Consultation).where(Consultation.slug == demo.CLOSED_SLUG))
    assert closed.status is ConsultationStatus.closed and closed.closed_at is not None
    assert (
        db.session.scalar(select(func.count(Vote.id)).where(Vote.consultation_id == closed.id)) > 0
    )


def _vote_triples() -> set[tuple[str, str, int]]:
    rows = _db.session.execute(
        select(User.email, Statement.text, Vote.value)
        .join(User, User.id == Vote.user_id)
        .join(Statement, Statement.id == Vote.statement_id)
    )
    return set(rows.all())


def test_seed_demo_votes_are_deterministic(db: Any, tmp_path: Path) -> None:
    demo.seed_demo()
    first = _vote_triples()
    other = make_app(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    with other.app_context():
        _db.create_all()
        demo.seed_demo()
        second = _vote_triples()
        _db.session.remove()
        _db.engine.dispose()
    assert first == second and len(first) > 1000


def test_seed_demo_votes_hold_planted_opinion_groups_and_bridges(db: Any) -> None:
    demo.seed_demo()
    consultation = demo_consultation()
    rows = db.session.execute(
        select(User.email, Vote.statement_id, Vote.value)
        .join(User, User.id == Vote.user_id)
        .where(Vote.consultation_id == consultation.id)
    ).all()
    people = sorted({email for email, _s, _v in rows})
    statements = sorted({sid for _e, sid, _v in rows})
    matrix = np.zeros((len(people), len(statements)))
    for email, sid, value in rows:
        matrix[people.index(email), statements.index(sid)] = value
    number = [int(e.split("-")[2].split("@")[0]) for e in people]
    sizes = np.cumsum(demo.GROUP_SIZES)
    planted = [int(np.searchsorted(sizes, n, side="left")) for n in number]
    active = [i for i, n in enumerate(number) if n <= sizes[-1]]
    labels = KMeans(3, n_init=10, random_state=0).fit_predict(matrix[active])
    assert adjusted_rand_score([planted[i] for i in active], labels) > 0.6
    # Bridging statements: a large majority agrees in every planted group.
    texts = dict(db.session.execute(select(Statement.id, Statement.text)).all())
    sensors = next(
        sid for sid, text in texts.items() if text.startswith("Install public air-quality")
    )
    agree: dict[int, list[int]] = defaultdict(list)
    for i in active:
        value = matrix[i, statements.index(sensors)]
        if value:
            agree[planted[i]].append(value == 1)
    assert all(np.mean(v) >= 0.75 for v in agree.values()) and len(agree) == 3
    # ...and divisive ones: the car-restriction groups disagree.
    lez = next(sid for sid, text in texts.items() if text.startswith("Create a low-emission zone"))
    share = {
        g: np.mean(
            [
                matrix[i, statements.index(lez)] == 1
                for i in active
                if planted[i] == g and matrix[i, statements.index(lez)]
            ]
        )
        for g in (0, 1)
    }
    assert share[0] > 0.7 and share[1] < 0.3


def test_display_expands_each_statement_once(
    db: Any, create_consultation: Any, create_statement: Any, add_link: Any
) -> None:
    consultation = create_consultation()
    p1 = create_statement(consultation=consultation)
    p2 = create_statement(consultation=consultation)
    shared = create_statement(consultation=consultation, supports=p1)
    add_link(shared, p2, "attack")
    reply = create_statement(consultation=consultation, attacks=shared)
    nodes = thread_page(consultation, None).cards
    first, second = nodes[0].children[0], nodes[1].children[0]
    assert (first.view.id, second.view.id) == (shared.id, shared.id)
    assert not first.repeated and [c.view.id for c in first.children] == [reply.id]
    assert second.repeated and second.children == []
    assert [link.target_id for link in first.also] == [p2.id]
    assert [(link.target_id, link.relation.value) for link in second.also] == [(p1.id, "support")]


def test_seed_demo_closed_consultation_deadlines_count_from_its_closing(db: Any) -> None:
    from consult.responses.calendar import response_due_date
    from consult.responses.models import ResponseItem

    demo.seed_demo()
    closed = db.session.scalar(select(Consultation).where(Consultation.slug == demo.CLOSED_SLUG))
    items = list(
        db.session.scalars(select(ResponseItem).where(ResponseItem.consultation_id == closed.id))
    )
    assert items
    # The product rule: due 15 working days after the consultation closed (six weeks ago).
    assert {item.due_on for item in items} == {response_due_date(closed.closed_at.date())}
    assert closed.closed_at.date() < min(item.due_on for item in items) < _today()


def _today() -> Any:
    from consult.types import utcnow

    return utcnow().date()
