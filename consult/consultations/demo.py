"""The demo data of ``kenes seed-demo``: Almaty's winter air consultation, people and votes.

Everything is deterministic: the same statements, the same demo citizens and the same votes on
every run (only timestamps are relative to the day of seeding). The votes are drawn from three
planted opinion groups, so that the analysis has real structure to find:

- group A, "clean air first": for car restrictions, public transport and gas conversion;
- group B, "drivers and outer-district homeowners": against car restrictions and a coal ban
  without support, for subsidies that reach their own homes;
- group C, "cost-conscious": against measures that raise tariffs or spend on free fares, for
  cheap, measurable steps (insulation, enforcement, monitoring);

plus bridging statements that every group supports (monitoring, cleaner buses, insulation).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update

from consult.auth.models import Role, User, UserName
from consult.auth.services import (
    check_password_rules,
    create_user,
    find_user_by_email,
    hash_password,
)
from consult.consultations.demo_texts import (
    ARGUMENTS,
    BODY,
    CLOSED_ARGUMENTS,
    CLOSED_BODY,
    CLOSED_POSITIONS,
    CLOSED_SUMMARY,
    CLOSED_TITLE,
    POSITIONS,
    SUMMARY,
    TITLE,
    Argument,
    Position,
)
from consult.consultations.demo_translations import STATEMENTS, VERSIONS
from consult.consultations.models import (
    Consultation,
    ConsultationStatus,
    MemberRole,
    ModerationMode,
)
from consult.consultations.services import (
    add_member,
    change_status,
    create_consultation,
    get_consultation_by_slug,
    set_consultation_texts,
)
from consult.extensions import db
from consult.languages.services import save_translation
from consult.statements.models import Statement, StatementKind
from consult.statements.services import create_statement
from consult.types import utcnow
from consult.votes.models import Vote
from consult.votes.services import vote_row

DEMO_PASSWORD = "kenes-demo-password"
DEMO_DOMAIN = "demo.kenes.kz"
DEMO_SLUG = "almaty-winter-air"
CLOSED_SLUG = "panfilov-street-pedestrian-zone"
SEED = 2024

# (e-mail local part, display name, role); all share DEMO_PASSWORD.
DEMO_ACCOUNTS: tuple[tuple[str, str, Role], ...] = (
    ("admin", "Demo administrator", Role.admin),
    ("policymaker", "Almaty Akimat, Ecology Department", Role.policymaker),
    ("moderator", "Demo moderator", Role.moderator),
    ("citizen", "Demo citizen", Role.participant),
)

#: The answering organisation's name in the three content languages.
DEMO_ORGANISATION_NAMES = {
    "kk": "Алматы қаласының әкімдігі, Экология басқармасы",
    "ru": "Акимат города Алматы, Управление экологии",
    "en": "Almaty Akimat, Ecology Department",
}

_FIRST_NAMES = (
    "Aigerim", "Nurlan", "Dana", "Yerlan", "Saule", "Timur", "Madina", "Arman", "Gulnara",
    "Alibek", "Asel", "Daniyar", "Zhanna", "Marat", "Aruzhan", "Olzhas", "Elena", "Sergei",
    "Ainur", "Bauyrzhan", "Kamila", "Rustem", "Dinara", "Askar", "Tatyana", "Yerzhan", "Aliya",
    "Dmitry", "Zarina", "Nursultan", "Botagoz", "Igor", "Moldir", "Azamat", "Svetlana", "Galym",
    "Akmaral", "Ruslan", "Laura", "Samat", "Irina", "Kairat", "Togzhan", "Andrei", "Meruyert",
    "Adil", "Natalya", "Yersultan", "Balnur", "Viktor", "Anel", "Zhandos",
)  # fmt: skip
_INITIALS = ("K", "S", "T", "B", "M", "A", "Zh", "O", "N", "I", "R", "D", "P", "Y", "E", "G", "L")

# The demo citizens' languages in turn: two in five Kazakh, two Russian, one English.
DEMO_LOCALES = ("kk", "ru", "ru", "kk", "en")

# Group sizes (A, B, C) and a few barely active people whom the analysis should leave unclustered.
GROUP_SIZES = (20, 16, 12)
LURKERS = 4


@dataclass
class SeedResult:
    """What ``seed_demo`` did."""

    created: list[Consultation] = field(default_factory=list)
    existing: list[Consultation] = field(default_factory=list)
    accounts: list[tuple[User, bool]] = field(default_factory=list)  # (user, newly created)
    skipped: bool = False  # --if-empty and the database already has consultations
    votes: int = 0


def database_has_consultations() -> bool:
    """Tell whether any consultation exists."""
    return (db.session.scalar(select(func.count(Consultation.id))) or 0) > 0


def seed_demo(*, if_empty: bool = False) -> SeedResult:
    """Create the demo accounts, citizens, consultations, statements and votes (idempotent).

    Flushes but does not commit; the caller commits once.
    """
    result = SeedResult()
    if if_empty and database_has_consultations():
        result.skipped = True
        return result
    rng = random.Random(SEED)
    accounts = {}
    password_hash = None  # scrypt is slow on purpose: hash the shared demo password once
    for local, name, role in DEMO_ACCOUNTS:
        user, created = _get_or_create_user(f"{local}@{DEMO_DOMAIN}", name, None, role)
        if created:
            check_password_rules(DEMO_PASSWORD)
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            user.password_hash = password_hash
        accounts[local] = user
        result.accounts.append((user, created))
    organisation = accounts["policymaker"]
    if not organisation.names:
        organisation.names.extend(
            UserName(language=code, name=name) for code, name in DEMO_ORGANISATION_NAMES.items()
        )
    groups = _demo_citizens()

    now = utcnow()
    closes = (now + timedelta(days=30)).replace(hour=23, minute=59, second=0)
    texts = (TITLE, SUMMARY, BODY)
    consultation = _new_demo(result, accounts, DEMO_SLUG, texts, now - timedelta(days=12), closes)
    if consultation is not None:
        add_member(
            consultation, accounts["moderator"], MemberRole.moderator, actor=accounts["policymaker"]
        )
        set_consultation_texts(consultation, accounts["policymaker"], dict(VERSIONS))
        change_status(consultation, ConsultationStatus.open, accounts["policymaker"])
        result.votes += _populate(
            consultation,
            groups,
            POSITIONS,
            ARGUMENTS,
            rng,
            start_days=12,
            translations=STATEMENTS,
            translator=accounts["policymaker"],
        )
        result.created.append(consultation)

    texts = (CLOSED_TITLE, CLOSED_SUMMARY, CLOSED_BODY)
    closed = _new_demo(
        result, accounts, CLOSED_SLUG, texts, now - timedelta(days=70), now - timedelta(days=42)
    )
    if closed is not None:
        change_status(closed, ConsultationStatus.open, accounts["policymaker"])
        result.votes += _populate(
            closed,
            groups,
            CLOSED_POSITIONS,
            CLOSED_ARGUMENTS,
            rng,
            start_days=70,
            end_days=42,
            coverage=0.55,
        )
        # Closed six weeks ago: its response deadlines count from then (close + 15 working days).
        change_status(
            closed, ConsultationStatus.closed, accounts["policymaker"], at=now - timedelta(days=42)
        )
        result.created.append(closed)
    db.session.flush()
    return result


def _new_demo(
    result: SeedResult,
    accounts: dict[str, User],
    slug: str,
    texts: tuple[str, str, str],
    opens_at: datetime,
    closes_at: datetime,
) -> Consultation | None:
    """A new post-moderated demo consultation of the policymaker (title, summary, body: the
    texts); None, and noted in ``result``, when the slug is already there."""
    existing = get_consultation_by_slug(slug)
    if existing is not None:
        result.existing.append(existing)
        return None
    title, summary, body = texts
    return create_consultation(
        accounts["policymaker"],
        title=title,
        summary=summary,
        body=body,
        opens_at=opens_at,
        closes_at=closes_at,
        moderation=ModerationMode.post,
        slug=slug,
    )


def _get_or_create_user(
    email: str, name: str, password: str | None, role: Role = Role.participant
) -> tuple[User, bool]:
    user = find_user_by_email(email)
    if user is not None:
        return user, False
    return create_user(email, name, password, role=role, verified=True), True


def demo_citizen_name(n: int) -> str:
    """Return the display name of demo citizen ``n`` (0-based): a first name and an initial."""
    first = _FIRST_NAMES[n % len(_FIRST_NAMES)]
    initial = _INITIALS[(n * 7 + n // len(_FIRST_NAMES)) % len(_INITIALS)]
    return f"{first} {initial}."


def _demo_citizens() -> list[list[User]]:
    """Return the demo citizens by planted group (the last list: barely active people)."""
    groups: list[list[User]] = []
    n = 0
    for size in (*GROUP_SIZES, LURKERS):
        members = []
        for _ in range(size):
            email = f"demo-citizen-{n + 1}@{DEMO_DOMAIN}"
            user, created = _get_or_create_user(email, demo_citizen_name(n), None)
            if created:  # the interface language each demo citizen reads in
                user.locale = DEMO_LOCALES[n % len(DEMO_LOCALES)]
            members.append(user)
            n += 1
        groups.append(members)
    return groups


def _populate(
    consultation: Consultation,
    groups: list[list[User]],
    positions: tuple[Position, ...],
    arguments: tuple[Argument, ...],
    rng: random.Random,
    *,
    start_days: int,
    end_days: int = 0,
    coverage: float = 0.85,
    translations: dict[str, dict[str, str]] | None = None,
    translator: User | None = None,
) -> int:
    """Post the statements through the statements service, then insert the planted votes.

    Statements and votes are dated between ``start_days`` and ``end_days`` ago. The statements
    are written in English; ``translations`` gives their versions in the other languages, by key.
    """
    now = utcnow() - timedelta(days=end_days)
    opened = now - timedelta(days=start_days - end_days)
    span = (now - opened) * 0.8
    statements: dict[str, Statement] = {}
    stances: dict[str, tuple[float, float, float]] = {}
    passes: dict[str, float] = {}
    authors_used = [0, 0, 0]
    entries = [(k, t, (), s, p) for k, t, s, p in positions] + list(arguments)
    for index, (key, text, links, stance, pass_share) in enumerate(entries):
        # The author comes from the group that likes the statement most, in turn.
        group = max(range(3), key=lambda g: stance[g])
        author = groups[group][authors_used[group] % len(groups[group])]
        authors_used[group] += 1
        kind = StatementKind.argument if links else StatementKind.position
        statement = create_statement(
            consultation,
            author,
            text=text,
            kind=kind,
            links=[(statements[target].id, relation) for target, relation in links],
            language="en",
        )
        for language, translated in (translations or {}).get(key, {}).items():
            save_translation(
                statement.id,
                "en",
                language,
                translated,
                translator_id=translator.id if translator is not None else None,
            )
        # Spread the posting dates over the first weeks, positions first.
        statement.created_at = opened + span * ((index + 1) / (len(entries) + 1))
        statements[key] = statement
        stances[key] = stance
        passes[key] = pass_share

    rows = []
    for group, members in enumerate(groups):
        for person in members:
            lurker = group == 3
            engagement = 0.08 if lurker else rng.uniform(coverage - 0.2, min(coverage + 0.15, 1))
            home = rng.randrange(3) if lurker else group
            for key, statement in statements.items():
                mine = statement.author_id == person.id
                if not mine and rng.random() > engagement:
                    continue
                value = 1 if mine else _draw_vote(rng, stances[key][home], passes[key])
                at = statement.created_at + (now - statement.created_at) * rng.random()
                if mine:  # posting recorded the author's agree vote: date it with the post
                    db.session.execute(
                        update(Vote)
                        .where(Vote.statement_id == statement.id, Vote.user_id == person.id)
                        .values(created_at=statement.created_at, updated_at=statement.created_at)
                    )
                    continue
                rows.append(vote_row(statement, person.id, value, at))
    if rows:
        db.session.execute(insert(Vote), rows)
    return len(rows) + len(statements)  # the planted votes and the authors' own


def _draw_vote(rng: random.Random, stance: float, pass_share: float) -> int:
    """Draw +1, -1 or 0: agreement grows with the group's stance; some people pass."""
    if rng.random() < pass_share:
        return 0
    agree = 0.04 + 0.92 * (stance + 1) / 2
    return 1 if rng.random() < agree else -1
