"""Helpers shared by bench/web.py and bench/faults.py: databases, accounts, servers, wrk.

Everything runs on this machine (loopback only): gunicorn serving ``wsgi:app`` and the bare
``bench/hello.py`` on the same configuration, private PostgreSQL clusters and Redis servers on
ports of their own, and wrk as the load generator.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import insert_accounts

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
sys.path.insert(0, str(ROOT))


def ensure_wrk() -> str:
    """Return the wrk binary, installing the Debian package when missing (as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, env=env)
        found = shutil.which("wrk")
        if not found:
            subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
            found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is missing: install the Debian package wrk")
    return found


def pg_url(url: str, database: str | None = None) -> str:
    """Normalise a PostgreSQL URL to psycopg 3, optionally naming another database."""
    from sqlalchemy import make_url

    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if database:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def fresh_postgres(url: str) -> str:
    """Drop and create the database named by ``url``; return the normalised URL."""
    from sqlalchemy import create_engine, make_url, text

    url = pg_url(url)
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    return url


def drop_postgres(url: str) -> None:
    """Drop the database named by ``url`` (if it exists)."""
    from sqlalchemy import create_engine, make_url, text

    parsed = make_url(pg_url(url))
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


@dataclass
class Fixture:
    """What the load scripts need: ids, tokens and a session cookie."""

    consultation_id: int
    slug: str
    statement_ids: list[int]
    tokens: list[str]
    user_ids: list[int]
    cookie: str
    secret_key: str


def prepare_database(url: str, *, accounts: int, secret_key: str) -> Fixture:
    """Migrate, seed the demo, create ``accounts`` participants with API tokens."""
    from flask import session
    from flask_login import login_user
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from consult import create_app
    from consult.auth.models import ApiToken, Role, User
    from consult.consultations.demo import DEMO_SLUG, seed_demo
    from consult.consultations.models import Consultation
    from consult.extensions import db
    from consult.security import hash_token, new_token
    from consult.statements.models import Statement, StatementStatus
    from consult.types import utcnow

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret_key, "ANALYSIS_ID_KEY": secret_key}
    )
    with app.app_context():
        upgrade()
        seed_demo(if_empty=True)
        db.session.commit()
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == DEMO_SLUG))
        assert consultation is not None
        statement_ids = list(
            db.session.scalars(
                select(Statement.id)
                .where(
                    Statement.consultation_id == consultation.id,
                    Statement.status == StatementStatus.visible,
                )
                .order_by(Statement.id)
            )
        )
        now = utcnow()
        # A week old: the stricter limits of new accounts do not apply.
        created = now.replace(year=now.year - 1)
        user_ids = insert_accounts(
            db.session, User, Role.participant, accounts, created, *BENCH_ACCOUNT
        )
        tokens = [new_token() for _ in user_ids]
        db.session.execute(
            insert(ApiToken),
            [
                {
                    "user_id": uid,
                    "name": "bench",
                    "token_hash": hash_token(tok),
                    "prefix": tok[:10],
                    "created_at": now,
                    "last_used_at": now,
                }
                for uid, tok in zip(user_ids, tokens, strict=True)
            ],
        )
        citizen = db.session.scalar(select(User).where(User.email == "citizen@demo.kenes.kz"))
        db.session.commit()
        assert citizen is not None
        with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
            login_user(citizen)  # opens a server-side session (auth/sessions.py)
            serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
            cookie = serializer.dumps(dict(session))
        db.session.commit()  # the session row: without it the cookie names no open session
        check_signed_in(app, cookie)
        fixture = Fixture(
            consultation.id, consultation.slug, statement_ids, tokens, user_ids, cookie, secret_key
        )
        db.session.remove()
        db.engine.dispose()
    return fixture


def check_signed_in(app: Any, cookie: str) -> None:
    """Fail unless the app accepts the cookie as a signed-in session (not the anonymous page)."""
    client = app.test_client()
    client.set_cookie("session", cookie, domain="localhost")
    answer = client.get("/account", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    if answer.status_code != 200:
        raise SystemExit(
            f"the benchmark session cookie is not signed in: /account answered "
            f"{answer.status_code} {answer.headers.get('Location', '')}"
        )


def wait_http(url: str, timeout: float = 30.0, proc: subprocess.Popen[Any] | None = None) -> None:
    """Wait until ``url`` answers (any HTTP status); give up early if ``proc`` exits."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
                return
        except urllib.error.HTTPError:
            return
        except OSError as exc:
            last = exc
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s: {last}")


def port_free(port: int) -> bool:
    """Tell whether nothing listens on 127.0.0.1:port."""
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@dataclass
class Gunicorn:
    """A gunicorn master started by :func:`start_gunicorn`."""

    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        """The pids of the master's worker processes."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(p) for p in children.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class ServerConfig:
    """One gunicorn configuration, used for the app and for the bare hello alike."""

    workers: int = 4
    worker_class: str = "sync"
    threads: int = 1
    config_file: Path | None = None
    extra: list[str] = field(default_factory=list)

    def argv(self, port: int) -> list[str]:
        argv = [str(VENV_BIN / "gunicorn")]
        if self.config_file is not None:
            argv += ["-c", str(self.config_file)]
        argv += ["-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"]
        # Unset (0 or ""): the config file's value.
        if self.workers:
            argv += ["-w", str(self.workers)]
        if self.worker_class:
            argv += ["-k", self.worker_class]
        if self.threads:
            argv += ["--threads", str(self.threads)]
        return [*argv, *self.extra]

    def label(self) -> str:
        label = f"{self.workers} {self.worker_class}"
        if self.worker_class == "gthread":
            label += f" x{self.threads} threads"
        return label


def start_gunicorn(
    config: ServerConfig, port: int, target: str, env: dict[str, str], *, chdir: Path = ROOT
) -> Gunicorn:
    """Start gunicorn serving ``target`` on 127.0.0.1:port and wait until it answers."""
    if not port_free(port):
        raise SystemExit(f"port {port} is in use")
    log = Path(tempfile.mkstemp(prefix=f"kenes-gunicorn-{port}-", suffix=".log")[1])
    full_env = dict(os.environ, **env)
    with log.open("wb") as out:
        # cwd is the served tree too: gunicorn puts its working directory first on sys.path
        # (before --chdir and PYTHONPATH), so cwd=ROOT served this checkout's code whatever
        # --app-root said.
        proc = subprocess.Popen(
            [*config.argv(port), "--chdir", str(chdir), target],
            cwd=chdir,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Gunicorn(proc, port, log)
    try:
        wait_http(server.url + "/", timeout=60, proc=proc)
    except RuntimeError:
        server.stop()
        raise SystemExit(f"gunicorn did not start; see {log}:\n{log.read_text()[-3000:]}") from None
    return server


# --- wrk ------------------------------------------------------------------------------------

_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _seconds(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    if not match:
        raise ValueError(value)
    return float(match.group(1)) * _UNITS[match.group(2)]


@dataclass
class WrkResult:
    """What one wrk run measured."""

    requests: int
    rps: float
    p50: float
    p99: float
    non_2xx: int
    errors: int
    statuses: dict[str, int]
    raw: str

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data.pop("raw")
        return data


def parse_wrk(output: str) -> WrkResult:
    """Read requests/s, percentiles and errors from ``wrk --latency`` output."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    p50 = _seconds(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = _seconds(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    non_2xx_match = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = 0
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket_errors:
        errors = sum(int(x) for x in socket_errors.groups())
    statuses = {
        m.group(1): int(m.group(2)) for m in re.finditer(r"^status (\d+): (\d+)$", output, re.M)
    }
    return WrkResult(
        requests=requests,
        rps=rps,
        p50=p50,
        p99=p99,
        non_2xx=int(non_2xx_match.group(1)) if non_2xx_match else 0,
        errors=errors,
        statuses=statuses,
        raw=output,
    )


# A wrk script that counts statuses per thread and prints them when done.
STATUS_LUA = """
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for k, v in pairs(s) do total[k] = (total[k] or 0) + v end
  end
  for k, v in pairs(total) do io.write(string.format("status %d: %d\\n", k, v)) end
end
"""


def lua_list(values: list[Any]) -> str:
    """A Lua table literal of strings."""
    return "{" + ",".join(f'"{v}"' for v in values) + "}"


def vote_lua(tokens: list[str], statement_ids: list[int]) -> str:
    """A wrk script voting with rotating accounts and statements (PUT .../vote, bearer token)."""
    return (
        f"local tokens = {lua_list(tokens)}\n"
        f"local statements = {lua_list(statement_ids)}\n"
        + """
local values = {"agree", "disagree", "pass"}
local counter = 0
request = function()
  counter = counter + 1
  local i = (tonumber(id) or 0) * 7919 + counter * 13
  local tok = tokens[(i % #tokens) + 1]
  local st = statements[(math.floor(counter / #tokens) + i) % #statements + 1]
  local body = '{"value": "' .. values[(counter % 3) + 1] .. '"}'
  return wrk.format("PUT", "/api/v1/statements/" .. st .. "/vote",
    {["Authorization"] = "Bearer " .. tok, ["Content-Type"] = "application/json"}, body)
end
"""
        + STATUS_LUA
    )


def floor_lua(tokens: list[str]) -> str:
    """A wrk script for ``PUT /bench/floor`` (bench/vote_floor.py), rotating accounts."""
    return (
        f"local tokens = {lua_list(tokens)}\n"
        + """
local counter = 0
request = function()
  counter = counter + 1
  local tok = tokens[((tonumber(id) or 0) * 7919 + counter * 13) % #tokens + 1]
  return wrk.format("PUT", "/bench/floor",
    {["Authorization"] = "Bearer " .. tok, ["Content-Type"] = "application/json"}, "{}")
end
"""
        + STATUS_LUA
    )


def write_lua(statement_ids: list[int]) -> str:
    """A wrk script for ``PUT /bench/write`` (bench/floors.py): the vote's keys, no token."""
    return (
        f"local statements = {lua_list(statement_ids)}\n"
        + """
local counter = 0
request = function()
  counter = counter + 1
  local i = (tonumber(id) or 0) * 7919 + counter * 13
  local st = statements[(math.floor(counter / 500) + i) % #statements + 1]
  local body = '{"k": ' .. st .. ', "u": ' .. (i % 2000) .. ', "v": ' .. (counter % 3) .. '}'
  return wrk.format("PUT", "/bench/write", {["Content-Type"] = "application/json"}, body)
end
"""
        + STATUS_LUA
    )


def auth_lua(tokens: list[str]) -> str:
    """A wrk script for ``PUT /bench/auth`` (bench/floors.py), rotating accounts."""
    return floor_lua(tokens).replace('"/bench/floor"', '"/bench/auth"')


def get_lua(path: str, headers: dict[str, str] | None = None) -> str:
    """A wrk script for GET ``path`` with fixed headers, counting statuses."""
    pairs = ",".join(f'["{k}"] = "{v}"' for k, v in (headers or {}).items())
    return (
        f'local path = "{path}"\nlocal headers = {{{pairs}}}\n'
        + 'request = function() return wrk.format("GET", path, headers) end\n'
        + STATUS_LUA
    )


@contextlib.contextmanager
def lua_file(source: str) -> Iterator[Path]:
    """Write a wrk script to a temporary file."""
    fd, name = tempfile.mkstemp(prefix="kenes-wrk-", suffix=".lua")
    path = Path(name)
    with os.fdopen(fd, "w") as out:
        out.write(source)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def start_wrk(
    url: str, script: Path, *, connections: int, duration: float, threads: int = 2
) -> subprocess.Popen[str]:
    """Start wrk in the background (read its output with ``communicate``)."""
    threads = max(1, min(threads, connections))
    argv = [
        ensure_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{int(duration)}s",
        "--timeout",
        "30s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def run_wrk(
    url: str, script_source: str, *, connections: int, duration: float, threads: int = 2
) -> WrkResult:
    """Run wrk to completion and parse its output."""
    with lua_file(script_source) as script:
        proc = start_wrk(url, script, connections=connections, duration=duration, threads=threads)
        out, _ = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed: {out}")
    return parse_wrk(out)


def new_secret() -> str:
    """A random session-signing key for a benchmark server."""
    return secrets.token_urlsafe(32)


# --- private PostgreSQL and Redis (fault tests stop and kill them) ---------------------------


def _as_postgres(argv: list[str]) -> list[str]:
    """Run a PostgreSQL server binary as the postgres user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


class PrivatePostgres:
    """A throw-away PostgreSQL cluster of our own (initdb under /tmp), on its own port."""

    def __init__(self, port: int = 5494, root: Path | None = None) -> None:
        self.port = port
        self.root = root or Path(tempfile.gettempdir()) / f"kenes_scale_pg_{port}"
        self.data = self.root / "data"
        self.log = self.root / "server.log"

    def _bin(self, name: str) -> str:
        found = shutil.which(name)
        if found:
            return found
        for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
            return str(candidate)
        raise SystemExit(f"{name} is missing: install PostgreSQL's server package")

    def start(self) -> None:
        if not (self.data / "PG_VERSION").exists():
            self.root.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(self.root, "postgres", "postgres")
            subprocess.run(
                _as_postgres(
                    [
                        self._bin("initdb"),
                        "-D",
                        str(self.data),
                        "-A",
                        "trust",
                        "-U",
                        "postgres",
                        "--no-sync",
                    ]
                ),
                check=True,
                stdout=subprocess.DEVNULL,
            )
        subprocess.run(
            _as_postgres(
                [
                    self._bin("pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-w",
                    "-o",
                    f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
                    "start",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            _as_postgres([self._bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]),
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def is_ready(self) -> bool:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", self.port)) != 0:
                return False
        result = subprocess.run(
            [self._bin("pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"], check=False
        )
        return result.returncode == 0

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


#: The name and e-mail address of the load accounts (formats of their index).
BENCH_ACCOUNT = ("Bench {i}", "bench-{i}@bench.kenes.kz")

#: A redis-server that keeps nothing on disk (bind to loopback, no snapshots, no append log).
REDIS_EPHEMERAL = ("--bind", "127.0.0.1", "--save", "", "--appendonly", "no")


class PrivateRedis:
    """A redis-server of our own on its own port, nothing persisted."""

    def __init__(self, port: int = 6394) -> None:
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("redis-server is missing: install the Debian package redis-server")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), *REDIS_EPHEMERAL],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and port_free(self.port):
            time.sleep(0.05)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
