"""The thread page at scale: a bounded first screen, replies on demand, the anonymous cache."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import g
from sqlalchemy import event, select

from consult.consultations.models import Consultation
from consult.extensions import db as _db
from consult.statements.models import Statement
from consult.votes.models import Vote


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Collect the SQL statements sent while the block runs."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(_db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(_db.engine, "before_cursor_execute", record)


def build(
    create_consultation: Any,
    create_statement: Any,
    author: Any,
    *,
    positions: int,
    replies: int,
    depth: int = 5,
    slug: str,
) -> Consultation:
    """``positions`` positions, each with ``replies`` replies and a chain ``depth`` deep."""
    consultation = create_consultation(slug=slug)
    for p in range(positions):
        position = create_statement(consultation=consultation, author=author, text=f"P{p}")
        for r in range(replies):
            create_statement(
                consultation=consultation, author=author, supports=position, text=f"P{p} R{r}"
            )
        parent = position
        for d in range(depth):
            parent = create_statement(
                consultation=consultation, author=author, attacks=parent, text=f"P{p} D{d}"
            )
    return consultation


def test_thread_page_queries_do_not_grow_with_the_consultation(
    call: Any, create_consultation: Any, create_statement: Any, create_vote: Any, people: Any
) -> None:
    small = build(
        create_consultation, create_statement, people[0], positions=1, replies=4, slug="s"
    )
    large = build(
        create_consultation, create_statement, people[0], positions=25, replies=3, slug="l"
    )
    for statement in _db.session.scalars(select(Statement).limit(40)):
        create_vote(statement, 1)
    assert _db.session.scalar(select(_db.func.count(Statement.id))) == 10 + 225
    for viewer in (None, people[1]):
        if viewer is not None:
            # A first request signs the viewer in (a server-side session row): not a page cost.
            for consultation in (small, large):
                call.page("GET", f"/consultations/{consultation.slug}", viewer)
        counts = []
        for consultation in (small, large):
            with count_queries() as queries:
                response = call.page("GET", f"/consultations/{consultation.slug}", viewer)
            assert response.status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1], (viewer, counts)
        # two for the languages: versions of the question, translations; one for the names of
        # the staff account that asked it in the reader's language
        assert counts[1] <= 28


def test_first_screen_shows_the_strongest_replies_and_links_to_the_rest(
    call: Any, app: Any, consultation: Any, statement: Any, create_statement: Any, create_vote: Any
) -> None:
    app.config.update(THREAD_REPLIES_SHOWN=2)
    replies = [
        create_statement(consultation=consultation, supports=statement, text=f"Reply {i}")
        for i in range(5)
    ]
    for _ in range(3):
        create_vote(replies[4], 1)
    create_vote(replies[3], 1)
    create_vote(replies[0], -1)

    html = call.page("GET", f"/consultations/{consultation.slug}").get_data(as_text=True)

    assert "Reply 4" in html and "Reply 3" in html
    assert "Reply 0" not in html and "Reply 1" not in html and "Reply 2" not in html
    assert html.index("Reply 4") < html.index("Reply 3")
    assert f'href="/statements/{statement.id}/branch"' in html
    assert "Show 3 more replies" in html


@pytest.fixture
def answers(app: Any, consultation: Any, statement: Any, create_statement: Any) -> Any:
    """``answers(count, page_size)``: attack the statement ``count`` times ("Answer 0", …) and
    show ``page_size`` replies a page."""

    def make(count: int, page_size: int) -> None:
        app.config.update(THREAD_PAGE_SIZE=page_size)
        for i in range(count):
            create_statement(consultation=consultation, attacks=statement, text=f"Answer {i}")

    return make


def test_branch_page_lists_every_reply_a_page_at_a_time(
    call: Any, statement: Any, answers: Any
) -> None:
    answers(5, page_size=3)

    first = call.page("GET", f"/statements/{statement.id}/branch").get_data(as_text=True)
    second = call.page("GET", f"/statements/{statement.id}/branch?page=2").get_data(as_text=True)

    assert [f"Answer {i}" in first for i in range(5)] == [True] * 3 + [False] * 2
    assert [f"Answer {i}" in second for i in range(5)] == [False] * 3 + [True] * 2
    assert "5 replies" in first and "Page 1 of 2" in first
    assert 'class="breadcrumbs branch-crumbs"' in first


def test_former_replies_address_redirects_to_the_branch_page(
    call: Any, consultation: Any, statement: Any
) -> None:
    response = call.page("GET", f"/statements/{statement.id}/replies?page=2&fragment=1")

    assert response.status_code == 301
    assert response.headers["Location"].endswith(
        f"/statements/{statement.id}/branch?page=2&fragment=1"
    )


def test_branch_fragment_is_the_list_only_with_a_link_to_the_next_page(
    call: Any, statement: Any, answers: Any
) -> None:
    answers(3, page_size=2)

    html = call.page("GET", f"/statements/{statement.id}/branch?fragment=1").get_data(as_text=True)

    assert html.lstrip().startswith("<ol") and "<html" not in html
    assert "Answer 0" in html and "Answer 2" not in html
    assert f"/statements/{statement.id}/branch?page=2&amp;fragment=1" in html


def test_branch_of_a_draft_is_404_to_others(
    call: Any, create_consultation: Any, create_statement: Any, people: Any
) -> None:
    from consult.consultations.models import ConsultationStatus

    draft = create_consultation(status=ConsultationStatus.draft)
    position = create_statement(consultation=draft)

    assert call.page("GET", f"/statements/{position.id}/branch", people[0]).status_code == 404
    assert call.page("GET", "/statements/999999/branch").status_code == 404


def test_positions_are_paginated(
    call: Any, app: Any, consultation: Any, create_statement: Any
) -> None:
    app.config.update(THREAD_PAGE_SIZE=2)
    for i in range(3):
        create_statement(consultation=consultation, text=f"Position number {i}")

    first = call.page("GET", f"/consultations/{consultation.slug}").get_data(as_text=True)
    second = call.page("GET", f"/consultations/{consultation.slug}?page=2").get_data(as_text=True)

    assert "Position number 0" in first and "Position number 2" not in first
    assert "Position number 2" in second and "Position number 0" not in second
    assert "Page 1 of 2" in first


# --- the content version and the cached anonymous page ----------------------------------------


def _version(consultation: Consultation) -> int:
    _db.session.expire_all()
    return int(
        _db.session.scalar(
            select(Consultation.content_version).where(Consultation.id == consultation.id)
        )
    )


def test_a_vote_bumps_the_content_version_in_its_transaction(
    call: Any, db: Any, consultation: Any, statement: Any, people: Any
) -> None:
    db.session.commit()
    before = _version(consultation)

    response = call.api(
        "PUT", f"/api/v1/statements/{statement.id}/vote", people[0], json={"value": "agree"}
    )

    assert response.status_code == 200
    assert _version(consultation) == before + 1


def test_a_post_and_a_rolled_back_change(
    db: Any, consultation: Any, statement: Any, create_statement: Any
) -> None:
    db.session.commit()
    before = _version(consultation)
    create_statement(consultation=consultation, supports=statement)
    db.session.commit()
    assert _version(consultation) == before + 1
    create_statement(consultation=consultation, supports=statement)
    db.session.rollback()
    assert _version(consultation) == before + 1


def test_anonymous_page_is_cached_until_a_vote(
    call: Any, consultation: Any, statement: Any, people: Any
) -> None:
    url = f"/consultations/{consultation.slug}"
    first = call.page("GET", url)
    second = call.page("GET", url)
    assert first.headers["X-Kenes-Cache"] == "miss"
    assert second.headers["X-Kenes-Cache"] == "hit"
    assert second.get_data() == first.get_data() or _same_but_token(first, second)

    call.api("PUT", f"/api/v1/statements/{statement.id}/vote", people[0], json={"value": "agree"})
    third = call.page("GET", url)

    assert third.headers["X-Kenes-Cache"] == "miss"
    agree = re.search(
        r'class="vote-button agree"[^>]*>Agree <span class="count">(\d+)', _text(third)
    )
    assert agree is not None and agree.group(1) == "1"


def test_cached_page_carries_each_visitors_own_csrf_token(
    app: Any, consultation: Any, statement: Any
) -> None:
    url = f"/consultations/{consultation.slug}"
    _db.session.commit()
    tokens = []
    for _ in range(2):
        client = app.test_client()  # a new visitor: a new session
        g.pop("csrf_token", None)  # the tests' requests share one app context (g)
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert "__kenes_csrf_token__" not in html
        assert "session=" in response.headers.get("Set-Cookie", "")  # the token's secret
        found = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
        assert found is not None
        tokens.append(found.group(1))
    assert tokens[0] != tokens[1]


def test_signed_in_pages_are_not_cached(call: Any, consultation: Any, people: Any) -> None:
    response = call.page("GET", f"/consultations/{consultation.slug}", people[0])
    assert "X-Kenes-Cache" not in response.headers


@pytest.mark.parametrize("query", ["?utm=x", "?sort=votes&x=1"])
def test_unknown_query_strings_are_not_cached(call: Any, consultation: Any, query: str) -> None:
    response = call.page("GET", f"/consultations/{consultation.slug}{query}")
    assert response.status_code == 200 and "X-Kenes-Cache" not in response.headers


def _text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def _same_but_token(a: Any, b: Any) -> bool:
    pattern = re.compile(r'(name="csrf_token" value="|name="csrf-token" content=")[^"]+')
    return pattern.sub("", _text(a)) == pattern.sub("", _text(b))


def test_vote_table_is_untouched_by_a_page_view(call: Any, consultation: Any) -> None:
    call.page("GET", f"/consultations/{consultation.slug}")
    assert _db.session.scalar(select(_db.func.count(Vote.id))) == 0


def test_signed_in_thread_page_reads_the_viewers_state_in_batched_queries(
    client: Any, create_consultation: Any, create_statement: Any, people: Any
) -> None:
    from consult.moderation.flags.services import flag_statement
    from consult.votes.importance import mark_important
    from consult.votes.services import cast_vote

    author, viewer = people[0], people[1]
    small = build(create_consultation, create_statement, author, positions=1, replies=2, slug="s")
    large = build(create_consultation, create_statement, author, positions=25, replies=3, slug="l")
    for consultation in (small, large):
        shown = _db.session.scalars(
            select(Statement).where(Statement.consultation_id == consultation.id).limit(30)
        ).all()
        for i, statement in enumerate(shown):
            cast_vote(statement, viewer, ("agree", "disagree", "pass")[i % 3])
            if i % 2:
                mark_important(statement, viewer)
            if i % 5 == 4:
                flag_statement(statement, viewer, reason="spam")
    session_id = viewer.get_id()
    paths = [f"/consultations/{c.slug}" for c in (small, large)]
    _db.session.commit()
    sent: dict[str, list[list[str]]] = {"miss": [], "hit": []}
    for path in paths:
        for state in ("miss", "hit"):  # the first participant renders the shared cards
            _db.session.expunge_all()  # the request loads what it needs, as in production
            g.pop("_login_user", None)
            with client.session_transaction() as session:
                session["_user_id"] = session_id
                session["_fresh"] = True
            with count_queries() as queries:
                response = client.get(path)
            assert response.status_code == 200
            assert response.headers["X-Kenes-Cards"] == state
            assert 'aria-pressed="true"' in response.get_data(as_text=True)  # the viewer's votes
            sent[state].append([" ".join(q.split()) for q in queries])
    for state, bound in (("miss", 29), ("hit", 12)):
        for page in sent[state]:
            # The session's account with its standing, the consultation, whether the viewer has
            # statements awaiting moderation, (on a miss: the statements, up to 4 ranking levels,
            # their counts and authors), the viewer's votes, flags and importance marks, the
            # analysis, responses, the header counts, languages, the asker's names in the
            # reader's language, notifications: bounded, whatever the consultation's size or how
            # much the viewer did in it.
            assert len(page) <= bound, (state, page)
            assert page[0].startswith("SELECT users.id") and "login_sessions" in page[0], page[0]
            assert not any(q.startswith("SELECT user_blocks") for q in page)  # with the account
            for marker in (
                "FROM votes WHERE votes.user_id",
                "FROM flags WHERE flags.user_id",
                "FROM importance_marks WHERE importance_marks.user_id",
            ):
                assert sum(marker in q for q in page) == 1, (marker, page)
    for page in sent["hit"]:  # the cards come from the shared render: no ranking, no texts
        assert not any("statement_links" in q for q in page), page
