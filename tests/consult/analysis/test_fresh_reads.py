"""A fresh analysis read again: served by content version, without its fingerprint."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update

from consult.analysis.adapters import participant_id
from consult.consultations.models import Consultation
from consult.extensions import db as _db
from consult.votes.services import cast_vote
from tests.consult.statements.test_thread import count_queries


def _get(client: Any, consultation_id: int) -> Any:
    return client.get(f"/api/v1/consultations/{consultation_id}/analysis")


def _fresh_read(client: Any, consultation_id: int) -> tuple[Any, list[str]]:
    _db.session.commit()
    with count_queries() as queries:
        response = _get(client, consultation_id)
    return response, queries


def _served(client: Any, db: Any, make_opinions: Any) -> tuple[Any, dict[str, Any]]:
    """Three opinion groups, their analysis read twice: the second read checks the stored result
    once and remembers it as fresh. Returns the opinions and the first answer."""
    opinions = make_opinions(n=3)
    db.session.commit()
    first = _get(client, opinions.consultation.id).get_json()
    _get(client, opinions.consultation.id)
    return opinions, first


def test_fresh_read_skips_the_fingerprint(client: Any, db: Any, make_opinions: Any) -> None:
    opinions, first = _served(client, db, make_opinions)

    response, queries = _fresh_read(client, opinions.consultation.id)

    assert response.get_json() == first and first["stale"] is False
    assert not [q for q in queries if "FROM votes" in q]
    assert not [q for q in queries if "cached_analyses" in q]
    # the consultation, the blocks in force, the vote exclusions of the answer
    selects = [q.split("FROM")[1].split()[0] for q in queries if q.lstrip().startswith("SELECT")]
    assert selects == ["consultations", "user_blocks", "vote_exclusions"], queries


def test_fresh_read_after_a_vote_is_recomputed(
    client: Any, db: Any, app: Any, make_opinions: Any, create_user: Any
) -> None:
    app.config.update(ANALYSIS_STALE_GRACE_SECONDS=0)
    opinions, first = _served(client, db, make_opinions)

    cast_vote(opinions.statements[0], create_user(), "agree")
    response, queries = _fresh_read(client, opinions.consultation.id)

    body = response.get_json()
    assert body["computed_at"] != first["computed_at"] and body["stale"] is False
    assert len(body["participants"]) == len(first["participants"]) + 1
    assert [q for q in queries if "FROM votes" in q]


def test_fresh_read_after_a_change_elsewhere_checks_the_fingerprint(
    client: Any, db: Any, make_opinions: Any
) -> None:
    opinions, first = _served(client, db, make_opinions)
    with _db.engine.begin() as connection:  # another process's commit: no listener here
        connection.execute(
            update(Consultation)
            .where(Consultation.id == opinions.consultation.id)
            .values(content_version=Consultation.content_version + 1)
        )

    response, queries = _fresh_read(client, opinions.consultation.id)

    assert response.get_json()["computed_at"] == first["computed_at"]  # still fresh
    assert [q for q in queries if "FROM votes" in q]


def test_fresh_read_after_a_voter_is_suspended_leaves_their_votes_out(
    client: Any, db: Any, app: Any, make_opinions: Any, create_block: Any
) -> None:
    app.config.update(ANALYSIS_STALE_GRACE_SECONDS=0)
    opinions, first = _served(client, db, make_opinions)

    # A suspension is of a person, not of the consultation: its version does not move.
    create_block(opinions.camp_a[0], ends_in=timedelta(days=3))
    body = _fresh_read(client, opinions.consultation.id)[0].get_json()

    suspended = participant_id(opinions.consultation.id, opinions.camp_a[0].id)
    assert suspended in first["participants"]
    assert body["computed_at"] != first["computed_at"] and body["stale"] is False
    assert suspended not in body["participants"]


def test_fresh_read_inside_a_writing_transaction_sees_its_own_vote(
    app: Any, db: Any, make_opinions: Any, create_user: Any
) -> None:
    from consult.analysis.services import get_analysis

    app.config.update(ANALYSIS_STALE_GRACE_SECONDS=0)
    opinions = make_opinions(n=3)
    db.session.commit()
    get_analysis(opinions.consultation)
    db.session.commit()
    result, meta = get_analysis(opinions.consultation)
    db.session.commit()
    before = len(result["participants"]) if result else 0

    cast_vote(opinions.statements[0], create_user(), "agree")  # not committed yet
    result, meta = get_analysis(opinions.consultation)

    assert result is not None and meta.stale is False
    assert len(result["participants"]) == before + 1


def test_fresh_read_after_a_vote_within_the_grace_is_the_last_result_marked_stale(
    client: Any, db: Any, app: Any, make_opinions: Any, create_user: Any, monkeypatch: Any
) -> None:
    from consult.analysis import services, tasks

    opinions, first = _served(client, db, make_opinions)
    app.config.update(ANALYSIS_BACKGROUND=True, ANALYSIS_STALE_GRACE_SECONDS=60)
    scheduled: list[int] = []
    monkeypatch.setattr(tasks, "schedule_refresh", lambda cid: scheduled.append(cid) or True)
    monkeypatch.setattr(services, "analysis_fingerprint", None)  # never computed on this path

    cast_vote(opinions.statements[0], create_user(), "agree")
    response, queries = _fresh_read(client, opinions.consultation.id)

    body = response.get_json()
    assert body["stale"] is True and body["refreshing"] is True
    assert body["computed_at"] == first["computed_at"]
    assert scheduled == [opinions.consultation.id]
    assert not [q for q in queries if "FROM votes" in q]


def test_fresh_read_after_the_grace_checks_the_fingerprint(
    client: Any, db: Any, app: Any, make_opinions: Any, create_user: Any
) -> None:
    opinions, first = _served(client, db, make_opinions)
    app.config.update(ANALYSIS_BACKGROUND=True, ANALYSIS_STALE_GRACE_SECONDS=0)

    cast_vote(opinions.statements[0], create_user(), "agree")
    body = _fresh_read(client, opinions.consultation.id)[0].get_json()

    assert body["stale"] is False and body["computed_at"] != first["computed_at"]
