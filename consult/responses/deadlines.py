"""Response deadlines: which statements need an official answer, their due dates, the dashboard.

Closing a consultation gives every statement its response policy requires a due date
(:func:`assign_response_items`); a due date can be extended once, publicly; publishing the
report is refused while a required answer is missing. Two receivers, connected by the domain's
``init_app`` (:func:`connect_receivers`): ``consultation_status_changed`` and
``consultation_status_changing``. Services take an explicit actor, flush, and never commit.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from consult.analysis.services import get_analysis
from consult.audit.services import record_audit
from consult.auth.models import User
from consult.consultations.models import Consultation, ConsultationStatus, ResponsePolicy
from consult.consultations.permissions import can_view_consultation
from consult.errors import Conflict, ConsultError, NotAllowed, NotFound, ValidationFailed
from consult.extensions import db
from consult.formatting import lazy_too_long_message
from consult.responses.calendar import (
    is_working_day,
    public_holidays,
    response_due_date,
    working_days_between,
)
from consult.responses.models import Response, ResponseItem, response_statements
from consult.responses.permissions import can_manage_responses
from consult.responses.services import responses_by_statement
from consult.signals import consultation_status_changed, consultation_status_changing
from consult.statements.models import Statement, StatementKind, StatementStatus
from consult.text import clean_text
from consult.types import utcnow
from debate.result import AnalysisResult

log = logging.getLogger(__name__)

REASON_MIN = 10
REASON_MAX = 1000
MAX_EXTENSION_DAYS = 120


# --------------------------------------------------------------------------------------------
# Which statements need an answer


def _analysis_of(consultation: Consultation) -> AnalysisResult | None:
    result, _meta = get_analysis(consultation, wait=True)
    return AnalysisResult.from_json(result) if result is not None else None


def _sid(value: Any) -> int | None:
    text = str(value)
    return int(text) if text.isdigit() else None


def required_statements(
    consultation: Consultation, analysis: AnalysisResult | None
) -> dict[int, str]:
    """Return {statement id: reason} of the statements the response policy says need an answer.

    - ``positions``: every published position;
    - ``consensus``: the statements a large majority agrees or disagrees with;
    - ``representative``: the top ``RESPONSE_TOP_PER_GROUP`` statements of each opinion group;
    - ``strongest``: the ``RESPONSE_TOP_STRONGEST`` strongest arguments (argument strength).
    """
    policy = consultation.response_policy
    visible = dict(
        db.session.execute(
            select(Statement.id, Statement.kind).where(
                Statement.consultation_id == consultation.id,
                Statement.status == StatementStatus.visible,
            )
        ).all()
    )
    chosen: dict[int, str] = {}

    def pick(value: str | int, reason: str) -> None:
        sid = _sid(value)
        if sid is not None and sid in visible and sid not in chosen:
            chosen[sid] = reason

    if policy is ResponsePolicy.positions:
        for sid, kind in sorted(visible.items()):
            if kind is StatementKind.position:
                chosen[sid] = "position"
        return chosen
    if analysis is None:
        return chosen
    if policy is ResponsePolicy.consensus:
        for entry in analysis.consensus.agree:
            pick(entry.statement, "consensus_agree")
        for entry in analysis.consensus.disagree:
            pick(entry.statement, "consensus_disagree")
    elif policy is ResponsePolicy.representative:
        per_group = int(current_app.config.get("RESPONSE_TOP_PER_GROUP", 3))
        for group in analysis.groups:
            for rep in group.representative[:per_group]:
                pick(rep.statement, "representative")
    elif policy is ResponsePolicy.strongest:
        top = int(current_app.config.get("RESPONSE_TOP_STRONGEST", 10))
        arguments: list[tuple[float, int]] = []
        for key, score in analysis.strength.items():
            statement_id = _sid(key)
            if statement_id is not None and visible.get(statement_id) is StatementKind.argument:
                arguments.append((score, statement_id))
        for _score, argument in sorted(arguments, key=lambda t: (-t[0], t[1]))[:top]:
            pick(argument, "strongest")
    return chosen


def assign_response_items(
    consultation: Consultation, *, closed_on: date | None = None
) -> list[ResponseItem]:
    """Give every statement that needs an answer a due date (on closing; flushes only).

    Closing again after a reopening keeps answered and extended items, re-dates the other open
    ones, adds newly required statements and drops open items that are no longer required.
    """
    closed_on = closed_on or (consultation.closed_at or utcnow()).date()
    try:
        analysis = (
            None
            if consultation.response_policy is ResponsePolicy.positions
            else _analysis_of(consultation)
        )
    except ConsultError:
        log.exception(
            "analysis of consultation %s failed; response items from it skipped", consultation.id
        )
        analysis = None
    wanted = required_statements(consultation, analysis)
    due = response_due_date(closed_on)
    existing = {
        item.statement_id: item
        for item in db.session.scalars(
            select(ResponseItem).where(ResponseItem.consultation_id == consultation.id)
        )
    }
    answered = set(
        db.session.scalars(
            select(response_statements.c.statement_id)
            .join(Response, Response.id == response_statements.c.response_id)
            .where(Response.consultation_id == consultation.id)
        )
    )
    now = utcnow()
    for sid, item in existing.items():
        if item.response_id is not None or item.extended_due_on is not None:
            continue
        if sid in wanted:
            item.due_on = due
            item.reason = wanted[sid]
        else:
            db.session.delete(item)
    for sid, reason in wanted.items():
        if sid in existing:
            continue
        item = ResponseItem(
            consultation_id=consultation.id,
            statement_id=sid,
            reason=reason,
            due_on=due,
            created_at=now,
        )
        if sid in answered:  # answered before the consultation closed
            response = responses_by_statement([sid])[sid][0]
            item.response_id = response.id
            item.answered_at = response.created_at
        db.session.add(item)
    db.session.flush()
    return list(
        db.session.scalars(
            select(ResponseItem)
            .where(ResponseItem.consultation_id == consultation.id)
            .order_by(ResponseItem.due_on, ResponseItem.statement_id)
        )
    )


def extend_response_item(
    item: ResponseItem, actor: User, *, due_on: date | None, reason: str | None
) -> ResponseItem:
    """Move a due date later, once, with a reason that is shown publicly."""
    consultation = db.session.get(Consultation, item.consultation_id)
    assert consultation is not None
    if not can_view_consultation(actor, consultation):
        raise NotFound(_l("Consultation not found."))
    if not can_manage_responses(actor, consultation):
        raise NotAllowed(_l("Only this consultation's policymakers can extend a deadline."))
    if item.response_id is not None:
        raise Conflict(_l("This statement has already been answered."))
    if item.extended_due_on is not None:
        raise Conflict(
            _l("A deadline can be extended only once."),
            fields={"due_on": [_l("This deadline has already been extended.")]},
        )
    fields: dict[str, list[str]] = {}
    cleaned = clean_text(reason or "")
    if len(cleaned) < REASON_MIN:
        fields["reason"] = [
            _l("State the reason in at least %(limit)s characters.", limit=REASON_MIN)
        ]
    elif len(cleaned) > REASON_MAX:
        fields["reason"] = [lazy_too_long_message(REASON_MAX)]
    if due_on is None:
        fields["due_on"] = [_l("Choose the new due date.")]
    elif due_on <= item.due_on:
        fields["due_on"] = [_l("Choose a date after %(date)s.", date=item.due_on.isoformat())]
    elif due_on > item.due_on + timedelta(days=MAX_EXTENSION_DAYS):
        fields["due_on"] = [_l("Extend by at most %(limit)s days.", limit=MAX_EXTENSION_DAYS)]
    elif not is_working_day(due_on, public_holidays()):
        fields["due_on"] = [_l("Choose a working day (not a weekend or public holiday).")]
    if fields:
        raise ValidationFailed(_l("The extension is not valid."), fields=fields)
    assert due_on is not None
    item.extended_due_on = due_on
    item.extension_reason = cleaned
    item.extended_at = utcnow()
    record_audit(
        actor,
        "extend_response_deadline",
        "response_item",
        item.id,
        reason=cleaned,
        consultation_id=item.consultation_id,
        before={"due_on": item.due_on.isoformat()},
        after={"due_on": due_on.isoformat()},
    )
    db.session.flush()
    return item


# --------------------------------------------------------------------------------------------
# The dashboard


@dataclass
class ItemState:
    """A response item as the dashboard shows it."""

    item: ResponseItem
    state: str  # "answered" | "overdue" | "due"
    due_on: date
    working_days_left: int | None  # None once answered
    days_to_answer: int | None  # working days from assignment to answer

    @property
    def statement(self) -> Statement:
        return self.item.statement


def item_states(consultation: Consultation, today: date | None = None) -> list[ItemState]:
    """Every response item of a consultation with its state, most urgent first."""
    today = today or utcnow().date()
    holidays = public_holidays()
    items = db.session.scalars(
        select(ResponseItem)
        .where(ResponseItem.consultation_id == consultation.id)
        .options(selectinload(ResponseItem.statement), selectinload(ResponseItem.response))
    )
    states = []
    for item in items:
        due = item.effective_due_on
        if item.response_id is not None:
            answered_on = (item.answered_at or utcnow()).date()
            start = item.created_at.date() if item.created_at else answered_on
            days = max(0, working_days_between(start, answered_on, holidays))
            states.append(ItemState(item, "answered", due, None, days))
        else:
            left = working_days_between(today, due, holidays)
            state = "overdue" if due < today else "due"
            states.append(ItemState(item, state, due, left, None))
    order = {"overdue": 0, "due": 1, "answered": 2}
    states.sort(key=lambda s: (order[s.state], s.due_on, s.item.statement_id))
    return states


def response_summary(states: Sequence[ItemState]) -> dict[str, Any]:
    """Counts of due, overdue and answered items, and the median working days to answer."""
    counts = {"due": 0, "overdue": 0, "answered": 0}
    for state in states:
        counts[state.state] += 1
    durations = [s.days_to_answer for s in states if s.days_to_answer is not None]
    return {
        **counts,
        "total": len(states),
        "median_days_to_answer": statistics.median(durations) if durations else None,
        "extended": sum(1 for s in states if s.item.extended_due_on is not None),
    }


def overdue_items(consultation: Consultation, today: date | None = None) -> list[ItemState]:
    """The unanswered items past their (possibly extended) due date."""
    return [s for s in item_states(consultation, today) if s.state == "overdue"]


def unanswered_required(consultation: Consultation) -> int:
    """How many required statements still lack an official response."""
    return int(
        db.session.scalar(
            select(func.count(ResponseItem.id)).where(
                ResponseItem.consultation_id == consultation.id,
                ResponseItem.response_id.is_(None),
            )
        )
        or 0
    )


def check_report_ready(consultation: Consultation) -> None:
    """Raise Conflict while a required statement has no official response."""
    missing = unanswered_required(consultation)
    if missing:
        raise Conflict(
            _l(
                "%(missing)s required statement(s) still need an official response "
                "before the report can be published.",
                missing=missing,
            ),
            fields={"status": [_l("%(missing)s required response(s) missing.", missing=missing)]},
        )


def delete_items_of(consultation: Consultation) -> None:
    """Forget a consultation's response items (used when a consultation is deleted)."""
    db.session.execute(delete(ResponseItem).where(ResponseItem.consultation_id == consultation.id))


# --------------------------------------------------------------------------------------------
# Signal receivers (must not commit)


def on_status_changed(sender: Any, **kwargs: Any) -> None:
    """Closing a consultation assigns due dates to what needs an answer."""
    if kwargs.get("after") is ConsultationStatus.closed:
        consultation = kwargs["consultation"]
        assign_response_items(consultation)


def on_status_changing(sender: Any, **kwargs: Any) -> None:
    """Refuse to publish the report while a required answer is missing."""
    if kwargs.get("after") is ConsultationStatus.reported:
        check_report_ready(kwargs["consultation"])


def connect_receivers() -> None:
    """Connect the receivers (idempotent; called by the responses domain's ``init_app``)."""
    consultation_status_changed.connect(on_status_changed)
    consultation_status_changing.connect(on_status_changing)
