"""Round trips of one vote: SQL statements and Redis commands, counted per request.

The vote endpoint runs on the request path of every participant: its cost is its round trips.
These tests count them on the stack of production (the rate limiter's counters in Redis).
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import redis
import redis.connection
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import event, func, select
from werkzeug.test import TestResponse

from consult.auth import services as auth_services
from consult.auth.models import BlockKind, Role, User
from consult.auth.standing import restrict_account
from consult.consultations.versions import content_version
from consult.extensions import db
from consult.ratelimits import SCRIPTED_REDIS_PREFIX, ScriptedRedisStorage
from consult.statements.models import Statement
from consult.types import utcnow
from consult.votes.models import Vote
from tests.conftest import SeedTemplates, is_postgres
from tests.servers import private_redis_server

#: The name of each command in a packed request (RESP: an array whose first bulk string is it).
_COMMAND_NAME = re.compile(rb"\*\d+\r\n\$\d+\r\n([A-Za-z]+)\r\n")


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A redis-server of this module alone, on a free port."""
    binary = shutil.which("redis-server")
    assert binary is not None, "the round-trip tests need the redis-server binary"
    with private_redis_server(binary) as (url, _):
        yield url


@pytest.fixture
def app_config(redis_url: str, seed_templates: SeedTemplates) -> dict[str, Any]:
    """Rate limits on, counted in Redis (as in production), from empty counters."""
    if not seed_templates.postgres:
        # Built at first use by an app of its own, which would re-configure the shared limiter
        # after this test's app: built now, before it.
        seed_templates.get("empty")
    redis.Redis.from_url(redis_url).flushdb()
    return {"REDIS_URL": redis_url, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": None}


@dataclass
class RoundTrips:
    """What one block of code sent: SQL statements, commits, Redis round trips and commands."""

    sql: list[str] = field(default_factory=list)
    commits: int = 0
    redis_round_trips: int = 0
    redis_commands: list[str] = field(default_factory=list)


@contextmanager
def round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[RoundTrips]:
    """Count the SQL statements (and commits) and the Redis round trips of the block."""
    seen = RoundTrips()

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.sql.append(" ".join(statement.split()))

    def on_commit(conn: Any) -> None:
        seen.commits += 1

    send = redis.connection.AbstractConnection.send_packed_command

    def counted_send(self: Any, command: Any, check_health: bool = True) -> None:
        seen.redis_round_trips += 1
        packed = command if isinstance(command, bytes) else b"".join(command)
        seen.redis_commands += [m.decode() for m in _COMMAND_NAME.findall(packed)]
        send(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counted_send)
    event.listen(db.engine, "before_cursor_execute", on_execute)
    event.listen(db.engine, "commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)
        event.remove(db.engine, "commit", on_commit)
        monkeypatch.undo()


@dataclass
class Voter:
    """Votes through the API as one participant, from a fresh session (nothing cached)."""

    client: FlaskClient
    token: str
    statement_id: int
    user_id: int = 0

    def vote(self, value: str) -> TestResponse:
        db.session.commit()
        db.session.expunge_all()  # the request loads what it needs, as in production
        g.pop("_login_user", None)
        return self.client.put(
            f"/api/v1/statements/{self.statement_id}/vote",
            json={"value": value},
            headers={"Authorization": f"Bearer {self.token}"},
        )


@pytest.fixture
def voter(
    client: FlaskClient,
    participant: User,
    create_token: Callable[[User], str],
    create_statement: Callable[..., Statement],
) -> Voter:
    statement = create_statement()
    return Voter(client, create_token(participant), statement.id, participant.id)


def test_api_vote_is_three_sql_statements_one_commit_and_one_redis_round_trip(
    voter: Voter, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert voter.vote("agree").status_code == 200  # the token's last use is recorded here
    with round_trips(monkeypatch) as seen:
        response = voter.vote("disagree")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["votes"] == {"agree": 0, "disagree": 1, "pass": 0}
    # The token with its owner and standing; the statement with its consultation; then on
    # PostgreSQL the upsert, the content-version bump and the counts in one statement (three
    # statements elsewhere); one commit.
    statements = 3 if is_postgres() else 5
    assert len(seen.sql) == statements, seen.sql
    assert seen.sql[0].startswith("SELECT api_tokens.id") and "user_blocks" in seen.sql[0]
    assert not any(s.startswith("SELECT user_blocks") for s in seen.sql)
    assert seen.commits == 1
    # The rate limit: one EVALSHA counts the vote and answers what the headers need.
    assert seen.redis_commands == ["EVALSHA"], (seen, dict(response.headers))
    assert seen.redis_round_trips == 1
    limit = int(response.headers["X-RateLimit-Limit"])
    assert response.headers["X-RateLimit-Remaining"] == str(limit - 2)
    assert int(response.headers["X-RateLimit-Reset"]) > 0


def test_counts_in_the_answer_include_the_other_votes(
    voter: Voter,
    create_user: Callable[..., User],
    create_token: Callable[[User], str],
) -> None:
    tokens = [create_token(create_user()) for _ in range(3)]
    for token, value in zip(tokens, ("agree", "agree", "pass"), strict=True):
        Voter(voter.client, token, voter.statement_id).vote(value)
    assert voter.vote("agree").get_json()["votes"] == {"agree": 3, "disagree": 0, "pass": 1}
    changed = voter.vote("disagree").get_json()["votes"]
    assert changed == {"agree": 2, "disagree": 1, "pass": 1}
    assert voter.vote("disagree").get_json()["votes"] == changed  # the same vote again


def test_each_vote_bumps_the_content_version_once(voter: Voter) -> None:
    statement = db.session.get(Statement, voter.statement_id)
    assert statement is not None
    consultation_id = statement.consultation_id
    db.session.commit()  # the consultation's own creation is counted before
    before = content_version(consultation_id)
    for value in ("agree", "pass", "pass"):
        assert voter.vote(value).status_code == 200
    assert content_version(consultation_id) == before + 3


def test_a_blocked_participant_is_refused_without_a_query_of_its_own(
    voter: Voter,
    create_user: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    moderator = create_user(role=Role.admin)
    suspended = db.session.get(User, voter.user_id)
    assert suspended is not None
    restrict_account(
        suspended,
        moderator,
        kind=BlockKind.suspend,
        reason="Spam.",
        ends_at=utcnow() + timedelta(days=1),
    )
    with round_trips(monkeypatch) as seen:
        response = voter.vote("agree")
    assert response.status_code == 403, response.get_data(as_text=True)
    assert not any(s.startswith("SELECT user_blocks") for s in seen.sql)
    assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_a_suspension_stops_refusing_votes_once_it_has_ended(
    voter: Voter,
    create_user: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The token's query is built once per process: the time it compares the block's end with
    # must be each request's own, not the first request's.
    assert voter.vote("agree").status_code == 200
    suspended = db.session.get(User, voter.user_id)
    assert suspended is not None
    ends_at = utcnow() + timedelta(days=1)
    restrict_account(
        suspended,
        create_user(role=Role.admin),
        kind=BlockKind.suspend,
        reason="Spam.",
        ends_at=ends_at,
    )
    assert voter.vote("pass").status_code == 403
    monkeypatch.setattr(auth_services, "utcnow", lambda: ends_at + timedelta(minutes=1))
    assert voter.vote("pass").status_code == 200


def test_the_vote_builds_its_sql_once_per_process(voter: Voter) -> None:
    from consult.votes import api, services

    assert voter.vote("agree").status_code == 200
    built = (services._pg_cast_statement.cache_info().misses, api._statement_query.cache_info())
    for value in ("disagree", "pass"):
        assert voter.vote(value).status_code == 200
    after = (services._pg_cast_statement.cache_info().misses, api._statement_query.cache_info())
    assert after[0] == built[0]
    assert after[1].misses == built[1].misses and after[1].hits == built[1].hits + 2


def test_over_the_limit_the_answer_is_429_counted_in_one_round_trip(
    voter: Voter, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["RATE_LIMIT_VOTE"] = app.config["RATE_LIMIT_VOTE_NEW_ACCOUNT"] = "2 per minute"
    assert voter.vote("agree").status_code == 200
    assert voter.vote("pass").status_code == 200
    with round_trips(monkeypatch) as seen:
        refused = voter.vote("disagree")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert seen.redis_commands == ["EVALSHA"]
    assert db.session.scalar(select(Vote.value)) == 0  # the refused vote was not stored


def test_a_hit_answers_the_next_read_of_its_counter_once(redis_url: str) -> None:
    storage = ScriptedRedisStorage(SCRIPTED_REDIS_PREFIX + redis_url)
    other_process = ScriptedRedisStorage(SCRIPTED_REDIS_PREFIX + redis_url)
    storage.clear("probe")
    assert storage.incr("probe", 30) == 1
    assert storage.incr("probe", 30, amount=2) == 3
    assert storage.get("probe") == 3  # answered by the hit
    assert time.time() + 28 < storage.get_expiry("probe") <= time.time() + 31
    assert other_process.incr("probe", 30) == 4
    assert storage.get("probe") == 4  # the hit answered once: Redis is asked again
    assert time.time() + 28 < storage.get_expiry("probe") <= time.time() + 31
    storage.clear("probe")
    assert storage.get("probe") == 0


# --- the page's vote form and "vote on the next statement" ----------------------------------


def _page_vote(
    client: FlaskClient, session_id: str, url: str, data: dict[str, Any]
) -> TestResponse:
    """Post a page form as the signed-in person of ``session_id``, from a fresh session."""
    db.session.commit()
    db.session.expunge_all()  # the request loads what it needs, as in production
    g.pop("_login_user", None)
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = session_id
        session["_fresh"] = True
    return client.post(url, data=data)


def test_page_vote_form_is_one_commit_and_one_redis_round_trip(
    client: FlaskClient,
    participant: User,
    create_statement: Callable[..., Statement],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    statement = create_statement()
    signed_in = participant.get_id()
    url = f"/statements/{statement.id}/vote"
    assert _page_vote(client, signed_in, url, {"value": "agree"}).status_code == 303
    with round_trips(monkeypatch) as seen:
        response = _page_vote(client, signed_in, url, {"value": "disagree"})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert db.session.scalar(select(Vote.value)) == -1
    # The session's account with its standing; the statement; its consultation; the vote (on
    # PostgreSQL the upsert and the content-version bump in one statement, two elsewhere); the
    # statement's place on the thread page for the redirect, read before the commit.
    assert len(seen.sql) == (5 if is_postgres() else 6), seen.sql
    assert "user_blocks" in seen.sql[0] and "login_sessions" in seen.sql[0]
    assert not any(s.startswith("SELECT user_blocks") for s in seen.sql)
    assert sum(s.startswith("SELECT statements.id, ") for s in seen.sql) == 1  # never reloaded
    assert seen.commits == 1
    assert seen.redis_commands == ["EVALSHA"] and seen.redis_round_trips == 1


def test_next_statement_vote_is_one_commit_and_one_redis_round_trip(
    client: FlaskClient,
    participant: User,
    create_statement: Callable[..., Statement],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    statement = create_statement()
    create_statement(consultation=statement.consultation)
    signed_in = participant.get_id()
    url = f"/consultations/{statement.consultation.slug}/next"
    data = {"statement": statement.id, "value": "agree"}
    assert _page_vote(client, signed_in, url, data).status_code == 302
    with round_trips(monkeypatch) as seen:
        response = _page_vote(client, signed_in, url, dict(data, value="pass"))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db.session.scalar(select(Vote.value)) == 0
    # The account with its standing; the consultation by its slug; the statement; the vote (one
    # statement on PostgreSQL, two elsewhere). The next statement is chosen by the page the
    # redirect leads to, not by the vote.
    assert len(seen.sql) == (4 if is_postgres() else 5), seen.sql
    assert not any(s.startswith("SELECT user_blocks") for s in seen.sql)
    assert sum(s.startswith("SELECT statements.id, ") for s in seen.sql) == 1  # never reloaded
    assert seen.commits == 1
    assert seen.redis_commands == ["EVALSHA"] and seen.redis_round_trips == 1
