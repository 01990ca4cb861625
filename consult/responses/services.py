"""Official responses, response deadlines, and notifications of responses.

Services take an explicit actor, flush, and never commit. Two receivers, connected by the
domain's ``init_app`` (:func:`connect_receivers`): ``consultation_status_changed`` (closing a
consultation assigns the statements that need an answer, with due dates) and
``consultation_status_changing`` (publishing the report is refused while a required answer is
missing).
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import selectinload

from consult.analysis.services import get_analysis
from consult.audit.services import record_audit
from consult.auth.models import User
from consult.consultations.models import Consultation, ConsultationStatus, ResponsePolicy
from consult.consultations.permissions import can_view_consultation
from consult.errors import Conflict, ConsultError, NotAllowed, NotFound, ValidationFailed
from consult.extensions import db
from consult.notifications.services import Message, notify_many
from consult.responses.calendar import (
    is_working_day,
    public_holidays,
    response_due_date,
    working_days_between,
)
from consult.responses.models import Decision, Response, ResponseItem, response_statements
from consult.responses.permissions import can_manage_responses, can_respond_consultation
from consult.signals import consultation_status_changed, consultation_status_changing
from consult.statements.models import Statement, StatementKind, StatementStatus
from consult.text import clean_text, excerpt
from consult.types import utcnow
from consult.votes.models import Vote
from debate.result import AnalysisResult

log = logging.getLogger(__name__)

TEXT_MIN = 10
TEXT_MAX = 5000
URL_MAX = 500
REASON_MIN = 10
REASON_MAX = 1000
MAX_STATEMENTS_PER_RESPONSE = 100
MAX_EXTENSION_DAYS = 120

DECISION_LABELS = {
    Decision.accepted: "Accepted",
    Decision.partially_accepted: "Partially accepted",
    Decision.rejected: "Rejected",
    Decision.noted: "Noted",
}

REASON_LABELS = {
    "consensus_agree": _l("Broad agreement"),
    "consensus_disagree": _l("Broad disagreement"),
    "representative": _l("Represents an opinion group"),
    "strongest": _l("Strongest argument"),
    "position": _l("Position"),
}


def decision_label(decision: Decision | str) -> str:
    """The translated label of a decision."""
    return str(_(DECISION_LABELS[Decision(decision)]))


def reason_label(reason: str) -> str:
    """The translated label of why a statement needs an answer."""
    label = REASON_LABELS.get(reason)
    return str(label) if label else reason


# --------------------------------------------------------------------------------------------
# Validation


def clean_response_text(text: str | None) -> str:
    """Clean and check the reasoned text of a response."""
    cleaned = clean_text(text or "")
    if len(cleaned) < TEXT_MIN:
        raise ValidationFailed(
            "The response needs a reasoned text.",
            fields={"text": [f"Explain the decision in at least {TEXT_MIN} characters."]},
        )
    if len(cleaned) > TEXT_MAX:
        raise ValidationFailed(
            "The response is too long.",
            fields={"text": [f"Use at most {TEXT_MAX} characters (you wrote {len(cleaned)})."]},
        )
    return cleaned


def clean_measure_url(url: str | None) -> str | None:
    """Return the link to the measure taken (http or https), or None when empty."""
    url = (url or "").strip()
    if not url:
        return None
    message = "Give a full web address starting with http:// or https://."
    if len(url) > URL_MAX:
        raise ValidationFailed("The link is too long.", fields={"measure_url": [message]})
    try:
        parts = urlsplit(url)
        host_ok = bool(parts.hostname) and " " not in url
    except ValueError:
        host_ok = False
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not host_ok:
        raise ValidationFailed("The link is not a web address.", fields={"measure_url": [message]})
    return url


def parse_decision(value: Decision | str | None) -> Decision:
    """Return the decision named by ``value`` or raise ValidationFailed."""
    try:
        return Decision(value)
    except ValueError:
        choices = ", ".join(d.value for d in Decision)
        raise ValidationFailed(
            "Unknown decision.", fields={"decision": [f"Choose one of: {choices}."]}
        ) from None


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "decision": parse_decision,
    "text": clean_response_text,
    "measure_url": clean_measure_url,
}


def _checked(raw: dict[str, Any], fields: dict[str, list[str]]) -> dict[str, Any]:
    """Check each given field of a response; collect every field's errors into ``fields``."""
    values: dict[str, Any] = {}
    for name, value in raw.items():
        try:
            values[name] = _CHECKS[name](value)
        except ValidationFailed as exc:
            fields.update(exc.fields)
    return values


# --------------------------------------------------------------------------------------------
# Responses


def _load_statements(consultation: Consultation, statement_ids: Iterable[int]) -> list[Statement]:
    ids = []
    for value in statement_ids:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            raise ValidationFailed(
                "Invalid statement.", fields={"statements": [f"{value!r} is not a statement id."]}
            ) from None
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise ValidationFailed(
            "Choose what you are answering.",
            fields={"statements": ["Select at least one statement."]},
        )
    if len(ids) > MAX_STATEMENTS_PER_RESPONSE:
        raise ValidationFailed(
            "Too many statements.",
            fields={"statements": [f"Answer at most {MAX_STATEMENTS_PER_RESPONSE} at once."]},
        )
    found = {
        s.id: s
        for s in db.session.scalars(
            select(Statement).where(
                Statement.id.in_(ids), Statement.consultation_id == consultation.id
            )
        )
    }
    errors = []
    for sid in ids:
        statement = found.get(sid)
        if statement is None:
            errors.append(f"Statement {sid} is not in this consultation.")
        elif statement.status is not StatementStatus.visible:
            errors.append(f"Statement {sid} is not published.")
    if errors:
        raise ValidationFailed("Invalid statements.", fields={"statements": errors})
    return [found[sid] for sid in ids]


def check_may_respond(consultation: Consultation, actor: Any) -> None:
    """Raise NotFound, NotAllowed or Conflict unless the actor may answer here."""
    if not can_view_consultation(actor, consultation):
        raise NotFound("Consultation not found.")
    if consultation.status is ConsultationStatus.draft:  # nothing public to answer yet
        raise NotFound("Consultation not found.")
    if not can_respond_consultation(actor, consultation):
        raise NotAllowed("Only this consultation's policymakers can respond.")


def create_response(
    consultation: Consultation,
    actor: User,
    *,
    statement_ids: Sequence[int],
    decision: Decision | str,
    text: str,
    measure_url: str | None = None,
    language: str | None = None,
) -> Response:
    """Publish an official response to one statement or a cluster of statements."""
    check_may_respond(consultation, actor)
    fields: dict[str, list[str]] = {}
    values = _checked({"decision": decision, "text": text, "measure_url": measure_url}, fields)
    try:
        statements = _load_statements(consultation, statement_ids)
    except ValidationFailed as exc:
        fields.update(exc.fields)
        statements = []
    if fields:
        raise ValidationFailed("The response is not valid.", fields=fields)
    answered = list(
        db.session.scalars(
            select(response_statements.c.statement_id).where(
                response_statements.c.statement_id.in_([s.id for s in statements])
            )
        )
    )
    if answered:
        raise Conflict(
            "Already answered.",
            fields={
                "statements": [
                    f"Statement {sid} already has an official response; edit that one instead."
                    for sid in sorted(answered)
                ]
            },
        )
    now = utcnow()
    response = Response(
        consultation_id=consultation.id,
        author_id=actor.id,
        decision=values["decision"],
        text=values["text"],
        measure_url=values["measure_url"],
        language=language,
        created_at=now,
        updated_at=now,
    )
    response.statements = statements
    db.session.add(response)
    db.session.flush()
    db.session.execute(
        update(ResponseItem)
        .where(
            ResponseItem.statement_id.in_([s.id for s in statements]),
            ResponseItem.response_id.is_(None),
        )
        .values(response_id=response.id, answered_at=now)
        .execution_options(synchronize_session="fetch")
    )
    record_audit(
        actor,
        "create_response",
        "response",
        response.id,
        consultation_id=consultation.id,
        after={
            "decision": response.decision.value,
            "statements": [s.id for s in statements],
            "measure_url": response.measure_url,
        },
    )
    notify_response(response, actor)
    db.session.flush()
    return response


def update_response(
    response: Response,
    actor: User,
    *,
    decision: Decision | str | None = None,
    text: str | None = None,
    measure_url: str | None = None,
) -> Response:
    """Amend an official response (decision, text, link); the change is audited."""
    check_may_respond(response.consultation, actor)
    before = {
        "decision": response.decision.value,
        "text": response.text,
        "measure_url": response.measure_url,
    }
    fields: dict[str, list[str]] = {}
    given = {"decision": decision, "text": text}
    changes = _checked(
        {**{k: v for k, v in given.items() if v is not None}, "measure_url": measure_url}, fields
    )
    if fields:
        raise ValidationFailed("The response is not valid.", fields=fields)
    for name, value in changes.items():
        setattr(response, name, value)
    response.updated_at = utcnow()
    record_audit(
        actor,
        "update_response",
        "response",
        response.id,
        consultation_id=response.consultation_id,
        before=before,
        after={
            "decision": response.decision.value,
            "text": response.text,
            "measure_url": response.measure_url,
        },
    )
    db.session.flush()
    return response


def responses_by_statement(statement_ids: Sequence[int]) -> dict[int, list[Response]]:
    """Return the official responses of each statement, oldest first."""
    found: dict[int, list[Response]] = {}
    if not statement_ids:
        return found
    rows = db.session.execute(
        select(response_statements.c.statement_id, Response)
        .join(Response, Response.id == response_statements.c.response_id)
        .where(response_statements.c.statement_id.in_(list(statement_ids)))
        .order_by(Response.created_at, Response.id)
    ).all()
    for sid, response in rows:
        found.setdefault(sid, []).append(response)
    return found


def responses_query(consultation: Consultation) -> Select[Any]:
    """The SELECT of a consultation's responses, newest first, statements loaded."""
    return (
        select(Response)
        .where(Response.consultation_id == consultation.id)
        .options(selectinload(Response.statements))
        .order_by(Response.created_at.desc(), Response.id.desc())
    )


def list_responses(consultation: Consultation) -> list[Response]:
    """Every official response of a consultation, newest first, statements loaded."""
    return list(db.session.scalars(responses_query(consultation)))


# --------------------------------------------------------------------------------------------
# Notifications


def _site_url() -> str:
    return str(current_app.config.get("PUBLIC_URL") or "").rstrip("/")


def notify_response(response: Response, actor: User | None) -> int:
    """Tell the authors and supporters of the answered statements; return how many people."""
    statement_ids = [s.id for s in response.statements]
    if not statement_ids:
        return 0
    authors = select(Statement.author_id.label("uid")).where(
        Statement.id.in_(statement_ids), Statement.author_id.is_not(None)
    )
    supporters = select(Vote.user_id.label("uid")).where(
        Vote.statement_id.in_(statement_ids), Vote.value == 1
    )
    union = authors.union(supporters).subquery()
    recipients = [
        uid
        for uid in db.session.scalars(select(union.c.uid).order_by(union.c.uid))
        if actor is None or uid != actor.id
    ]
    first = response.statements[0]
    link = f"/statements/{first.id}"
    title = response.consultation.title

    def compose() -> Message:
        text = _(
            "Official response (%(decision)s) to “%(statement)s” in “%(title)s”.",
            decision=decision_label(response.decision),
            statement=excerpt(first.text, 90),
            title=title,
        )
        if len(statement_ids) > 1:
            text += " " + _("It also answers %(n)s related statements.", n=len(statement_ids) - 1)
        body = "\n\n".join(
            [
                text,
                response.text,
                _("Read it in the consultation: %(url)s", url=_site_url() + link),
                _("You receive this because you wrote or supported this statement."),
            ]
        )
        subject = _("The response to “%(title)s”", title=excerpt(title, 60))
        return Message(text=text, subject=subject, body=body)

    return notify_many(recipients, compose, kind="response", link=link)


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
        raise NotFound("Consultation not found.")
    if not can_manage_responses(actor, consultation):
        raise NotAllowed("Only this consultation's policymakers can extend a deadline.")
    if item.response_id is not None:
        raise Conflict("This statement has already been answered.")
    if item.extended_due_on is not None:
        raise Conflict(
            "A deadline can be extended only once.",
            fields={"due_on": ["This deadline has already been extended."]},
        )
    fields: dict[str, list[str]] = {}
    cleaned = clean_text(reason or "")
    if len(cleaned) < REASON_MIN:
        fields["reason"] = [f"State the reason in at least {REASON_MIN} characters."]
    elif len(cleaned) > REASON_MAX:
        fields["reason"] = [f"Use at most {REASON_MAX} characters."]
    if due_on is None:
        fields["due_on"] = ["Choose the new due date."]
    elif due_on <= item.due_on:
        fields["due_on"] = [f"Choose a date after {item.due_on.isoformat()}."]
    elif due_on > item.due_on + timedelta(days=MAX_EXTENSION_DAYS):
        fields["due_on"] = [f"Extend by at most {MAX_EXTENSION_DAYS} days."]
    elif not is_working_day(due_on, public_holidays()):
        fields["due_on"] = ["Choose a working day (not a weekend or public holiday)."]
    if fields:
        raise ValidationFailed("The extension is not valid.", fields=fields)
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
            f"{missing} required statement(s) still need an official response before the "
            "report can be published.",
            fields={"status": [f"{missing} required response(s) missing."]},
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
