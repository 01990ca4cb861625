"""A realistic moderation workload for a demo consultation (``kenes seed-demo --abuse``).

Adds, to one open consultation, about 200 flagged statements of the kinds moderators meet:
spam from a few throwaway accounts, insults from trolls, off-topic complaints, near-duplicates of
existing statements, and sound statements flagged only because people disagree with them. Each
gets one to several flags from different participants, so some cross the flag threshold and are
hidden pending review. It also plants a brigade (a dozen accounts created within minutes that
vote identically) for the coordinated-voting report, and one suspended spammer.

Deterministic (fixed seed); idempotent (does nothing if the consultation already has the seeded
statements). Flushes, never commits.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert, select

from consult.auth.models import Role, User
from consult.auth.services import create_user, find_user_by_email
from consult.consultations.models import Consultation, ConsultationMember, MemberRole
from consult.errors import ConsultError
from consult.extensions import db
from consult.moderation.blocks.services import block_user
from consult.moderation.flags.services import flag_statement
from consult.moderation.models import FlagReason
from consult.moderation.reasons.services import ensure_default_reason_templates
from consult.statements.models import Statement, StatementKind, StatementStatus
from consult.statements.services import create_statement
from consult.types import utcnow
from consult.votes.models import Vote
from consult.votes.services import vote_row

ABUSE_DOMAIN = "abuse.demo.kenes.kz"
MARKER = "abuse-"
SEED = 4711

SPAM = (
    "Earn {n} 000 ₸ a week from home! Message me on Telegram @quick_tenge_{n}",
    "Cheap coal delivery to any district, {n} ₸ per tonne, call +7 701 {n} 44 12",
    "Crypto signals with 300% profit, join our channel t.me/almaty_signals_{n}",
    "Best car wash in Bostandyk district, {n}% discount this week only!!!",
    "Need a loan without documents? Approval in {n} minutes, write to credit{n}@mail.kz",
    "Selling air purifiers at wholesale prices, order #{n}, free delivery",
    "Follow my Instagram for the best Almaty food spots, giveaway number {n}",
)
OFFENSIVE = (
    "Only an idiot could support this. Learn to read, {name}.",
    "The people at the Akimat are thieves and liars, every single one of them.",
    "Shut up, {name}, you clearly know nothing about this city.",
    "Anyone who drives a car in the centre deserves to choke on the smog.",
    "{name} is a paid troll, ignore everything they write.",
    "People from the outer districts should stop whining and move out.",
    "This consultation is a joke run by clowns.",
)
OFF_TOPIC = (
    "When will they finally fix the potholes on Abay Avenue near {n}?",
    "Bring back the old trams, they were the best thing this city ever had.",
    "My neighbour's dog barks all night, who do I complain to?",
    "The football stadium needs new seats before the next season.",
    "Why is the metro extension to district {n} taking so many years?",
    "Parking fines in my courtyard are unfair, I got {n} this month.",
    "Can somebody recommend a good school in Medeu district?",
)
LEGIT = (
    "Raising heating tariffs will hurt pensioners more than anyone else.",
    "A coal ban without subsidies just makes poor families freeze.",
    "Low-emission zones work in Europe; there is no reason they would fail here.",
    "Drivers already pay fuel tax; a daily charge on top is double taxation.",
    "Free public transport on smog days costs little compared with hospital bills.",
    "The CHP-2 conversion should come first: it is the largest single source.",
    "Odd-even schemes are easy to cheat with a second car.",
    "Planting trees is nice but it does nothing in an inversion.",
)
DUPLICATE_NOTES = ("Same as an earlier statement.", "Duplicate.", "Already posted above.")
OFFENSIVE_NOTES = ("Personal insult.", "Insulting other participants.", "Hate speech?", "")
SPAM_NOTES = ("Advertising.", "Spam link.", "Bot?", "")
OFFTOPIC_NOTES = ("Not about air pollution.", "Off topic.", "")


@dataclass
class AbuseResult:
    """What ``seed_abuse`` did."""

    statements: int = 0
    flags: int = 0
    auto_hidden: int = 0
    brigade: int = 0
    brigade_votes: int = 0
    skipped: bool = False


def _user(email: str, name: str) -> User:
    user = find_user_by_email(email)
    return user if user is not None else create_user(email, name, None, verified=True)


def _rephrase(text: str, rng: random.Random) -> str:
    """A near-duplicate: small edits a person makes when re-posting the same idea."""
    variants: list[Callable[[str], str]] = [
        lambda t: t.rstrip(".") + "!",
        lambda t: "I think we should " + t[0].lower() + t[1:],
        lambda t: t.replace("the ", "the whole ", 1),
        lambda t: "Honestly, " + t[0].lower() + t[1:],
        lambda t: t.rstrip(".") + ", as soon as possible.",
    ]
    return rng.choice(variants)(text)


def seed_abuse(consultation: Consultation, *, items: int = 200) -> AbuseResult:
    """Add a flagged-statement workload, a planted brigade and a suspension to a consultation."""
    result = AbuseResult()
    already = db.session.scalar(
        select(Statement.id).where(
            Statement.consultation_id == consultation.id,
            Statement.external_id.like(f"{MARKER}%"),
        )
    )
    if already is not None:
        result.skipped = True
        return result
    rng = random.Random(SEED)
    now = utcnow()
    ensure_default_reason_templates()

    existing = list(
        db.session.scalars(
            select(Statement)
            .where(
                Statement.consultation_id == consultation.id,
                Statement.status == StatementStatus.visible,
            )
            .order_by(Statement.id)
        )
    )
    voters = list(
        db.session.scalars(
            select(User)
            .join(Vote, Vote.user_id == User.id)
            .where(Vote.consultation_id == consultation.id, User.is_imported.is_(False))
            .distinct()
            .order_by(User.id)
        )
    )
    flaggers = [_user(f"flagger-{n}@{ABUSE_DOMAIN}", f"Resident {n + 1}") for n in range(12)]
    citizens = voters + flaggers
    spammers = [_user(f"spam-{n}@{ABUSE_DOMAIN}", f"Deals{n + 1} KZ") for n in range(6)]
    trolls = [
        _user(f"troll-{n}@{ABUSE_DOMAIN}", name)
        for n, name in enumerate(("Truth Teller", "Almaty Realist", "NoNonsense", "Kairat 77"))
    ]
    for n, account in enumerate(spammers + trolls):
        account.created_at = now - timedelta(days=6 - n % 4, hours=n)
    db.session.flush()

    kinds = ["spam"] * 70 + ["offensive"] * 40 + ["off_topic"] * 40 + ["legit"] * 30 + ["dup"] * 20
    rng.shuffle(kinds)
    kinds = kinds[:items]
    created: list[tuple[Statement, str]] = []
    for index, kind in enumerate(kinds):
        statement = _post(consultation, index, kind, rng, spammers, trolls, citizens, existing)
        if statement is None:
            continue
        statement.external_id = f"{MARKER}{index}"
        statement.created_at = now - timedelta(days=5) + timedelta(minutes=35 * index)
        created.append((statement, kind))
    db.session.flush()

    reasons = {
        "spam": (FlagReason.spam, SPAM_NOTES),
        "offensive": (FlagReason.offensive, OFFENSIVE_NOTES),
        "off_topic": (FlagReason.off_topic, OFFTOPIC_NOTES),
        "legit": (FlagReason.other, ("I disagree with this.", "This is wrong.")),
        "dup": (FlagReason.other, DUPLICATE_NOTES),
    }
    threshold = consultation.flag_threshold or 3
    for statement, kind in created:
        reason, notes = reasons[kind]
        wanted = {
            "spam": rng.choice([1, 2, 2, 3, 4]),
            "offensive": rng.choice([1, 2, 3, 3]),
            "off_topic": rng.choice([1, 1, 2]),
            "legit": rng.choice([1, 1, 2]),
            "dup": 1,
        }[kind]
        people = [c for c in citizens if c.id != statement.author_id]
        rng.shuffle(people)
        for offset, person in enumerate(people[: min(wanted, threshold)]):
            flag_reason = reason
            if kind == "offensive" and offset == 1 and rng.random() < 0.3:
                flag_reason = FlagReason.spam
            try:
                with db.session.begin_nested():
                    flag = flag_statement(
                        statement, person, reason=flag_reason, note=rng.choice(notes)
                    )
            except ConsultError:
                continue
            flag.created_at = statement.created_at + timedelta(minutes=20 + 45 * offset)
            result.flags += 1
        if statement.status is StatementStatus.pending:
            result.auto_hidden += 1
    result.statements = len(created)

    # One more spammer, caught earlier: suspended for a week (their statements are hidden).
    caught = _user(f"spam-caught@{ABUSE_DOMAIN}", "Promo Almaty")
    for n in range(4):
        with db.session.begin_nested():
            extra = create_statement(
                consultation,
                caught,
                text=SPAM[n].format(n=900 + n),
                kind=StatementKind.position,
            )
        extra.external_id = f"{MARKER}caught-{n}"
    moderator = _moderator_for(consultation)
    if moderator is not None:
        try:
            with db.session.begin_nested():
                block_user(
                    caught,
                    moderator,
                    kind="suspend",
                    reason="Repeated advertising.",
                    ends_at=now + timedelta(days=7),
                    consultation=consultation,
                )
        except ConsultError:
            pass

    result.brigade, result.brigade_votes = _plant_brigade(consultation, existing, rng)
    db.session.flush()
    return result


def _post(
    consultation: Consultation,
    index: int,
    kind: str,
    rng: random.Random,
    spammers: list[User],
    trolls: list[User],
    citizens: list[User],
    existing: list[Statement],
) -> Statement | None:
    """Post one statement of the workload (another author if this one already said it)."""
    n = 100 + index
    for attempt in range(20):
        if kind == "spam":
            author = spammers[(index + attempt) % len(spammers)]
            text = rng.choice(SPAM).format(n=n)
        elif kind == "offensive":
            author = trolls[(index + attempt) % len(trolls)]
            name = rng.choice(citizens).display_name if citizens else "you"
            text = rng.choice(OFFENSIVE).format(name=name)
        else:
            author = rng.choice(citizens) if citizens else trolls[attempt % len(trolls)]
            if kind == "off_topic":
                text = rng.choice(OFF_TOPIC).format(n=n)
            elif kind == "legit" or not existing:
                text = LEGIT[(index + attempt) % len(LEGIT)]
            else:
                text = _rephrase(rng.choice(existing).text, rng)
        target = rng.choice(existing) if existing and rng.random() < 0.6 else None
        relation = "attack" if kind in ("offensive", "legit") else rng.choice(["support", "attack"])
        try:
            with db.session.begin_nested():
                return create_statement(
                    consultation,
                    author,
                    text=text,
                    kind=StatementKind.argument if target else StatementKind.position,
                    links=[(target.id, relation)] if target else None,
                )
        except ConsultError:  # the same text by the same person: try another author
            continue
    return None


def _moderator_for(consultation: Consultation) -> User | None:
    moderator = db.session.scalar(
        select(User)
        .join(ConsultationMember, ConsultationMember.user_id == User.id)
        .where(
            ConsultationMember.consultation_id == consultation.id,
            ConsultationMember.role == MemberRole.moderator,
        )
        .order_by(User.id)
    )
    return moderator or db.session.scalar(
        select(User).where(User.role == Role.admin).order_by(User.id)
    )


def _plant_brigade(
    consultation: Consultation, statements: list[Statement], rng: random.Random
) -> tuple[int, int]:
    """Twelve accounts created within 20 minutes two days ago that vote the same way."""
    if len(statements) < 10:
        return 0, 0
    start = utcnow() - timedelta(days=2, hours=3)
    members = []
    for n in range(12):
        user = _user(f"brigade-{n}@{ABUSE_DOMAIN}", f"Citizen{rng.randrange(1000, 9999)}")
        user.created_at = start + timedelta(minutes=n * 1.7)
        members.append(user)
    db.session.flush()
    script = {s.id: rng.choice([1, 1, -1]) for s in statements}
    already = set(
        db.session.execute(
            select(Vote.user_id, Vote.statement_id).where(Vote.user_id.in_([m.id for m in members]))
        ).all()
    )
    rows = []
    for i, member in enumerate(members):
        for j, statement in enumerate(statements):
            if (member.id, statement.id) in already:
                continue
            value = script[statement.id]
            if len(statements) >= 25 and i in (3, 8) and j == i:  # a slip: not all identical
                value = 0
            at = member.created_at + timedelta(minutes=5 + j)
            rows.append(vote_row(statement, member.id, value, at))
    if rows:
        db.session.execute(insert(Vote), rows)
    return len(members), len(rows)
