"""Benchmark of the report exports on a large consultation (100k statements, 1M votes).

Creates a synthetic consultation with planted opinion groups in a temporary SQLite database and
in a fresh PostgreSQL database (bulk inserts), computes and caches its analysis once, then runs
``kenes export`` logic for every format in a separate process each, and reports the wall time,
the output size and the peak resident memory (ru_maxrss) of that process.

    .venv/bin/python bench/export.py                      # both databases, every format
    .venv/bin/python bench/export.py --db sqlite --formats json,csv --votes 200000
    KENES_BENCH_PG=postgresql+psycopg://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/export.py

The numbers go to docs/benchmarks.md ("Exports").
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

FORMATS = ("json", "csv", "xlsx", "md", "html", "pdf", "aif", "argdown")
SLUG = "bench-export"
CHUNK = 20_000


def _app(url: str) -> Any:
    from consult import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "TESTING": True,
            "ANALYSIS_BACKGROUND": False,
            "RATELIMIT_ENABLED": False,
        }
    )


def populate(url: str, n_statements: int, n_votes: int, seed: int = 0) -> dict[str, float]:
    """Create the schema and the synthetic consultation with bulk inserts."""
    import numpy as np
    from _common import first_tenth_positions, insert_accounts, insert_ids, statement_row
    from sqlalchemy import insert
    from synthetic import planted_conversation

    from consult.auth.models import Role, User
    from consult.consultations.models import (
        Consultation,
        ConsultationMember,
        ConsultationStatus,
        MemberRole,
        ResponsePolicy,
    )
    from consult.extensions import db
    from consult.statements.models import Relation, Statement, StatementKind, StatementLink
    from consult.votes.models import Vote

    per_person = 50
    n_participants = max(1, n_votes // per_person)
    timings: dict[str, float] = {}
    app = _app(url)
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        owner = User(email="owner@bench.kz", display_name="Bench ministry", role=Role.policymaker)
        db.session.add(owner)
        db.session.flush()
        now = datetime.now(UTC)
        consultation = Consultation(
            slug=SLUG,
            title="Synthetic national consultation (100k statements)",
            summary="A synthetic consultation used to measure exports.",
            status=ConsultationStatus.reported,
            response_policy=ResponsePolicy.consensus,
            opens_at=now - timedelta(days=30),
            closed_at=now - timedelta(days=1),
            reported_at=now,
            created_by_id=owner.id,
        )
        db.session.add(consultation)
        db.session.flush()
        db.session.add(
            ConsultationMember(
                consultation_id=consultation.id, user_id=owner.id, role=MemberRole.owner
            )
        )
        cid = consultation.id
        rng = np.random.default_rng(seed)
        user_ids = insert_accounts(
            db.session, User, Role.participant, n_participants, now, "Synthetic {i}", None
        )
        n_positions, kinds = first_tenth_positions(n_statements, StatementKind)
        rows = [
            statement_row(
                cid,
                kind,
                text=f"Synthetic {kind.value} number {j}: the state should act on item {j % 997}.",
                key=f"{j:064d}",
                author_id=user_ids[int(rng.integers(0, len(user_ids)))],
                created=now - timedelta(days=30) + timedelta(seconds=j * 20),
                updated=now,
            )
            for j, kind in enumerate(kinds)
        ]
        statement_ids = insert_ids(db.session, Statement, rows)
        links = []
        for j in range(n_positions, n_statements):
            target = statement_ids[int(rng.integers(0, j))]
            links.append(
                {
                    "consultation_id": cid,
                    "source_id": statement_ids[j],
                    "target_id": target,
                    "relation": Relation.support if rng.random() < 0.6 else Relation.attack,
                    "created_at": now,
                }
            )
        for start in range(0, len(links), CHUNK):
            db.session.execute(insert(StatementLink), links[start : start + CHUNK])
        timings["statements_s"] = time.perf_counter() - started

        started = time.perf_counter()
        matrix, _planted = planted_conversation(n_participants, n_statements, per_person, seed=seed)
        rows_i = matrix.rows.tolist()
        cols_i = matrix.cols.tolist()
        vals = matrix.values.tolist()
        spread = np.random.default_rng(seed + 1).random(len(rows_i)) * 29 * 86400
        base = now - timedelta(days=30)
        batch = []
        for i, (r, c, v) in enumerate(zip(rows_i, cols_i, vals, strict=True)):
            at = base + timedelta(seconds=float(spread[i]))
            batch.append(
                {
                    "consultation_id": cid,
                    "statement_id": statement_ids[c],
                    "user_id": user_ids[r],
                    "value": int(v),
                    "created_at": at,
                    "updated_at": at,
                }
            )
            if len(batch) >= CHUNK:
                db.session.execute(insert(Vote), batch)
                batch = []
        if batch:
            db.session.execute(insert(Vote), batch)
        db.session.commit()
        timings["votes_s"] = time.perf_counter() - started
        timings["votes"] = float(len(rows_i))

        from consult.analysis.services import refresh_analysis

        started = time.perf_counter()
        refresh_analysis(db.session.get(Consultation, cid))
        db.session.commit()
        timings["analysis_s"] = time.perf_counter() - started
    return timings


def peak_rss_kib() -> int:
    """This process's peak resident memory since exec (VmHWM; ru_maxrss would include the
    memory the parent had when it forked us)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def populate_child(url: str, n_statements: int, n_votes: int) -> None:
    """Populate in its own process, so the exports are measured from a lean parent."""
    timings = populate(url, n_statements, n_votes)
    timings["peak_rss_mib"] = peak_rss_kib() / 1024
    print(json.dumps(timings))


def child(url: str, fmt: str) -> None:
    """Export one format to a temporary file and print time, size and peak RSS as JSON."""
    from consult.consultations.services import get_consultation_by_slug
    from consult.reports.exporters import export_chunks

    app = _app(url)
    with app.app_context():
        consultation = get_consultation_by_slug(SLUG)
        assert consultation is not None
        # Exports serve the cached analysis; bring it up to date first so it is not timed here
        # (it is recomputed only if the analysis code or the votes changed since populating).
        from consult.analysis.services import get_analysis
        from consult.extensions import db

        warm = time.perf_counter()
        get_analysis(consultation, wait=True)
        db.session.commit()
        warm = time.perf_counter() - warm
        if fmt == "none":  # the warm-up run: bring the analysis cache up to date, nothing else
            print(json.dumps({"format": fmt, "analysis_refresh_s": warm}))
            return
        started = time.perf_counter()
        first = None
        size = 0
        with tempfile.TemporaryFile() as out:
            for chunk in export_chunks(consultation, fmt):
                if first is None:
                    first = time.perf_counter() - started
                size += len(chunk)
                out.write(chunk)
        elapsed = time.perf_counter() - started
    peak_kib = peak_rss_kib()
    print(
        json.dumps(
            {
                "format": fmt,
                "seconds": elapsed,
                "first_byte_s": first,
                "bytes": size,
                "peak_rss_mib": peak_kib / 1024,
                "analysis_refresh_s": warm,
            }
        )
    )


def _fresh_postgres(url: str) -> str:
    from sqlalchemy import create_engine, make_url, text

    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    name = f"kenes_bench_export_{os.getpid()}"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def _drop_postgres(url: str) -> None:
    from sqlalchemy import create_engine, make_url, text

    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def run(label: str, url: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    if not args.reuse:
        print(
            f"# {label}: populating {args.statements} statements, {args.votes} votes…", flush=True
        )
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--populate",
                "--url",
                url,
                "--statements",
                str(args.statements),
                "--votes",
                str(args.votes),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=5400,
        )
        if proc.returncode != 0:
            raise SystemExit(f"populating failed:\n{proc.stderr[-3000:]}")
        print(f"# {label}: {proc.stdout.strip().splitlines()[-1]}", flush=True)
    warm = subprocess.run(
        [sys.executable, __file__, "--child", "--url", url, "--format", "none"],
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    print(
        f"# {label}: warm-up {warm.stdout.strip()[-200:]} {warm.stderr.strip()[-500:]}", flush=True
    )
    results = []
    for fmt in args.formats.split(","):
        proc = subprocess.run(
            [sys.executable, __file__, "--child", "--url", url, "--format", fmt],
            capture_output=True,
            text=True,
            check=False,
            timeout=1800,
        )
        if proc.returncode != 0:
            print(f"# {label} {fmt} failed:\n{proc.stderr[-2000:]}", flush=True)
            continue
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        result["db"] = label
        results.append(result)
        print(json.dumps(result), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=100_000)
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument(
        "--pg",
        default=os.environ.get(
            "KENES_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument(
        "--reuse", metavar="SQLITE_FILE", help="export from an already populated SQLite file"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--populate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--format", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.url, args.format)
        return
    if args.populate:
        populate_child(args.url, args.statements, args.votes)
        return
    results: list[dict[str, Any]] = []
    if args.reuse:
        results += run("SQLite", f"sqlite:///{os.path.abspath(args.reuse)}", args)
        args.reuse = None
    elif args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            results += run("SQLite", f"sqlite:///{tmp}/bench.sqlite3", args)
    if args.db in ("postgres", "both"):
        url = _fresh_postgres(args.pg)
        try:
            results += run("PostgreSQL", url, args)
        finally:
            _drop_postgres(url)
    print("\n| database | format | time (s) | first byte (s) | size (MB) | peak RSS (MiB) |")
    print("|---|---|---:|---:|---:|---:|")
    for r in results:
        first = r["first_byte_s"] if r["first_byte_s"] is not None else 0.0
        print(
            f"| {r['db']} | {r['format']} | {r['seconds']:.1f} | {first:.2f} | "
            f"{r['bytes'] / 1e6:.1f} | {r['peak_rss_mib']:.0f} |"
        )


if __name__ == "__main__":
    main()
