"""Rows → debate types: opaque ids, exclusions, latest vote."""

from __future__ import annotations

import re
from datetime import timedelta

import numpy as np
import pytest

from consult.analysis import adapters
from consult.auth.models import BlockKind, UserBlock
from consult.statements.models import StatementStatus
from consult.types import utcnow
from consult.votes.services import cast_vote
from debate.types import RelationKind


def _votes_of(matrix, participant):
    """Return {statement id: value} of one participant of a VoteMatrix."""
    row = matrix.participants.index(participant)
    mask = matrix.rows == row
    return {
        matrix.statements[c]: int(v)
        for c, v in zip(matrix.cols[mask], matrix.values[mask], strict=True)
    }


def test_analysis_input_participant_ids_are_opaque(make_opinions, db):
    opinions = make_opinions(n=3)
    data = adapters.analysis_input(opinions.consultation)
    people = opinions.camp_a + opinions.camp_b
    assert len(data.matrix.participants) == len(people)
    for pid in data.matrix.participants:
        assert re.fullmatch(r"p[0-9a-f]{16}", pid)
    leaked = {str(u.id) for u in people} | {u.email for u in people}
    assert leaked.isdisjoint(data.matrix.participants)
    user = opinions.camp_a[0]
    assert adapters.participant_id(opinions.consultation.id, user.id) in data.matrix.participants


def test_participant_id_differs_between_consultations_and_is_stable(app):
    first = adapters.participant_id(1, 42)
    assert first == adapters.participant_id(1, 42)
    assert first != adapters.participant_id(2, 42)
    assert first != adapters.participant_id(1, 43)


def test_participant_id_depends_on_the_analysis_key_not_the_session_secret(app):
    before = adapters.participant_id(1, 42)
    app.config["SECRET_KEY"] = "a-rotated-session-secret"
    assert adapters.participant_id(1, 42) == before
    app.config["ANALYSIS_ID_KEY"] = "another-analysis-key"
    assert adapters.participant_id(1, 42) != before


def test_analysis_input_statement_ids_are_database_ids(make_opinions, db):
    opinions = make_opinions(n=2)
    data = adapters.analysis_input(opinions.consultation)
    assert data.matrix.statements == tuple(str(s.id) for s in opinions.statements)
    assert [c.id for c in data.claims] == [str(s.id) for s in opinions.statements]
    assert data.claims[0].text == opinions.statements[0].text
    assert data.claims[0].kind == "position"
    assert data.excluded == {"statements": 0, "participants": 0}


def test_analysis_input_matrix_holds_every_vote(make_opinions, db):
    opinions = make_opinions(n=4)
    data = adapters.analysis_input(opinions.consultation)
    from consult.votes.models import Vote

    n_votes = db.session.query(Vote).filter_by(consultation_id=opinions.consultation.id).count()
    assert data.matrix.n_votes == n_votes
    user = opinions.camp_b[1]
    pid = adapters.participant_id(opinions.consultation.id, user.id)
    expected = {
        str(v.statement_id): v.value for v in db.session.query(Vote).filter_by(user_id=user.id)
    }
    assert _votes_of(data.matrix, pid) == expected


def test_analysis_input_uses_latest_vote(dummy_statement, dummy_user, db):
    cast_vote(dummy_statement, dummy_user, "agree")
    cast_vote(dummy_statement, dummy_user, "disagree")
    data = adapters.analysis_input(dummy_statement.consultation)
    assert data.matrix.values.tolist() == [-1]


def test_analysis_input_hidden_statement_is_moderated_out(make_opinions, db):
    opinions = make_opinions(n=2)
    hidden = opinions.statements[2]
    hidden.status = StatementStatus.hidden
    db.session.flush()
    data = adapters.analysis_input(opinions.consultation)
    column = data.matrix.statements.index(str(hidden.id))
    assert data.matrix.moderated_out == frozenset({column})
    assert str(hidden.id) not in {c.id for c in data.claims}
    assert np.any(data.matrix.cols == column)  # its votes stay, as in Pol.is
    assert data.excluded["statements"] == 1


def test_analysis_input_drops_merged_and_pending_statements(make_opinions, db):
    opinions = make_opinions(n=2)
    merged, pending = opinions.statements[0], opinions.statements[1]
    merged.status = StatementStatus.merged
    merged.merged_into_id = opinions.statements[3].id
    pending.status = StatementStatus.pending
    db.session.flush()
    data = adapters.analysis_input(opinions.consultation)
    assert str(merged.id) not in data.matrix.statements
    assert str(pending.id) not in data.matrix.statements
    assert data.matrix.moderated_out == frozenset()
    assert int(data.matrix.cols.max()) < len(data.matrix.statements)
    assert data.excluded["statements"] == 2


def test_analysis_input_excludes_blocked_participants(make_opinions, db, create_block):
    opinions = make_opinions(n=3)
    blocked = opinions.camp_a[0]
    db.session.add(UserBlock(user_id=blocked.id, kind=BlockKind.block, reason="spam"))
    lifted = opinions.camp_a[1]
    db.session.add(
        UserBlock(user_id=lifted.id, kind=BlockKind.block, reason="x", lifted_at=utcnow())
    )
    expired = opinions.camp_a[2]
    create_block(expired, ends_in=-timedelta(days=1), reason="x")
    db.session.flush()
    data = adapters.analysis_input(opinions.consultation)
    cid = opinions.consultation.id
    assert adapters.participant_id(cid, blocked.id) not in data.matrix.participants
    assert adapters.participant_id(cid, lifted.id) in data.matrix.participants
    assert adapters.participant_id(cid, expired.id) in data.matrix.participants
    assert data.excluded == {"statements": 0, "participants": 1}


def test_analysis_input_follows_moderation_exclusions(make_opinions, db, monkeypatch):
    opinions = make_opinions(n=2)
    excluded_user = opinions.camp_b[0]
    excluded_statement = opinions.statements[4]
    monkeypatch.setattr(
        adapters,
        "excluded_for_analysis",
        lambda consultation: {"statements": [excluded_statement.id], "users": [excluded_user.id]},
        raising=False,
    )
    data = adapters.analysis_input(opinions.consultation)
    column = data.matrix.statements.index(str(excluded_statement.id))
    assert column in data.matrix.moderated_out
    pid = adapters.participant_id(opinions.consultation.id, excluded_user.id)
    assert pid not in data.matrix.participants
    assert data.excluded == {"statements": 1, "participants": 1}


def test_analysis_input_relations_between_visible_statements(
    dummy_consultation, create_statement, db
):
    position = create_statement(consultation=dummy_consultation, text="Plant more trees.")
    pro = create_statement(consultation=dummy_consultation, text="Shade.", supports=position)
    con = create_statement(consultation=dummy_consultation, text="Costly.", attacks=position)
    gone = create_statement(consultation=dummy_consultation, text="Spam.", attacks=position)
    gone.status = StatementStatus.hidden
    db.session.flush()
    data = adapters.analysis_input(dummy_consultation)
    relations = {(r.source, r.target, r.relation) for r in data.relations}
    assert relations == {
        (str(pro.id), str(position.id), RelationKind.SUPPORT),
        (str(con.id), str(position.id), RelationKind.ATTACK),
    }
    assert {c.id: c.kind for c in data.claims}[str(pro.id)] == "argument"


def test_analysis_input_empty_consultation(dummy_consultation, db):
    data = adapters.analysis_input(dummy_consultation)
    assert data.matrix.shape == (0, 0)
    assert data.matrix.n_votes == 0


@pytest.mark.parametrize("keys", [["12", "x", "7"]])
def test_statement_ids_of_ignores_foreign_ids(keys):
    assert adapters.statement_ids_of(keys) == [12, 7]
