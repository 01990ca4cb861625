"""Posting positions and arguments from the discussion page; statement permalinks."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from consult.auth.models import User
from consult.consultations.models import Consultation, ConsultationStatus, ModerationMode
from consult.statements.models import (
    Statement,
    StatementKind,
    StatementLink,
    StatementStatus,
)
from consult.types import utcnow


def count_statements(db: Any) -> int:
    return db.session.scalar(select(func.count(Statement.id)))


@pytest.fixture
def open_consultation(create_consultation: Any) -> Consultation:
    return create_consultation(slug="air", title="Clean air")


def post(client: Any, slug: str = "air", **data: Any) -> Any:
    return client.post(f"/consultations/{slug}/statements", data=data)


@pytest.fixture
def post_as_user(client: Any, auth: Any, dummy_user: User, open_consultation: Consultation) -> Any:
    """Log the dummy user in; ``post_as_user(**form)`` then posts in the "air" consultation."""
    auth.login(dummy_user)
    return lambda **data: post(client, **data)


# --- positions -------------------------------------------------------------------------------


def test_post_position_publishes_and_redirects_to_it(
    client: Any, db: Any, dummy_user: User, post_as_user: Any
) -> None:
    response = post_as_user(kind="position", text="  Plant more trees\r\nalong the rivers.  ")
    assert response.status_code == 303
    statement = db.session.scalar(select(Statement))
    assert response.headers["Location"] == f"/consultations/air#s-{statement.id}"
    assert statement.text == "Plant more trees\nalong the rivers."
    assert statement.kind is StatementKind.position
    assert statement.status is StatementStatus.visible
    assert statement.author_id == dummy_user.id
    page = client.get("/consultations/air").data.decode()
    assert "Your position has been published." in page
    assert f'id="s-{statement.id}"' in page


def test_post_position_in_a_pre_moderated_consultation_waits(
    client: Any, auth: Any, db: Any, create_consultation: Any, dummy_user: User
) -> None:
    create_consultation(slug="pre", moderation=ModerationMode.pre)
    auth.login(dummy_user)
    assert post(client, "pre", kind="position", text="Check me first.").status_code == 303
    assert db.session.scalar(select(Statement)).status is StatementStatus.pending
    page = client.get("/consultations/pre").data.decode()
    assert "will appear once a moderator has approved it" in page
    assert "Awaiting moderation" in page


def test_post_without_kind_is_a_position(db: Any, post_as_user: Any) -> None:
    assert post_as_user(text="No kind given.").status_code == 303
    assert db.session.scalar(select(Statement)).kind is StatementKind.position


def test_post_needs_login(client: Any, db: Any, open_consultation: Consultation) -> None:
    response = post(client, kind="position", text="Anonymous.")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=/consultations/air"
    assert count_statements(db) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Write your position first."),
        (" \n\t ", "Write your position first."),
        ("\u200b\u202e", "Write something first."),
        ("x" * 2001, "Use at most 2,000 characters (you wrote 2,001)."),
    ],
)
def test_post_position_rejects_bad_text(
    db: Any, post_as_user: Any, text: str, message: str
) -> None:
    response = post_as_user(kind="position", text=text)
    assert response.status_code == 422
    page = response.data.decode()
    assert message in page
    assert 'class="error-summary"' in page and 'href="#position-text"' in page
    assert count_statements(db) == 0


def test_post_position_of_2000_characters_is_accepted(db: Any, post_as_user: Any) -> None:
    # Windows line ends count as one character, as the browser's maxlength does.
    text = "ab\r\n" * 666 + "ab"
    assert len(text.replace("\r\n", "\n")) == 2000
    assert post_as_user(kind="position", text=text).status_code == 303
    assert count_statements(db) == 1


def test_post_rejected_text_is_kept_in_the_form(post_as_user: Any) -> None:
    response = post_as_user(kind="position", text="<b>" + "x" * 2000)
    assert response.status_code == 422
    assert "&lt;b&gt;xxx" in response.data.decode()


def test_post_same_text_twice_is_refused(db: Any, post_as_user: Any) -> None:
    post_as_user(kind="position", text="Free buses on smog days.")
    response = post_as_user(kind="position", text="free buses on SMOG days!")
    assert response.status_code == 409
    assert "You have already posted this." in response.data.decode()
    assert count_statements(db) == 1


def test_post_unknown_kind_is_422(db: Any, post_as_user: Any) -> None:
    response = post_as_user(kind="manifesto", text="Hello.")
    assert response.status_code == 422
    assert "Unknown kind of statement." in response.data.decode()
    assert count_statements(db) == 0


# --- arguments -------------------------------------------------------------------------------


def test_post_argument_links_to_its_target(
    client: Any,
    db: Any,
    open_consultation: Consultation,
    dummy_statement: Statement,
    create_statement: Any,
    post_as_user: Any,
) -> None:
    target = create_statement(consultation=open_consultation, text="Ban coal.")
    response = post_as_user(
        kind="argument", target=str(target.id), relation="attack", text="Too costly."
    )
    assert response.status_code == 303
    argument = db.session.scalar(select(Statement).where(Statement.text == "Too costly."))
    assert argument.kind is StatementKind.argument
    link = db.session.scalar(select(StatementLink).where(StatementLink.source_id == argument.id))
    assert (link.target_id, link.relation.value) == (target.id, "attack")
    page = client.get("/consultations/air").data.decode()
    assert page.index(f'id="s-{target.id}"') < page.index(f'id="s-{argument.id}"')
    assert "Your argument has been published." in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"relation": "support", "text": "No target."}, "Choose the statement you are answering."),
        ({"target": "{id}", "text": "No relation."}, "Choose for or against."),
        ({"target": "{id}", "relation": "love", "text": "Odd."}, "Not a valid choice"),
        ({"target": "{id}", "relation": "support", "text": ""}, "Write your argument first."),
        ({"target": "abc", "relation": "support", "text": "Bad id."}, "Not a valid integer"),
        ({"target": "999999", "relation": "support", "text": "Gone."}, "is not in this"),
        ({"target": "{other}", "relation": "attack", "text": "Cross."}, "is not in this consul"),
    ],
)
def test_post_argument_rejects_bad_input(
    db: Any,
    open_consultation: Consultation,
    create_consultation: Any,
    create_statement: Any,
    post_as_user: Any,
    data: dict[str, str],
    message: str,
) -> None:
    target = create_statement(consultation=open_consultation)
    # a statement of another consultation
    other = create_statement(consultation=create_consultation())
    data = {key: value.format(id=target.id, other=other.id) for key, value in data.items()}
    response = post_as_user(kind="argument", **data)
    assert response.status_code == 422
    assert message in response.data.decode()
    assert count_statements(db) == 2


def test_post_argument_error_reopens_its_reply_form(
    open_consultation: Consultation, create_statement: Any, post_as_user: Any
) -> None:
    target = create_statement(consultation=open_consultation)
    response = post_as_user(kind="argument", target=str(target.id), text="Which side?")
    page = response.data.decode()
    assert re.search(r'<details class="reply" open>\s*<summary>Reply', page)
    assert f'href="#reply-{target.id}-support"' in page
    assert ">Which side?</textarea>" in page


@pytest.mark.parametrize(
    "status", [StatementStatus.hidden, StatementStatus.pending, StatementStatus.merged]
)
def test_post_argument_on_a_statement_that_is_not_visible_is_422(
    db: Any,
    open_consultation: Consultation,
    create_statement: Any,
    dummy_user: User,
    post_as_user: Any,
    status: StatementStatus,
) -> None:
    target = create_statement(consultation=open_consultation, status=status, author=dummy_user)
    response = post_as_user(kind="argument", target=str(target.id), relation="support", text="x")
    assert response.status_code == 422
    assert "cannot be replied to" in response.data.decode()
    assert count_statements(db) == 1


# --- where posting is not possible ----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "own", "expected"),
    [
        (ConsultationStatus.closed, False, 409),
        (ConsultationStatus.reported, False, 409),
        (ConsultationStatus.draft, False, 404),
        (ConsultationStatus.draft, True, 409),
        (None, False, 404),
    ],
    ids=["closed", "reported", "someone-elses-draft", "own-draft", "missing-consultation"],
)
def test_post_where_posting_is_not_possible(
    client: Any,
    auth: Any,
    db: Any,
    create_consultation: Any,
    dummy_user: User,
    dummy_policymaker: User,
    status: ConsultationStatus | None,
    own: bool,
    expected: int,
) -> None:
    """Closed or reported: 409; a draft: 404 to others, 409 to its owner; no such slug: 404."""
    poster = dummy_policymaker if own else dummy_user
    if status is not None:
        owner = {"owner": poster} if own else {}
        create_consultation(slug="here", status=status, **owner)
    auth.login(poster)
    assert post(client, "here", kind="position", text="Hello.").status_code == expected
    assert count_statements(db) == 0


def test_post_by_a_blocked_account_is_403(
    client: Any,
    auth: Any,
    db: Any,
    open_consultation: Consultation,
    dummy_user: User,
    create_block: Any,
) -> None:
    create_block(dummy_user)
    auth.login(dummy_user)
    assert post(client, kind="position", text="Let me in.").status_code == 403
    assert count_statements(db) == 0


def test_post_needs_post(client: Any, open_consultation: Consultation) -> None:
    assert client.get("/consultations/air/statements").status_code == 405


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_post_needs_a_csrf_token(
    client: Any, auth: Any, db: Any, open_consultation: Consultation, dummy_user: User
) -> None:
    auth.login(dummy_user)
    assert post(client, kind="position", text="Forged.").status_code == 400
    page = client.get("/consultations/air").data.decode()
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    assert post(client, kind="position", text="Real.", csrf_token=token).status_code == 303
    assert count_statements(db) == 1


@pytest.mark.parametrize(
    "app_config",
    [
        {
            "RATELIMIT_ENABLED": True,
            "RATE_LIMIT_POST": "3 per minute",
            "RATE_LIMIT_POST_NEW_ACCOUNT": "1 per minute",
        }
    ],
)
def test_post_is_rate_limited_more_strictly_for_new_accounts(
    client: Any, auth: Any, db: Any, open_consultation: Consultation, create_user: Any
) -> None:
    auth.login(create_user())
    assert post(client, kind="position", text="First.").status_code == 303
    assert post(client, kind="position", text="Second.").status_code == 429
    auth.login(create_user(created_at=utcnow() - timedelta(days=30)))
    for n in range(3):
        assert post(client, kind="position", text=f"Old hand {n}.").status_code == 303
    assert post(client, kind="position", text="One too many.").status_code == 429
    assert count_statements(db) == 4


# --- permalinks ------------------------------------------------------------------------------


def test_show_redirects_to_the_thread_anchor(client: Any, dummy_statement: Statement) -> None:
    response = client.get(f"/statements/{dummy_statement.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == (
        f"/consultations/public-transport#s-{dummy_statement.id}"
    )


def test_show_follows_merges(
    client: Any, db: Any, dummy_statement: Statement, create_statement: Any
) -> None:
    older = create_statement(consultation=dummy_statement.consultation)
    oldest = create_statement(consultation=dummy_statement.consultation)
    older.status, older.merged_into_id = StatementStatus.merged, dummy_statement.id
    oldest.status, oldest.merged_into_id = StatementStatus.merged, older.id
    db.session.flush()
    response = client.get(f"/statements/{oldest.id}")
    assert response.headers["Location"].endswith(f"#s-{dummy_statement.id}")


def test_show_merge_loop_is_404(
    client: Any, db: Any, dummy_statement: Statement, create_statement: Any
) -> None:
    other = create_statement(consultation=dummy_statement.consultation)
    dummy_statement.status, dummy_statement.merged_into_id = StatementStatus.merged, other.id
    other.status, other.merged_into_id = StatementStatus.merged, dummy_statement.id
    db.session.flush()
    assert client.get(f"/statements/{other.id}").status_code == 404


def test_show_missing_or_hidden_statement_is_404(
    client: Any, db: Any, dummy_statement: Statement
) -> None:
    assert client.get("/statements/999999").status_code == 404
    dummy_statement.status = StatementStatus.hidden
    db.session.flush()
    assert client.get(f"/statements/{dummy_statement.id}").status_code == 404


def test_show_pending_statement_only_for_its_author(
    client: Any, auth: Any, create_statement: Any, dummy_user: User
) -> None:
    statement = create_statement(author=dummy_user, status=StatementStatus.pending)
    assert client.get(f"/statements/{statement.id}").status_code == 404
    auth.login(dummy_user)
    assert client.get(f"/statements/{statement.id}").status_code == 302


@pytest.mark.parametrize("page", ["", "/branch"], ids=["show", "branch"])
def test_statement_pages_of_a_draft_are_404_for_others(
    client: Any, create_consultation: Any, create_statement: Any, page: str
) -> None:
    draft = create_consultation(status=ConsultationStatus.draft)
    statement = create_statement(consultation=draft)
    assert client.get(f"/statements/{statement.id}{page}").status_code == 404


# --- a statement's own page (its branch) -----------------------------------------------------


def test_branch_page_shows_the_branch_and_a_breadcrumb(
    client: Any, dummy_statement: Statement, create_statement: Any
) -> None:
    argument = create_statement(
        consultation=dummy_statement.consultation, supports=dummy_statement, text="Night workers."
    )
    reply = create_statement(
        consultation=dummy_statement.consultation, attacks=argument, text="Too expensive."
    )
    elsewhere = create_statement(consultation=dummy_statement.consultation, text="Unrelated.")

    html = client.get(f"/statements/{argument.id}/branch").get_data(as_text=True)

    crumbs = html.split('class="breadcrumbs branch-crumbs"')[1].split("</nav>")[0]
    assert "/consultations/public-transport" in crumbs
    assert f"/statements/{dummy_statement.id}/branch" in crumbs
    assert f'aria-current="page">#{argument.id}' in crumbs
    assert f'id="s-{argument.id}"' in html and f'id="s-{reply.id}"' in html
    assert "Too expensive." in html and "Unrelated." not in html
    assert f'id="s-{elsewhere.id}"' not in html
    assert '<details class="branch" open>' in html


def test_branch_page_missing_hidden_or_merged_is_404(
    client: Any, db: Any, dummy_statement: Statement, create_statement: Any
) -> None:
    assert client.get("/statements/999999/branch").status_code == 404
    merged = create_statement(consultation=dummy_statement.consultation)
    merged.status, merged.merged_into_id = StatementStatus.merged, dummy_statement.id
    dummy_statement.status = StatementStatus.hidden
    db.session.flush()
    assert client.get(f"/statements/{dummy_statement.id}/branch").status_code == 404
    assert client.get(f"/statements/{merged.id}/branch").status_code == 404


def test_thread_links_each_statement_to_its_page_and_folds_deep_branches(
    client: Any, dummy_statement: Statement, create_statement: Any
) -> None:
    argument = create_statement(consultation=dummy_statement.consultation, supports=dummy_statement)
    deep = create_statement(consultation=dummy_statement.consultation, attacks=argument)

    html = client.get("/consultations/public-transport").get_data(as_text=True)

    # Every card of the bounded thread links to the statement's own page.
    for statement in (dummy_statement, argument, deep):
        assert f'href="/statements/{statement.id}/branch"' in html
    # Replies to a position are open; replies to replies start folded.
    assert html.count('<details class="branch" open>') == 1
    assert html.count('<details class="branch">') == 1
    folded = html.split('<details class="branch">', 1)[1].split("</details>", 1)[0]
    assert f'id="s-{deep.id}"' in folded and f'id="s-{argument.id}"' not in folded


@pytest.mark.parametrize("app_config", [{"THREAD_REPLIES_SHOWN": 1}])
def test_thread_link_to_replies_left_out_sits_in_the_folded_branch(
    client: Any, dummy_statement: Statement, create_statement: Any
) -> None:
    consultation = dummy_statement.consultation
    create_statement(consultation=consultation, supports=dummy_statement)
    create_statement(consultation=consultation, attacks=dummy_statement)

    html = client.get("/consultations/public-transport").get_data(as_text=True)

    branch = html.split('<details class="branch" open>', 1)[1].split("</details>", 1)[0]
    assert "2 replies" in branch
    assert f'href="/statements/{dummy_statement.id}/branch" data-thread-expand' in branch
    assert "Show 1 more reply" in branch
