"""The signed-in thread page's cards from a shared render, filled in per participant."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from consult.auth.models import Role, User
from consult.consultations.models import Consultation, ModerationMode
from consult.extensions import db
from consult.languages.services import save_translation
from consult.moderation.flags.services import flag_statement
from consult.statements.models import Statement, StatementStatus
from consult.types import utcnow
from consult.votes.importance import mark_important
from consult.votes.services import cast_vote
from tests.clients import Caller

PATHS = ("", "?sort=newest", "?sort=votes", "?page=2", "?sort=votes&page=2")
LANGUAGES = ("en", "kk", "ru")
_TOKENS = re.compile(r'(name="csrf_token" value="|name="csrf-token" content=")[^"]+')


@pytest.fixture
def call(client: Any, create_token: Callable[[User], str]) -> Caller:
    return Caller(client, create_token)


@pytest.fixture
def viewers(create_user: Callable[..., User]) -> list[User]:
    """Three established participants: two who took part, one who did nothing yet."""
    return [
        create_user(display_name=f"Viewer {n}", created_at=utcnow() - timedelta(days=60 + n))
        for n in range(3)
    ]


@pytest.fixture
def discussion(
    app: Flask,
    create_consultation: Callable[..., Consultation],
    create_statement: Callable[..., Statement],
    create_user: Callable[..., User],
    viewers: list[User],
) -> Consultation:
    """Seven positions (two pages of four) with replies; the viewers wrote some, voted on many,
    flagged and marked some; one statement is translated into kk and ru."""
    app.config.update(THREAD_PAGE_SIZE=4)
    consultation = create_consultation(title="Winter air")
    others = [
        create_user(display_name=f"Citizen {n}", created_at=utcnow() - timedelta(days=90))
        for n in range(3)
    ]
    a, b, _c = viewers
    statements: list[Statement] = []
    for p in range(7):
        author = (a, b, *others)[p % 5]
        position = create_statement(consultation=consultation, author=author, text=f"Position {p}")
        statements.append(position)
        for r in range(2):
            writer = (others[r], a if p % 2 else b)[r]
            relation = {"supports": position} if r == 0 else {"attacks": position}
            statements.append(
                create_statement(
                    consultation=consultation, author=writer, text=f"Reply {p}.{r}", **relation
                )
            )
    for i, statement in enumerate(statements):
        for n, viewer in enumerate((a, b)):
            if (i + n) % 4 != 3 and statement.author_id != viewer.id:
                cast_vote(statement, viewer, ("agree", "disagree", "pass")[(i + n) % 3])
            if (i + n) % 3 == 1:
                mark_important(statement, viewer)
            if (i + n) % 5 == 2 and statement.author_id != viewer.id:
                flag_statement(statement, viewer, reason="spam")
    for language in ("kk", "ru"):
        save_translation(
            statements[0].id,
            "en",
            language,
            f"Position 0 ({language})",
            translator_id=None,
            machine=True,
        )
    db.session.commit()
    return consultation


def _get(app: Flask, call: Caller, url: str, viewer: User, *, shared: bool) -> Any:
    app.config["THREAD_FRAGMENTS"] = shared
    response = call.page("GET", url, viewer)
    assert response.status_code == 200
    return response


def _html(response: Any) -> str:
    return _TOKENS.sub(r"\1…", str(response.get_data(as_text=True)))


def test_shared_cards_filled_in_equal_the_full_render(
    app: Flask, call: Caller, discussion: Consultation, viewers: list[User]
) -> None:
    seen: dict[str, set[str]] = {"miss": set(), "hit": set()}
    for language in LANGUAGES:
        for path in PATHS:
            url = f"/consultations/{discussion.slug}{path}"
            for viewer in viewers:  # the first one renders the shared cards, the others reuse
                viewer.locale = language
                full = _get(app, call, url, viewer, shared=False)
                shared = _get(app, call, url, viewer, shared=True)
                assert "X-Kenes-Cards" not in full.headers
                state = shared.headers["X-Kenes-Cards"]
                seen[state].add(f"{language}{path}")
                assert _html(shared) == _html(full), (language, path, viewer.display_name)
                assert "\x00" not in shared.get_data(as_text=True)
                assert "__kenes_csrf_token__" not in shared.get_data(as_text=True)
    every = {f"{language}{path}" for language in LANGUAGES for path in PATHS}
    assert seen["miss"] == every and seen["hit"] == every


def test_each_viewer_sees_their_own_marks_on_the_shared_cards(
    app: Flask, call: Caller, discussion: Consultation, viewers: list[User]
) -> None:
    a, b, c = viewers
    url = f"/consultations/{discussion.slug}"
    pages = {v.id: _html(_get(app, call, url, v, shared=True)) for v in (a, b, c)}
    assert len(set(pages.values())) == 3
    assert pages[c.id].count('aria-pressed="true"') == 0
    assert pages[a.id].count('aria-pressed="true"') > 0
    assert 'class="badge">You<' not in pages[c.id] and 'class="badge">You<' in pages[a.id]
    assert "You flagged this statement" in pages[a.id]
    assert "You flagged this statement" not in pages[c.id]
    assert "importance-toggle is-marked" in pages[b.id]
    assert "importance-toggle is-marked" not in pages[c.id]


def test_a_vote_and_a_post_show_on_the_next_shared_render(
    app: Flask, call: Caller, discussion: Consultation, viewers: list[User]
) -> None:
    a, _b, c = viewers
    url = f"/consultations/{discussion.slug}"
    assert _get(app, call, url, c, shared=True).headers["X-Kenes-Cards"] == "miss"
    assert _get(app, call, url, a, shared=True).headers["X-Kenes-Cards"] == "hit"
    first = db.session.scalars(
        db.select(Statement)
        .where(Statement.consultation_id == discussion.id)
        .order_by(Statement.id)
    ).first()
    assert first is not None
    agreed = call.api("PUT", f"/api/v1/statements/{first.id}/vote", c, json={"value": "agree"})
    assert agreed.status_code == 200

    after = _get(app, call, url, a, shared=True)
    assert after.headers["X-Kenes-Cards"] == "miss"  # a new content version
    assert _html(after) == _html(_get(app, call, url, a, shared=False))
    mine = _get(app, call, url, c, shared=True)
    assert mine.headers["X-Kenes-Cards"] == "hit"
    card = _html(mine).split(f'id="s-{first.id}"', 1)[1].split("</article>", 1)[0]
    assert re.search(r'value="agree" class="vote-button agree" aria-pressed="true"', card)

    posted = call.page(
        "POST",
        f"/consultations/{discussion.slug}/statements",
        c,
        data={"kind": "position", "text": "A brand new position from Viewer 2"},
    )
    assert posted.status_code in (302, 303), posted.status_code
    newest = _get(app, call, f"{url}?sort=newest", a, shared=True)
    assert "A brand new position from Viewer 2" in _html(newest)
    assert _html(newest) == _html(_get(app, call, f"{url}?sort=newest", a, shared=False))


def test_a_viewer_with_statements_awaiting_moderation_gets_the_full_render(
    app: Flask,
    call: Caller,
    discussion: Consultation,
    viewers: list[User],
    create_statement: Callable[..., Statement],
) -> None:
    a, b, _c = viewers
    url = f"/consultations/{discussion.slug}?sort=newest"
    discussion.moderation = ModerationMode.pre
    create_statement(
        consultation=discussion, author=a, text="Mine, awaiting", status=StatementStatus.pending
    )
    own = _get(app, call, url, a, shared=True)
    assert "X-Kenes-Cards" not in own.headers and "Mine, awaiting" in _html(own)
    other = _get(app, call, url, b, shared=True)
    assert other.headers["X-Kenes-Cards"] in ("miss", "hit")
    assert "Mine, awaiting" not in _html(other)


def test_staff_and_closed_consultations_get_the_full_render(
    app: Flask,
    call: Caller,
    discussion: Consultation,
    create_user: Callable[..., User],
) -> None:
    url = f"/consultations/{discussion.slug}"
    admin = create_user(role=Role.admin)
    assert "X-Kenes-Cards" not in _get(app, call, url, admin, shared=True).headers
    owner = discussion.members[0].user
    assert "X-Kenes-Cards" not in _get(app, call, url, owner, shared=True).headers
