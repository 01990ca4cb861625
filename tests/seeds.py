"""Seeded databases built once per test worker and copied into each test that asks for one.

Seeding the demo or the moderation workload takes seconds; copying a finished database takes
milliseconds. A test asks with ``@pytest.mark.seed("<name>")``: its ``app`` then starts on a copy
of that seed's template (SQLite: the sqlite3 backup API from a file built once per worker;
PostgreSQL: ``CREATE DATABASE ... TEMPLATE``), and the ``seeded`` fixture gives what the seed
function returned (ids, counts). The schema alone is the ``"empty"`` template, which every other
SQLite test copies instead of running ``create_all``.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from consult.auth.models import Role, User
from consult.consultations.demo import DEMO_SLUG, seed_demo
from consult.consultations.models import (
    Consultation,
    ConsultationMember,
    ConsultationStatus,
    MemberRole,
    ModerationMode,
)
from consult.consultations.services import get_consultation_by_slug
from consult.extensions import db
from consult.moderation.demo import seed_abuse
from consult.statements.models import Statement, StatementKind
from consult.text import text_key
from consult.types import utcnow
from consult.votes.models import Vote

#: A seed adds rows inside an app context (the caller commits) and returns JSON-like data.
Seed = Callable[[], dict[str, Any]]


def _empty() -> dict[str, Any]:
    return {}


def _demo() -> dict[str, Any]:
    seed_demo()
    return {"slug": DEMO_SLUG}


def _user(email: str, name: str, role: Role = Role.participant, **values: Any) -> User:
    from tests.factories import TOTP_SECRET, password_hash

    # Seeded people have confirmed their address (unverified accounts' posts wait), and staff
    # are enrolled in two-factor (STAFF_TWO_FACTOR_REQUIRED), as in tests/factories.py.
    values.setdefault("email_verified_at", utcnow())
    if role is not Role.participant:
        values.setdefault("totp_secret", TOTP_SECRET)
        values.setdefault("totp_enabled_at", utcnow())
    user = User(email=email, display_name=name, password_hash=password_hash(), role=role, **values)
    db.session.add(user)
    return user


def _consultation(slug: str, title: str, owner: User, moderator: User) -> Consultation:
    consultation = Consultation(
        slug=slug,
        title=title,
        summary="Should the city do something?",
        body="Background.",
        status=ConsultationStatus.open,
        moderation=ModerationMode.post,
        created_by_id=owner.id,
    )
    consultation.members.append(ConsultationMember(user_id=owner.id, role=MemberRole.owner))
    consultation.members.append(ConsultationMember(user_id=moderator.id, role=MemberRole.moderator))
    db.session.add(consultation)
    return consultation


def _moderation_workload() -> dict[str, Any]:
    """A post-moderated consultation with a dozen statements, honest votes, then seed_abuse."""
    moderator = _user("moderator@seed.example", "Dana Moderator", Role.moderator)
    other = _user("other-moderator@seed.example", "Other Moderator", Role.moderator)
    owner = _user("owner@seed.example", "Owner", Role.policymaker)
    people = [
        _user(
            f"citizen{n}@seed.example",
            f"Citizen {n}",
            created_at=utcnow() - timedelta(days=40 + n),
        )
        for n in range(10)
    ]
    db.session.flush()
    _consultation("elsewhere", "Elsewhere", owner, other)
    consultation = _consultation("winter-air", "Winter air", owner, moderator)
    db.session.flush()
    statements = []
    for n in range(12):
        author = _user(f"author{n}@seed.example", f"Author {n}")
        db.session.flush()
        text = f"Measure number {n} for cleaner air."
        statement = Statement(
            consultation_id=consultation.id,
            author_id=author.id,
            kind=StatementKind.position,
            text=text,
            text_key=text_key(text),
        )
        db.session.add(statement)
        statements.append(statement)
    db.session.flush()
    for k, person in enumerate(people):
        for j, statement in enumerate(statements):
            if (j + k) % 3:
                db.session.add(
                    Vote(
                        consultation_id=consultation.id,
                        statement_id=statement.id,
                        user_id=person.id,
                        value=(1, -1, 0)[(j * k) % 3],
                    )
                )
    db.session.flush()
    result = seed_abuse(consultation)
    return {
        "consultation_id": consultation.id,
        "moderator_id": moderator.id,
        "result": dataclasses.asdict(result),
    }


def _demo_with_abuse() -> dict[str, Any]:
    _demo()
    consultation = get_consultation_by_slug(DEMO_SLUG)
    assert consultation is not None
    return {"slug": DEMO_SLUG, "result": dataclasses.asdict(seed_abuse(consultation))}


SEEDS: dict[str, Seed] = {
    "empty": _empty,
    "demo": _demo,
    "demo-abuse": _demo_with_abuse,
    "moderation-workload": _moderation_workload,
}


def copy_sqlite(template: str, engine: Engine) -> None:
    """Copy a SQLite template file into the (in-memory) database of ``engine``."""
    source = sqlite3.connect(template)
    raw = engine.raw_connection()
    try:
        target = raw.driver_connection
        assert isinstance(target, sqlite3.Connection)
        source.backup(target)
    finally:
        raw.close()
        source.close()
