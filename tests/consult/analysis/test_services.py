"""The analysis cache: computed from current votes, kept until they change, refreshed in time."""

from __future__ import annotations

import pytest

from consult.analysis import services, tasks
from consult.analysis.models import CachedAnalysis
from consult.auth.models import BlockKind, UserBlock
from consult.statements.models import StatementStatus
from consult.votes.services import cast_vote


@pytest.fixture
def analyse_calls(monkeypatch):
    """Count the calls to the real analysis core."""
    calls = []
    real = services._analyse

    def spy(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_analyse", spy)
    return calls


def test_get_analysis_computes_and_caches(make_opinions, db, analyse_calls):
    opinions = make_opinions(n=8)
    result, meta = services.get_analysis(opinions.consultation)
    assert len(result["participants"]) == 16
    assert result["k"] == len(result["groups"]) == 2
    assert not meta.stale and meta.computed_at is not None
    stored = db.session.get(CachedAnalysis, opinions.consultation.id)
    assert stored.result == result
    again, meta2 = services.get_analysis(opinions.consultation)
    assert again == result
    assert meta2.computed_at == meta.computed_at
    assert len(analyse_calls) == 1


def test_get_analysis_finds_the_two_camps(make_opinions, db):
    opinions = make_opinions(n=8)
    result, _meta = services.get_analysis(opinions.consultation)
    from consult.analysis.adapters import participant_id

    cid = opinions.consultation.id
    groups_a = {result["participants"][participant_id(cid, u.id)] for u in opinions.camp_a}
    groups_b = {result["participants"][participant_id(cid, u.id)] for u in opinions.camp_b}
    assert len(groups_a) == len(groups_b) == 1
    assert groups_a != groups_b
    agreed = {c["statement"] for c in result["consensus"]["agree"]}
    assert str(opinions.statements[4].id) in agreed  # everyone wants air-quality data


def test_get_analysis_recomputes_after_a_new_vote(make_opinions, create_user, db, analyse_calls):
    opinions = make_opinions(n=6)
    first, _ = services.get_analysis(opinions.consultation)
    newcomer = create_user()
    cast_vote(opinions.statements[0], newcomer, "agree")
    second, meta = services.get_analysis(opinions.consultation)
    assert len(analyse_calls) == 2
    assert len(second["participants"]) == len(first["participants"]) + 1
    assert not meta.stale


def test_get_analysis_recomputes_after_a_changed_vote(make_opinions, db, analyse_calls):
    opinions = make_opinions(n=6)
    services.get_analysis(opinions.consultation)
    cast_vote(opinions.statements[5], opinions.camp_a[0], "agree")  # was a disagree
    services.get_analysis(opinions.consultation)
    assert len(analyse_calls) == 2


def test_fingerprint_follows_statements_links_and_blocks(make_opinions, create_statement, db):
    opinions = make_opinions(n=3)
    consultation = opinions.consultation
    seen = {services.analysis_fingerprint(consultation)[0]}
    opinions.statements[1].status = StatementStatus.hidden
    db.session.flush()
    seen.add(services.analysis_fingerprint(consultation)[0])
    create_statement(consultation=consultation, text="Because.", supports=opinions.statements[0])
    seen.add(services.analysis_fingerprint(consultation)[0])
    db.session.add(UserBlock(user_id=opinions.camp_b[0].id, kind=BlockKind.block, reason="x"))
    db.session.flush()
    seen.add(services.analysis_fingerprint(consultation)[0])
    assert len(seen) == 4
    assert services.analysis_fingerprint(consultation)[0] in seen  # stable when nothing changes


def test_fingerprint_counts_votes(make_opinions, db):
    opinions = make_opinions(n=3)
    _fingerprint, n_votes = services.analysis_fingerprint(opinions.consultation)
    from consult.votes.models import Vote

    assert n_votes == db.session.query(Vote).count()


def test_refresh_analysis_reports_exclusions(make_opinions, db):
    opinions = make_opinions(n=4)
    opinions.statements[2].status = StatementStatus.hidden
    db.session.add(UserBlock(user_id=opinions.camp_a[0].id, kind=BlockKind.block, reason="x"))
    db.session.flush()
    result, _meta = services.refresh_analysis(opinions.consultation)
    assert result["excluded"] == {"statements": 1, "participants": 1}
    assert len(result["participants"]) == 7
    mentioned = {c["statement"] for side in result["consensus"].values() for c in side}
    mentioned |= {d["statement"] for d in result["divisive"]}
    mentioned |= set(result["statements"]) | set(result["priority"]) | set(result["strength"])
    mentioned |= set(result["bridging"]) | set(result["group_informed_consensus"])
    assert str(opinions.statements[2].id) not in mentioned
    assert str(opinions.statements[3].id) in mentioned


def test_get_analysis_empty_consultation(dummy_consultation, db):
    result, meta = services.get_analysis(dummy_consultation)
    assert result["participants"] == {}
    assert result["groups"] == []
    assert meta.n_votes == 0


# --------------------------------------------------------------------------------------------
# Background refresh


@pytest.fixture
def background(app):
    """Background refresh on, and every consultation counts as large."""
    app.config.update(ANALYSIS_BACKGROUND=True, ANALYSIS_INLINE_MAX_VOTES=0)
    yield
    tasks.wait_for_refreshes(timeout=30)


def test_get_analysis_large_without_cache_refreshes_in_background(make_opinions, db, background):
    opinions = make_opinions(n=6)
    db.session.commit()
    result, meta = services.get_analysis(opinions.consultation)
    assert result is None
    assert meta.refreshing and meta.stale
    db.session.commit()  # as the page and the API do: the job is handed over at commit
    tasks.wait_for_refreshes(timeout=30)
    db.session.expire_all()
    stored = db.session.get(CachedAnalysis, opinions.consultation.id)
    assert stored is not None
    assert len(stored.result["participants"]) == 12


def test_get_analysis_large_serves_stale_result_while_refreshing(
    make_opinions, create_user, db, background
):
    opinions = make_opinions(n=6)
    first, _ = services.get_analysis(opinions.consultation, wait=True)
    cast_vote(opinions.statements[0], create_user(), "agree")
    db.session.commit()
    served, meta = services.get_analysis(opinions.consultation)
    assert served == first
    assert meta.stale and meta.refreshing
    db.session.commit()
    tasks.wait_for_refreshes(timeout=30)
    db.session.expire_all()
    fresh, meta = services.get_analysis(opinions.consultation)
    assert len(fresh["participants"]) == 13
    assert not meta.stale


def test_get_analysis_small_is_recomputed_inline_even_in_background_mode(
    make_opinions, db, app, analyse_calls
):
    app.config.update(ANALYSIS_BACKGROUND=True, ANALYSIS_INLINE_MAX_VOTES=10_000)
    opinions = make_opinions(n=4)
    result, meta = services.get_analysis(opinions.consultation)
    assert result is not None and not meta.stale
    assert len(analyse_calls) == 1


def test_refresh_is_a_keyed_exclusive_debounced_tracked_job(app):
    from consult.jobs.runtime import spec_of

    with app.app_context():
        spec = spec_of(tasks.JOB)
    assert spec.tracked and spec.exclusive and spec.debounce > 0
    assert spec.key(12) == "analysis:12"


def test_schedule_refresh_is_absorbed_while_one_waits(make_opinions, db, app, analyse_calls):
    from consult.jobs.models import Job

    opinions = make_opinions(n=2)
    db.session.commit()
    cid = opinions.consultation.id
    assert tasks.schedule_refresh(cid) is True
    assert tasks.schedule_refresh(cid) is False  # the same debounce window: one run
    assert tasks.is_refreshing(cid)
    assert analyse_calls == []  # nothing runs before the caller commits
    db.session.commit()
    tasks.wait_for_refreshes(timeout=30)
    db.session.expire_all()
    assert len(analyse_calls) == 1
    assert not tasks.is_refreshing(cid)
    job = db.session.scalar(db.select(Job).where(Job.name == tasks.JOB))
    assert job.status.value == "done" and job.progress == 100
    assert db.session.get(CachedAnalysis, cid) is not None


def test_scheduled_refresh_is_dropped_with_a_rollback(make_opinions, db, app, analyse_calls):
    opinions = make_opinions(n=2)
    db.session.commit()
    tasks.schedule_refresh(opinions.consultation.id)
    db.session.rollback()
    tasks.wait_for_refreshes(timeout=30)
    assert analyse_calls == []


# --------------------------------------------------------------------------------------------
# Next statement


def test_next_statement_for_picks_an_unvoted_visible_statement(make_opinions, create_user, db):
    opinions = make_opinions(n=4)
    user = create_user()
    cast_vote(opinions.statements[0], user, "agree")
    opinions.statements[1].status = StatementStatus.hidden
    db.session.flush()
    chosen = services.next_statement_for(opinions.consultation, user)
    assert chosen is not None
    assert chosen.id not in (opinions.statements[0].id, opinions.statements[1].id)
    assert chosen.consultation_id == opinions.consultation.id
    assert services.next_statement_for(opinions.consultation, user).id == chosen.id  # stable


def test_next_statement_for_none_when_all_voted(make_opinions, create_user, db):
    opinions = make_opinions(n=2)
    user = create_user()
    for statement in opinions.statements:
        cast_vote(statement, user, "pass")
    assert services.next_statement_for(opinions.consultation, user) is None


def test_next_statement_for_follows_priority(make_opinions, create_user, db, monkeypatch):
    opinions = make_opinions(n=2)
    favourite = opinions.statements[3]
    priorities = {str(s.id): 0.0 for s in opinions.statements}
    priorities[str(favourite.id)] = 5.0
    real = services.get_analysis

    def with_priority(consultation, **kwargs):
        result, meta = real(consultation, **kwargs)
        return dict(result, priority=priorities), meta

    monkeypatch.setattr(services, "get_analysis", with_priority)
    for _ in range(5):
        assert services.next_statement_for(opinions.consultation, create_user()).id == favourite.id


def test_next_statement_for_prefers_statements_new_since_the_analysis(
    make_opinions, create_statement, create_user, db, monkeypatch
):
    opinions = make_opinions(n=2)
    priorities = {str(s.id): 0.0 for s in opinions.statements}
    real = services.get_analysis
    monkeypatch.setattr(
        services,
        "get_analysis",
        lambda c, **kw: (dict(real(c, **kw)[0], priority=priorities), None),
    )
    new = create_statement(consultation=opinions.consultation, text="A brand new idea.")
    assert services.next_statement_for(opinions.consultation, create_user()).id == new.id


def test_next_statement_for_anonymous_is_none(make_opinions, db):
    opinions = make_opinions(n=2)
    assert services.next_statement_for(opinions.consultation, None) is None


def test_small_analysis_computed_moments_ago_is_served_stale_and_refreshed_by_the_job(
    make_opinions, create_user, db, app, analyse_calls
):
    app.config.update(ANALYSIS_BACKGROUND=True, ANALYSIS_INLINE_MAX_VOTES=10_000)
    opinions = make_opinions(n=4)
    services.get_analysis(opinions.consultation)
    db.session.commit()
    cast_vote(opinions.statements[0], create_user(), "agree")
    db.session.commit()
    assert len(analyse_calls) == 1

    served, meta = services.get_analysis(opinions.consultation)

    assert meta.stale and len(analyse_calls) == 1  # not recomputed inside the request
    db.session.commit()  # hands the refresh job over
    tasks.wait_for_refreshes(timeout=30)
    assert len(analyse_calls) == 2


def test_small_analysis_older_than_the_grace_is_recomputed_inline(
    make_opinions, create_user, db, app, analyse_calls
):
    app.config.update(
        ANALYSIS_BACKGROUND=True, ANALYSIS_INLINE_MAX_VOTES=10_000, ANALYSIS_STALE_GRACE_SECONDS=0
    )
    opinions = make_opinions(n=4)
    services.get_analysis(opinions.consultation)
    cast_vote(opinions.statements[0], create_user(), "agree")
    db.session.commit()

    _, meta = services.get_analysis(opinions.consultation)

    assert not meta.stale and len(analyse_calls) == 2


def test_stale_small_analysis_is_recomputed_by_one_request_at_a_time(
    make_opinions, create_user, db, app, analyse_calls
):
    from consult.jobs.locks import KeyLocks

    app.config.update(
        ANALYSIS_BACKGROUND=True, ANALYSIS_INLINE_MAX_VOTES=10_000, ANALYSIS_STALE_GRACE_SECONDS=0
    )
    opinions = make_opinions(n=4)
    first, _ = services.get_analysis(opinions.consultation)
    cast_vote(opinions.statements[0], create_user(), "agree")
    db.session.commit()
    locks = KeyLocks(app)
    key = services.inline_key(opinions.consultation.id)
    token = locks.acquire(key, 60)  # another request is recomputing it
    assert token is not None

    try:
        served, meta = services.get_analysis(opinions.consultation)
    finally:
        locks.release(key, token)

    assert served == first and meta.stale and meta.refreshing
    assert len(analyse_calls) == 1  # not computed a second time alongside
    _, meta = services.get_analysis(opinions.consultation)
    assert not meta.stale and len(analyse_calls) == 2
    again = locks.acquire(key, 60)  # released after the recomputation
    assert again is not None
    locks.release(key, again)


def test_first_analysis_being_computed_elsewhere_answers_202(make_opinions, client, db, app):
    from consult.jobs.locks import KeyLocks

    app.config.update(ANALYSIS_BACKGROUND=True, ANALYSIS_INLINE_MAX_VOTES=10_000)
    opinions = make_opinions(n=4)
    db.session.commit()
    locks = KeyLocks(app)
    key = services.inline_key(opinions.consultation.id)
    token = locks.acquire(key, 60)
    assert token is not None
    try:
        answer = client.get(f"/api/v1/consultations/{opinions.consultation.id}/analysis")
    finally:
        locks.release(key, token)

    assert answer.status_code == 202
    assert answer.headers["Retry-After"] == "5"
    assert answer.get_json()["status"] == "computing"


class RecordedList(list):
    events: list[str]


@pytest.fixture
def bridging_processes(monkeypatch):
    """Record the bridging processes the service makes."""
    from debate.bridging import BridgingProcess

    made = RecordedList()
    events = []  # "start", "fit" and "load" (the votes), in order

    class Recorded(BridgingProcess):
        def __init__(self):
            super().__init__()
            made.append(self)

        def start(self):
            events.append("start")
            return super().start()

        def fit(self, matrix, *, seed=0):
            events.append("fit")
            return super().fit(matrix, seed=seed)

    real_input = services.adapters.analysis_input

    def recorded_input(*args, **kwargs):
        events.append("load")
        return real_input(*args, **kwargs)

    monkeypatch.setattr(services, "BridgingProcess", Recorded)
    monkeypatch.setattr(services.adapters, "analysis_input", recorded_input)
    made.events = events
    return made


@pytest.mark.parametrize("path", ["compute", "refresh"])
def test_analysis_fits_bridging_in_a_process_from_the_threshold(
    app, make_opinions, db, bridging_processes, path
):
    from debate.analysis import _bridging

    app.config["ANALYSIS_BRIDGING_PROCESS_VOTES"] = 1
    consultation = make_opinions(n=6).consultation
    if path == "compute":  # the votes not counted beforehand: started once they are loaded
        fingerprint, _n = services.analysis_fingerprint(consultation)
        result = services.compute_analysis(consultation, fingerprint=fingerprint)
    else:  # votes counted by the fingerprint: started before loading them
        result, _meta = services.refresh_analysis(consultation)
    assert len(bridging_processes) == 1
    expected = ["load", "fit", "start"] if path == "compute" else ["start", "load", "fit", "start"]
    assert bridging_processes.events == expected
    running = bridging_processes[0]
    assert result["bridging"] == _bridging(running.matrix_, 0)  # the in-line fit's values
    assert running.scores() is not None  # the process answered (no fallback in line)
    assert result["bridging"] and running._process is None  # awaited, then closed


@pytest.mark.parametrize("threshold", [None, 10_000])
def test_analysis_fits_bridging_in_line_below_the_threshold(
    app, make_opinions, db, bridging_processes, threshold
):
    app.config["ANALYSIS_BRIDGING_PROCESS_VOTES"] = threshold
    result, _meta = services.refresh_analysis(make_opinions(n=6).consultation)
    assert result["bridging"] and bridging_processes == []
