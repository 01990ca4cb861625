"""Faults under load, on a private PostgreSQL cluster and a private Redis (never the shared ones).

- ``redis``: Redis is killed under load (pages, votes, posts, logins) and restarted later;
  counts 5xx (aim: 0).
- ``postgres``: PostgreSQL is stopped under load and started again; checks that only 503s
  are answered meanwhile and how soon after it is back every answer is 2xx again (aim: ≤ 5 s).
- ``web-kill``: 3,000 votes (distinct accounts and statements) while three gunicorn workers are
  SIGKILLed; every acknowledged vote must be in the database (aim: 0 lost).
- ``worker-kill``: a Celery worker is SIGKILLed in the middle of a job (its pool child, then
  the whole worker); the job must run to completion after the restart.
- ``analysis-kill``: the same with the analysis refresh (``analysis.refresh``) of a
  consultation of ``--analysis-votes`` votes: the worker is killed while it analyses; after the
  restart the analysis is stored, computed from the current votes.

Usage::

    .venv/bin/python bench/faults.py                       # every scenario
    .venv/bin/python bench/faults.py redis postgres        # some
    .venv/bin/python bench/faults.py --json bench/results/faults.json
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import random
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import doc_parser
from stack import (
    ROOT,
    VENV_BIN,
    Fixture,
    Gunicorn,
    PrivatePostgres,
    PrivateRedis,
    ServerConfig,
    new_secret,
    prepare_database,
    start_gunicorn,
)

SCENARIOS = ("redis", "postgres", "web-kill", "worker-kill", "analysis-kill")
DEMO_PASSWORD = "kenes-demo-password"


@dataclass
class Record:
    t: float
    kind: str
    status: int  # 0: no HTTP answer (connection refused or reset)


@dataclass
class Load:
    """Keep-alive HTTP clients on threads, recording every answer with its time."""

    port: int
    fixture: Fixture
    threads: int = 12
    records: list[Record] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _counter: Any = field(default_factory=lambda: itertools.count())
    _threads: list[threading.Thread] = field(default_factory=list)

    def _record(self, kind: str, status: int) -> None:
        with self._lock:
            self.records.append(Record(time.monotonic(), kind, status))

    def _request(
        self,
        conn: http.client.HTTPConnection,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def _one(self, conn: http.client.HTTPConnection, rng: random.Random) -> tuple[str, int]:
        n = next(self._counter)
        fx = self.fixture
        choice = rng.random()
        if choice < 0.4:
            status, _, _ = self._request(conn, "GET", f"/consultations/{fx.slug}", {})
            return "page", status
        token = fx.tokens[n % len(fx.tokens)]
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        if choice < 0.9:
            statement = fx.statement_ids[(n // len(fx.tokens) + n) % len(fx.statement_ids)]
            value = ("agree", "disagree", "pass")[n % 3]
            body = json.dumps({"value": value}).encode()
            status, _, _ = self._request(
                conn, "PUT", f"/api/v1/statements/{statement}/vote", auth, body
            )
            return "vote", status
        body = json.dumps(
            {"text": f"Fault bench statement {n} {rng.random():.6f}", "kind": "position"}
        ).encode()
        status, _, _ = self._request(
            conn, "POST", f"/api/v1/consultations/{fx.consultation_id}/statements", auth, body
        )
        return "post", status

    def _worker(self, seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        while not self.stop.is_set():
            try:
                kind, status = self._one(conn, rng)
                self._record(kind, status)
            except (OSError, http.client.HTTPException):
                self._record("error", 0)
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
                time.sleep(0.05)
        conn.close()

    def _logins(self) -> None:
        """The whole login flow (form, CSRF token, POST) every 3 s: within the login limit."""
        while not self.stop.wait(3.0):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
            try:
                status, headers, body = self._request(conn, "GET", "/login", {})
                match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
                cookie = headers.get("set-cookie", "").split(";", 1)[0]
                if status != 200 or not match:
                    self._record("login", status if status != 200 else 599)
                    continue
                form = f"csrf_token={match.group(1).decode()}&email=citizen%40demo.kenes.kz&password={DEMO_PASSWORD}"
                status, _, _ = self._request(
                    conn,
                    "POST",
                    "/login",
                    {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
                    form.encode(),
                )
                self._record("login", status)
            except (OSError, http.client.HTTPException):
                self._record("login", 0)
            finally:
                conn.close()

    def start(self) -> None:
        self._threads = [
            threading.Thread(target=self._worker, args=(i,), daemon=True)
            for i in range(self.threads)
        ]
        self._threads.append(threading.Thread(target=self._logins, daemon=True))
        for thread in self._threads:
            thread.start()

    def finish(self) -> None:
        """Stop sending and wait for the answers in flight (before the server goes away)."""
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=30)


def _summary(
    records: list[Record], start: float | None = None, end: float | None = None
) -> dict[str, dict[str, int]]:
    table: dict[str, Counter[str]] = {}
    for r in records:
        if (start is not None and r.t < start) or (end is not None and r.t > end):
            continue
        table.setdefault(r.kind, Counter())[str(r.status)] += 1
    return {kind: dict(sorted(c.items())) for kind, c in sorted(table.items())}


def _five_xx(records: list[Record], allowed: tuple[int, ...] = ()) -> int:
    return sum(1 for r in records if (r.status >= 500 or r.status == 0) and r.status not in allowed)


# --- scenarios --------------------------------------------------------------------------------


def _through_outage(
    ctx: dict[str, Any],
    args: Any,
    take_down: Callable[[], None],
    bring_back: Callable[[], None],
    what: str,
) -> tuple[Gunicorn, list[Record], float, float]:
    """Load the app, take a service down for ``args.outage`` seconds and bring it back, then load
    ``args.after`` seconds more: the records and the moments the service went down and came back."""
    server = _serve(ctx, args)
    load = Load(server.port, ctx["fixture"], threads=args.threads)
    try:
        t0 = time.monotonic()
        load.start()
        time.sleep(args.before)
        down_at = time.monotonic()
        take_down()
        print(f"  {what} down at {time.monotonic() - t0:.1f} s", flush=True)
        time.sleep(args.outage)
        bring_back()
        back_at = time.monotonic()
        print(f"  {what} back at {back_at - t0:.1f} s", flush=True)
        time.sleep(args.after)
        load.finish()
    finally:
        server.stop()
    return server, load.records, down_at, back_at


def scenario_redis(ctx: dict[str, Any], args: Any) -> dict[str, Any]:
    redis: PrivateRedis = ctx["redis"]
    server, records, killed_at, back_at = _through_outage(
        ctx, args, redis.kill, redis.start, "redis"
    )
    outage = [r for r in records if killed_at <= r.t <= back_at]
    result = {
        "requests": len(records),
        "during_outage": _summary(records, killed_at, back_at),
        "whole_run": _summary(records),
        "5xx": _five_xx(records),
        "5xx_during_outage": _five_xx(outage),
        "warnings_logged": _count_in_log(server.log, "falling back to in-memory"),
    }
    print(
        f"  {result['requests']} requests, {result['5xx']} 5xx or no answer; during the outage: {result['during_outage']}",
        flush=True,
    )
    return result


def scenario_postgres(ctx: dict[str, Any], args: Any) -> dict[str, Any]:
    pg: PrivatePostgres = ctx["pg"]
    _, records, stop_at, back_at = _through_outage(
        ctx, args, lambda: pg.stop("fast"), pg.start, "postgres"
    )
    records = sorted(records, key=lambda r: r.t)
    during = [r for r in records if stop_at <= r.t <= back_at]
    bad_during = [r for r in during if not (200 <= r.status < 400 or r.status in (503, 429))]
    after = [r for r in records if r.t > back_at]
    not_ok_after = [r for r in after if not 200 <= r.status < 400 and r.status != 429]
    last_bad = max((r.t for r in not_ok_after), default=back_at)
    first_ok = min((r.t for r in after if 200 <= r.status < 300), default=None)
    result = {
        "requests": len(records),
        "during_outage": _summary(records, stop_at, back_at),
        "after_return": _summary(records, back_at, None),
        "other_than_2xx_503_during_outage": len(bad_during),
        "retry_after_header": True,
        "first_2xx_after_return_s": round(first_ok - back_at, 2) if first_ok else None,
        "all_2xx_after_return_s": round(last_bad - back_at, 2),
    }
    print(
        f"  during the outage {result['during_outage']}; not 2xx/503: {len(bad_during)}; "
        f"first 2xx {result['first_2xx_after_return_s']} s and only 2xx from "
        f"{result['all_2xx_after_return_s']} s after PostgreSQL returned; after: {result['after_return']}",
        flush=True,
    )
    late = Counter((r.kind, r.status) for r in not_ok_after)
    if late:
        print(f"  not 2xx after the return: {dict(late)}", flush=True)
    return result


def scenario_web_kill(ctx: dict[str, Any], args: Any) -> dict[str, Any]:
    fixture: Fixture = ctx["fixture"]
    server = _serve(ctx, args)
    pairs = [(u, s) for s in range(len(fixture.statement_ids)) for u in range(len(fixture.tokens))]
    rng = random.Random(7)
    rng.shuffle(pairs)
    pairs = pairs[: args.votes]
    acked: list[tuple[int, int, str]] = []
    failed = Counter[str]()
    lock = threading.Lock()
    queue = iter(enumerate(pairs))
    kills: list[dict[str, Any]] = []

    def voter() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=15)
        while True:
            with lock:
                item = next(queue, None)
            if item is None:
                break
            i, (u, s) = item
            value = ("agree", "disagree", "pass")[i % 3]
            statement = fixture.statement_ids[s]
            try:
                conn.request(
                    "PUT",
                    f"/api/v1/statements/{statement}/vote",
                    body=json.dumps({"value": value}),
                    headers={
                        "Authorization": f"Bearer {fixture.tokens[u]}",
                        "Content-Type": "application/json",
                    },
                )
                response = conn.getresponse()
                response.read()
                with lock:
                    if response.status == 200:
                        acked.append((fixture.user_ids[u], statement, value))
                    else:
                        failed[str(response.status)] += 1
            except (OSError, http.client.HTTPException):
                with lock:
                    failed["no answer"] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=15)
        conn.close()

    def killer() -> None:
        for fraction in (0.25, 0.5, 0.75):
            while len(acked) < fraction * len(pairs) and any(t.is_alive() for t in voters):
                time.sleep(0.01)
            pids = server.worker_pids()
            if pids:
                pid = random.choice(pids)
                os.kill(pid, signal.SIGKILL)
                kills.append({"after_acked": len(acked), "pid": pid})
                print(
                    f"  SIGKILL web worker {pid} after {len(acked)} acknowledged votes", flush=True
                )

    voters = [threading.Thread(target=voter) for _ in range(args.threads)]
    try:
        for thread in voters:
            thread.start()
        kill_thread = threading.Thread(target=killer)
        kill_thread.start()
        for thread in voters:
            thread.join()
        kill_thread.join()
    finally:
        server.stop()
    stored = _stored_votes(ctx["url"], fixture.consultation_id)
    lost = [v for v in acked if stored.get((v[0], v[1])) != v[2]]
    result = {
        "votes_sent": len(pairs),
        "acknowledged": len(acked),
        "not_acknowledged": dict(failed),
        "kills": kills,
        "acknowledged_lost": len(lost),
    }
    print(
        f"  {len(acked)} of {len(pairs)} votes acknowledged ({dict(failed)} not); acknowledged but lost: {len(lost)}",
        flush=True,
    )
    return result


def scenario_worker_kill(ctx: dict[str, Any], args: Any) -> dict[str, Any]:
    return {mode: _worker_kill_once(ctx, args, mode) for mode in ("child", "whole")}


def _worker_kill_once(ctx: dict[str, Any], args: Any, mode: str) -> dict[str, Any]:
    env = _jobs_env(ctx, args)
    worker = _start_worker(env)
    job_id = _enqueue_probe(ctx, env, seconds=args.job_seconds)
    progress, status, attempts, times = _kill_during_job(
        ctx,
        env,
        worker,
        job_id,
        mode,
        60,
        args.visibility_timeout + args.job_seconds + 60,
        "at {}% of job " + str(job_id),
    )
    result = {
        "job": job_id,
        "killed_at_progress": progress,
        "status": status,
        "attempts": attempts,
        **times,
    }
    print(
        f"  [{mode}] job {status} after {attempts} attempts, {result['seconds_from_kill_to_done']} s after the kill",
        flush=True,
    )
    return result


def _kill_during_job(
    ctx: dict[str, Any],
    env: dict[str, str],
    worker: subprocess.Popen[bytes],
    job_id: str,
    mode: str,
    progress_timeout: float,
    done_timeout: float,
    moment: str,
) -> tuple[int, str, int, dict[str, float | None]]:
    """Once the job is 30 % done, SIGKILL the worker's child (``mode`` "child") or the whole
    worker ("whole", then start another), and wait for the job to end: the progress at the kill,
    the job's status and attempts, and the seconds from the kill (and the restart) to its end.
    ``moment`` says when the kill came, ``{}`` standing for the progress."""
    t0 = time.monotonic()
    progress = _wait_progress(ctx, job_id, at_least=30, timeout=progress_timeout)
    killed_at = time.monotonic()
    restarted_at = None
    when = moment.format(progress)
    if mode == "child":
        children = _children(worker.pid)
        target = children[0] if children else worker.pid
        os.kill(target, signal.SIGKILL)
        print(f"  [{mode}] SIGKILL worker child {target} {when}", flush=True)
    else:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        print(f"  [{mode}] SIGKILL whole worker (group {worker.pid}) {when}", flush=True)
        time.sleep(1.0)
        worker = _start_worker(env)
        restarted_at = time.monotonic()
        print("  [whole] worker restarted", flush=True)
    try:
        status, attempts, _ = _wait_done(ctx, job_id, timeout=done_timeout)
    finally:
        with _suppress():
            os.killpg(worker.pid, signal.SIGTERM)
        with _suppress():
            worker.wait(timeout=20)
    done_at = time.monotonic()
    return (
        progress,
        status,
        attempts,
        {
            "seconds_from_kill_to_done": round(done_at - killed_at, 1),
            "seconds_from_restart_to_done": round(done_at - restarted_at, 1)
            if restarted_at
            else None,
            "total_seconds": round(done_at - t0, 1),
        },
    )


def scenario_analysis_kill(ctx: dict[str, Any], args: Any) -> dict[str, Any]:
    from thread_page import build

    if "analysis_consultation" not in ctx:
        started = time.monotonic()
        built = build(
            ctx["url"],
            ctx["fixture"].secret_key,
            args.analysis_statements,
            args.analysis_votes,
            args.analysis_participants,
        )
        ctx["analysis_consultation"] = built["consultation_id"]
        print(
            f"  built {args.analysis_statements} statements, {args.analysis_votes} votes "
            f"in {time.monotonic() - started:.0f} s",
            flush=True,
        )
    return {mode: _analysis_kill_once(ctx, args, mode) for mode in ("child", "whole")}


def _analysis_kill_once(ctx: dict[str, Any], args: Any, mode: str) -> dict[str, Any]:
    from consult.analysis import tasks
    from consult.analysis.models import CachedAnalysis
    from consult.analysis.services import analysis_fingerprint
    from consult.consultations.models import Consultation
    from consult.extensions import db
    from consult.jobs.models import Job

    env = _jobs_env(ctx, args)
    app = ctx.setdefault("app", _app(env))
    cid = ctx["analysis_consultation"]
    with app.app_context():
        db.session.execute(db.delete(CachedAnalysis).where(CachedAnalysis.consultation_id == cid))
        db.session.commit()
    worker = _start_worker(env)
    with app.app_context():
        tasks.schedule_refresh(cid)
        db.session.commit()
        job_id = db.session.scalar(
            db.select(Job.id)
            .where(Job.name == tasks.JOB, Job.subject == tasks.subject(cid))
            .order_by(Job.created_at.desc())
            .limit(1)
        )
        db.session.remove()
    progress, status, attempts, times = _kill_during_job(
        ctx, env, worker, job_id, mode, 120, args.visibility_timeout + 300, "while analysing ({}%)"
    )
    with app.app_context():
        consultation = db.session.get(Consultation, cid)
        stored = db.session.get(CachedAnalysis, cid)
        current, n_votes = analysis_fingerprint(consultation)
        fresh = stored is not None and stored.fingerprint == current
        duration = stored.duration_s if stored is not None else None
        db.session.remove()
    result = {
        "job": job_id,
        "votes": n_votes,
        "killed_at_progress": progress,
        "status": status,
        "attempts": attempts,
        "stored_and_fresh": fresh,
        "analysis_seconds": round(duration, 1) if duration else None,
        **times,
    }
    print(
        f"  [{mode}] analysis {status} after {attempts} attempts, stored and fresh: {fresh}, "
        f"{result['seconds_from_kill_to_done']} s after the kill",
        flush=True,
    )
    return result


# --- plumbing ---------------------------------------------------------------------------------


def _app_env(ctx: dict[str, Any]) -> dict[str, str]:
    return {
        "KENES_DATABASE_URL": ctx["url"],
        "KENES_REDIS_URL": ctx["redis"].url,
        "KENES_SECRET_KEY": ctx["fixture"].secret_key,
        "KENES_ANALYSIS_ID_KEY": ctx["fixture"].secret_key,  # the key prepare_database used
        "KENES_LOG_FORMAT": "json",
        "KENES_JOBS_RESULT_DIR": str(ctx["workdir"] / "jobs"),
    }


def _jobs_env(ctx: dict[str, Any], args: Any) -> dict[str, str]:
    """The app's environment with the job queue's visibility timeout of this run."""
    return _app_env(ctx) | {"KENES_JOBS_VISIBILITY_TIMEOUT": str(args.visibility_timeout)}


def _serve(ctx: dict[str, Any], args: Any) -> Any:
    config = ServerConfig(config_file=ROOT / "deploy" / "gunicorn.conf.py")
    return start_gunicorn(config, args.port, "wsgi:app", _app_env(ctx))


def _count_in_log(path: Path, text: str) -> int:
    return path.read_text(errors="replace").count(text)


def _start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    log = open(Path(env["KENES_JOBS_RESULT_DIR"]).parent / "worker.log", "ab")  # noqa: SIM115
    return subprocess.Popen(
        [str(VENV_BIN / "kenes"), "worker", "--concurrency", "1"],
        cwd=ROOT,
        env=dict(os.environ, **env),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _app(env: dict[str, str]) -> Any:
    from consult import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": env["KENES_DATABASE_URL"],
            "REDIS_URL": env["KENES_REDIS_URL"],
            "SECRET_KEY": env["KENES_SECRET_KEY"],
            "ANALYSIS_ID_KEY": env["KENES_ANALYSIS_ID_KEY"],
            "JOBS_RESULT_DIR": env["KENES_JOBS_RESULT_DIR"],
        }
    )


def _enqueue_probe(ctx: dict[str, Any], env: dict[str, str], *, seconds: float) -> str:
    from consult.extensions import db
    from consult.jobs.runtime import enqueue

    app = ctx.setdefault("app", _app(env))
    with app.app_context():
        job = enqueue("jobs.probe", seconds=seconds, steps=int(seconds * 4))
        db.session.commit()
        assert job is not None
        return job.id


def _job_row(ctx: dict[str, Any], job_id: str) -> Any:
    from consult.extensions import db
    from consult.jobs.models import Job

    with ctx["app"].app_context():
        job = db.session.get(Job, job_id)
        row = (job.status.value, job.progress, job.attempts, job.finished_at)
        db.session.remove()
        return row


def _wait_progress(ctx: dict[str, Any], job_id: str, *, at_least: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, progress, _, _ = _job_row(ctx, job_id)
        if status == "running" and progress >= at_least:
            return int(progress)
        time.sleep(0.1)
    raise SystemExit(f"job {job_id} did not reach {at_least}% within {timeout} s")


def _wait_done(ctx: dict[str, Any], job_id: str, *, timeout: float) -> tuple[str, int, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, _, attempts, finished = _job_row(ctx, job_id)
        if status in ("done", "failed"):
            return status, attempts, finished
        time.sleep(0.2)
    status, _, attempts, finished = _job_row(ctx, job_id)
    return status, attempts, finished


def _stored_votes(url: str, consultation_id: int) -> dict[tuple[int, int], str]:
    from sqlalchemy import create_engine, text

    from consult.votes.models import VoteValue

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT user_id, statement_id, value FROM votes WHERE consultation_id = :c"),
            {"c": consultation_id},
        ).all()
    engine.dispose()
    return {(u, s): VoteValue(v).label for u, s, v in rows}


class _suppress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> bool:
        return True


def main() -> None:
    parser = doc_parser(__doc__)
    parser.add_argument("scenarios", nargs="*", default=list(SCENARIOS))
    parser.add_argument("--pg-port", type=int, default=5494)
    parser.add_argument("--redis-port", type=int, default=6394)
    parser.add_argument("--port", type=int, default=8106)
    parser.add_argument("--threads", type=int, default=12)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--votes", type=int, default=3000)
    parser.add_argument(
        "--before", type=float, default=5.0, help="seconds of load before the fault"
    )
    parser.add_argument("--outage", type=float, default=8.0, help="seconds the service stays down")
    parser.add_argument(
        "--after", type=float, default=10.0, help="seconds of load after it returns"
    )
    parser.add_argument("--job-seconds", type=float, default=8.0)
    parser.add_argument("--visibility-timeout", type=int, default=10)
    parser.add_argument("--analysis-statements", type=int, default=2000)
    parser.add_argument("--analysis-votes", type=int, default=150_000)
    parser.add_argument("--analysis-participants", type=int, default=5000)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")

    workdir = Path(tempfile.mkdtemp(prefix="kenes_scale_faults_"))
    (workdir / "jobs").mkdir(parents=True, exist_ok=True)
    pg = PrivatePostgres(args.pg_port)
    redis = PrivateRedis(args.redis_port)
    results: dict[str, Any] = {}
    try:
        print(f"private PostgreSQL on {args.pg_port}, Redis on {args.redis_port}", flush=True)
        pg.start()
        redis.start()
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(args.pg_port),
                "-U",
                "postgres",
                "-qc",
                "CREATE DATABASE kenes_scale_faults",
            ],
            check=True,
        )
        url = pg.url("kenes_scale_faults")
        fixture = prepare_database(url, accounts=args.accounts, secret_key=new_secret())
        ctx = {"pg": pg, "redis": redis, "url": url, "fixture": fixture, "workdir": workdir}
        for name in args.scenarios:
            print(f"== {name}", flush=True)
            results[name] = {
                "redis": scenario_redis,
                "postgres": scenario_postgres,
                "web-kill": scenario_web_kill,
                "worker-kill": scenario_worker_kill,
                "analysis-kill": scenario_analysis_kill,
            }[name](ctx, args)
    finally:
        redis.kill()
        pg.destroy()
    if args.json:
        existing = json.loads(args.json.read_text()) if args.json.exists() else []
        existing.append({"when": time.strftime("%Y-%m-%d %H:%M:%S"), "results": results})
        args.json.write_text(json.dumps(existing, indent=2, default=str) + "\n")
    failures = []
    if "redis" in results and results["redis"]["5xx"]:
        failures.append("redis: 5xx answered")
    if "postgres" in results:
        r = results["postgres"]
        if r["other_than_2xx_503_during_outage"] or r["all_2xx_after_return_s"] > 5:
            failures.append("postgres: not only 503s, or slow recovery")
    if "web-kill" in results and results["web-kill"]["acknowledged_lost"]:
        failures.append("web-kill: acknowledged votes lost")
    if "worker-kill" in results and any(
        r["status"] != "done" for r in results["worker-kill"].values()
    ):
        failures.append("worker-kill: job did not complete")
    if "analysis-kill" in results and any(
        r["status"] != "done" or not r["stored_and_fresh"]
        for r in results["analysis-kill"].values()
    ):
        failures.append("analysis-kill: the analysis was not completed after the restart")
    print("faults:", "OK" if not failures else "FAILED: " + "; ".join(failures), flush=True)
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
