"""Fixtures of the analysis tests: a small consultation with two clear opinion groups."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.statements.models import Statement

POLIS_DATA = Path(__file__).resolve().parents[2] / "data" / "polis"


@dataclass
class Opinions:
    """A consultation where two camps disagree on most statements and agree on one."""

    consultation: Consultation
    statements: list[Statement]
    camp_a: list[User]
    camp_b: list[User]


@pytest.fixture
def polis_dir() -> Path:
    """A real Polis conversation (CC BY 4.0, see tests/data/polis/README.md)."""
    return POLIS_DATA / "brexit-consensus"


@pytest.fixture
def make_opinions(
    create_consultation: Callable[..., Consultation],
    create_statement: Callable[..., Statement],
    create_user: Callable[..., User],
    create_vote: Callable[..., Any],
) -> Callable[..., Opinions]:
    """Build a consultation of ``n`` people per camp voting on eight statements."""

    def factory(n: int = 8, **overrides: Any) -> Opinions:
        consultation = create_consultation(**overrides)
        texts = [
            "Extend the tram network to every district.",
            "Close the city centre to private cars on weekdays.",
            "Build more parking in the centre.",
            "Lower the speed limit to 30 km/h in residential streets.",
            "Publish live air-quality data for every district.",
            "Widen the ring road.",
            "Make buses free for pensioners.",
            "Allow cars back into pedestrian streets at night.",
        ]
        statements = [create_statement(consultation=consultation, text=t) for t in texts]
        camp_a = [create_user() for _ in range(n)]
        camp_b = [create_user() for _ in range(n)]
        # camp A: for trams, car-free centre, 30 km/h; against parking and the ring road.
        pattern_a = [1, 1, -1, 1, 1, -1, 1, -1]
        pattern_b = [-1, -1, 1, -1, 1, 1, -1, 1]
        for camp, pattern in ((camp_a, pattern_a), (camp_b, pattern_b)):
            for i, user in enumerate(camp):
                for j, (statement, value) in enumerate(zip(statements, pattern, strict=True)):
                    if (i + j) % 9 == 8:  # a few gaps and passes, as in real data
                        continue
                    create_vote(statement, 0 if (i * j) % 11 == 10 else value, user)
        return Opinions(consultation, statements, camp_a, camp_b)

    return factory
