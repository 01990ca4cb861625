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
from datetime import timedelta

from sqlalchemy import func, insert, select

from consult.auth.models import Role, User
from consult.auth.services import (
    check_password_rules,
    create_user,
    find_user_by_email,
    hash_password,
)
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
)
from consult.extensions import db
from consult.statements.models import Statement, StatementKind
from consult.statements.services import create_statement
from consult.types import utcnow
from consult.votes.models import Vote

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

_FIRST_NAMES = (
    "Aigerim", "Nurlan", "Dana", "Yerlan", "Saule", "Timur", "Madina", "Arman", "Gulnara",
    "Alibek", "Asel", "Daniyar", "Zhanna", "Marat", "Aruzhan", "Olzhas", "Elena", "Sergei",
    "Ainur", "Bauyrzhan", "Kamila", "Rustem", "Dinara", "Askar", "Tatyana", "Yerzhan", "Aliya",
    "Dmitry", "Zarina", "Nursultan", "Botagoz", "Igor", "Moldir", "Azamat", "Svetlana", "Galym",
    "Akmaral", "Ruslan", "Laura", "Samat", "Irina", "Kairat", "Togzhan", "Andrei", "Meruyert",
    "Adil", "Natalya", "Yersultan", "Balnur", "Viktor", "Anel", "Zhandos",
)  # fmt: skip
_INITIALS = ("K", "S", "T", "B", "M", "A", "Zh", "O", "N", "I", "R", "D", "P", "Y", "E", "G", "L")

# Group sizes (A, B, C) and a few barely active people whom the analysis should leave unclustered.
GROUP_SIZES = (20, 16, 12)
LURKERS = 4

TITLE = "How should Almaty reduce winter air pollution?"
SUMMARY = (
    "Every winter, smog settles over Almaty for weeks. The city is preparing its 2026–2030 "
    "clean-air programme and asks residents which measures should come first, and why."
)
BODY = """\
From November to March, Almaty regularly ranks among the most polluted cities in the region. \
The city lies in a basin at the foot of the Zailiysky Alatau: on cold, windless days a \
temperature inversion traps smoke and exhaust close to the ground.

The main sources are well known: the coal-fired CHP-2 power and heating plant, tens of \
thousands of private houses in the outer districts that heat with coal, and road traffic, \
including an ageing fleet of cars and diesel buses. Construction dust and the loss of green \
space add to the problem.

The Akimat's Ecology Department will publish its response to this consultation together with \
the programme. Post the measures you think matter most as positions, argue for or against \
other people's proposals, and vote on as many statements as you can: where people with \
different views agree is where the programme can move fastest."""

# A position: key, text, stance of groups (A, B, C) from -1 to +1, share of "pass" votes.
Position = tuple[str, str, tuple[float, float, float], float]
# An argument: key, text, links [(target key, "support" | "attack")], stances, share of passes.
Argument = tuple[str, str, tuple[tuple[str, str], ...], tuple[float, float, float], float]

# key, text, stance of groups (A, B, C) from -1 (against) to +1 (for), share of "pass" votes.
POSITIONS: tuple[Position, ...] = (
    (
        "chp_gas",
        "Convert the CHP-2 plant from coal to natural gas before the 2027 heating season.",
        (0.9, 0.6, -0.6),
        0.08,
    ),
    (
        "house_gas",
        "Pay for connecting private houses in the outer districts to the gas network.",
        (0.7, 0.9, -0.5),
        0.08,
    ),
    (
        "coal_ban",
        "Ban burning coal for household heating within the city limits from 2028.",
        (0.8, -0.8, 0.4),
        0.08,
    ),
    (
        "lez",
        "Create a low-emission zone in the city centre: cars below the Euro-4 standard pay a "
        "daily charge to enter.",
        (0.9, -0.9, 0.6),
        0.06,
    ),
    (
        "odd_even",
        "On smog days, let private cars into the centre only by odd or even number plates.",
        (0.6, -0.9, -0.2),
        0.08,
    ),
    (
        "free_transit",
        "Make buses, trolleybuses and the metro free on days when the air quality index is "
        "above 150.",
        (0.9, 0.3, -0.7),
        0.08,
    ),
    (
        "bus_lanes",
        "Build dedicated bus lanes on all major avenues and extend the BRT network to the "
        "outer districts.",
        (0.9, -0.3, 0.3),
        0.1,
    ),
    (
        "parking",
        "Raise parking fees in the centre and spend all the revenue on public transport.",
        (0.7, -0.8, 0.6),
        0.08,
    ),
    (
        "trees",
        "Plant trees and restore green corridors along the Esentai and Big Almaty rivers.",
        (0.8, 0.8, 0.4),
        0.12,
    ),
    (
        "sensors",
        "Install public air-quality sensors in every district and publish the readings in real "
        "time, with open data.",
        (0.9, 0.8, 0.9),
        0.05,
    ),
    (
        "e_buses",
        "Replace the city's old diesel buses with electric and gas buses by 2028.",
        (0.9, 0.7, 0.6),
        0.08,
    ),
    (
        "insulation",
        "Give grants for insulating private houses and installing heat pumps.",
        (0.6, 0.8, 0.9),
        0.1,
    ),
    (
        "smoke_fines",
        "Fine vehicles that visibly smoke and make the annual emissions test compulsory.",
        (0.8, -0.4, 0.8),
        0.08,
    ),
    (
        "air_corridors",
        "Stop high-rise construction that blocks the mountain air corridors in the south of "
        "the city.",
        (0.4, 0.3, 0.5),
        0.35,
    ),
)

# key, text, links [(target key, "support" | "attack")], stances (A, B, C), share of passes.
ARGUMENTS: tuple[Argument, ...] = (
    (
        "a_chp_source",
        "CHP-2 is the largest single stationary source of pollution in the city. Converting one "
        "plant removes more smoke than any other single measure.",
        (("chp_gas", "support"),),
        (0.8, 0.6, -0.2),
        0.1,
    ),
    (
        "a_chp_tariff",
        "Heat from gas costs more. The tariff rise will land on every household's bill, "
        "including pensioners who already struggle to pay.",
        (("chp_gas", "attack"),),
        (-0.5, 0.2, 0.9),
        0.08,
    ),
    (
        "a_tariff_targeted",
        "Low-income households already receive housing assistance. Extending it to cover the "
        "tariff increase costs far less than treating smog-related illness.",
        (("a_chp_tariff", "attack"),),
        (0.8, 0.3, -0.5),
        0.12,
    ),
    (
        "a_houses_ground",
        "On the coldest nights, smoke from thousands of household chimneys stays at ground "
        "level in the outer districts. That is exactly when the air is at its worst.",
        (("coal_ban", "support"),),
        (0.8, 0.0, 0.3),
        0.1,
    ),
    (
        "a_ban_poor",
        "Many families in the Alatau and Nauryzbay districts cannot afford a gas boiler. A ban "
        "without support punishes the poorest residents.",
        (("coal_ban", "attack"),),
        (-0.2, 0.9, -0.2),
        0.08,
    ),
    (
        "a_subsidy_full",
        "The ban can come with full subsidies for low-income households: the connection, the "
        "boiler and the difference in fuel cost for the first winter.",
        (("a_ban_poor", "attack"),),
        (0.8, 0.6, -0.7),
        0.12,
    ),
    (
        "a_social_coal",
        "The money now spent on supplying subsidised coal to low-income households could pay "
        "for their gas connections instead.",
        (("a_subsidy_full", "support"),),
        (0.6, 0.2, 0.5),
        0.25,
    ),
    (
        "a_old_cars",
        "Old cars without a working catalytic converter emit many times more than new ones. A "
        "charge targets the worst polluters directly.",
        (("lez", "support"),),
        (0.9, -0.6, 0.7),
        0.08,
    ),
    (
        "a_transit_gap",
        "Buses in the outer districts come every 30 to 40 minutes. People will not leave their "
        "cars at home until that changes.",
        (("lez", "attack"), ("parking", "attack")),
        (-0.2, 0.9, -0.3),
        0.08,
    ),
    (
        "a_lanes_fix",
        "Buses are slow because they are stuck in the same traffic as cars. Bus lanes would "
        "fix exactly these routes.",
        (("a_transit_gap", "attack"),),
        (0.8, -0.4, 0.5),
        0.1,
    ),
    (
        "a_free_reason",
        "Free fares give people a reason to leave the car at home on precisely the days when "
        "it matters most.",
        (("free_transit", "support"),),
        (0.8, 0.3, -0.7),
        0.1,
    ),
    (
        "a_free_evidence",
        "Where free public transport was tried on smog days, car traffic barely fell: the buses "
        "filled with people who would otherwise have walked.",
        (("free_transit", "attack"),),
        (-0.5, 0.1, 0.8),
        0.2,
    ),
    (
        "a_plates_dodge",
        "Number-plate rules are easy to dodge: families buy a second, older car, and the fleet "
        "gets dirtier.",
        (("odd_even", "attack"),),
        (-0.1, 0.9, 0.5),
        0.1,
    ),
    (
        "a_trees_winter",
        "Trees do little against winter smog: deciduous trees have no leaves when the "
        "pollution is worst.",
        (("trees", "attack"),),
        (-0.2, 0.0, 0.6),
        0.25,
    ),
    (
        "a_trees_conifers",
        "Conifers keep their needles all winter and trap fine dust. Plant them along the main "
        "roads, not only in parks.",
        (("a_trees_winter", "attack"),),
        (0.6, 0.5, 0.1),
        0.2,
    ),
    (
        "a_sensors_trust",
        "Independent sensors let residents check the official figures and decide when children "
        "can safely play outside.",
        (("sensors", "support"),),
        (0.9, 0.8, 0.9),
        0.05,
    ),
    (
        "a_diesel_smoke",
        "Old diesel buses are the most visible source of black smoke on Al-Farabi and "
        "Raiymbek avenues.",
        (("e_buses", "support"),),
        (0.8, 0.7, 0.5),
        0.1,
    ),
    (
        "a_insulation_payback",
        "Insulation cuts fuel use by about a third, whatever the fuel, and pays for itself "
        "within a few winters.",
        (("insulation", "support"),),
        (0.6, 0.8, 0.9),
        0.1,
    ),
    (
        "a_corridors_wind",
        "Almaty lies in a basin with little wind. The night breeze from the mountains is what "
        "clears the air, and tall blocks in its way trap the smog.",
        (("air_corridors", "support"),),
        (0.6, 0.3, 0.4),
        0.25,
    ),
    (
        "a_corridors_sprawl",
        "Stopping high-rise construction pushes new housing further out and makes car "
        "commutes even longer.",
        (("air_corridors", "attack"),),
        (-0.3, 0.4, 0.3),
        0.25,
    ),
)

CLOSED_TITLE = "Should the Panfilov Street pedestrian zone be extended to Abay Avenue?"
CLOSED_SUMMARY = (
    "The pedestrian section of Panfilov Street ends at Gogol Street. The Akimat asked whether "
    "to extend it south to Abay Avenue, and how to handle deliveries and parking."
)
CLOSED_BODY = """\
This consultation ran for four weeks last autumn. It is now closed: the statements and votes \
remain visible, and the Akimat's response will be published here."""
CLOSED_POSITIONS: tuple[Position, ...] = (
    (
        "p_extend",
        "Extend the pedestrian zone to Abay Avenue, with deliveries allowed before 10 a.m.",
        (0.9, -0.5, 0.3),
        0.1,
    ),
    (
        "p_trial",
        "Close the section to cars on weekends for one summer first, then decide.",
        (0.5, 0.4, 0.8),
        0.15,
    ),
    (
        "p_parking",
        "Build an underground car park under the square before closing any street.",
        (-0.5, 0.9, -0.4),
        0.15,
    ),
    (
        "p_shade",
        "Whatever is decided, add shade trees, benches and drinking fountains along the street.",
        (0.9, 0.7, 0.8),
        0.08,
    ),
)
CLOSED_ARGUMENTS: tuple[Argument, ...] = (
    (
        "c_shops",
        "Shops on the existing pedestrian section report more visitors, not fewer.",
        (("p_extend", "support"),),
        (0.8, -0.2, 0.4),
        0.2,
    ),
    (
        "c_traffic",
        "Closing the street moves the traffic to Furmanov Street, which is already jammed.",
        (("p_extend", "attack"), ("p_trial", "attack")),
        (-0.4, 0.8, 0.1),
        0.15,
    ),
)


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
    groups = _demo_citizens()

    now = utcnow()
    existing = get_consultation_by_slug(DEMO_SLUG)
    if existing is not None:
        result.existing.append(existing)
    else:
        consultation = create_consultation(
            accounts["policymaker"],
            title=TITLE,
            summary=SUMMARY,
            body=BODY,
            opens_at=now - timedelta(days=12),
            closes_at=(now + timedelta(days=30)).replace(hour=23, minute=59, second=0),
            moderation=ModerationMode.post,
            slug=DEMO_SLUG,
        )
        add_member(
            consultation, accounts["moderator"], MemberRole.moderator, actor=accounts["policymaker"]
        )
        change_status(consultation, ConsultationStatus.open, accounts["policymaker"])
        result.votes += _populate(consultation, groups, POSITIONS, ARGUMENTS, rng, start_days=12)
        result.created.append(consultation)

    existing = get_consultation_by_slug(CLOSED_SLUG)
    if existing is not None:
        result.existing.append(existing)
    else:
        closed = create_consultation(
            accounts["policymaker"],
            title=CLOSED_TITLE,
            summary=CLOSED_SUMMARY,
            body=CLOSED_BODY,
            opens_at=now - timedelta(days=70),
            closes_at=now - timedelta(days=42),
            moderation=ModerationMode.post,
            slug=CLOSED_SLUG,
        )
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
        change_status(closed, ConsultationStatus.closed, accounts["policymaker"])
        closed.closed_at = now - timedelta(days=42)
        result.created.append(closed)
    db.session.flush()
    return result


def _get_or_create_user(
    email: str, name: str, password: str | None, role: Role = Role.participant
) -> tuple[User, bool]:
    user = find_user_by_email(email)
    if user is not None:
        return user, False
    return create_user(email, name, password, role=role), True


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
            user, _created = _get_or_create_user(email, demo_citizen_name(n), None)
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
) -> int:
    """Post the statements through the statements service, then insert the planted votes.

    Statements and votes are dated between ``start_days`` and ``end_days`` ago.
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
                rows.append(
                    {
                        "consultation_id": consultation.id,
                        "statement_id": statement.id,
                        "user_id": person.id,
                        "value": value,
                        "created_at": at,
                        "updated_at": at,
                    }
                )
    if rows:
        db.session.execute(insert(Vote), rows)
    return len(rows)


def _draw_vote(rng: random.Random, stance: float, pass_share: float) -> int:
    """Draw +1, -1 or 0: agreement grows with the group's stance; some people pass."""
    if rng.random() < pass_share:
        return 0
    agree = 0.04 + 0.92 * (stance + 1) / 2
    return 1 if rng.random() < agree else -1
