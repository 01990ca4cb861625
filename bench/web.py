"""Web tier under load: the app on gunicorn + PostgreSQL against a bare Flask "hello".

In one run, on one gunicorn configuration (the same for both servers), with wrk and 32
connections:

- ``hello``: ``GET /`` of bench/hello.py (the ceiling of this machine and configuration);
- ``vote``: ``PUT /api/v1/statements/{id}/vote`` with many accounts (bearer tokens; the wrk
  script rotates accounts and statements);
- ``vote_floor``: ``PUT /bench/floor`` of bench/floors.py, the cheapest authenticated write on
  the same stack (token lookup, the vote's rate limit, a commit): the most a vote can reach;
- ``write_floor``: ``PUT /bench/write`` of bench/floors.py, one durable upsert and its commit on a
  pooled psycopg connection (no ORM, no Flask-Login): the most any durable write can reach;
- ``auth_floor``: ``PUT /bench/auth`` of bench/floors.py, the app answering a bearer-token caller
  (token hashes held in memory) without any database: the app's own request overhead;
- ``thread_anon`` / ``thread_user``: the demo consultation's thread page, anonymous and signed in;
- ``analysis``: ``GET /api/v1/consultations/{id}/analysis``;
- ``mixed``: 16 connections voting and 16 reading the analysis at the same time.

Each scenario gets a short warm-up, then ``--duration`` seconds measured. The database (default
``kenes_scale_bench`` on the local PostgreSQL) is re-created and seeded with the demo. With
``--redis-url`` a Celery worker (``kenes worker``, as ``make serve`` runs it) serves the app's
background jobs (the scheduled analysis refreshes) and is stopped at the end.

Usage::

    .venv/bin/python bench/web.py                                   # defaults: deploy config
    .venv/bin/python bench/web.py --workers 4 --worker-class sync   # the configuration of main
    .venv/bin/python bench/web.py --worker-class gthread --threads 4 --scenarios hello,vote
    .venv/bin/python bench/web.py --label after --json bench/results/web.json
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import doc_parser
from stack import (
    ROOT,
    VENV_BIN,
    ServerConfig,
    auth_lua,
    drop_postgres,
    floor_lua,
    fresh_postgres,
    get_lua,
    lua_file,
    new_secret,
    parse_wrk,
    prepare_database,
    run_wrk,
    start_gunicorn,
    start_wrk,
    vote_lua,
    write_lua,
)

SCENARIOS = (
    "hello",
    "auth_floor",
    "write_floor",
    "vote_floor",
    "vote",
    "thread_anon",
    "thread_user",
    "analysis",
    "mixed",
)
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/kenes_scale_bench"
DEFAULT_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"


def _row(name: str, result: Any, hello_rps: float | None) -> dict[str, Any]:
    row = {"scenario": name, **result.as_dict()}
    if hello_rps:
        row["share_of_hello"] = result.rps / hello_rps
    return row


def _print_row(row: dict[str, Any]) -> None:
    share = row.get("share_of_hello")
    share_text = f"{100 * share:5.1f} %" if share is not None else "      "
    print(
        f"{row['scenario']:<16} {row['rps']:9.1f} req/s  {share_text}  "
        f"p50 {1000 * row['p50']:8.1f} ms  p99 {1000 * row['p99']:8.1f} ms  "
        f"non-2xx {row['non_2xx']}  errors {row['errors']}  {row.get('statuses') or ''}",
        flush=True,
    )


def main() -> None:
    parser = doc_parser(__doc__)
    parser.add_argument(
        "--database-url", default=os.environ.get("KENES_BENCH_DATABASE_URL", DEFAULT_DB)
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("KENES_BENCH_REDIS_URL", ""),
        help="KENES_REDIS_URL of the app (default: none)",
    )
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--worker-class", default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument(
        "--config",
        default=None,
        help="gunicorn config file (default: deploy/gunicorn.conf.py if present; none: no file)",
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--port", type=int, default=8104)
    parser.add_argument("--hello-port", type=int, default=8105)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--label", default="")
    parser.add_argument(
        "--json", type=Path, default=None, help="append the results to this JSON file"
    )
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument(
        "--app-root",
        type=Path,
        default=ROOT,
        help="serve the app from this source tree (e.g. an older commit, for before/after)",
    )
    args = parser.parse_args()

    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")

    if args.config == "none":
        config_file = None
    elif args.config:
        config_file = Path(args.config)
    else:
        config_file = DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None
    config = ServerConfig(config_file=config_file)
    # Explicit flags override the config file (gunicorn: command line beats the file).
    if args.workers is not None or config_file is None:
        config.workers = args.workers or 4
    else:
        config.workers = 0
    config.worker_class = args.worker_class or ("" if config_file else "sync")
    config.threads = args.threads or (0 if config_file else 1)

    url = fresh_postgres(args.database_url)
    secret = new_secret()
    print(f"preparing {url.rsplit('/', 1)[-1]}: demo + {args.accounts} accounts", flush=True)
    fixture = prepare_database(url, accounts=args.accounts, secret_key=secret)

    env = {
        "KENES_DATABASE_URL": url,
        "KENES_SECRET_KEY": secret,
        "KENES_ANALYSIS_ID_KEY": secret,  # the key prepare_database used
        "KENES_LOG_FORMAT": "json",
    }
    if args.redis_url:
        env["KENES_REDIS_URL"] = args.redis_url
    else:
        env["KENES_REDIS_URL"] = ""

    # bench/vote_floor.py is the app of wsgi.py plus one route; the bench folder on the path.
    floors = {"vote_floor", "write_floor", "auth_floor"}
    app_target = "vote_floor:app" if floors & set(scenarios) else "wsgi:app"
    app_env = dict(env, PYTHONPATH=os.pathsep.join([str(args.app_root), str(ROOT / "bench")]))
    app_server = start_gunicorn(config, args.port, app_target, app_env, chdir=args.app_root)
    hello_server = start_gunicorn(config, args.hello_port, "hello:app", {}, chdir=ROOT / "bench")
    worker = _start_worker(app_env, args.app_root) if args.redis_url else None
    effective = _effective_config(app_server.log)
    print(
        f"gunicorn: {effective or config.label()}; load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )

    thread_path = f"/consultations/{fixture.slug}"
    analysis_path = f"/api/v1/consultations/{fixture.consultation_id}/analysis"
    cookie = {"Cookie": f"session={fixture.cookie}"}
    scripts = {
        "hello": (hello_server.url, get_lua("/")),
        "vote": (app_server.url, vote_lua(fixture.tokens, fixture.statement_ids)),
        "vote_floor": (app_server.url, floor_lua(fixture.tokens)),
        "write_floor": (app_server.url, write_lua(fixture.statement_ids)),
        "auth_floor": (app_server.url, auth_lua(fixture.tokens)),
        "thread_anon": (app_server.url, get_lua(thread_path)),
        "thread_user": (app_server.url, get_lua(thread_path, cookie)),
        "analysis": (app_server.url, get_lua(analysis_path)),
    }
    rows: list[dict[str, Any]] = []
    hello_rps: float | None = None
    try:
        for name in scenarios:
            if name == "mixed":
                rows.extend(_mixed(app_server.url, scripts, args, hello_rps))
                continue
            target, source = scripts[name]
            if args.warmup:
                run_wrk(target, source, connections=args.connections, duration=args.warmup)
            result = run_wrk(target, source, connections=args.connections, duration=args.duration)
            if name == "hello":
                hello_rps = result.rps
            row = _row(name, result, hello_rps if name != "hello" else None)
            rows.append(row)
            _print_row(row)
    finally:
        app_server.stop()
        hello_server.stop()
        if worker is not None:
            _stop_worker(worker)
        if not args.keep_database:
            drop_postgres(url)

    if args.json:
        existing = json.loads(args.json.read_text()) if args.json.exists() else []
        existing.append(
            {
                "label": args.label,
                "when": time.strftime("%Y-%m-%d %H:%M:%S"),
                "gunicorn": effective or config.label(),
                "redis": bool(args.redis_url),
                "connections": args.connections,
                "duration_s": args.duration,
                "accounts": args.accounts,
                "results": rows,
            }
        )
        args.json.write_text(json.dumps(existing, indent=2) + "\n")


def _mixed(
    url: str, scripts: dict[str, Any], args: Any, hello_rps: float | None
) -> list[dict[str, Any]]:
    """16 connections voting and 16 reading the analysis, at the same time."""
    half = max(1, args.connections // 2)
    _, vote_source = scripts["vote"]
    _, analysis_source = scripts["analysis"]
    with lua_file(vote_source) as vote_script, lua_file(analysis_source) as analysis_script:
        if args.warmup:
            warm = [
                start_wrk(url, vote_script, connections=half, duration=args.warmup, threads=1),
                start_wrk(url, analysis_script, connections=half, duration=args.warmup, threads=1),
            ]
            for proc in warm:
                proc.communicate()
        procs = {
            "mixed_vote": start_wrk(
                url, vote_script, connections=half, duration=args.duration, threads=1
            ),
            "mixed_analysis": start_wrk(
                url, analysis_script, connections=half, duration=args.duration, threads=1
            ),
        }
        rows = []
        for name, proc in procs.items():
            out, _ = proc.communicate()
            row = _row(name, parse_wrk(out), hello_rps)
            rows.append(row)
            _print_row(row)
    return rows


def _start_worker(env: dict[str, str], app_root: Path) -> subprocess.Popen[bytes]:
    """Start ``kenes worker`` (one process, as in the Procfile) on the app's environment."""
    log = Path(tempfile.mkstemp(prefix="kenes-worker-", suffix=".log")[1])
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(VENV_BIN / "kenes"), "worker", "--concurrency", "1", "--loglevel", "WARNING"],
            cwd=app_root,
            env=dict(os.environ, **env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    print(f"celery worker: pid {proc.pid}, log {log}", flush=True)
    return proc


def _stop_worker(proc: subprocess.Popen[bytes]) -> None:
    """Stop the worker and its pool (its own process group), warm shutdown first."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _effective_config(log: Path) -> str:
    """The worker class and count gunicorn reports in its log."""
    text = log.read_text(errors="replace")
    classes = [line for line in text.splitlines() if "Using worker:" in line]
    booted = sum(1 for line in text.splitlines() if "Booting worker" in line)
    if not classes:
        return ""
    match = re.search(r"Using worker: (\w+)", classes[0])
    label = f"{booted} x {match.group(1) if match else '?'}"
    return label


if __name__ == "__main__":
    main()
