"""Factory fixtures: callables that build valid objects, add them and flush.

Loaded as a pytest plugin (see pyproject.toml). ``dummy_*`` fixtures wrap the factories.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from werkzeug.security import generate_password_hash

from consult.auth.models import ApiToken, BlockKind, Role, User, UserBlock
from consult.consultations.models import (
    Consultation,
    ConsultationMember,
    ConsultationStatus,
    MemberRole,
    ModerationMode,
)
from consult.extensions import db
from consult.security import hash_token, new_token
from consult.statements.models import Relation, Statement, StatementKind, StatementLink
from consult.text import text_key
from consult.types import utcnow
from consult.votes.models import Vote

PASSWORD = "correct horse battery staple"
#: the two-factor secret of the staff accounts the factory makes (pyotp.TOTP(TOTP_SECRET).now())
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_PASSWORD_HASH: list[str] = []
_counter = itertools.count(1)


def password_hash() -> str:
    """The hash of PASSWORD, computed once (scrypt is deliberately slow)."""
    if not _PASSWORD_HASH:
        _PASSWORD_HASH.append(generate_password_hash(PASSWORD, method="scrypt"))
    return _PASSWORD_HASH[0]


@pytest.fixture
def create_user(app: Any) -> Callable[..., User]:
    """Build users: ``create_user(role=Role.admin, email=...)``."""

    def factory(**overrides: Any) -> User:
        n = next(_counter)
        role = overrides.pop("role", Role.participant)
        if isinstance(role, str):
            role = Role(role)
        values: dict[str, Any] = {
            "email": f"user{n}@example.org",
            "display_name": f"User {n}",
            "password_hash": password_hash(),
            "role": role,
            # A confirmed address; staff enrolled in two-factor (STAFF_TWO_FACTOR_REQUIRED).
            # Pass email_verified_at=None / totp_enabled_at=None for the other cases.
            "email_verified_at": utcnow(),
        }
        if role is not Role.participant:
            values.update(totp_secret=TOTP_SECRET, totp_enabled_at=utcnow())
        values.update(overrides)
        user = User(**values)
        db.session.add(user)
        db.session.flush()
        return user

    return factory


@pytest.fixture
def create_token(app: Any) -> Callable[[User], str]:
    """Create an API token for a user and return it."""

    def factory(user: User) -> str:
        token = new_token()
        db.session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), prefix=token[:10]))
        db.session.flush()
        return token

    return factory


@pytest.fixture
def create_consultation(app: Any, create_user: Callable[..., User]) -> Callable[..., Consultation]:
    """Build consultations (open by default), owned by a policymaker."""

    def factory(**overrides: Any) -> Consultation:
        n = next(_counter)
        owner = overrides.pop("owner", None) or create_user(role=Role.policymaker)
        moderators = overrides.pop("moderators", [])
        status = overrides.pop("status", ConsultationStatus.open)
        moderation = overrides.pop("moderation", ModerationMode.post)
        values: dict[str, Any] = {
            "slug": f"consultation-{n}",
            "title": f"Consultation {n}",
            "summary": "Should the city do something?",
            "body": "Background.",
            "status": ConsultationStatus(status),
            "moderation": ModerationMode(moderation),
            "created_by_id": owner.id,
        }
        values.update(overrides)
        consultation = Consultation(**values)
        consultation.members.append(ConsultationMember(user_id=owner.id, role=MemberRole.owner))
        for moderator in moderators:
            consultation.members.append(
                ConsultationMember(user_id=moderator.id, role=MemberRole.moderator)
            )
        db.session.add(consultation)
        db.session.flush()
        return consultation

    return factory


@pytest.fixture
def create_statement(
    app: Any,
    create_user: Callable[..., User],
    create_consultation: Callable[..., Consultation],
) -> Callable[..., Statement]:
    """Build statements: ``create_statement(consultation=c, supports=s)`` or ``attacks=s``."""

    def factory(**overrides: Any) -> Statement:
        n = next(_counter)
        consultation = overrides.pop("consultation", None) or create_consultation()
        author = overrides.pop("author", None) or create_user()
        supports = overrides.pop("supports", None)
        attacks = overrides.pop("attacks", None)
        kind = overrides.pop(
            "kind", StatementKind.argument if (supports or attacks) else StatementKind.position
        )
        text_value = overrides.pop("text", f"Statement number {n}")
        overrides.setdefault("language", "en")
        statement = Statement(
            consultation_id=consultation.id,
            author_id=author.id,
            kind=StatementKind(kind),
            text=text_value,
            text_key=text_key(text_value),
            **overrides,
        )
        db.session.add(statement)
        db.session.flush()
        for target, relation in ((supports, Relation.support), (attacks, Relation.attack)):
            if target is not None:
                link(statement, target, relation)
        db.session.flush()
        return statement

    return factory


def link(source: Statement, target: Statement, relation: Relation | str) -> StatementLink:
    """Add a link ``source`` -> ``target`` (its relation ``support`` or ``attack``) and flush."""
    row = StatementLink(
        consultation_id=source.consultation_id,
        source_id=source.id,
        target_id=target.id,
        relation=Relation(relation),
    )
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture
def add_link(app: Any) -> Callable[..., StatementLink]:
    """Link two statements of one consultation: ``add_link(source, target, "attack")``."""
    return link


@pytest.fixture
def create_vote(app: Any, create_user: Callable[..., User]) -> Callable[..., Vote]:
    """Build votes: ``create_vote(statement, value=1, user=u)``."""

    def factory(statement: Statement, value: int = 1, user: User | None = None) -> Vote:
        vote = Vote(
            consultation_id=statement.consultation_id,
            statement_id=statement.id,
            user_id=(user or create_user()).id,
            value=value,
        )
        db.session.add(vote)
        db.session.flush()
        return vote

    return factory


@pytest.fixture
def create_block(app: Any) -> Callable[..., UserBlock]:
    """Block someone, or suspend them with ``ends_in`` (negative: a suspension that has ended)."""

    def factory(
        user: User,
        *,
        ends_in: timedelta | None = None,
        by: User | None = None,
        reason: str = "Abuse",
    ) -> UserBlock:
        block = UserBlock(
            user_id=user.id,
            kind=BlockKind.block if ends_in is None else BlockKind.suspend,
            reason=reason,
            ends_at=None if ends_in is None else utcnow() + ends_in,
            created_by_id=by.id if by else None,
        )
        db.session.add(block)
        db.session.flush()
        return block

    return factory


@pytest.fixture
def dummy_user(create_user: Callable[..., User]) -> User:
    """A participant."""
    return create_user(email="citizen@example.org", display_name="Aigerim")


@pytest.fixture
def dummy_policymaker(create_user: Callable[..., User]) -> User:
    """A policymaker."""
    return create_user(role=Role.policymaker, email="ministry@example.org", display_name="Ministry")


@pytest.fixture
def dummy_admin(create_user: Callable[..., User]) -> User:
    """An administrator."""
    return create_user(role=Role.admin, email="admin@example.org", display_name="Admin")


@pytest.fixture
def dummy_consultation(
    create_consultation: Callable[..., Consultation], dummy_policymaker: User
) -> Consultation:
    """An open consultation owned by dummy_policymaker."""
    return create_consultation(owner=dummy_policymaker, slug="public-transport", title="Transport")


@pytest.fixture
def dummy_statement(
    create_statement: Callable[..., Statement], dummy_consultation: Consultation
) -> Statement:
    """A visible position in dummy_consultation."""
    return create_statement(consultation=dummy_consultation, text="Buses should run all night.")


def registration_form(
    email: str, name: str, password: str = PASSWORD, confirm: str | None = None
) -> dict[str, str]:
    """The fields of the registration form (``confirm`` repeats the password unless given)."""
    return {
        "email": email,
        "display_name": name,
        "password": password,
        "confirm": password if confirm is None else confirm,
    }


def consultation_form(**overrides: str) -> dict[str, str]:
    """The fields of the new-consultation form (a park question closing in 30 days)."""
    data = {
        "title": "Where should the new park go?",
        "summary": "The city has land for one park.",
        "body": "Option A.\n\nOption B.",
        "closes_at": (date.today() + timedelta(days=30)).isoformat(),
        "moderation": "pre",
    }
    data.update(overrides)
    return data
