"""cast_vote: one row per person and statement, the last vote counts."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from consult.errors import Conflict, NotAllowed, NotFound
from consult.statements.models import StatementStatus
from consult.votes.models import Vote, VoteValue
from consult.votes.services import cast_vote


def test_cast_vote_upserts(db: Any, dummy_statement: Any, dummy_user: Any) -> None:
    assert cast_vote(dummy_statement, dummy_user, "agree") is VoteValue.agree
    cast_vote(dummy_statement, dummy_user, VoteValue.pass_)
    rows = list(db.session.scalars(select(Vote)))
    assert [(v.user_id, v.value) for v in rows] == [(dummy_user.id, 0)]


def test_cast_vote_on_hidden_statement_is_not_found(
    db: Any, dummy_statement: Any, dummy_user: Any
) -> None:
    dummy_statement.status = StatementStatus.hidden
    with pytest.raises(NotFound):
        cast_vote(dummy_statement, dummy_user, "agree")


def test_cast_vote_in_closed_consultation_is_a_conflict(
    db: Any, dummy_statement: Any, dummy_user: Any
) -> None:
    dummy_statement.consultation.status = dummy_statement.consultation.status.closed
    with pytest.raises(Conflict):
        cast_vote(dummy_statement, dummy_user, "agree")


def test_cast_vote_by_anonymous_is_not_allowed(dummy_statement: Any) -> None:
    from flask_login import AnonymousUserMixin

    with pytest.raises(NotAllowed):
        cast_vote(dummy_statement, AnonymousUserMixin(), "agree")


def test_posting_a_statement_records_the_authors_agree_vote(
    db: Any, dummy_consultation: Any, dummy_user: Any
) -> None:
    from consult.statements.services import create_statement

    statement = create_statement(
        dummy_consultation, dummy_user, text="Plant more trees.", kind="position"
    )
    rows = list(db.session.scalars(select(Vote).where(Vote.statement_id == statement.id)))
    assert [(v.user_id, v.value) for v in rows] == [(dummy_user.id, VoteValue.agree.value)]


def test_the_authors_vote_can_still_be_changed(
    db: Any, dummy_consultation: Any, dummy_user: Any
) -> None:
    from consult.statements.services import create_statement

    statement = create_statement(
        dummy_consultation, dummy_user, text="Plant more trees.", kind="position"
    )
    cast_vote(statement, dummy_user, "pass")
    rows = list(db.session.scalars(select(Vote).where(Vote.statement_id == statement.id)))
    assert [(v.user_id, v.value) for v in rows] == [(dummy_user.id, VoteValue.pass_.value)]
