"""Moderation pages: the queue, bulk actions, reviews, merges, records, audit, templates."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.audit.models import AuditEntry
from consult.auth.standing import active_block, active_blocks
from consult.extensions import db
from consult.moderation.common import open_flag_counts
from consult.moderation.decisions.services import moderate_statement
from consult.moderation.flags.services import flag_statement
from consult.moderation.models import Flag, ReasonTemplate
from consult.moderation.reasons.services import create_reason_template
from consult.statements.models import StatementStatus
from consult.types import utcnow
from consult.votes.models import Vote


def flagged(create_statement, consultation, people, n, **kwargs):
    """n statements, each flagged once as spam."""
    items = []
    for k in range(n):
        s = create_statement(consultation=consultation, **kwargs)
        flag_statement(s, people[k % len(people)], reason="spam", note=f"note {k}")
        items.append(s)
    return items


# --- queue -----------------------------------------------------------------------------------


def test_queue_shows_flags_author_history_and_context(
    call, statement, create_statement, consultation, people, moderator
):
    create_statement(consultation=consultation, attacks=statement, text="Coal is cheap heat.")
    flag_statement(statement, people[0], reason="offensive", note="Rude to drivers")

    html = call.page("GET", "/moderation", moderator).get_data(as_text=True)

    assert "Ban coal heating in the city by 2028." in html
    assert "Offensive" in html and "Rude to drivers" in html
    assert "Coal is cheap heat." in html  # the reply, in the thread context
    assert f'value="{statement.id}"' in html  # its checkbox
    assert 'data-select-all="statements"' in html


def test_queue_is_paginated(call, create_statement, consultation, people, moderator):
    items = flagged(create_statement, consultation, people, 27)

    first = call.page("GET", "/moderation", moderator).get_data(as_text=True)
    second = call.page("GET", "/moderation?page=2", moderator).get_data(as_text=True)

    assert f'id="q-{items[0].id}"' in first and f'id="q-{items[25].id}"' not in first
    assert f'id="q-{items[25].id}"' in second and f'id="q-{items[26].id}"' in second
    assert "Page 2 of 2" in second


def test_queue_filters_by_reason(call, create_statement, consultation, people, moderator):
    spam = flagged(create_statement, consultation, people, 1)[0]
    rude = create_statement(consultation=consultation)
    flag_statement(rude, people[1], reason="offensive")

    html = call.page("GET", "/moderation?reason=offensive", moderator).get_data(as_text=True)

    assert f'id="q-{rude.id}"' in html and f'id="q-{spam.id}"' not in html


def test_empty_queue_says_so(call, consultation, moderator):
    html = call.page("GET", "/moderation", moderator).get_data(as_text=True)

    assert "The queue is clear" in html


def test_bulk_hide_from_the_queue(call, create_statement, consultation, people, moderator):
    items = flagged(create_statement, consultation, people, 3)

    response = call.page(
        "POST",
        "/moderation/bulk",
        moderator,
        data={
            "statements": [items[0].id, items[1].id],
            "action": "hide",
            "reason": "Spam wave.",
            "next": "/moderation?reason=spam",
        },
    )

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/moderation?reason=spam")
    statuses = [s.status for s in items]
    assert statuses == [StatementStatus.hidden, StatementStatus.hidden, StatementStatus.visible]
    html = call.page("GET", "/moderation", moderator).get_data(as_text=True)
    assert f'id="q-{items[2].id}"' in html and f'id="q-{items[0].id}"' not in html


def test_bulk_with_a_reason_template(call, create_statement, consultation, people, moderator):
    items = flagged(create_statement, consultation, people, 2)
    template = create_reason_template(moderator, action="ignore_flags", text="Fine.")

    data = {"statements": [s.id for s in items], "action": "ignore_flags", "template": template.id}
    call.page("POST", "/moderation/bulk", moderator, data=data)

    reasons = set(
        db.session.scalars(select(AuditEntry.reason).where(AuditEntry.action == "ignore_flags"))
    )
    assert reasons == {"Fine."}
    assert open_flag_counts([s.id for s in items]) == {}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "hide"}, "Give a reason"),
        ({"reason": "Spam."}, "Choose an action"),
        ({"action": "hide", "reason": "Spam.", "statements": []}, "Select at least one"),
    ],
)
def test_bulk_without_reason_action_or_selection_changes_nothing(
    call, create_statement, consultation, people, moderator, data, message
):
    items = flagged(create_statement, consultation, people, 1)
    data = {"statements": [items[0].id], **data}

    response = call.page("POST", "/moderation/bulk", moderator, data=data)
    page = call.client.get(response.headers["Location"]).get_data(as_text=True)

    assert message in page
    assert items[0].status is StatementStatus.visible


# --- review ----------------------------------------------------------------------------------


def test_review_page_shows_the_statement_in_context(
    call, statement, create_statement, consultation, people, moderator
):
    reply = create_statement(consultation=consultation, supports=statement, text="Agreed, soon.")
    flag_statement(statement, people[0], reason="spam")
    moderate_statement(statement, moderator, "hide", reason="Spam.")

    html = call.page("GET", f"/moderation/statements/{statement.id}", moderator).get_data(
        as_text=True
    )

    assert "Agreed, soon." in html and f"#{reply.id}" in html
    assert "a hidden statement" in html  # readers see a placeholder in its place
    assert "Restore" in html and "Spam." in html  # the decision and its history


def test_decide_on_the_review_page(call, statement, people, moderator):
    flag_statement(statement, people[0], reason="spam")

    response = call.decide(
        "page", statement, moderator, action="hide", reason="Advertising.", next="/moderation"
    )

    assert response.status_code == 303 and response.headers["Location"].endswith("/moderation")
    assert statement.status is StatementStatus.hidden


def test_decide_without_a_reason_is_422(call, statement, moderator):
    response = call.decide("page", statement, moderator, action="hide")

    assert response.status_code == 422
    assert "Give a reason" in response.get_data(as_text=True)
    assert statement.status is StatementStatus.visible


def test_decide_impossible_action_is_409(call, statement, moderator):
    response = call.decide("page", statement, moderator, action="restore", reason="Why not.")

    assert response.status_code == 409
    assert "Only hidden statements can be restored" in response.get_data(as_text=True)


def test_decide_redirect_stays_on_site(call, statement, people, moderator):
    flag_statement(statement, people[0], reason="spam")

    response = call.decide(
        "page", statement, moderator, action="hide", reason="Spam.", next="https://evil.example/"
    )

    assert response.headers["Location"].endswith("/moderation")


def test_merge_on_the_review_page(
    call, create_statement, create_vote, consultation, people, moderator
):
    keep = create_statement(consultation=consultation, text="Buses should run all night.")
    dupe = create_statement(consultation=consultation, text="Buses must run all night!")
    create_vote(keep, 1, people[0])
    create_vote(dupe, -1, people[0])
    create_vote(dupe, 1, people[1])

    response = call.merge("page", dupe, moderator, into=keep.id, reason="Duplicate.")

    assert response.status_code == 303
    assert dupe.status is StatementStatus.merged
    votes = db.session.execute(select(Vote.user_id, Vote.value).where(Vote.statement_id == keep.id))
    assert sorted(votes.all()) == sorted([(people[0].id, 1), (people[1].id, 1)])


def test_merge_into_nothing_is_422(call, statement, moderator):
    response = call.merge("page", statement, moderator, into=999999, reason="Duplicate.")

    assert response.status_code == 422
    assert "no statement with this number" in response.get_data(as_text=True)


def test_review_suggests_duplicates(call, create_statement, consultation, moderator):
    keep = create_statement(consultation=consultation, text="Buses should run all night.")
    dupe = create_statement(consultation=consultation, text="Buses should run all night!!")

    html = call.page("GET", f"/moderation/statements/{dupe.id}", moderator).get_data(as_text=True)

    assert "Possible duplicates" in html and f"#{keep.id}" in html


# --- people ----------------------------------------------------------------------------------


def test_suspend_and_lift_on_the_record_page(call, statement, author, moderator):
    record = call.page("GET", f"/moderation/users/{author.id}", moderator).get_data(as_text=True)
    assert "Suspend or block" in record and "Ban coal heating" in record

    suspended = call.page(
        "POST",
        f"/moderation/users/{author.id}/block",
        moderator,
        data={"kind": "suspend", "days": "3", "reason": "Cool off."},
    )

    assert suspended.status_code == 303
    block = active_block(author)
    assert block is not None and block.ends_at > utcnow() + timedelta(days=2)
    assert statement.status is StatementStatus.hidden

    lifted = call.page(
        "POST", f"/moderation/users/{author.id}/unblock", moderator, data={"reason": "Early."}
    )

    assert lifted.status_code == 303
    assert active_block(author) is None
    assert statement.status is StatementStatus.visible


def test_block_without_reason_is_422(call, statement, author, moderator):
    response = call.page(
        "POST", f"/moderation/users/{author.id}/block", moderator, data={"kind": "block"}
    )

    assert response.status_code == 422
    assert active_block(author) is None


# --- audit log -------------------------------------------------------------------------------


def test_audit_page_lists_and_filters(call, statement, people, moderator):
    flag_statement(statement, people[0], reason="spam")
    moderate_statement(statement, moderator, "hide", reason="Advertising.")
    moderate_statement(statement, moderator, "restore", reason="Second look.")

    everything = call.page("GET", "/moderation/audit", moderator).get_data(as_text=True)
    hides = call.page("GET", "/moderation/audit?action=hide", moderator).get_data(as_text=True)

    assert "Advertising." in everything and "Second look." in everything
    assert "Advertising." in hides and "Second look." not in hides


def test_audit_page_shows_changes_in_words(call, statement, moderator):
    moderate_statement(statement, moderator, "hide", reason="Advertising.")

    html = call.page("GET", "/moderation/audit", moderator).get_data(as_text=True)

    assert "<del>Visible</del>" in html and "<ins>Hidden</ins>" in html
    assert "Status:" in html
    assert '"status"' not in html and "<code>visible</code>" not in html
    assert 'class="table table-stack"' in html and 'data-label="Change"' in html


def test_audit_csv_export(call, statement, moderator):
    moderate_statement(statement, moderator, "hide", reason="Advertising.")

    response = call.page("GET", "/moderation/audit?format=csv&action=hide", moderator)

    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["action"], r["reason"], r["actor"]) for r in rows] == [
        ("hide", "Advertising.", "Dana Moderator")
    ]


def test_audit_of_a_moderator_excludes_other_consultations(
    call, create_statement, create_consultation, moderator, other_moderator
):
    elsewhere = create_statement(consultation=create_consultation(moderators=[other_moderator]))
    moderate_statement(elsewhere, other_moderator, "hide", reason="Not yours.")

    html = call.page("GET", "/moderation/audit", moderator).get_data(as_text=True)

    assert "Not yours." not in html


# --- reason templates ------------------------------------------------------------------------


def test_reason_templates_crud(call, moderator):
    created = call.page(
        "POST", "/moderation/reasons", moderator, data={"action": "hide", "text": "Spam."}
    )
    template = db.session.scalar(select(ReasonTemplate))
    edited = call.page(
        "POST",
        f"/moderation/reasons/{template.id}",
        moderator,
        data={f"t{template.id}-action": "hide", f"t{template.id}-text": "Advertising."},
    )
    listing = call.page("GET", "/moderation/reasons", moderator).get_data(as_text=True)
    removed = call.page("POST", f"/moderation/reasons/{template.id}/delete", moderator)

    assert (created.status_code, edited.status_code, removed.status_code) == (303, 303, 303)
    assert 'value="Advertising."' in listing
    assert db.session.scalar(select(ReasonTemplate)) is None


def test_reason_template_without_text_is_422(call, moderator):
    response = call.page("POST", "/moderation/reasons", moderator, data={"action": "hide"})

    assert response.status_code == 422


# --- flags -----------------------------------------------------------------------------------


def test_flag_page_and_submission(call, statement, people):
    form = call.page("GET", f"/statements/{statement.id}/flag", people[0])
    sent = call.page(
        "POST",
        f"/statements/{statement.id}/flag",
        people[0],
        data={"reason": "off_topic", "note": "Not about air"},
    )

    assert form.status_code == 200 and "Send to the moderators" in form.get_data(as_text=True)
    assert sent.status_code == 303
    flag = db.session.scalar(select(Flag))
    assert (flag.user_id, flag.reason.value, flag.note) == (
        people[0].id,
        "off_topic",
        "Not about air",
    )


def test_flag_twice_on_the_page_is_a_friendly_409(call, statement, people):
    call.page("POST", f"/statements/{statement.id}/flag", people[0], data={"reason": "spam"})

    again = call.page(
        "POST", f"/statements/{statement.id}/flag", people[0], data={"reason": "spam"}
    )

    assert again.status_code == 409
    assert "already flagged this statement" in again.get_data(as_text=True)


def test_flag_without_reason_is_422(call, statement, people):
    response = call.page("POST", f"/statements/{statement.id}/flag", people[0], data={})

    assert response.status_code == 422
    assert "Choose a reason" in response.get_data(as_text=True)


def test_flag_own_statement_is_403(call, statement, author):
    response = call.page(
        "POST", f"/statements/{statement.id}/flag", author, data={"reason": "spam"}
    )

    assert response.status_code == 403


# --- coordinated voting ----------------------------------------------------------------------


def test_brigades_page_reports_a_planted_brigade(
    call, create_statement, create_user, consultation, moderator
):
    statements = [create_statement(consultation=consultation) for _ in range(12)]
    start = utcnow() - timedelta(days=2)
    members = [
        create_user(display_name=f"Bot {n}", created_at=start + timedelta(minutes=n))
        for n in range(4)
    ]
    for member in members:
        for k, s in enumerate(statements):
            db.session.add(
                Vote(
                    consultation_id=consultation.id,
                    statement_id=s.id,
                    user_id=member.id,
                    value=1 if k % 3 else -1,
                )
            )
    db.session.flush()

    html = call.page(
        "GET", f"/moderation/brigades?consultation={consultation.id}", moderator
    ).get_data(as_text=True)

    assert "Group 1: 4 accounts" in html
    assert all(f"Bot {n}" in html for n in range(4))
    assert active_blocks([m.id for m in members]) == {}  # nothing automatic
