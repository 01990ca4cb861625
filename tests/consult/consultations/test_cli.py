"""kenes seed-demo."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from consult.consultations import demo
from consult.consultations.models import Consultation
from consult.errors import Conflict
from consult.votes.models import Vote


def test_seed_demo_prints_what_it_created_and_the_demo_password(runner: Any, db: Any) -> None:
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "/consultations/almaty-winter-air" in result.output
    assert "password: kenes-demo-password" in result.output
    for local in ("admin", "policymaker", "moderator", "citizen"):
        assert f"{local}@demo.kenes.kz" in result.output
    assert db.session.scalar(select(func.count(Consultation.id))) == 2


def test_seed_demo_twice_changes_nothing(runner: Any, db: Any) -> None:
    runner.invoke(args=["seed-demo"])
    votes = db.session.scalar(select(func.count(Vote.id)))
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert "Already there" in result.output and "kenes-demo-password" not in result.output
    assert db.session.scalar(select(func.count(Vote.id))) == votes


def test_seed_demo_if_empty_skips_a_used_database(
    runner: Any, db: Any, create_consultation: Any
) -> None:
    create_consultation()
    db.session.commit()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert "not seeded" in result.output
    assert db.session.scalar(select(func.count(Consultation.id))) == 1


def test_seed_demo_failure_is_one_line_and_writes_nothing(
    runner: Any, db: Any, monkeypatch: Any
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise Conflict("The status change was refused.")

    monkeypatch.setattr(demo, "change_status", refuse)
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 2
    assert result.output.strip() == "Error: The status change was refused."
    assert db.session.scalar(select(func.count(Consultation.id))) == 0
