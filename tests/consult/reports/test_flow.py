"""The listening loop on the demo consultation, end to end through the web pages.

A policymaker closes the consultation, sees the statements due for an answer, answers them,
publishes the report; a citizen then sees the official answer on the argument they wrote, and
is notified of it.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from consult.auth.models import User
from consult.consultations.demo import DEMO_DOMAIN, DEMO_SLUG
from consult.consultations.models import Consultation, ConsultationStatus
from consult.extensions import db
from consult.notifications.models import Notification
from consult.responses.models import ResponseItem
from consult.statements.models import Statement, StatementKind, StatementStatus
from consult.types import utcnow
from tests.consult.responses.conftest import switch_user
from tests.factories import TOTP_SECRET

DECISIONS = ["accepted", "partially_accepted", "rejected", "noted"]


@pytest.mark.seed("demo")
def test_policymaker_answers_and_citizen_sees_the_answer(client: Any, auth: Any) -> None:
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == DEMO_SLUG))
    assert consultation is not None and consultation.status is ConsultationStatus.open
    policymaker = db.session.scalar(select(User).where(User.email == f"policymaker@{DEMO_DOMAIN}"))
    assert policymaker is not None
    # Staff use the site once enrolled in two-factor (the demo accounts are not).
    policymaker.totp_secret, policymaker.totp_enabled_at = TOTP_SECRET, utcnow()
    db.session.commit()
    slug = consultation.slug

    # 1. The policymaker closes the consultation.
    switch_user(auth, policymaker)
    closed = client.post(f"/consultations/{slug}/status", data={"status": "closed"})
    assert closed.status_code in (302, 303), closed.get_data(as_text=True)[:500]

    # 2. ... and sees the items due.
    items = list(
        db.session.scalars(
            select(ResponseItem).where(ResponseItem.consultation_id == consultation.id)
        )
    )
    assert items, "the response policy selects statements that need an answer"
    dashboard = client.get(f"/consultations/{slug}/responses")
    html = dashboard.get_data(as_text=True)
    assert dashboard.status_code == 200 and "Answers due" in html
    for item in items:
        assert f'id="item-{item.id}"' in html

    # Publishing before answering is refused.
    early = client.post(f"/consultations/{slug}/responses/publish")
    assert early.status_code == 409

    # 3. The policymaker answers every item, and one argument written by a citizen.
    argument = db.session.scalar(
        select(Statement)
        .join(User, User.id == Statement.author_id)
        .where(
            Statement.consultation_id == consultation.id,
            Statement.kind == StatementKind.argument,
            Statement.status == StatementStatus.visible,
            User.email.like("demo-citizen-%"),
        )
        .order_by(Statement.id)
    )
    assert argument is not None
    targets = [item.statement_id for item in items]
    if argument.id not in targets:
        targets.append(argument.id)
    for n, statement_id in enumerate(targets):
        answer = client.post(
            f"/consultations/{slug}/responses",
            data={
                "statements": [statement_id],
                "decision": DECISIONS[n % len(DECISIONS)],
                "text": f"Official answer number {n + 1}: the department has reviewed this "
                "proposal with the city's transport and energy services.",
                "measure_url": "https://almaty.gov.kz/ecology/winter-air-plan",
            },
        )
        assert answer.status_code == 302, answer.get_data(as_text=True)[:800]

    # 4. ... and publishes the report.
    published = client.post(f"/consultations/{slug}/responses/publish")
    assert published.status_code == 302
    db.session.refresh(consultation)
    assert consultation.status is ConsultationStatus.reported

    # 5. Anyone reads the report, with the answers in it.
    switch_user(auth, None)
    report = client.get(f"/consultations/{slug}/report")
    assert report.status_code == 200
    assert "Official answer number 1" in report.get_data(as_text=True)

    # 6. The citizen who wrote the argument sees the answer on it and was notified.
    citizen = db.session.get(User, argument.author_id)
    assert citizen is not None
    switch_user(auth, citizen)
    thread = client.get(f"/consultations/{slug}").get_data(as_text=True)
    card = thread.split(f'id="s-{argument.id}"', 1)[1].split("</article>", 1)[0]
    number = targets.index(argument.id) + 1
    assert "Official response" in card
    assert f"Official answer number {number}:" in card
    notes = list(db.session.scalars(select(Notification).where(Notification.user_id == citizen.id)))
    assert any(n.link == f"/statements/{argument.id}" for n in notes)
    page = client.get("/notifications").get_data(as_text=True)
    # The notification is written in the language the citizen reads (demo citizens: kk, ru, en).
    with force_locale(citizen.locale or "en"):
        expected = gettext("Official response (%(decision)s) to “%(statement)s” in “%(title)s”.")
    assert expected.split("(", 1)[0].strip() in page
