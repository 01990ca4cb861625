"""Moderation services: flags, decisions, merges, blocks, the audit log, analysis exclusions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update

from consult.analysis.adapters import excluded_for_analysis
from consult.audit.models import AuditEntry, AuditLogIsAppendOnly
from consult.audit.services import audit_csv, audit_query
from consult.auth.models import BlockKind, Role, UserBlock
from consult.auth.standing import expire_suspensions
from consult.consultations.models import ModerationMode
from consult.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from consult.extensions import db
from consult.moderation.blocks.services import block_user, lift_block
from consult.moderation.common import open_flag_counts
from consult.moderation.decisions.services import (
    bulk_moderate,
    load_statements_for_moderation,
    moderate_statement,
)
from consult.moderation.flags.services import flag_statement
from consult.moderation.merge.services import merge_statements
from consult.moderation.models import Flag, FlagReason
from consult.moderation.permissions import audit_scope
from consult.moderation.queue.services import queue_items, queue_query, queue_summary
from consult.moderation.reasons.services import (
    DEFAULT_REASON_TEMPLATES,
    create_reason_template,
    delete_reason_template,
    ensure_default_reason_templates,
    list_reason_templates,
    update_reason_template,
)
from consult.moderation.similar.services import similar_statements
from consult.notifications.models import Notification
from consult.statements.models import StatementLink, StatementStatus
from consult.statements.permissions import can_post_statement, can_view_statement
from consult.statements.services import create_statement, statement_views
from consult.types import utcnow
from consult.votes.models import Vote
from consult.votes.services import cast_vote


def audit_actions(target_type: str, target_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.target_type == target_type, AuditEntry.target_id == target_id)
            .order_by(AuditEntry.id)
        )
    )


# --- flags -----------------------------------------------------------------------------------


def test_flag_statement_records_reason_and_note(statement, people):
    flag = flag_statement(statement, people[0], reason="spam", note="  Buy   now  ")

    assert (flag.reason, flag.note, flag.resolved_at) == (FlagReason.spam, "Buy now", None)


def test_flag_statement_twice_by_the_same_person_is_a_conflict(statement, people):
    flag_statement(statement, people[0], reason="spam")

    with pytest.raises(Conflict, match="already flagged"):
        flag_statement(statement, people[0], reason="offensive")
    assert db.session.scalar(select(func.count(Flag.id))) == 1


def test_flag_statement_own_statement_is_not_allowed(statement, author):
    with pytest.raises(NotAllowed, match="own statement"):
        flag_statement(statement, author, reason="spam")


def test_flag_statement_other_needs_a_note(statement, people):
    with pytest.raises(ValidationFailed) as error:
        flag_statement(statement, people[0], reason="other")

    assert "note" in error.value.fields


def test_flag_statement_unknown_reason_is_invalid(statement, people):
    with pytest.raises(ValidationFailed):
        flag_statement(statement, people[0], reason="boring")


def test_flag_statement_blocked_user_is_not_allowed(statement, people, admin):
    block_user(people[0], admin, kind="block", reason="Spam.")

    with pytest.raises(NotAllowed):
        flag_statement(statement, people[0], reason="spam")


def test_flag_threshold_hides_statement_pending_review(statement, people, author):
    for person in people[:2]:
        flag_statement(statement, person, reason="offensive")
    assert statement.status is StatementStatus.visible

    flag_statement(statement, people[2], reason="spam")

    assert (statement.status, statement.auto_hidden) == (StatementStatus.pending, True)
    assert audit_actions("statement", statement.id) == ["auto_hide"]
    note = db.session.scalar(select(Notification).where(Notification.user_id == author.id))
    assert note.kind == "moderation" and "hidden until a moderator" in note.text


def test_flag_threshold_is_per_consultation(create_consultation, create_statement, people):
    strict = create_consultation(flag_threshold=1)
    statement = create_statement(consultation=strict)

    flag_statement(statement, people[0], reason="spam")

    assert statement.status is StatementStatus.pending


def test_flag_statement_under_review_is_a_conflict(statement, people):
    for person in people[:3]:
        flag_statement(statement, person, reason="spam")

    with pytest.raises(Conflict, match="already being reviewed"):
        flag_statement(statement, people[3], reason="spam")


def test_auto_hidden_statement_is_visible_only_to_author_and_moderators(
    statement, people, author, moderator, other_moderator
):
    for person in people[:3]:
        flag_statement(statement, person, reason="spam")

    assert can_view_statement(author, statement)
    assert can_view_statement(moderator, statement)
    assert not can_view_statement(people[5], statement)
    assert not can_view_statement(other_moderator, statement)


# --- pre-moderation --------------------------------------------------------------------------


def test_pre_moderated_statement_waits_for_approval(create_consultation, moderator, people, author):
    held = create_consultation(moderation=ModerationMode.pre, moderators=[moderator])
    statement = create_statement(held, author, text="Plant more trees.", kind="position")

    assert statement.status is StatementStatus.pending
    assert statement.id in statement_views(held, author)
    assert statement.id not in statement_views(held, people[0])
    assert [s.id for s in db.session.scalars(queue_query(moderator))] == [statement.id]

    moderate_statement(statement, moderator, "approve", reason="Fine.")

    assert statement.status is StatementStatus.visible
    assert statement.id in statement_views(held, people[0])
    assert list(db.session.scalars(queue_query(moderator))) == []


# --- decisions -------------------------------------------------------------------------------


def test_moderate_hide_resolves_flags_and_tells_author(statement, people, moderator, author):
    flag_statement(statement, people[0], reason="offensive")

    moderate_statement(statement, moderator, "hide", reason="Insults.")

    assert statement.status is StatementStatus.hidden
    assert open_flag_counts([statement.id]) == {}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "hide"))
    assert (entry.actor_id, entry.reason, entry.consultation_id) == (
        moderator.id,
        "Insults.",
        statement.consultation_id,
    )
    assert entry.before == {"status": "visible", "auto_hidden": False, "open_flags": 1}
    assert entry.after == {"status": "hidden", "auto_hidden": False, "open_flags": 0}
    texts = db.session.scalars(select(Notification.text).where(Notification.user_id == author.id))
    assert any("Insults." in text for text in texts)


def test_moderate_restore_brings_hidden_statement_back(statement, moderator):
    moderate_statement(statement, moderator, "hide", reason="Spam.")

    moderate_statement(statement, moderator, "restore", reason="Mistake.")

    assert statement.status is StatementStatus.visible
    assert audit_actions("statement", statement.id) == ["hide", "restore"]


def test_moderate_restore_of_auto_hidden_statement(statement, people, moderator):
    for person in people[:3]:
        flag_statement(statement, person, reason="spam")

    moderate_statement(statement, moderator, "restore", reason="Not spam.")

    assert (statement.status, statement.auto_hidden) == (StatementStatus.visible, False)


def test_moderate_ignore_flags_keeps_statement_and_clears_the_queue(statement, people, moderator):
    flag_statement(statement, people[0], reason="other", note="I disagree")

    moderate_statement(statement, moderator, "ignore_flags", reason="Disagreement.")

    assert statement.status is StatementStatus.visible
    assert list(db.session.scalars(queue_query(moderator))) == []


@pytest.mark.parametrize(
    ("setup", "action", "message"),
    [
        ("hidden", "hide", "already hidden"),
        ("visible", "restore", "Only hidden"),
        ("hidden", "approve", "restored, not approved"),
        ("visible", "approve", "already published"),
        ("visible", "ignore_flags", "no open flags"),
    ],
)
def test_moderate_statement_invalid_transition_is_a_conflict(
    statement, moderator, setup, action, message
):
    if setup == "hidden":
        moderate_statement(statement, moderator, "hide", reason="Spam.")

    with pytest.raises(Conflict, match=message):
        moderate_statement(statement, moderator, action, reason="Because.")


def test_moderate_statement_needs_a_reason(statement, moderator):
    with pytest.raises(ValidationFailed) as error:
        moderate_statement(statement, moderator, "hide", reason="   ")

    assert "reason" in error.value.fields
    assert statement.status is StatementStatus.visible


def test_moderate_statement_own_content_is_not_allowed(create_statement, consultation, moderator):
    own = create_statement(consultation=consultation, author=moderator)

    with pytest.raises(NotAllowed, match="own statement"):
        moderate_statement(own, moderator, "hide", reason="Oops.")


def test_moderate_statement_other_consultation_is_not_allowed(statement, other_moderator):
    with pytest.raises(NotAllowed):
        moderate_statement(statement, other_moderator, "hide", reason="Spam.")


def test_admin_moderates_everywhere(statement, create_user):
    admin = create_user(role=Role.admin)

    moderate_statement(statement, admin, "hide", reason="Spam.")

    assert statement.status is StatementStatus.hidden


def test_bulk_moderate_skips_what_does_not_fit(create_statement, consultation, moderator):
    fine = create_statement(consultation=consultation)
    hidden = create_statement(consultation=consultation)
    moderate_statement(hidden, moderator, "hide", reason="Spam.")
    own = create_statement(consultation=consultation, author=moderator)

    result = bulk_moderate([fine.id, hidden.id, own.id], moderator, "hide", reason="Spam.")

    assert result.done == [fine.id]
    assert [sid for sid, _message in result.skipped] == [hidden.id, own.id]
    assert fine.status is StatementStatus.hidden
    assert own.status is StatementStatus.visible


def test_load_statements_for_moderation_refuses_foreign_consultations(
    statement, create_statement, create_consultation, moderator
):
    foreign = create_statement(consultation=create_consultation())

    with pytest.raises(NotAllowed):
        load_statements_for_moderation([statement.id, foreign.id], moderator)
    with pytest.raises(NotFound):
        load_statements_for_moderation([statement.id, 999_999], moderator)


# --- the queue -------------------------------------------------------------------------------


def test_queue_lists_flagged_and_pending_oldest_first(
    create_statement, consultation, people, moderator
):
    first, second, calm = (create_statement(consultation=consultation) for _ in range(3))
    flag_statement(second, people[0], reason="spam")
    flag_statement(first, people[1], reason="offensive")
    db.session.execute(
        update(Flag)
        .where(Flag.statement_id == first.id)
        .values(created_at=utcnow() - timedelta(hours=2))
    )

    ids = [s.id for s in db.session.scalars(queue_query(moderator))]

    assert ids == [first.id, second.id]
    assert calm.id not in ids


def test_queue_filters_by_reason_and_state(create_statement, consultation, people, moderator):
    spam = create_statement(consultation=consultation)
    rude = create_statement(consultation=consultation)
    flag_statement(spam, people[0], reason="spam")
    for person in people[:3]:
        flag_statement(rude, person, reason="offensive")

    by_reason = db.session.scalars(queue_query(moderator, reason="spam"))
    hidden = db.session.scalars(queue_query(moderator, state="auto_hidden"))
    flagged = db.session.scalars(queue_query(moderator, state="flagged"))

    assert [s.id for s in by_reason] == [spam.id]
    assert [s.id for s in hidden] == [rude.id]
    assert [s.id for s in flagged] == [spam.id]
    assert queue_summary(moderator) == {
        "flagged": 1,
        "auto_hidden": 1,
        "pending": 0,
        "total": 2,
    }


def test_queue_is_scoped_to_the_moderators_consultations(statement, people, other_moderator):
    flag_statement(statement, people[0], reason="spam")

    assert list(db.session.scalars(queue_query(other_moderator))) == []


def test_queue_items_carry_flags_history_and_thread_context(
    create_statement, consultation, people, author, moderator
):
    root = create_statement(consultation=consultation, text="Convert the CHP-2 plant to gas.")
    reply = create_statement(
        consultation=consultation, author=author, attacks=root, text="Gas is too expensive now."
    )
    answer = create_statement(consultation=consultation, supports=reply, text="Prices doubled.")
    old = create_statement(consultation=consultation, author=author)
    moderate_statement(old, moderator, "hide", reason="Spam.")
    flag_statement(reply, people[0], reason="off_topic", note="Not about air")

    item = queue_items([reply])[0]

    assert [f.note for f in item.flags] == ["Not about air"]
    assert item.reasons == {"off_topic": 1}
    assert (item.author_total, item.author_hidden) == (2, 1)
    assert [(c.statement.id, c.relation) for c in item.targets] == [(root.id, "attack")]
    assert [(c.statement.id, c.relation) for c in item.replies] == [(answer.id, "support")]


def test_queue_items_suggest_likely_duplicates(create_statement, consultation, people):
    original = create_statement(
        consultation=consultation, text="Buses should run all night on weekends."
    )
    copy = create_statement(consultation=consultation, text="Buses must run all night at weekends!")
    create_statement(consultation=consultation, text="Raise parking fees in the centre.")

    item = queue_items([copy])[0]

    assert [s.id for s, _score in item.duplicates] == [original.id]


# --- merges ----------------------------------------------------------------------------------


def test_merge_moves_votes_keeping_one_vote_per_voter(
    create_statement, create_vote, consultation, people, moderator
):
    keep = create_statement(consultation=consultation, text="Free buses on smog days.")
    dupe = create_statement(consultation=consultation, text="Free public transport on smog days.")
    both, only_dupe, only_keep = people[:3]
    create_vote(keep, 1, both)
    create_vote(dupe, -1, both)
    create_vote(dupe, 1, only_dupe)
    create_vote(keep, 0, only_keep)

    result = merge_statements(dupe, keep, moderator, reason="Duplicate.")

    votes = dict(
        db.session.execute(
            select(Vote.user_id, Vote.value).where(Vote.statement_id == keep.id)
        ).all()
    )
    assert votes == {both.id: 1, only_dupe.id: 1, only_keep.id: 0}
    assert db.session.scalar(select(func.count()).where(Vote.statement_id == dupe.id)) == 0
    assert (result.moved_votes, result.dropped_votes) == (1, 1)
    assert (dupe.status, dupe.merged_into_id) == (StatementStatus.merged, keep.id)


def test_merge_moves_links_without_duplicates_or_self_links(
    create_statement, add_link, consultation, moderator
):
    keep = create_statement(consultation=consultation, text="Keep")
    dupe = create_statement(consultation=consultation, text="Dupe")
    reply_both = create_statement(consultation=consultation, attacks=keep)
    add_link(reply_both, dupe, "attack")
    reply_dupe = create_statement(consultation=consultation, supports=dupe)
    add_link(dupe, keep, "support")
    db.session.flush()

    result = merge_statements(dupe, keep, moderator, reason="Duplicate.")

    links = set(
        db.session.execute(
            select(StatementLink.source_id, StatementLink.target_id).where(
                StatementLink.consultation_id == consultation.id
            )
        ).all()
    )
    assert links == {(reply_both.id, keep.id), (reply_dupe.id, keep.id)}
    assert (result.moved_links, result.dropped_links) == (1, 2)


def test_merge_is_audited_and_redirects_earlier_merges(create_statement, consultation, moderator):
    a, b, c = (create_statement(consultation=consultation) for _ in range(3))
    merge_statements(c, b, moderator, reason="Duplicate.")

    merge_statements(b, a, moderator, reason="Duplicate.")

    db.session.refresh(c)
    assert c.merged_into_id == a.id
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "merge", AuditEntry.target_id == b.id)
    )
    assert entry.after["target"]["status"] == "visible"
    assert entry.after["source"] == {"status": "merged", "auto_hidden": False, "merged_into": a.id}


@pytest.mark.parametrize("case", ["itself", "other consultation", "kinds", "merged"])
def test_merge_refuses_invalid_pairs(
    create_statement, create_consultation, consultation, moderator, case
):
    source = create_statement(consultation=consultation)
    target = create_statement(consultation=consultation)
    if case == "itself":
        target = source
    elif case == "other consultation":
        target = create_statement(consultation=create_consultation(moderators=[moderator]))
    elif case == "kinds":
        target = create_statement(consultation=consultation, supports=source)
    else:
        merge_statements(target, create_statement(consultation=consultation), moderator,
                                  reason="Dup.")  # fmt: skip

    with pytest.raises((ValidationFailed, Conflict)):
        merge_statements(source, target, moderator, reason="Duplicate.")


# --- blocks ----------------------------------------------------------------------------------


def test_block_hides_content_and_stops_posting_and_voting(
    create_statement, consultation, statement, author, moderator
):
    second = create_statement(consultation=consultation, author=author)

    block_user(author, moderator, kind="block", reason="Harassment.")

    assert {statement.status, second.status} == {StatementStatus.hidden}
    assert not can_post_statement(author, consultation)
    other = create_statement(consultation=consultation)
    with pytest.raises(NotAllowed):
        cast_vote(other, author, "agree")
    assert audit_actions("user", author.id) == ["block", "hide_by_block"]


def test_unblock_restores_only_what_the_block_hid(
    create_statement, consultation, statement, author, moderator
):
    hidden_before = create_statement(consultation=consultation, author=author)
    moderate_statement(hidden_before, moderator, "hide", reason="Spam.")
    hidden_again = create_statement(consultation=consultation, author=author)
    block_user(author, moderator, kind="block", reason="Harassment.")
    moderate_statement(hidden_again, moderator, "restore", reason="Check.")
    moderate_statement(hidden_again, moderator, "hide", reason="Still spam.")

    lift_block(author, moderator, reason="Apologised.")

    assert statement.status is StatementStatus.visible
    assert hidden_before.status is StatementStatus.hidden
    assert hidden_again.status is StatementStatus.hidden
    assert can_post_statement(author, consultation)
    assert "unblock" in audit_actions("user", author.id)


def test_unblock_restores_pending_statements_as_pending(create_consultation, moderator, author):
    held = create_consultation(moderation=ModerationMode.pre, moderators=[moderator])
    waiting = create_statement(held, author, text="Wait for me.", kind="position")
    block_user(author, moderator, kind="block", reason="Spam.")

    lift_block(author, moderator, reason="Fine.")

    assert waiting.status is StatementStatus.pending


def test_suspension_ends_by_itself_and_restores_content(statement, author, moderator):
    block = block_user(
        author, moderator, kind="suspend", reason="Cool off.", ends_at=utcnow() + timedelta(days=1)
    )
    assert statement.status is StatementStatus.hidden

    assert expire_suspensions(utcnow() + timedelta(days=2)) == 1

    assert block.lifted_at == block.ends_at
    assert statement.status is StatementStatus.visible
    assert "suspension_ended" in audit_actions("user", author.id)
    assert expire_suspensions(utcnow() + timedelta(days=3)) == 0


@pytest.mark.parametrize(
    ("kind", "ends_at", "field"),
    [("suspend", None, "ends_at"), ("suspend", -1, "ends_at"), ("block", 1, "ends_at")],
)
def test_block_user_validates_the_end(statement, author, moderator, kind, ends_at, field):
    end = None if ends_at is None else utcnow() + timedelta(days=ends_at)

    with pytest.raises(ValidationFailed) as error:
        block_user(author, moderator, kind=kind, reason="Spam.", ends_at=end)

    assert field in error.value.fields


def test_block_user_twice_is_a_conflict(author, moderator, statement):
    block_user(author, moderator, kind="block", reason="Spam.")

    with pytest.raises(Conflict):
        block_user(author, moderator, kind="block", reason="Again.")


def test_moderator_cannot_block_staff_or_strangers(
    create_user, moderator, other_moderator, statement
):
    stranger = create_user()

    with pytest.raises(NotAllowed):
        block_user(other_moderator, moderator, kind="block", reason="No.")
    with pytest.raises(NotAllowed):
        block_user(stranger, moderator, kind="block", reason="No.")
    with pytest.raises(NotAllowed):
        block_user(moderator, moderator, kind="block", reason="No.")


def test_lift_block_without_a_block_is_not_found(author, moderator, statement):
    with pytest.raises(NotFound):
        lift_block(author, moderator, reason="Nothing.")


# --- the audit log ---------------------------------------------------------------------------


def test_audit_entries_cannot_be_changed(statement, moderator):
    moderate_statement(statement, moderator, "hide", reason="Spam.")
    db.session.flush()
    entry = db.session.scalar(select(AuditEntry))

    entry.reason = "Something else"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()


def test_audit_entries_cannot_be_deleted(statement, moderator):
    moderate_statement(statement, moderator, "hide", reason="Spam.")
    db.session.flush()

    db.session.delete(db.session.scalar(select(AuditEntry)))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("statement_kind", ["update", "delete"])
def test_audit_entries_cannot_be_changed_in_bulk(statement, moderator, statement_kind):
    moderate_statement(statement, moderator, "hide", reason="Spam.")
    db.session.flush()
    query = (
        update(AuditEntry).values(reason="x") if statement_kind == "update" else delete(AuditEntry)
    )

    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(query)


def test_audit_query_is_scoped_for_moderators(
    statement, create_statement, create_consultation, moderator, other_moderator, create_user
):
    admin = create_user(role=Role.admin)
    foreign = create_statement(consultation=create_consultation(moderators=[other_moderator]))
    moderate_statement(statement, moderator, "hide", reason="Spam.")
    moderate_statement(foreign, other_moderator, "hide", reason="Spam.")

    mine = [e.target_id for e in db.session.scalars(audit_query(audit_scope(moderator)))]
    everything = [e.target_id for e in db.session.scalars(audit_query(audit_scope(admin)))]

    assert mine == [statement.id]
    assert sorted(everything) == sorted([statement.id, foreign.id])


def test_audit_csv_has_a_header_and_neutralises_formulas(statement, moderator):
    moderate_statement(statement, moderator, "hide", reason="=HYPERLINK(1)")
    db.session.flush()

    text = audit_csv(db.session.scalars(select(AuditEntry)))

    header, row = text.strip().split("\r\n")
    assert header.startswith("id,created_at,actor_id,actor,action")
    assert "'=HYPERLINK(1)" in row and ",hide," in row


# --- analysis and suggestions ----------------------------------------------------------------


def test_excluded_for_analysis_lists_hidden_statements_and_blocked_voters(
    create_statement, create_vote, consultation, statement, people, moderator, admin
):
    hidden = create_statement(consultation=consultation)
    moderate_statement(hidden, moderator, "hide", reason="Spam.")
    create_vote(statement, 1, people[0])
    create_vote(statement, 1, people[1])
    block_user(people[0], moderator, kind="block", reason="Brigade.")
    block_user(people[2], admin, kind="block", reason="Nothing here.")

    excluded = excluded_for_analysis(consultation)

    assert excluded["statements"] == [hidden.id]
    assert excluded["users"] == [people[0].id]


def test_similar_statements_only_suggests_visible_ones(
    create_statement, consultation, moderator, people
):
    visible = create_statement(consultation=consultation, text="Buses should run all night.")
    hidden = create_statement(consultation=consultation, text="Buses should run all night long.")
    moderate_statement(hidden, moderator, "hide", reason="Spam.")

    found = similar_statements(consultation, "buses should run all night")

    assert [s.id for s, _score in found] == [visible.id]


def test_similar_statements_index_picks_up_new_statements(create_statement, consultation):
    create_statement(consultation=consultation, text="Plant trees along Abay Avenue.")
    assert similar_statements(consultation, "free metro on smog days") == []

    new = create_statement(consultation=consultation, text="Make the metro free on smog days.")

    assert [s.id for s, _ in similar_statements(consultation, "free metro on smog days")] == [
        new.id
    ]


# --- reason templates ------------------------------------------------------------------------


def test_reason_templates_crud_is_audited(moderator):
    template = create_reason_template(moderator, action="hide", text="Spam.")
    update_reason_template(template, moderator, action="hide", text="Advertising.")
    delete_reason_template(template, moderator)

    assert list_reason_templates() == []
    assert audit_actions("reason_template", template.id) == [
        "reason_template_create",
        "reason_template_update",
        "reason_template_delete",
    ]


def test_reason_templates_are_for_moderators(create_user):
    with pytest.raises(NotAllowed):
        create_reason_template(create_user(), action="hide", text="Spam.")


def test_default_reason_templates_are_created_once(db):
    assert ensure_default_reason_templates() == len(DEFAULT_REASON_TEMPLATES)
    assert ensure_default_reason_templates() == 0


def test_user_blocks_rows(author, moderator, statement):
    block_user(author, moderator, kind="block", reason="Spam.")
    lift_block(author, moderator, reason="Ok.")

    rows = list(db.session.scalars(select(UserBlock)))
    assert len(rows) == 1 and rows[0].lifted_by_id == moderator.id
    assert rows[0].kind is BlockKind.block


def test_analysis_leaves_out_what_moderation_excludes(
    create_statement, create_vote, consultation, statement, people, moderator
):
    from consult.analysis.adapters import analysis_input

    hidden = create_statement(consultation=consultation)
    for person in people[:4]:
        create_vote(statement, 1, person)
        create_vote(hidden, -1, person)
    moderate_statement(hidden, moderator, "hide", reason="Spam.")
    block_user(people[0], moderator, kind="block", reason="Brigade.")

    data = analysis_input(consultation)

    assert data.excluded == {"statements": 1, "participants": 1}
    assert str(hidden.id) not in {c.id for c in data.claims}
    assert len(data.matrix.participants) == 3
