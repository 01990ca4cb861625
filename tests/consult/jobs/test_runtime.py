"""Jobs: registration, transactional enqueue, records, de-duplication, debounce, failures."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from consult.extensions import db
from consult.jobs.locks import KeyLocks
from consult.jobs.models import Job, JobStatus
from consult.jobs.runners import wait_for_jobs
from consult.jobs.runtime import Dispatch, JobContext, enqueue, execute, register_job, state


@pytest.fixture
def calls(app: Flask) -> list[tuple[Any, ...]]:
    """Register a few jobs that record their calls."""
    seen: list[tuple[Any, ...]] = []

    def record(ctx: JobContext, value: int, *, label: str = "") -> None:
        ctx.progress(50, "half way", force=True)
        seen.append(("record", value, label))

    def report(ctx: JobContext, name: str) -> None:
        path = ctx.result_dir() / f"{name}.txt"
        path.write_text("hello")
        ctx.set_result(path=path, name=f"{name}.txt", media_type="text/plain")
        seen.append(("report", name))

    def broken(ctx: JobContext) -> None:
        raise ValueError("no such thing")

    register_job(app, "test.record", record)
    register_job(app, "test.report", report, tracked=True, key=lambda name: f"report:{name}")
    register_job(app, "test.broken", broken, tracked=True)
    return seen


def test_enqueue_runs_only_after_the_transaction_commits(app: Flask, calls: list) -> None:
    enqueue("test.record", 1, label="a")
    assert calls == []
    db.session.commit()
    assert calls == [("record", 1, "a")]


def test_enqueue_is_dropped_when_the_transaction_rolls_back(app: Flask, calls: list) -> None:
    enqueue("test.record", 2)
    db.session.rollback()
    db.session.commit()
    assert calls == []


def test_enqueue_without_after_commit_runs_at_once(app: Flask, calls: list) -> None:
    enqueue("test.record", 3, after_commit=False)
    assert calls == [("record", 3, "")]


def test_tracked_job_records_result_file_and_expiry(app: Flask, calls: list, tmp_path) -> None:
    app.config["JOBS_RESULT_DIR"] = str(tmp_path)
    job = enqueue("test.report", "summary", subject="consultation:1")
    assert job is not None and job.status is JobStatus.queued
    db.session.commit()
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status is JobStatus.done
    assert job.progress == 100
    assert job.result_path == "summary.txt"
    assert job.result_name == "summary.txt"
    assert job.expires_at is not None and job.expires_at > job.finished_at
    assert job.attempts == 1
    assert (tmp_path / "summary.txt").read_text() == "hello"


def test_tracked_job_is_deduplicated_while_queued(app: Flask, calls: list) -> None:
    first = enqueue("test.report", "same")
    second = enqueue("test.report", "same")
    assert first is not None and second is not None
    assert first.id == second.id
    other = enqueue("test.report", "other")
    assert other is not None and other.id != first.id
    assert db.session.scalar(select(db.func.count(Job.id))) == 2


def test_failed_job_records_error_and_rolls_back_its_work(
    app: Flask, calls: list, create_user: Any
) -> None:
    job = enqueue("test.broken")
    db.session.commit()
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status is JobStatus.failed
    assert "ValueError: no such thing" in job.error


def test_finished_job_delivered_again_is_skipped(app: Flask, calls: list) -> None:
    job = enqueue("test.report", "once")
    db.session.commit()
    assert calls == [("report", "once")]
    outcome = execute(app, Dispatch("test.report", job.id, ("once",), {}))
    assert outcome == "skipped"
    assert calls == [("report", "once")]


def test_job_delivered_again_after_a_lost_worker_runs_to_completion(
    app: Flask, calls: list
) -> None:
    # A worker died after marking the job running: the message comes back and the job runs.
    job = enqueue("test.report", "again")
    db.session.commit()
    db.session.execute(
        db.update(Job).where(Job.id == job.id).values(status=JobStatus.running, progress=40)
    )
    db.session.commit()
    assert execute(app, Dispatch("test.report", job.id, ("again",), {})) == "done"
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status is JobStatus.done and job.attempts == 2


def test_exclusive_job_is_deferred_while_its_key_is_locked(app: Flask) -> None:
    seen: list[int] = []
    register_job(
        app,
        "test.exclusive",
        lambda ctx, n: seen.append(n),
        key=lambda n: "exclusive",
        exclusive=True,
    )
    locks = KeyLocks(app)
    token = locks.acquire("exclusive", 30)
    assert token is not None
    assert execute(app, Dispatch("test.exclusive", None, (1,), {})) == "deferred"
    assert seen == []
    locks.release("exclusive", token)
    assert execute(app, Dispatch("test.exclusive", None, (2,), {})) == "done"
    assert seen == [2]


def test_debounced_calls_are_absorbed_until_the_run_starts(app: Flask) -> None:
    seen: list[int] = []
    register_job(
        app,
        "test.debounced",
        lambda ctx, cid: seen.append(cid),
        key=lambda cid: f"refresh:{cid}",
        exclusive=True,
        debounce=5,
    )
    state(app).runner = _Collecting()
    for _ in range(5):
        enqueue("test.debounced", 7, after_commit=False)
    enqueue("test.debounced", 8, after_commit=False)
    runner = state(app).runner
    assert [m.args for m in runner.messages] == [(7,), (8,)]
    assert all(m.countdown == 5 for m in runner.messages)
    # The run clears the mark: what arrives during or after it schedules one more run.
    assert execute(app, runner.messages[0]) == "done"
    enqueue("test.debounced", 7, after_commit=False)
    assert [m.args for m in runner.messages] == [(7,), (8,), (7,)]
    assert seen == [7]


class _Collecting:
    name = "collecting"

    def __init__(self) -> None:
        self.messages: list[Dispatch] = []

    def submit(self, app: Flask, message: Dispatch) -> None:
        self.messages.append(message)


def test_tracked_job_cannot_skip_the_commit(app: Flask, calls: list) -> None:
    # Its record must be committed before a runner in another session can find it.
    with pytest.raises(ValueError, match="after the caller's commit"):
        enqueue("test.report", "now", after_commit=False)


def test_unknown_job_name_is_a_key_error(app: Flask) -> None:
    with pytest.raises(KeyError):
        enqueue("test.nothing")


def test_registering_a_name_twice_is_refused(app: Flask, calls: list) -> None:
    with pytest.raises(ValueError, match="already registered"):
        register_job(app, "test.record", lambda ctx: None)


def test_thread_backend_runs_jobs_off_the_request_thread(tmp_path) -> None:
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'jobs.sqlite3'}", JOBS_BACKEND="thread")
    threads: list[str] = []
    done = threading.Event()

    def where(ctx: JobContext) -> None:
        ctx.progress(10, "started", force=True)
        threads.append(threading.current_thread().name)
        done.set()

    with app.app_context():
        db.create_all()
        register_job(app, "test.where", where, tracked=True)
        job = enqueue("test.where")
        db.session.commit()
        wait_for_jobs(app, timeout=30)
        assert done.is_set()
        assert threads[0].startswith("kenes-job")
        db.session.expire_all()
        assert db.session.get(Job, job.id).status is JobStatus.done
        db.session.remove()
        db.engine.dispose()


def test_eager_job_enqueueing_another_runs_it_after_itself(app: Flask) -> None:
    order: list[str] = []

    def outer(ctx: JobContext) -> None:
        enqueue("test.inner", after_commit=False)
        order.append("outer")

    register_job(app, "test.outer", outer)
    register_job(app, "test.inner", lambda ctx: order.append("inner"))
    enqueue("test.outer", after_commit=False)
    assert order == ["outer", "inner"]
