"""The vote path in-process: round trips and time per vote, this tree against another, side by side.

Each variant runs in a child process of its own (one ``consult`` package per process) on a fresh
PostgreSQL database with the demo and ``--accounts`` participants, with the rate limiter's
counters in Redis, and sends ``--votes`` API votes through Flask's test client (no HTTP server,
no gunicorn: only the app's own work). Counted per vote: SQL statements sent (an engine event),
commits, and Redis round trips (requests written to the Redis socket) with their commands; timed
per vote: wall time and this process's CPU time (the steadier of the two on a busy machine).

Usage::

    git archive main | tar -x -C /tmp/kenes-main
    .venv/bin/python bench/vote_path.py --before /tmp/kenes-main --redis-url redis://127.0.0.1:6379/15
    .venv/bin/python bench/vote_path.py --path floor --profile /tmp/floor.prof   # a floor, profiled

``--path`` measures one of the floors of bench/floors.py instead of the vote (the floors are
added to the app of both trees from this tree's bench folder).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from stack import ROOT, drop_postgres, fresh_postgres, new_secret, prepare_database

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/kenes_vote_path_bench"
_COMMAND_NAME = re.compile(rb"\*\d+\r\n\$\d+\r\n([A-Za-z]+)\r\n")


def _request(path: str, statement: int, value: str, i: int) -> tuple[str, dict[str, Any]]:
    """The URL and JSON body of request ``i`` on ``path`` (the vote or one of its floors)."""
    if path == "vote":
        return f"/api/v1/statements/{statement}/vote", {"value": value}
    if path == "write":
        return "/bench/write", {"k": statement, "u": i % 997, "v": 1}
    return f"/bench/{path}", {}


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Run the votes in this process with the app of ``args.app_root``."""
    sys.path.insert(0, str(args.app_root))
    import redis.connection
    from sqlalchemy import event

    url = fresh_postgres(args.database_url)
    secret = new_secret()
    fixture = prepare_database(url, accounts=args.accounts, secret_key=secret)

    from floors import add_floor_routes

    from consult import create_app
    from consult.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": secret,
            "ANALYSIS_ID_KEY": secret,
            "REDIS_URL": args.redis_url,
            "RATELIMIT_STORAGE_URI": None,
            "JOBS_BACKEND": "eager",
        }
    )
    add_floor_routes(app)
    sql: list[int] = []
    commits: list[int] = []
    redis_trips: list[int] = []
    commands: Counter[str] = Counter()
    times: list[float] = []
    cpu: list[float] = []
    current = {"sql": 0, "commits": 0, "redis": 0}

    def on_execute(*_: Any) -> None:
        current["sql"] += 1

    def on_commit(*_: Any) -> None:
        current["commits"] += 1

    send = redis.connection.AbstractConnection.send_packed_command

    def counted_send(self: Any, command: Any, check_health: bool = True) -> None:
        current["redis"] += 1
        packed = command if isinstance(command, bytes) else b"".join(command)
        commands.update(m.decode() for m in _COMMAND_NAME.findall(packed))
        send(self, command, check_health)

    redis.connection.AbstractConnection.send_packed_command = counted_send  # type: ignore[method-assign]
    client = app.test_client()
    values = ("agree", "disagree", "pass")
    statuses: Counter[int] = Counter()
    # CPU time, not wall time: waiting on PostgreSQL or Redis is counted by the other rows.
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    try:
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", on_execute)
            event.listen(db.engine, "commit", on_commit)
        for i in range(args.warmup + args.votes):
            token = fixture.tokens[(i * 7919) % len(fixture.tokens)]
            statement = fixture.statement_ids[(i * 13) % len(fixture.statement_ids)]
            for key in current:
                current[key] = 0
            path, body = _request(args.path, statement, values[i % 3], i)
            measured = profiler is not None and i >= args.warmup
            started = time.perf_counter()
            cpu_started = time.process_time()
            if measured:
                profiler.enable()
            answer = client.put(
                path,
                json=body,
                headers={} if args.path == "write" else {"Authorization": f"Bearer {token}"},
                environ_base={"REMOTE_ADDR": "127.0.0.1"},
            )
            if measured:
                profiler.disable()
            elapsed = time.perf_counter() - started
            cpu_elapsed = time.process_time() - cpu_started
            if i < args.warmup:
                commands.clear()
                continue
            statuses[answer.status_code] += 1
            times.append(elapsed)
            cpu.append(cpu_elapsed)
            sql.append(current["sql"])
            commits.append(current["commits"])
            redis_trips.append(current["redis"])
    finally:
        redis.connection.AbstractConnection.send_packed_command = send  # type: ignore[method-assign]
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_postgres(url)
    if profiler is not None:
        profiler.dump_stats(args.profile)
    return {
        "votes": len(times),
        "statuses": dict(statuses),
        "sql_per_vote": statistics.mean(sql),
        "commits_per_vote": statistics.mean(commits),
        "redis_round_trips_per_vote": statistics.mean(redis_trips),
        "redis_commands_per_vote": {k: v / len(times) for k, v in sorted(commands.items())},
        "ms_per_vote_median": 1000 * statistics.median(times),
        "ms_per_vote_mean": 1000 * statistics.mean(times),
        "cpu_ms_per_vote_median": 1000 * statistics.median(cpu),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--before", type=Path, help="another source tree (e.g. main), measured first"
    )
    parser.add_argument("--app-root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--database-url", default=os.environ.get("KENES_BENCH_DATABASE_URL", DEFAULT_DB)
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("KENES_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    )
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--votes", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument(
        "--path",
        choices=("vote", "floor", "write", "auth"),
        default="vote",
        help="the vote (default) or one of its floors (bench/floors.py)",
    )
    parser.add_argument(
        "--profile", default="", help="write a cProfile of the measured requests to this file"
    )
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args)))
        return

    variants = ([("before", args.before)] if args.before else []) + [("this tree", ROOT)]
    results: dict[str, dict[str, Any]] = {}
    for label, root in variants:
        argv = [sys.executable, __file__, "--child", "--app-root", str(root)]
        argv += ["--database-url", args.database_url, "--redis-url", args.redis_url]
        argv += ["--accounts", str(args.accounts), "--votes", str(args.votes)]
        argv += ["--warmup", str(args.warmup), "--path", args.path]
        if args.profile:
            suffix = ".before" if label == "before" else ""
            argv += ["--profile", args.profile + suffix]
        out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
        results[label] = json.loads(out.strip().splitlines()[-1])
    rows = [
        ("answers", lambda r: " ".join(f"{k}:{v}" for k, v in r["statuses"].items())),
        ("SQL statements / vote", lambda r: f"{r['sql_per_vote']:.2f}"),
        ("commits / vote", lambda r: f"{r['commits_per_vote']:.2f}"),
        ("Redis round trips / vote", lambda r: f"{r['redis_round_trips_per_vote']:.2f}"),
        (
            "Redis commands / vote",
            lambda r: " ".join(f"{k} {v:.2f}" for k, v in r["redis_commands_per_vote"].items()),
        ),
        ("ms / vote (median)", lambda r: f"{r['ms_per_vote_median']:.2f}"),
        ("ms / vote (mean)", lambda r: f"{r['ms_per_vote_mean']:.2f}"),
        ("CPU ms / vote (median)", lambda r: f"{r['cpu_ms_per_vote_median']:.2f}"),
    ]
    print(f"{'':26}" + "".join(f"{label:>28}" for label in results))
    for name, cell in rows:
        print(f"{name:26}" + "".join(f"{cell(r):>28}" for r in results.values()))


if __name__ == "__main__":
    main()
