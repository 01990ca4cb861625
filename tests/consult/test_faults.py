"""Faults: Redis down keeps votes, posts and logins working; the database down answers 503."""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from consult.extensions import db
from tests.conftest import make_app
from tests.factories import PASSWORD
from tests.servers import free_port, private_redis_server

needs_redis_server = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="needs the redis-server binary"
)


@pytest.fixture
def private_redis() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A redis-server of this test alone, on a free port (the test may kill it)."""
    with private_redis_server() as server:
        yield server


def _own_database(database_url: str, tmp_path: Any) -> str:
    """The suite's PostgreSQL database, or an SQLite file (an in-memory one is per app)."""
    if database_url.startswith("postgres"):
        return database_url
    return f"sqlite:///{tmp_path / 'faults.sqlite3'}"


@needs_redis_server
def test_redis_down_votes_posts_and_logins_keep_working(
    private_redis: tuple[str, subprocess.Popen[bytes]],
    database_url: str,
    tmp_path: Any,
    create_user: Any,
    create_token: Any,
    create_statement: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, server = private_redis
    app = make_app(
        _own_database(database_url, tmp_path),
        REDIS_URL=url,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=None,
    )
    assert app.config["RATELIMIT_STORAGE_URI"] == f"kenes+{url}"  # the scripted Redis storage
    client = app.test_client()
    with app.app_context():
        db.create_all()
        voter = create_user(email="voter@example.org")
        headers = {"Authorization": f"Bearer {create_token(voter)}"}
        statement = create_statement()
        statement_id, consultation_id = statement.id, statement.consultation_id
        db.session.commit()

        def vote(value: str) -> Any:
            return client.put(
                f"/api/v1/statements/{statement_id}/vote", json={"value": value}, headers=headers
            )

        assert vote("agree").status_code == 200
        server.kill()
        server.wait()
        with caplog.at_level(logging.WARNING):
            answer = vote("disagree")
        assert answer.status_code == 200, answer.get_data(as_text=True)
        assert answer.get_json()["value"] == "disagree"
        assert any("falling back to in-memory" in r.getMessage() for r in caplog.records)
        posted = client.post(
            f"/api/v1/consultations/{consultation_id}/statements",
            json={"text": "Heat pumps for every school by 2030.", "kind": "position"},
            headers=headers,
        )
        assert posted.status_code == 201, posted.get_data(as_text=True)
        login = client.post("/login", data={"email": "voter@example.org", "password": PASSWORD})
        assert login.status_code == 302
        assert client.get("/").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.get_json()["status"] == "degraded"
        assert ready.get_json()["checks"]["redis"]["ok"] is False
        db.session.remove()
        db.engine.dispose()  # no pooled connection outlives the test


@needs_redis_server
def test_redis_down_jobs_run_in_process(
    private_redis: tuple[str, subprocess.Popen[bytes]], database_url: str, tmp_path: Any
) -> None:
    from consult.jobs.models import Job, JobStatus
    from consult.jobs.runners import wait_for_jobs
    from consult.jobs.runtime import enqueue, register_job

    url, server = private_redis
    server.kill()
    server.wait()
    file_url = f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    app = make_app(file_url, REDIS_URL=url, JOBS_BACKEND="celery")
    ran: list[int] = []
    with app.app_context():
        db.create_all()
        register_job(app, "test.fallback", lambda ctx, n: ran.append(n), tracked=True)
        job = enqueue("test.fallback", 5)
        db.session.commit()
        wait_for_jobs(app, timeout=30)
        db.session.expire_all()
        assert ran == [5]
        assert db.session.get(Job, job.id).status is JobStatus.done
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def database_down_app() -> Iterator[Flask]:
    """An app whose PostgreSQL refuses connections (nothing listens on the port)."""
    port = free_port()
    app = make_app(f"postgresql+psycopg://postgres@127.0.0.1:{port}/kenes_scale_down")
    yield app
    with app.app_context():
        db.engine.dispose()


def test_database_down_api_answers_503_json_with_retry_after(database_down_app: Flask) -> None:
    response = database_down_app.test_client().get("/api/v1/consultations")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["error"]["code"] == "unavailable"


def test_database_down_page_answers_branded_503(database_down_app: Flask) -> None:
    client = database_down_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1:0"  # a signed-in visitor: the page must not load the account
    response = client.get("/consultations/anything")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    body = response.get_data(as_text=True)
    assert "Kenes is briefly unavailable" in body
    assert 'class="site-header"' in body


def test_database_down_readyz_is_503_and_healthz_200(database_down_app: Flask) -> None:
    client = database_down_app.test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["database"]["ok"] is False


def test_connection_lost_at_the_end_of_a_request_is_not_a_500(
    database_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    app = make_app(database_url)  # no app context pushed: the request tears its own down
    original = Session.close
    failures: list[int] = []

    def close_on_a_terminated_connection(self: Session) -> None:
        if not failures:
            failures.append(1)
            raise OperationalError("ROLLBACK", {}, Exception("terminating connection"))
        original(self)

    monkeypatch.setattr(Session, "close", close_on_a_terminated_connection)
    with caplog.at_level(logging.WARNING):
        response = app.test_client().get("/readyz")
    monkeypatch.undo()
    with app.app_context():
        db.engine.dispose()
    assert response.status_code == 200
    assert failures == [1]
    assert any("connection lost at the end" in r.getMessage() for r in caplog.records)
