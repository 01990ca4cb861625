"""The anonymous thread page's hit path: no database, and how stale it may be."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import update

from consult.consultations import pagecache
from consult.consultations.models import Consultation, ConsultationStatus
from consult.extensions import db as _db
from consult.jobs.redisconn import _EXTENSION as _REDIS
from consult.jobs.redisconn import RedisGate
from tests.consult.statements.test_thread import count_queries


def _warm(call: Any, url: str) -> None:
    """Render the page until it is stable (its first render stores the analysis it shows,
    which is itself a change of the consultation)."""
    for _ in range(3):
        if call.page("GET", url).headers["X-Kenes-Cache"] == "hit":
            return
    raise AssertionError("the page never came from the cache")


def _bump_elsewhere(consultation: Consultation) -> None:
    """Bump the content version as another process's commit would (not through db.session,
    whose listeners tell this process's page cache)."""
    with _db.engine.begin() as connection:
        connection.execute(
            update(Consultation)
            .where(Consultation.id == consultation.id)
            .values(content_version=Consultation.content_version + 1)
        )


def test_page_hit_runs_no_sql(call: Any, consultation: Any, statement: Any) -> None:
    url = f"/consultations/{consultation.slug}"
    _warm(call, url)
    _db.session.commit()
    with count_queries() as queries:
        response = call.page("GET", url)
    assert response.headers["X-Kenes-Cache"] == "hit"
    assert queries == []


@pytest.mark.parametrize("app_config", [{"THREAD_VERSION_MAX_AGE": 0}])
def test_page_hit_reads_the_version_when_max_age_is_zero(
    call: Any, consultation: Any, statement: Any
) -> None:
    url = f"/consultations/{consultation.slug}"
    _warm(call, url)
    _db.session.commit()
    with count_queries() as queries:
        response = call.page("GET", url)
    assert response.headers["X-Kenes-Cache"] == "hit"
    assert len(queries) == 1 and "content_version" in queries[0]


def test_page_vote_in_this_process_shows_on_the_next_read(
    call: Any, consultation: Any, statement: Any, people: Any
) -> None:
    url = f"/consultations/{consultation.slug}"
    _warm(call, url)
    call.api("PUT", f"/api/v1/statements/{statement.id}/vote", people[0], json={"value": "agree"})
    assert call.page("GET", url).headers["X-Kenes-Cache"] == "miss"


@pytest.mark.parametrize("app_config", [{"THREAD_VERSION_MAX_AGE": 0.3}])
def test_page_change_in_another_process_shows_within_max_age(
    call: Any, consultation: Any, statement: Any
) -> None:
    url = f"/consultations/{consultation.slug}"
    _warm(call, url)
    _bump_elsewhere(consultation)
    # Within the bound: the page of the version this process remembers.
    assert call.page("GET", url).headers["X-Kenes-Cache"] == "hit"
    time.sleep(0.35)
    assert call.page("GET", url).headers["X-Kenes-Cache"] == "miss"


def test_page_draft_is_never_remembered(
    app: Any, call: Any, create_consultation: Any, create_statement: Any
) -> None:
    draft = create_consultation(status=ConsultationStatus.draft, slug="secret-plan")
    create_statement(consultation=draft, text="Not yet public")
    _db.session.commit()
    pagecache.remember(draft)
    assert pagecache.serve_known(draft.slug) is None
    response = call.page("GET", f"/consultations/{draft.slug}")
    assert response.status_code == 404
    assert "Not yet public" not in response.get_data(as_text=True)


class _StubRedis:
    """GET/SET on a dict, counting the GETs (a shared Redis between processes)."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self.gets = 0

    def get(self, key: str) -> bytes | None:
        self.gets += 1
        return self.data.get(key)

    def set(self, key: str, value: bytes, ex: int | None = None) -> None:
        self.data[key] = value


@pytest.mark.parametrize("app_config", [{"REDIS_URL": "redis://127.0.0.1:1/0"}])
def test_page_local_copy_is_asked_before_redis(
    app: Any, call: Any, consultation: Any, statement: Any
) -> None:
    stub = _StubRedis()
    app.extensions[_REDIS] = (stub, RedisGate(5.0))
    url = f"/consultations/{consultation.slug}"
    _warm(call, url)
    gets = stub.gets
    assert call.page("GET", url).headers["X-Kenes-Cache"] == "hit"
    assert stub.gets == gets  # served by this process's copy
    # Another process rendered it: this one finds it in Redis and keeps a copy.
    app.extensions.pop("kenes_thread_cache")
    assert call.page("GET", url).headers["X-Kenes-Cache"] == "hit"
    assert stub.gets == gets + 1
    assert call.page("GET", url).headers["X-Kenes-Cache"] == "hit"
    assert stub.gets == gets + 1
