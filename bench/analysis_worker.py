"""National-scale analysis in a worker: time, peak memory and progress of ``analysis.refresh``.

Builds (PostgreSQL, a fresh ``kenes_analysis_bench`` database; bench/thread_page.py's builder)
one consultation of ``--statements`` statements, ``--participants`` accounts and ``--votes``
votes, then runs the refresh job the way a worker does, in a separate process (so that its peak
resident memory is the job's alone): ``schedule_refresh`` and a commit hand the job to the
runner, which runs it at once (``JOBS_BACKEND=eager``: the same ``execute`` a Celery worker
calls). Meanwhile this process reads the job record's progress, as the Insights page does.

Reported: the job's wall time, split into loading the votes (``adapters.analysis_input``),
analysing (``debate.analysis.analyse``), checking the typed result (``AnalysisResult``) and
the rest (fingerprint, storing the result, the job record); the worker's peak RSS; the progress values seen.

Usage::

    .venv/bin/python bench/analysis_worker.py          # 100,000 statements, 20,000 people, 1M votes
    .venv/bin/python bench/analysis_worker.py --statements 10000 --votes 100000 --participants 2000
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from stack import ROOT, drop_postgres, fresh_postgres, new_secret, pg_url

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/kenes_analysis_bench"


def run_job(
    url: str,
    secret: str,
    consultation_id: int,
    *,
    profile: bool = False,
    bridging_process: bool = True,
) -> dict[str, Any]:
    """The worker side: run one refresh job and time its parts (with ``profile``, also print the
    job's cProfile, cumulative, to stderr)."""
    from consult import create_app
    from consult.analysis import adapters, services, tasks
    from consult.extensions import db

    parts = {"load": 0.0, "analyse": 0.0, "compute": 0.0}
    real_input = adapters.analysis_input
    real_analyse = services._analyse
    real_compute = services.compute_analysis

    def timed_compute(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return real_compute(*args, **kwargs)
        finally:
            parts["compute"] += time.perf_counter() - started

    def timed_input(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return real_input(*args, **kwargs)
        finally:
            parts["load"] += time.perf_counter() - started

    def timed_analyse(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return real_analyse(*args, **kwargs)
        finally:
            parts["analyse"] += time.perf_counter() - started

    adapters.analysis_input = timed_input  # type: ignore[assignment]
    services._analyse = timed_analyse  # type: ignore[assignment]
    services.compute_analysis = timed_compute  # type: ignore[assignment]
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": secret,
            "ANALYSIS_ID_KEY": secret,
            "JOBS_BACKEND": "eager",
            "ANALYSIS_DEBOUNCE_SECONDS": 0,
            # the default (from 200,000 votes), or never
            **({} if bridging_process else {"ANALYSIS_BRIDGING_PROCESS_VOTES": None}),
        }
    )
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    profiler = cProfile.Profile() if profile else None
    with app.app_context():
        started, cpu = time.perf_counter(), time.process_time()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        if profiler is not None:
            profiler.enable()
        tasks.schedule_refresh(consultation_id)
        db.session.commit()  # the eager runner executes the job here, as a worker would
        if profiler is not None:
            profiler.disable()
        total = time.perf_counter() - started
        cpu = time.process_time() - cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # the bridging process's CPU, when there is one (a child, waited for)
        child_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    if profiler is not None:
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
    return {
        "seconds": round(total, 2),
        # CPU time of the job (all threads): on a shared machine, the steadier measure
        "cpu_s": round(cpu, 2),
        "child_cpu_s": round(child_cpu, 2),
        "bridging_process": bridging_process,
        "load_s": round(parts["load"], 2),
        "analyse_s": round(parts["analyse"], 2),
        # the typed result's checks and its JSON (AnalysisResult.from_json / to_json)
        "result_checks_s": round(parts["compute"] - parts["load"] - parts["analyse"], 2),
        # the fingerprint, storing the JSON, the job record's bookkeeping
        "rest_s": round(total - parts["compute"], 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_before_job_mb": round(rss_before / 1024, 1),
        # the largest child's peak (the bridging process), 0 without one
        "child_peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        ),
    }


def _progress(url: str, secret: str, consultation_id: int) -> tuple[str, int] | None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT status, progress FROM jobs WHERE subject = :s "
                    "ORDER BY created_at DESC LIMIT 1"
                ),
                {"s": f"consultation:{consultation_id}"},
            ).first()
    finally:
        engine.dispose()
    return (str(row[0]), int(row[1])) if row else None


def _existing_consultation(url: str) -> int:
    """The id of the consultation a ``--keep-database`` run built; its stored analysis and jobs
    are removed so that the refresh does the whole work again."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            cid = conn.execute(
                text("SELECT id FROM consultations WHERE slug = 'analysis'")
            ).scalar()
            if cid is None:
                raise SystemExit("no consultation 'analysis' there: build it with --keep-database")
            conn.execute(text("DELETE FROM jobs WHERE subject = :s"), {"s": f"consultation:{cid}"})
            conn.execute(
                text("DELETE FROM analysis_results WHERE consultation_id = :c"), {"c": cid}
            )
            conn.execute(text("DELETE FROM analysis_states WHERE consultation_id = :c"), {"c": cid})
    finally:
        engine.dispose()
    return int(cid)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("KENES_BENCH_DATABASE_URL", DEFAULT_DB)
    )
    parser.add_argument("--statements", type=int, default=100_000)
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--keep-database", action="store_true", help="do not drop it at the end")
    parser.add_argument(
        "--reuse-database",
        action="store_true",
        help="run on the consultation a --keep-database run built (implies --keep-database)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="print the job's cProfile (cumulative) to stderr"
    )
    parser.add_argument(
        "--no-bridging-process",
        action="store_true",
        help="fit bridging in the worker's own process (ANALYSIS_BRIDGING_PROCESS_VOTES = None)",
    )
    parser.add_argument(
        "--worker", nargs=3, metavar=("URL", "SECRET", "ID"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.worker:
        url, secret, cid = args.worker
        result = run_job(
            url,
            secret,
            int(cid),
            profile=args.profile,
            bridging_process=not args.no_bridging_process,
        )
        print(json.dumps(result), flush=True)
        return

    secret = new_secret()
    if args.reuse_database:
        args.keep_database = True
        url = pg_url(args.database_url)
        cid = _existing_consultation(url)
    else:
        from thread_page import build

        url = fresh_postgres(args.database_url)
        started = time.perf_counter()
        built = build(url, secret, args.statements, args.votes, args.participants, slug="analysis")
        print(
            f"built {args.statements} statements, {args.participants} participants, "
            f"{args.votes} votes in {time.perf_counter() - started:.0f} s; "
            f"load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        cid = built["consultation_id"]
    seen: list[tuple[float, str, int]] = []
    try:
        worker = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--worker",
                url,
                secret,
                str(cid),
                *(["--profile"] if args.profile else []),
                *(["--no-bridging-process"] if args.no_bridging_process else []),
            ],
            cwd=ROOT / "bench",
            env=dict(os.environ, KENES_LOG_REQUESTS="false"),
            stdout=subprocess.PIPE,
            text=True,
        )
        t0 = time.perf_counter()
        while worker.poll() is None:
            state = _progress(url, secret, cid)
            if state and (not seen or seen[-1][1:] != state):
                seen.append((round(time.perf_counter() - t0, 1), *state))
            time.sleep(0.25)
        out, _ = worker.communicate()
        result = json.loads(out.strip().splitlines()[-1])
        state = _progress(url, secret, cid)
        if state and seen[-1][1:] != state:
            seen.append((round(time.perf_counter() - t0, 1), *state))
    finally:
        if not args.keep_database:
            drop_postgres(url)
    result["progress_seen"] = [f"{t} s: {s} {p} %" for t, s, p in seen]
    result["load_average"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result, indent=2), flush=True)
    if args.json:
        existing = json.loads(args.json.read_text()) if args.json.exists() else []
        existing.append(
            {
                "when": time.strftime("%Y-%m-%d %H:%M:%S"),
                "statements": args.statements,
                "participants": args.participants,
                "votes": args.votes,
                "result": result,
            }
        )
        args.json.write_text(json.dumps(existing, indent=2) + "\n")


if __name__ == "__main__":
    main()
