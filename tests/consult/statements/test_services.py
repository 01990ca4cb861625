"""Statement services: posting (validation, links, moderation) and the thread tree."""

from __future__ import annotations

from typing import Any

import pytest

from consult.consultations.models import ModerationMode
from consult.errors import Conflict, NotAllowed, ValidationFailed
from consult.statements.models import Relation, StatementKind, StatementStatus
from consult.statements.services import (
    build_threads,
    clean_text,
    create_statement,
    statement_views,
    text_key,
)


def test_clean_text_normalises_and_strips_control_characters() -> None:
    assert clean_text("  a\u202eb\r\nc\x00  \n\n\n\nd ") == "ab\nc\n\nd"


def test_text_key_ignores_case_punctuation_and_spacing() -> None:
    assert text_key("Free  buses, now!") == text_key("free buses now")
    assert text_key("Free buses") != text_key("Paid buses")


def test_create_argument_with_two_links(
    db: Any, dummy_consultation: Any, create_statement: Any, dummy_user: Any
) -> None:
    a = create_statement(consultation=dummy_consultation)
    b = create_statement(consultation=dummy_consultation)
    argument = create_statement_service(
        dummy_consultation, dummy_user, "Both wrong.", [(a.id, "attack"), (b.id, "support")]
    )
    links = {(link.target_id, link.relation) for link in argument.outgoing}
    assert links == {(a.id, Relation.attack), (b.id, Relation.support)}


def create_statement_service(consultation: Any, actor: Any, text: str, links: Any) -> Any:
    return create_statement(
        consultation, actor, text=text, kind=StatementKind.argument, links=links
    )


def test_create_argument_without_link_fails(dummy_consultation: Any, dummy_user: Any) -> None:
    with pytest.raises(ValidationFailed, match="must support or attack"):
        create_statement_service(dummy_consultation, dummy_user, "Floating.", [])


def test_create_statement_pre_moderated_is_pending_except_for_moderators(
    create_consultation: Any, create_user: Any
) -> None:
    moderator = create_user(role="moderator")
    consultation = create_consultation(moderation=ModerationMode.pre, moderators=[moderator])
    citizen = create_statement(consultation, create_user(), text="Hi.", kind="position")
    staff = create_statement(consultation, moderator, text="Hello.", kind="position")
    assert (citizen.status, staff.status) == (StatementStatus.pending, StatementStatus.visible)


def test_create_statement_in_closed_consultation_is_a_conflict(
    create_consultation: Any, dummy_user: Any
) -> None:
    with pytest.raises(Conflict):
        create_statement(
            create_consultation(status="closed"), dummy_user, text="Late.", kind="position"
        )


def test_create_statement_by_anonymous_is_not_allowed(dummy_consultation: Any) -> None:
    from flask_login import AnonymousUserMixin

    with pytest.raises(NotAllowed):
        create_statement(dummy_consultation, AnonymousUserMixin(), text="Hi.", kind="position")


def test_build_threads_unrolls_a_dag_and_cuts_cycles(
    db: Any, dummy_consultation: Any, create_statement: Any, add_link: Any
) -> None:
    p = create_statement(consultation=dummy_consultation)
    a = create_statement(consultation=dummy_consultation, supports=p)
    b = create_statement(consultation=dummy_consultation, attacks=a)
    # b also attacks p, and a attacks b: a cycle a -> b -> a.
    for source, target in ((b, p), (a, b)):
        add_link(source, target, "attack")
    (root,) = build_threads(statement_views(dummy_consultation, None))
    assert root.view.id == p.id
    assert [(c.view.id, c.relation) for c in root.children] == [(a.id, "support"), (b.id, "attack")]
    under_a = root.children[0].children[0]
    assert under_a.view.id == b.id
    assert under_a.children[0].view.id == a.id and under_a.children[0].repeated


def test_statement_views_count_votes_and_my_vote(
    dummy_statement: Any, create_vote: Any, dummy_user: Any
) -> None:
    create_vote(dummy_statement, 1)
    create_vote(dummy_statement, 0)
    create_vote(dummy_statement, -1, user=dummy_user)
    view = statement_views(dummy_statement.consultation, dummy_user)[dummy_statement.id]
    assert (view.agree, view.disagree, view.pass_, view.total) == (1, 1, 1, 3)
    assert view.my_vote == -1
