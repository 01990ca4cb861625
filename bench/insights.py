"""Benchmark of the insights page's analysis path: SQL → numpy → analyse() → cache.

Builds a synthetic consultation (participants from three latent opinion groups, each voting on
``--votes`` of ``--statements`` statements) in a fresh database, then times, for each size:

- ``load``: reading the votes into the analysis input (``adapters.analysis_input``);
- ``analyse``: ``debate.analysis.analyse`` on that input;
- ``fingerprint``: the cache check every page view pays;
- ``cold``: ``get_analysis`` with an empty cache (what an inline recomputation costs a request);
- ``warm``: ``get_analysis`` with a fresh cache.

Usage::

    .venv/bin/python bench/insights.py                        # SQLite file in a temp folder
    .venv/bin/python bench/insights.py --database-url postgresql://postgres@127.0.0.1/kenes_bench
    .venv/bin/python bench/insights.py --participants 1000 10000 33334 --votes 30
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import insert_accounts
from sqlalchemy import create_engine, insert, make_url, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _timed(fn: Any, repeat: int = 1) -> tuple[float, Any]:
    times = []
    value = None
    for _ in range(repeat):
        started = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), value


def _fresh_postgres(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    return parsed.render_as_string(hide_password=False)


def populate(n_participants: int, n_statements: int, n_votes: int, seed: int = 0) -> int:
    """Create one open consultation with synthetic votes; return its id."""
    from consult.auth.models import Role, User
    from consult.consultations.models import Consultation, ConsultationStatus
    from consult.extensions import db
    from consult.statements.models import Statement, StatementKind, StatementStatus
    from consult.types import utcnow
    from consult.votes.models import Vote

    rng = np.random.default_rng(seed)
    now = utcnow()
    consultation = Consultation(
        slug=f"bench-{n_participants}-{seed}",
        title=f"Benchmark {n_participants}",
        status=ConsultationStatus.open,
    )
    db.session.add(consultation)
    db.session.flush()
    statement_ids = list(
        db.session.scalars(
            insert(Statement).returning(Statement.id, sort_by_parameter_order=True),
            [
                {
                    "consultation_id": consultation.id,
                    "kind": StatementKind.position,
                    "text": f"Statement {j}",
                    "text_key": f"k{j}",
                    "status": StatementStatus.visible,
                    "created_at": now,
                    "updated_at": now,
                }
                for j in range(n_statements)
            ],
        )
    )
    user_ids = insert_accounts(
        db.session, User, Role.participant, n_participants, now, "P{i}", None
    )
    # Three latent groups with their own agree probability per statement.
    group_bias = rng.uniform(0.1, 0.9, size=(3, n_statements))
    groups = rng.integers(0, 3, size=n_participants)
    rows = []
    for i, uid in enumerate(user_ids):
        chosen = rng.choice(n_statements, size=min(n_votes, n_statements), replace=False)
        p = group_bias[groups[i], chosen]
        draw = rng.random(len(chosen))
        values = np.where(draw < p * 0.9, 1, np.where(draw < 0.9, -1, 0))
        rows.extend(
            {
                "consultation_id": consultation.id,
                "statement_id": statement_ids[j],
                "user_id": uid,
                "value": int(v),
                "created_at": now,
                "updated_at": now,
            }
            for j, v in zip(chosen.tolist(), values.tolist(), strict=True)
        )
        if len(rows) >= 50_000:
            db.session.execute(insert(Vote.__table__), rows)
            rows = []
    if rows:
        db.session.execute(insert(Vote.__table__), rows)
    db.session.commit()
    return consultation.id


def measure(consultation: Any, repeat: int) -> list[str]:
    """Time the analysis path of one consultation; return the table cells after the first."""
    from consult.analysis import adapters, services
    from consult.analysis.models import CachedAnalysis
    from consult.extensions import db

    t_load, data = _timed(lambda: adapters.analysis_input(consultation), repeat)
    t_analyse, _ = _timed(
        lambda: services._analyse(
            data.matrix, claims=data.claims, relations=data.relations, seed=0
        ),
        repeat,
    )
    t_fp, _ = _timed(lambda: services.analysis_fingerprint(consultation), repeat)

    def cold() -> float:
        db.session.query(CachedAnalysis).delete()
        db.session.commit()
        started = time.perf_counter()
        services.get_analysis(consultation)
        db.session.commit()
        return time.perf_counter() - started

    t_cold = statistics.median(cold() for _ in range(repeat))
    t_warm, _ = _timed(lambda: services.get_analysis(consultation), repeat)
    return [
        f"{data.matrix.n_votes:,}",
        f"{t_load:.2f}",
        f"{t_analyse:.2f}",
        f"{t_fp:.3f}",
        f"{t_cold:.2f}",
        f"{t_warm:.3f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (re-created); default SQLite")
    parser.add_argument("--participants", type=int, nargs="+", default=[1000, 10000, 33334])
    parser.add_argument("--statements", type=int, default=100)
    parser.add_argument("--votes", type=int, default=30, help="votes per participant")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    if args.database_url:
        url = _fresh_postgres(args.database_url)
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"

    from consult import create_app
    from consult.consultations.models import Consultation
    from consult.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "TESTING": True,
            "ANALYSIS_BACKGROUND": False,
        }
    )
    dialect = url.split(":", 1)[0]
    print(f"database: {dialect}; {args.statements} statements; {args.votes} votes each")
    header = "| participants | votes | load (s) | analyse (s) | fingerprint (s) | cold page (s) | warm page (s) |"
    print(header)
    print("|" + "---|" * 7)
    with app.app_context():
        db.create_all()
        for n in args.participants:
            cid = populate(n, args.statements, args.votes)
            row = measure(db.session.get(Consultation, cid), args.repeat)
            print("| " + " | ".join([f"{n:,}", *row]) + " |")
            db.session.rollback()


if __name__ == "__main__":
    main()
