"""Concurrent votes against a real threaded server (PostgreSQL: SQLite serialises writers)."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from consult.votes.models import Vote
from tests.conftest import is_postgres

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not is_postgres(),
        reason="needs PostgreSQL (KENES_TEST_DATABASE_URL): concurrent writers are what it tests",
    ),
]

REQUESTS = 50


@pytest.fixture
def server(app: Flask) -> Iterator[tuple[str, int]]:
    """The test app served by a threaded werkzeug server on a free local port."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", httpd.server_port
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        httpd.server_close()


def put_at_once(
    address: tuple[str, int], path: str, calls: list[tuple[str, dict[str, Any]]]
) -> list[tuple[int, dict[str, Any]]]:
    """PUT every ``(token, body)`` at once (one thread each, released together); return each
    answer's status and JSON body."""
    barrier = threading.Barrier(len(calls))
    answers: list[tuple[int, dict[str, Any]]] = [(0, {})] * len(calls)

    def send(index: int) -> None:
        token, body = calls[index]
        connection = http.client.HTTPConnection(*address, timeout=60)
        try:
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
            barrier.wait(timeout=30)
            connection.request("PUT", path, body=json.dumps(body), headers=headers)
            response = connection.getresponse()
            answers[index] = (response.status, json.loads(response.read() or b"{}"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def fire(
    address: tuple[str, int], path: str, token: str, bodies: list[dict[str, Any]]
) -> list[int]:
    """PUT every body at once with one token; return the statuses."""
    return [status for status, _ in put_at_once(address, path, [(token, b) for b in bodies])]


def test_concurrent_identical_votes_store_one_row(
    server, db, dummy_statement, dummy_user, create_token
):
    token = create_token(dummy_user)
    db.session.commit()  # the server's threads use their own connections

    statuses = fire(
        server,
        f"/api/v1/statements/{dummy_statement.id}/vote",
        token,
        [{"value": "agree"}] * REQUESTS,
    )

    assert statuses == [200] * REQUESTS
    db.session.expire_all()
    votes = db.session.scalars(select(Vote).where(Vote.statement_id == dummy_statement.id)).all()
    assert [(v.user_id, v.value) for v in votes] == [(dummy_user.id, 1)]


def test_concurrent_different_votes_keep_one_row(
    server, db, dummy_statement, dummy_user, create_token
):
    token = create_token(dummy_user)
    db.session.commit()
    values = ["agree", "disagree", "pass"]

    statuses = fire(
        server,
        f"/api/v1/statements/{dummy_statement.id}/vote",
        token,
        [{"value": values[i % 3]} for i in range(REQUESTS)],
    )

    assert statuses == [200] * REQUESTS
    db.session.expire_all()
    votes = db.session.scalars(select(Vote).where(Vote.statement_id == dummy_statement.id)).all()
    assert len(votes) == 1
    assert votes[0].user_id == dummy_user.id
    assert votes[0].value in (1, -1, 0)


def fire_as_many(
    address: tuple[str, int], path: str, tokens: list[str], value: str
) -> list[tuple[int, dict[str, Any]]]:
    """PUT one vote per token at once; return each answer's status and JSON body."""
    return put_at_once(address, path, [(token, {"value": value}) for token in tokens])


def test_concurrent_votes_of_many_accounts_are_all_stored_counted_and_versioned(
    server, db, dummy_statement, create_user, create_token
):
    from consult.consultations.versions import content_version

    accounts = 30
    tokens = [create_token(create_user()) for _ in range(accounts)]
    db.session.commit()
    consultation_id = dummy_statement.consultation_id
    before = content_version(consultation_id)

    answers = fire_as_many(server, f"/api/v1/statements/{dummy_statement.id}/vote", tokens, "agree")

    assert [status for status, _ in answers] == [200] * accounts
    # Each answer counts its own vote and at least those committed before its statement began
    # (a snapshot: two votes in flight together may both answer the same count).
    agrees = [body["votes"]["agree"] for _, body in answers]
    assert all(1 <= n <= accounts for n in agrees)
    assert max(agrees) > 1
    db.session.expire_all()
    stored = db.session.scalars(select(Vote).where(Vote.statement_id == dummy_statement.id)).all()
    assert len(stored) == accounts  # every acknowledged vote is in the database
    assert content_version(consultation_id) == before + accounts
