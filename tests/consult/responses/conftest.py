"""Fixtures of the responses and reports tests: a consultation with two opinion camps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from consult.auth.models import Role, User
from consult.consultations.models import Consultation, ConsultationStatus, ResponsePolicy
from consult.extensions import db
from consult.responses import deadlines, services
from consult.responses.models import Response
from consult.statements.models import Statement


@dataclass
class Debate:
    """Positions and arguments, two camps that disagree, and one shared view."""

    consultation: Consultation
    owner: User
    positions: list[Statement]
    arguments: list[Statement]
    camp_a: list[User]
    camp_b: list[User]
    authors: dict[int, User] = field(default_factory=dict)

    @property
    def statements(self) -> list[Statement]:
        return self.positions + self.arguments


POSITIONS = [
    "Extend the tram network to every district.",
    "Close the city centre to private cars on weekdays.",
    "Build more parking in the centre.",
    "Publish live air-quality data for every district.",
]
ARGUMENTS = [
    # (text, target position index, relation)
    ("Trams carry more people per lane than cars.", 0, "supports"),
    ("Trams cost too much to build in the old town.", 0, "attacks"),
    ("Shops in the centre depend on customers who drive.", 1, "attacks"),
    ("Parking attracts even more traffic into the centre.", 2, "attacks"),
    ("Families need to know when the air is unsafe.", 3, "supports"),
]
# Votes per camp on positions then arguments (1 agree, -1 disagree, 0 pass).
PATTERN_A = [1, 1, -1, 1, 1, -1, -1, 1, 1]
PATTERN_B = [-1, -1, 1, 1, -1, 1, 1, -1, 1]


@pytest.fixture
def make_debate(
    create_user: Callable[..., User],
    create_consultation: Callable[..., Consultation],
    create_statement: Callable[..., Statement],
    create_vote: Callable[..., Any],
) -> Callable[..., Debate]:
    """Build an open consultation with ``n`` people per camp voting on every statement."""

    def factory(
        n: int = 6, *, policy: ResponsePolicy = ResponsePolicy.positions, **overrides: Any
    ) -> Debate:
        owner = overrides.pop("owner", None) or create_user(role=Role.policymaker)
        consultation = create_consultation(owner=owner, response_policy=policy, **overrides)
        authors: dict[int, User] = {}
        positions = []
        for text in POSITIONS:
            author = create_user()
            statement = create_statement(consultation=consultation, text=text, author=author)
            authors[statement.id] = author
            positions.append(statement)
        arguments = []
        for text, index, relation in ARGUMENTS:
            author = create_user()
            kwargs = {relation: positions[index]}
            statement = create_statement(
                consultation=consultation, text=text, author=author, **kwargs
            )
            authors[statement.id] = author
            arguments.append(statement)
        camp_a = [create_user() for _ in range(n)]
        camp_b = [create_user() for _ in range(n)]
        statements = positions + arguments
        for camp, pattern in ((camp_a, PATTERN_A), (camp_b, PATTERN_B)):
            for user in camp:
                for statement, value in zip(statements, pattern, strict=True):
                    create_vote(statement, value, user)
        return Debate(consultation, owner, positions, arguments, camp_a, camp_b, authors)

    return factory


def switch_user(auth: Any, user: User | None) -> None:
    """Log in as ``user`` (or out) between requests of one test.

    The test app keeps one app context for the whole test, so Flask-Login's per-context cache
    of the current user (``g._login_user``) would otherwise keep the first request's user.
    """
    from flask import g

    if user is None:
        auth.logout()
    else:
        auth.login(user)
    g.pop("_login_user", None)


TEXT = "We will build the first new tram line in 2026 and consult on the route."


@pytest.fixture
def closed_debate(make_debate: Callable[..., Debate]) -> Debate:
    """A closed debate whose required answers are assigned (closed on 6 January 2025)."""
    debate = make_debate(n=2)
    debate.consultation.status = ConsultationStatus.closed
    deadlines.assign_response_items(debate.consultation, closed_on=date(2025, 1, 6))
    db.session.commit()
    return debate


def answer(
    debate: Debate,
    statements: list[Statement],
    decision: str = "accepted",
    text: str = TEXT,
    **fields: Any,
) -> Response:
    """Publish the policymaker's response to these statements (and any other ``fields`` of it,
    such as ``measure_url``), and commit."""
    response = services.create_response(
        debate.consultation,
        debate.owner,
        statement_ids=[s.id for s in statements],
        decision=decision,
        text=text,
        **fields,
    )
    db.session.commit()
    return response
