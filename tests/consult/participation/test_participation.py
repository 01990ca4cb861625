"""My participation: own statements with votes, groups' support, strength and responses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from consult.extensions import db
from consult.notifications.models import Notification
from consult.participation.services import list_participation
from consult.responses import services as responses
from consult.statements.models import StatementStatus
from tests.consult.responses.conftest import Debate


def answer(debate: Debate, statement: Any, text: str = "We will extend the tram network.") -> Any:
    response = responses.create_response(
        debate.consultation,
        debate.owner,
        statement_ids=[statement.id],
        decision="accepted",
        text=text,
    )
    db.session.flush()
    return response


def test_list_participation_reports_votes_groups_strength_and_responses(
    make_debate: Callable[..., Debate],
) -> None:
    debate = make_debate()
    position = debate.positions[0]
    author = debate.authors[position.id]
    answer(debate, position)

    [mine] = list_participation(author)

    assert mine.consultation.id == debate.consultation.id
    [followed] = mine.statements
    assert followed.statement.id == position.id
    assert followed.agree > 0
    assert followed.total == len(debate.camp_a) + len(debate.camp_b)
    assert [r.text for r in followed.responses] == ["We will extend the tram network."]
    assert mine.answered == 1
    # Two camps vote apart: the analysis finds groups, and each reports its support.
    assert len(followed.groups) >= 2
    assert all(0.0 <= g.agree <= 1.0 and g.seen > 0 for g in followed.groups)
    assert followed.strength is None or 0.0 <= followed.strength <= 1.0


def test_list_participation_of_a_voter_without_statements(
    make_debate: Callable[..., Debate],
) -> None:
    debate = make_debate()
    voter = debate.camp_a[0]

    [mine] = list_participation(voter)

    assert mine.statements == []
    assert mine.votes_cast == len(debate.statements)
    assert mine.my_group is not None


def test_list_participation_leaves_out_merged_statements_and_others(
    make_debate: Callable[..., Debate], create_user: Any
) -> None:
    debate = make_debate()
    position = debate.positions[1]
    author = debate.authors[position.id]
    position.status, position.merged_into_id = StatementStatus.merged, debate.positions[0].id
    db.session.flush()

    assert list_participation(author) == []
    assert list_participation(create_user()) == []


def test_participation_page_shows_the_response(
    client: Any, auth: Any, make_debate: Callable[..., Debate]
) -> None:
    debate = make_debate()
    position = debate.positions[0]
    answer(debate, position, text="Funding is approved for 2027.")
    db.session.commit()
    auth.login(debate.authors[position.id])

    html = client.get("/account/participation").get_data(as_text=True)

    assert debate.consultation.title in html
    assert position.text in html
    assert "Funding is approved for 2027." in html
    assert "Support by opinion group" in html
    assert f'href="/statements/{position.id}/branch"' in html


def test_participation_page_needs_login(client: Any) -> None:
    response = client.get("/account/participation")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_participation_api_returns_the_same(
    client: Any, create_token: Any, make_debate: Callable[..., Debate]
) -> None:
    debate = make_debate()
    position = debate.positions[0]
    answer(debate, position)
    token = create_token(debate.authors[position.id])
    db.session.commit()

    body = client.get(
        "/api/v1/me/participation", headers={"Authorization": f"Bearer {token}"}
    ).get_json()

    [item] = body["items"]
    assert item["consultation"]["slug"] == debate.consultation.slug
    [statement] = item["statements"]
    assert statement["id"] == position.id
    assert set(statement["votes"]) == {"agree", "disagree", "pass"}
    assert statement["responses"][0]["decision"] == "accepted"
    assert {"group", "agree", "disagree", "seen", "is_mine"} <= set(statement["groups"][0])


def test_participation_api_needs_a_token(client: Any) -> None:
    response = client.get("/api/v1/me/participation")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_author_is_notified_when_the_statement_is_answered(
    make_debate: Callable[..., Debate],
) -> None:
    debate = make_debate()
    position = debate.positions[0]
    answer(debate, position)  # publishing a response notifies the authors and supporters

    author = debate.authors[position.id]
    notes = db.session.query(Notification).filter_by(user_id=author.id).all()
    assert [n.kind for n in notes] == ["response"]


def test_participation_page_and_api_carry_the_personal_summary(
    client: Any, auth: Any, create_token: Any, make_debate: Callable[..., Debate]
) -> None:
    debate = make_debate()
    voter = debate.camp_a[0]
    token = create_token(voter)
    db.session.commit()

    [mine] = list_participation(voter)
    assert mine.summary is not None
    assert mine.summary.closest.label == mine.my_group
    assert mine.summary.closest.agreement_pct >= 80

    body = client.get(
        "/api/v1/me/participation", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    summary = body["items"][0]["summary"]
    assert summary["closest"]["group"] == mine.my_group
    assert {"group", "agreement", "compared"} <= set(summary["groups"][0])
    assert summary["votes"] == mine.summary.votes
    assert all(d["my_vote"] in {"agree", "disagree"} for d in summary["differences"])

    auth.login(voter)
    html = client.get("/account/participation").get_data(as_text=True)
    assert f"You agree most with group {mine.my_group}" in html


def test_group_support_uses_the_groups_letters_and_marks_the_authors_group(
    make_debate: Callable[..., Debate],
) -> None:
    debate = make_debate()
    position = debate.positions[0]
    author = debate.authors[position.id]

    [mine] = list_participation(debate.camp_a[0])
    [theirs] = list_participation(author)

    labels = [g.label for g in theirs.statements[0].groups]
    assert labels == sorted(labels) and len(set(labels)) == len(labels)
    assert mine.my_group in labels
