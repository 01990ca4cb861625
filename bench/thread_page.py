"""The thread page of a large consultation: server time and HTML size of the first screen.

Builds (on PostgreSQL, a fresh ``kenes_thread_bench`` database) one open consultation with
``--statements`` statements (a tenth positions, the rest arguments replying to a random earlier
statement, most to positions) and ``--votes`` votes from ``--participants`` accounts, then
renders the thread page in-process (Flask's test client: server time only, no network) and
reports the median and 95th percentile of ``--runs`` renders and the size of the HTML:

- ``anonymous, rendered``: the anonymous page with the page cache off (what a miss costs);
- ``anonymous, cached``: the anonymous page served from the cache (in-process here);
- ``signed in, full render``: a participant's page rendered the full way (``THREAD_FRAGMENTS``
  off);
- ``signed in, shared cards``: the same page with its cards from the participants' shared render
  (``consult/consultations/fragments.py``), filled in with the viewer's votes, flags and marks;
- ``page 2`` / ``replies``: the next page of positions, a position's replies page;
- ``reference``: a bare Flask "hello" (bench/hello.py) through the same kind of test client,
  measured in the same run (how fast the machine is right now).

Usage::

    .venv/bin/python bench/thread_page.py                      # 10,000 statements, 200,000 votes
    .venv/bin/python bench/thread_page.py --statements 1000 --votes 20000 --runs 20
"""

from __future__ import annotations

import os
import random
import statistics
import time
from typing import Any

from _common import (
    append_run,
    bench_parser,
    first_tenth_positions,
    insert_accounts,
    insert_ids,
    statement_row,
)
from stack import check_signed_in, drop_postgres, fresh_postgres, new_secret

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/kenes_thread_bench"


def build(
    url: str, secret: str, statements: int, votes: int, participants: int, *, slug: str = "national"
) -> dict[str, Any]:
    """Create the consultation with bulk inserts; return its slug, id and a participant's id."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from consult import create_app
    from consult.auth.models import Role, User
    from consult.consultations.models import Consultation, ConsultationStatus
    from consult.extensions import db
    from consult.statements.models import Relation, Statement, StatementKind, StatementLink
    from consult.types import utcnow
    from consult.votes.models import Vote

    rng = random.Random(7)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret, "ANALYSIS_ID_KEY": secret}
    )
    with app.app_context():
        upgrade()
        now = utcnow()
        old = now.replace(year=now.year - 1)
        account = ("Participant {i}", slug + "-p{i}@bench.kenes.kz")
        user_ids = insert_accounts(db.session, User, Role.participant, participants, old, *account)
        consultation = Consultation(
            slug=slug,
            title="A national consultation",
            summary="Ten thousand statements.",
            body="Background.",
            status=ConsultationStatus.open,
            created_by_id=user_ids[0],
            opens_at=old,
        )
        db.session.add(consultation)
        db.session.flush()
        cid = consultation.id
        n_positions, kinds = first_tenth_positions(statements, StatementKind)
        rows = [
            statement_row(
                cid,
                kind,
                f"Statement {i}: " + " ".join(rng.choice(WORDS) for _ in range(25)),
                f"k{i}",
                rng.choice(user_ids),
                old,
                old,
                status="visible",
                auto_hidden=False,
            )
            for i, kind in enumerate(kinds)
        ]
        ids = insert_ids(db.session, Statement, rows)
        links = []
        for i in range(n_positions, statements):
            # Most arguments answer a position; the others an earlier argument (deep branches).
            if rng.random() < 0.6:
                target = ids[rng.randrange(n_positions)]
            else:
                target = ids[rng.randrange(n_positions, i)] if i > n_positions else ids[0]
            links.append(
                {
                    "consultation_id": cid,
                    "source_id": ids[i],
                    "target_id": target,
                    "relation": rng.choice([Relation.support, Relation.attack]),
                    "created_at": old,
                }
            )
        db.session.execute(insert(StatementLink), links)
        seen: set[tuple[int, int]] = set()
        vote_rows = []
        while len(vote_rows) < votes:
            pair = (rng.choice(ids), rng.choice(user_ids))
            if pair in seen:
                continue
            seen.add(pair)
            vote_rows.append(
                {
                    "consultation_id": cid,
                    "statement_id": pair[0],
                    "user_id": pair[1],
                    "value": rng.choice([1, 1, -1, 0]),
                    "created_at": old,
                    "updated_at": old,
                }
            )
        _insert_votes(db.session, Vote, vote_rows)
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        return {
            "slug": slug,
            "consultation_id": cid,
            "user_id": user_ids[1],
            "position_id": ids[0],
        }


def _insert_votes(session: Any, vote_model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert the votes: PostgreSQL's COPY (a million rows in seconds), else batched INSERTs."""
    from sqlalchemy import insert

    connection = session.connection()
    if connection.dialect.name != "postgresql":
        for start in range(0, len(rows), 20000):
            session.execute(insert(vote_model), rows[start : start + 20000])
        return
    columns = ("consultation_id", "statement_id", "user_id", "value", "created_at", "updated_at")
    table = vote_model.__table__.name
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(tuple(row[c] for c in columns))


WORDS = [
    "air",
    "coal",
    "heating",
    "city",
    "bus",
    "tram",
    "tax",
    "fee",
    "winter",
    "smog",
    "school",
    "clinic",
    "road",
    "park",
    "tree",
    "electric",
    "gas",
    "plant",
    "district",
    "budget",
    "citizen",
    "mayor",
    "filter",
    "stove",
    "law",
    "fine",
]


def _existing(url: str, secret: str) -> dict[str, Any]:
    """The fixture of a database a ``--keep-database`` run built."""
    from sqlalchemy import select

    from consult import create_app
    from consult.consultations.models import Consultation
    from consult.extensions import db
    from consult.statements.models import Statement

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret, "ANALYSIS_ID_KEY": secret}
    )
    with app.app_context():
        consultation = db.session.scalar(
            select(Consultation).where(Consultation.slug == "national")
        )
        assert consultation is not None, "no consultation 'national': run with --keep-database"
        position = db.session.scalar(
            select(Statement.id).where(Statement.consultation_id == consultation.id).limit(1)
        )
        user_id = db.session.scalar(select(db.func.min(Statement.author_id)))
        result = {
            "slug": consultation.slug,
            "consultation_id": consultation.id,
            "user_id": user_id,
            "position_id": position,
        }
        db.engine.dispose()
        return result


def signed_in_client(app: Any, user_id: int) -> Any:
    """A test client with a real signed-in session of this participant.

    The session is server-side (``auth/sessions.py``): the cookie names a session row, which
    must be committed, or the app treats the request as anonymous (and serves the cached page).
    """
    from flask import session
    from flask_login import login_user

    from consult.auth.models import User
    from consult.extensions import db

    with app.app_context():
        person = db.session.get(User, user_id)
        assert person is not None
        with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
            login_user(person)
            serializer = app.session_interface.get_signing_serializer(app)
            cookie = serializer.dumps(dict(session))
        db.session.commit()  # the session row
    check_signed_in(app, cookie)
    client = app.test_client()
    client.set_cookie("session", cookie, domain="localhost")
    return client


def measure(client: Any, url: str, runs: int, *, headers: dict[str, str] | None = None) -> dict:
    """Median and p95 of ``runs`` renders, and the HTML size."""
    times = []
    size = 0
    status = 0
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, headers=headers or {})
        times.append(time.perf_counter() - started)
        size = len(response.data)
        status = response.status_code
    times.sort()
    return {
        "status": status,
        "median_ms": 1000 * statistics.median(times),
        "p95_ms": 1000 * times[min(len(times) - 1, int(0.95 * len(times)))],
        "html_kb": size / 1024,
        "cache": response.headers.get("X-Kenes-Cache", "")
        or (
            "cards " + response.headers["X-Kenes-Cards"]
            if "X-Kenes-Cards" in response.headers
            else ""
        ),
    }


def _profile(client: Any, url: str) -> None:
    """Where one render's time goes: each SQL query's time, then cProfile (cumulative)."""
    import cProfile
    import pstats

    from sqlalchemy import event

    from consult.extensions import db

    timings: list[tuple[float, str]] = []
    started: list[float] = []

    def before(*_args: Any) -> None:
        started.append(time.perf_counter())

    def after(conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        timings.append((time.perf_counter() - started.pop(), " ".join(statement.split())[:150]))

    with client.application.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    begin = time.perf_counter()
    client.get(url)
    total = time.perf_counter() - begin
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    sql = sum(t for t, _ in timings)
    print(f"one render: {1000 * total:.1f} ms, {len(timings)} queries, {1000 * sql:.1f} ms in SQL")
    for took, text in sorted(timings, reverse=True)[:8]:
        print(f"  {1000 * took:7.1f} ms  {text}")

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(3):
        client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(r"consult|jinja2/environment|psycopg/cursor", 25)


def main() -> None:
    parser = bench_parser(__doc__, DEFAULT_DB)
    parser.add_argument("--statements", type=int, default=10_000)
    parser.add_argument("--votes", type=int, default=200_000)
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--reuse-database", action="store_true", help="use the consultation a kept run built"
    )
    parser.add_argument(
        "--profile", action="store_true", help="print where an anonymous render's time goes"
    )
    args = parser.parse_args()

    secret = new_secret()
    started = time.perf_counter()
    if args.reuse_database:
        url = args.database_url
        fixture = _existing(url, secret)
    else:
        url = fresh_postgres(args.database_url)
        fixture = build(url, secret, args.statements, args.votes, args.participants)
    print(
        f"built {args.statements} statements, {args.votes} votes in "
        f"{time.perf_counter() - started:.1f} s; load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    from consult import create_app

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret, "ANALYSIS_ID_KEY": secret}
    )
    rows = []
    try:
        page = f"/consultations/{fixture['slug']}"
        anon = app.test_client()
        user = signed_in_client(app, fixture["user_id"])
        cases = [
            ("anonymous, rendered", anon, page, {"THREAD_CACHE": False}),
            ("anonymous, cached", anon, page, {"THREAD_CACHE": True}),
            ("signed in, full render", user, page, {"THREAD_FRAGMENTS": False}),
            ("signed in, shared cards", user, page, {"THREAD_FRAGMENTS": True}),
            ("page 2, anonymous rendered", anon, page + "?page=2", {"THREAD_CACHE": False}),
            (
                "a position's replies",
                anon,
                f"/statements/{fixture['position_id']}/branch",
                {},
            ),
        ]
        from hello import app as hello_app

        reference = {
            "case": "reference: bare Flask hello",
            **measure(hello_app.test_client(), "/", args.runs),
        }
        rows.append(reference)
        print(
            f"{reference['case']:<28} {reference['status']}  median {reference['median_ms']:7.1f} ms  "
            f"p95 {reference['p95_ms']:7.1f} ms",
            flush=True,
        )
        for name, client, target, config in cases:
            app.config.update(config)
            client.get(target)  # warm-up (and fills the cache)
            row = {"case": name, **measure(client, target, args.runs)}
            rows.append(row)
            if args.profile and name == "anonymous, rendered":
                _profile(client, target)
            print(
                f"{name:<28} {row['status']}  median {row['median_ms']:7.1f} ms  "
                f"p95 {row['p95_ms']:7.1f} ms  HTML {row['html_kb']:6.1f} KB {row['cache']}",
                flush=True,
            )
    finally:
        if not args.keep_database and not args.reuse_database:
            with app.app_context():
                from consult.extensions import db

                db.engine.dispose()
            drop_postgres(url)
    if args.json:
        append_run(
            args.json,
            {
                "statements": args.statements,
                "votes": args.votes,
                "participants": args.participants,
                "runs": args.runs,
                "load_average": os.getloadavg()[0],
                "results": rows,
            },
        )


if __name__ == "__main__":
    main()
