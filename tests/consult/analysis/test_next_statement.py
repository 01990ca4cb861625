""" "Vote on the next statement" offers only statements a person should be asked about."""

from __future__ import annotations

from typing import Any

from consult.analysis.services import (
    next_statement_for,
    unvoted_statement_count,
    unvoted_statement_ids,
)
from consult.moderation.models import Flag, FlagReason
from consult.statements.models import StatementStatus
from consult.types import utcnow


def test_next_statement_skips_flagged_pending_hidden_and_own(
    db: Any, dummy_consultation: Any, create_statement: Any, create_user: Any
) -> None:
    me, other = create_user(), create_user()
    ok = create_statement(consultation=dummy_consultation, text="Fine.", author=other)
    mine = create_statement(consultation=dummy_consultation, text="Mine.", author=me)
    hidden = create_statement(
        consultation=dummy_consultation, text="Hidden.", status=StatementStatus.hidden
    )
    pending = create_statement(
        consultation=dummy_consultation, text="Pending.", status=StatementStatus.pending
    )
    flagged = create_statement(consultation=dummy_consultation, text="Crypto signals.")
    reviewed = create_statement(consultation=dummy_consultation, text="Reviewed.")
    db.session.add(Flag(statement_id=flagged.id, user_id=other.id, reason=FlagReason.spam))
    db.session.add(
        Flag(
            statement_id=reviewed.id,
            user_id=other.id,
            reason=FlagReason.other,
            resolved_at=utcnow(),
        )
    )
    db.session.flush()
    offered = unvoted_statement_ids(dummy_consultation, me)
    assert offered == sorted([ok.id, reviewed.id])
    assert unvoted_statement_count(dummy_consultation, me) == 2
    assert not {mine.id, hidden.id, pending.id, flagged.id} & set(offered)
    for _ in range(5):
        chosen = next_statement_for(dummy_consultation, me)
        assert chosen is not None and chosen.id in offered


def test_next_statement_offers_a_flagged_statement_once_reviewed(
    db: Any, dummy_consultation: Any, create_statement: Any, create_user: Any
) -> None:
    me, other = create_user(), create_user()
    flagged = create_statement(consultation=dummy_consultation, text="Contested.")
    flag = Flag(statement_id=flagged.id, user_id=other.id, reason=FlagReason.other)
    db.session.add(flag)
    db.session.flush()
    assert next_statement_for(dummy_consultation, me) is None
    flag.resolved_at = utcnow()
    db.session.flush()
    chosen = next_statement_for(dummy_consultation, me)
    assert chosen is not None and chosen.id == flagged.id
