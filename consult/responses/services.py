"""Official responses: publish, amend and list them, and tell the people they answer.

The deadlines of the statements that need an answer are :mod:`consult.responses.deadlines`.
Services take an explicit actor, flush, and never commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select, update
from sqlalchemy.orm import selectinload

from consult.audit.services import record_audit
from consult.auth.models import User
from consult.auth.names import shown_name
from consult.consultations.models import Consultation, ConsultationStatus
from consult.consultations.permissions import can_view_consultation
from consult.errors import Conflict, NotAllowed, NotFound, ValidationFailed, invalid, too_long
from consult.extensions import db
from consult.notifications.services import Message, notify_many
from consult.responses.models import Decision, Response, ResponseItem, response_statements
from consult.responses.permissions import can_respond_consultation
from consult.statements.models import Statement
from consult.statements.services import published_statements
from consult.text import clean_text, excerpt
from consult.types import utcnow
from consult.votes.models import Vote

log = logging.getLogger(__name__)

TEXT_MIN = 10
TEXT_MAX = 5000
URL_MAX = 500
MAX_STATEMENTS_PER_RESPONSE = 100

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
        raise invalid(
            _l("The response needs a reasoned text."),
            "text",
            _l(
                "Explain the decision in at least %(limit)s characters.",
                limit=TEXT_MIN,
            ),
        )
    if len(cleaned) > TEXT_MAX:
        raise too_long(_l("The response is too long."), "text", TEXT_MAX, len(cleaned))
    return cleaned


def clean_measure_url(url: str | None) -> str | None:
    """Return the link to the measure taken (http or https), or None when empty."""
    url = (url or "").strip()
    if not url:
        return None
    message = _l("Give a full web address starting with http:// or https://.")
    if len(url) > URL_MAX:
        raise ValidationFailed(_l("The link is too long."), fields={"measure_url": [message]})
    try:
        parts = urlsplit(url)
        host_ok = bool(parts.hostname) and " " not in url
    except ValueError:
        host_ok = False
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not host_ok:
        raise ValidationFailed(
            _l("The link is not a web address."), fields={"measure_url": [message]}
        )
    return url


def parse_decision(value: Decision | str | None) -> Decision:
    """Return the decision named by ``value`` or raise ValidationFailed."""
    try:
        return Decision(value)
    except ValueError:
        choices = ", ".join(d.value for d in Decision)
        raise invalid(
            _l("Unknown decision."), "decision", _l("Choose one of: %(choices)s.", choices=choices)
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
            raise invalid(
                _l("Invalid statement."),
                "statements",
                _l("%(value)s is not a statement id.", value=repr(value)),
            ) from None
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise invalid(
            _l("Choose what you are answering."), "statements", _l("Select at least one statement.")
        )
    if len(ids) > MAX_STATEMENTS_PER_RESPONSE:
        raise invalid(
            _l("Too many statements."),
            "statements",
            _l(
                "Answer at most %(limit)s at once.",
                limit=MAX_STATEMENTS_PER_RESPONSE,
            ),
        )

    def unpublished(sid: int) -> Any:
        return _l("Statement %(sid)s is not published.", sid=sid)

    return published_statements(
        consultation, ids, "statements", _l("Invalid statements."), unpublished
    )


def check_may_respond(consultation: Consultation, actor: Any) -> None:
    """Raise NotFound, NotAllowed or Conflict unless the actor may answer here."""
    if not can_view_consultation(actor, consultation):
        raise NotFound(_l("Consultation not found."))
    if consultation.status is ConsultationStatus.draft:  # nothing public to answer yet
        raise NotFound(_l("Consultation not found."))
    if not can_respond_consultation(actor, consultation):
        raise NotAllowed(_l("Only this consultation's policymakers can respond."))


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
        raise ValidationFailed(_l("The response is not valid."), fields=fields)
    answered = list(
        db.session.scalars(
            select(response_statements.c.statement_id).where(
                response_statements.c.statement_id.in_([s.id for s in statements])
            )
        )
    )
    if answered:
        raise Conflict(
            _l("Already answered."),
            fields={
                "statements": [
                    _l(
                        "Statement %(sid)s already has an official response; "
                        "edit that one instead.",
                        sid=sid,
                    )
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
        raise ValidationFailed(_l("The response is not valid."), fields=fields)
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
        if response.author is not None and response.author.deleted_at is None:
            text += " " + _("From %(name)s.", name=shown_name(response.author))
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
