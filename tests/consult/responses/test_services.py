"""Official responses: who may answer, validation, deadlines, notifications, the report gate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from consult.audit.models import AuditEntry
from consult.auth.models import Role, User
from consult.consultations.models import ConsultationStatus, Holiday, ResponsePolicy
from consult.consultations.services import change_status
from consult.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from consult.extensions import db
from consult.notifications import services as notifications
from consult.notifications.models import Notification
from consult.responses import deadlines, services
from consult.responses.calendar import add_working_days, response_due_date
from consult.responses.models import Decision, ResponseItem
from consult.statements.models import StatementStatus
from consult.types import utcnow
from debate.result import AnalysisResult
from tests.consult.responses.conftest import Debate


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"MAIL_SENDER": "memory"}


def outbox(app: Any) -> list[Any]:
    return app.extensions.setdefault("kenes_outbox", [])


def respond(debate: Debate, *statements: Any, actor: User | None = None, **kw: Any) -> Any:
    return services.create_response(
        debate.consultation,
        actor or debate.owner,
        statement_ids=[s.id for s in statements],
        decision=kw.pop("decision", "accepted"),
        text=kw.pop("text", "We will extend the tram network by 2027."),
        **kw,
    )


def test_create_response_links_statements_and_is_audited(
    make_debate: Callable[..., Debate],
) -> None:
    debate = make_debate()
    response = respond(
        debate,
        debate.positions[0],
        debate.arguments[0],
        measure_url="https://gov.example.kz/decree/17",
    )
    assert {s.id for s in response.statements} == {debate.positions[0].id, debate.arguments[0].id}
    assert response.decision is Decision.accepted
    assert response.measure_url == "https://gov.example.kz/decree/17"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "create_response"))
    assert entry is not None and entry.target_id == response.id


def test_admin_may_respond(
    make_debate: Callable[..., Debate], create_user: Callable[..., User]
) -> None:
    debate = make_debate()
    admin = create_user(role=Role.admin)
    assert respond(debate, debate.positions[0], actor=admin).author_id == admin.id


@pytest.mark.parametrize("role", [Role.participant, Role.moderator, Role.policymaker])
def test_only_the_consultations_policymakers_respond(
    make_debate: Callable[..., Debate], create_user: Callable[..., User], role: Role
) -> None:
    debate = make_debate()
    with pytest.raises(NotAllowed):
        respond(debate, debate.positions[0], actor=create_user(role=role))


def test_responding_in_a_draft_is_not_found(make_debate: Callable[..., Debate]) -> None:
    debate = make_debate(status=ConsultationStatus.draft)
    with pytest.raises(NotFound):
        respond(debate, debate.positions[0])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"decision": "maybe"}, "decision"),
        ({"text": "ok"}, "text"),
        ({"text": "x" * 5001}, "text"),
        ({"measure_url": "javascript:alert(1)"}, "measure_url"),
        ({"measure_url": "ftp://example.org/file"}, "measure_url"),
        ({"measure_url": "https://"}, "measure_url"),
        ({"measure_url": "not a url"}, "measure_url"),
    ],
)
def test_create_response_validates(
    make_debate: Callable[..., Debate], kwargs: dict[str, Any], field: str
) -> None:
    debate = make_debate()
    with pytest.raises(ValidationFailed) as info:
        respond(debate, debate.positions[0], **kwargs)
    assert field in info.value.fields


def test_create_response_rejects_foreign_and_hidden_statements(
    make_debate: Callable[..., Debate],
) -> None:
    debate, other = make_debate(), make_debate()
    with pytest.raises(ValidationFailed) as info:
        respond(debate, other.positions[0])
    assert "not in this consultation" in info.value.fields["statements"][0]
    debate.positions[1].status = StatementStatus.hidden
    with pytest.raises(ValidationFailed):
        respond(debate, debate.positions[1])
    with pytest.raises(ValidationFailed):
        respond(debate)


def test_a_statement_is_answered_once(make_debate: Callable[..., Debate]) -> None:
    debate = make_debate()
    respond(debate, debate.positions[0])
    with pytest.raises(Conflict):
        respond(debate, debate.positions[0], debate.positions[1])


def test_update_response_changes_fields_and_audits(make_debate: Callable[..., Debate]) -> None:
    debate = make_debate()
    response = respond(debate, debate.positions[0])
    services.update_response(
        response,
        debate.owner,
        decision="rejected",
        text="After review, the budget does not allow it.",
        measure_url=None,
    )
    assert response.decision is Decision.rejected
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "update_response")
        )
        == 1
    )
    with pytest.raises(ValidationFailed):
        services.update_response(response, debate.owner, text="no")


def test_authors_and_supporters_are_notified_after_commit(
    app: Any, make_debate: Callable[..., Debate]
) -> None:
    debate = make_debate(n=3)
    position = debate.positions[0]  # camp A agrees, camp B disagrees
    respond(debate, position)
    recipients = set(
        db.session.scalars(select(Notification.user_id).where(Notification.kind == "response"))
    )
    expected = {debate.authors[position.id].id} | {u.id for u in debate.camp_a}
    assert recipients == expected
    assert outbox(app) == []  # nothing is sent before the commit
    db.session.commit()
    sent = {m.to for m in outbox(app)}
    assert sent == {u.email for u in db.session.scalars(select(User).where(User.id.in_(expected)))}
    mail = outbox(app)[0]
    assert "Accepted" in mail.body and "We will extend the tram network" in mail.body


def test_no_mail_after_rollback(app: Any, make_debate: Callable[..., Debate]) -> None:
    debate = make_debate(n=2)
    respond(debate, debate.positions[0])
    db.session.rollback()
    db.session.commit()
    assert outbox(app) == []


def test_imported_accounts_and_the_actor_are_not_notified(
    make_debate: Callable[..., Debate], create_user: Callable[..., User], create_vote: Any
) -> None:
    debate = make_debate(n=1)
    position = debate.positions[3]  # everyone agrees
    imported = create_user(is_imported=True, email=None)
    create_vote(position, 1, imported)
    create_vote(position, 1, debate.owner)
    respond(debate, position)
    users = set(db.session.scalars(select(Notification.user_id)))
    assert imported.id not in users and debate.owner.id not in users


def test_notifications_read_and_count(make_debate: Callable[..., Debate]) -> None:
    debate = make_debate(n=1)
    respond(debate, debate.positions[0])
    author = debate.authors[debate.positions[0].id]
    assert notifications.unread_count(author) == 1
    assert notifications.mark_notifications_read(author) == 1
    assert notifications.unread_count(author) == 0


# --------------------------------------------------------------------------------------------
# Deadlines


def test_closing_assigns_due_dates_by_policy(make_debate: Callable[..., Debate]) -> None:
    debate = make_debate(policy=ResponsePolicy.positions)
    change_status(debate.consultation, ConsultationStatus.closed, debate.owner)
    items = list(db.session.scalars(select(ResponseItem)))
    assert {i.statement_id for i in items} == {p.id for p in debate.positions}
    assert {i.reason for i in items} == {"position"}
    assert {i.due_on for i in items} == {response_due_date(utcnow().date())}


def test_due_date_skips_holidays_from_table_and_config(
    app: Any, make_debate: Callable[..., Debate]
) -> None:
    closed = date(2025, 3, 3)
    db.session.add(Holiday(day=date(2025, 3, 21), name="Nauryz"))
    app.config["PUBLIC_HOLIDAYS"] = ["2025-03-24"]
    debate = make_debate(status=ConsultationStatus.closed)
    items = deadlines.assign_response_items(debate.consultation, closed_on=closed)
    assert {i.due_on for i in items} == {date(2025, 3, 26)}
    app.config["RESPONSE_WORKING_DAYS"] = 2
    items = deadlines.assign_response_items(debate.consultation, closed_on=date(2025, 3, 20))
    # Thursday 20 March + 2: Friday 21 and Monday 24 are holidays -> Tuesday 25, Wednesday 26.
    assert {i.due_on for i in items} == {date(2025, 3, 26)}


def test_reporting_needs_every_required_answer(make_debate: Callable[..., Debate]) -> None:
    debate = make_debate()
    change_status(debate.consultation, ConsultationStatus.closed, debate.owner)
    with pytest.raises(Conflict, match="4 required statement"):
        change_status(debate.consultation, ConsultationStatus.reported, debate.owner)
    assert debate.consultation.status is ConsultationStatus.closed
    respond(debate, *debate.positions[:3])
    with pytest.raises(Conflict, match="1 required"):
        change_status(debate.consultation, ConsultationStatus.reported, debate.owner)
    respond(
        debate, debate.positions[3], decision="noted", text="Air-quality data is already public."
    )
    change_status(debate.consultation, ConsultationStatus.reported, debate.owner)
    assert debate.consultation.status is ConsultationStatus.reported


def test_answers_given_before_closing_count(make_debate: Callable[..., Debate]) -> None:
    debate = make_debate()
    respond(debate, debate.positions[0])
    change_status(debate.consultation, ConsultationStatus.closed, debate.owner)
    item = db.session.scalar(
        select(ResponseItem).where(ResponseItem.statement_id == debate.positions[0].id)
    )
    assert item is not None and item.response_id is not None
    assert deadlines.unanswered_required(debate.consultation) == 3


def test_reclosing_keeps_answers_and_redates_open_items(make_debate: Callable[..., Debate]) -> None:
    debate = make_debate()
    c = debate.consultation
    deadlines.assign_response_items(c, closed_on=date(2025, 1, 6))
    respond(debate, debate.positions[0])
    deadlines.assign_response_items(c, closed_on=date(2025, 2, 3))
    items = {i.statement_id: i for i in db.session.scalars(select(ResponseItem))}
    assert items[debate.positions[0].id].response_id is not None
    assert items[debate.positions[1].id].due_on == add_working_days(date(2025, 2, 3), 15)


def test_overdue_items_and_summary(make_debate: Callable[..., Debate]) -> None:
    debate = make_debate()
    deadlines.assign_response_items(debate.consultation, closed_on=date(2025, 1, 6))
    respond(debate, debate.positions[0])
    today = date(2025, 2, 3)  # the due date, 27 January, has passed
    overdue = deadlines.overdue_items(debate.consultation, today)
    assert {s.item.statement_id for s in overdue} == {p.id for p in debate.positions[1:]}
    assert all(s.working_days_left < 0 for s in overdue)
    summary = deadlines.response_summary(deadlines.item_states(debate.consultation, today))
    assert summary["overdue"] == 3 and summary["answered"] == 1 and summary["due"] == 0
    assert summary["median_days_to_answer"] is not None


def test_extension_once_with_reason(make_debate: Callable[..., Debate]) -> None:
    debate = make_debate()
    items = deadlines.assign_response_items(debate.consultation, closed_on=date(2025, 1, 6))
    item = items[0]
    new_due = item.due_on + timedelta(days=7)
    while new_due.weekday() >= 5:
        new_due += timedelta(days=1)
    with pytest.raises(ValidationFailed) as info:
        deadlines.extend_response_item(item, debate.owner, due_on=new_due, reason="busy")
    assert "reason" in info.value.fields
    with pytest.raises(ValidationFailed) as info:
        deadlines.extend_response_item(
            item, debate.owner, due_on=item.due_on, reason="The ministry needs a cost estimate."
        )
    assert "due_on" in info.value.fields
    saturday = item.due_on + timedelta(days=(5 - item.due_on.weekday()) % 7 or 7)
    with pytest.raises(ValidationFailed, match="not valid"):
        deadlines.extend_response_item(
            item, debate.owner, due_on=saturday, reason="The ministry needs a cost estimate."
        )
    deadlines.extend_response_item(
        item, debate.owner, due_on=new_due, reason="The ministry needs a cost estimate."
    )
    assert item.effective_due_on == new_due and item.extension_reason
    with pytest.raises(Conflict, match="only once"):
        deadlines.extend_response_item(
            item, debate.owner, due_on=new_due + timedelta(days=7), reason="Still waiting for it."
        )


def test_extension_by_others_is_refused(
    make_debate: Callable[..., Debate], create_user: Callable[..., User]
) -> None:
    debate = make_debate()
    item = deadlines.assign_response_items(debate.consultation, closed_on=date(2025, 1, 6))[0]
    with pytest.raises(NotAllowed):
        deadlines.extend_response_item(
            item,
            create_user(role=Role.policymaker),
            due_on=date(2025, 3, 3),
            reason="I am not the owner of this.",
        )


def test_required_statements_by_analysis_policies(make_debate: Callable[..., Debate]) -> None:
    debate = make_debate()
    c = debate.consultation
    p, a = debate.positions, debate.arguments
    analysis = {
        "consensus": {
            "agree": [{"statement": str(p[3].id)}],
            "disagree": [{"statement": "999999"}],
        },
        "groups": [
            {"id": 0, "representative": [{"statement": str(p[0].id)}, {"statement": str(p[1].id)}]},
            {"id": 1, "representative": [{"statement": str(p[2].id)}]},
        ],
        "strength": {str(a[0].id): 0.9, str(a[1].id): 0.2, str(p[0].id): 0.99},
    }
    result = AnalysisResult.from_json(analysis)
    c.response_policy = ResponsePolicy.consensus
    assert deadlines.required_statements(c, result) == {p[3].id: "consensus_agree"}
    c.response_policy = ResponsePolicy.representative
    assert set(deadlines.required_statements(c, result)) == {p[0].id, p[1].id, p[2].id}
    c.response_policy = ResponsePolicy.strongest
    chosen = deadlines.required_statements(c, result)
    assert list(chosen) == [a[0].id, a[1].id]  # arguments only, strongest first
    c.response_policy = ResponsePolicy.consensus
    assert deadlines.required_statements(c, None) == {}
