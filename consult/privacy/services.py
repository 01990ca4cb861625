"""A participant's data: what is stored about them (as JSON), and deleting the account.

Kazakhstan's Law on Personal Data and Its Protection (No. 94-V of 21 May 2013) gives the person
access to their data and its destruction when they withdraw consent; the privacy page says what
Kenes stores and why. The download gathers, in one JSON document, the account, everything the
person wrote (statements with their links, flags), every vote, their notifications, API tokens
(names and prefixes only) and consultation roles. It is built by a background job
(:func:`export_job`) whose file expires after ``PERSONAL_DATA_TTL`` seconds.

Deleting keeps the public record readable: the account row stays as an empty shell named
"Former participant" (no e-mail, no password, no tokens, no notifications, no two-factor), so
the statements it wrote stay, without a name, and its votes stay counted under an id that no
longer leads to anybody. When the person asks, their statements are removed where moderation
allows it (:func:`consult.moderation.removal.can_remove_statement`). Staff and consultation
members hand over their roles first. Both the download and the deletion are audit-logged.

Services flush, never commit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, select

from consult.audit.services import record_audit
from consult.auth.models import ApiToken, RecoveryCode, Role, User
from consult.consultations.models import Consultation, ConsultationMember
from consult.errors import Conflict, NotAllowed
from consult.extensions import db
from consult.jobs.models import Job
from consult.jobs.runtime import JobContext, enqueue
from consult.jobs.services import active_job, result_file
from consult.moderation.models import Flag
from consult.moderation.removal import can_remove_statement, remove_statement
from consult.notifications.models import Notification
from consult.statements.models import Statement, StatementLink
from consult.types import utcnow
from consult.votes.models import Vote

EXPORT_JOB = "privacy.export"
#: the display name a deleted account keeps
FORMER_PARTICIPANT = "Former participant"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# --- the download ---------------------------------------------------------------------------


def request_export(user: User) -> Job:
    """Ask for the JSON download of the user's data (a tracked job; one at a time)."""
    if user.deleted_at is not None:
        raise NotAllowed(_l("This account has been deleted."))
    subject = f"user:{user.id}"
    running = active_job(EXPORT_JOB, subject)
    if running is not None:
        return running
    job = enqueue(
        EXPORT_JOB, user.id, key=f"privacy.export:{user.id}", owner_id=user.id, subject=subject
    )
    assert job is not None  # a tracked job always has a record
    record_audit(user, "export_personal_data", "user", user.id, after={"job": job.id})
    return job


def latest_export(user: User) -> Job | None:
    """The user's newest data download job, if any."""
    return db.session.scalar(
        select(Job)
        .where(Job.name == EXPORT_JOB, Job.owner_id == user.id)
        .order_by(Job.created_at.desc())
        .limit(1)
    )


def personal_data(user: User) -> dict[str, Any]:
    """Everything Kenes stores about this person, as JSON-ready data."""
    statements = list(
        db.session.scalars(
            select(Statement).where(Statement.author_id == user.id).order_by(Statement.id)
        )
    )
    links: dict[int, list[dict[str, Any]]] = {}
    if statements:
        for link in db.session.scalars(
            select(StatementLink).where(StatementLink.source_id.in_([s.id for s in statements]))
        ):
            links.setdefault(link.source_id, []).append(
                {"target": link.target_id, "relation": link.relation.value}
            )
    slugs = {
        cid: slug for cid, slug in db.session.execute(select(Consultation.id, Consultation.slug))
    }
    votes = db.session.scalars(select(Vote).where(Vote.user_id == user.id).order_by(Vote.id))
    flags = db.session.scalars(select(Flag).where(Flag.user_id == user.id).order_by(Flag.id))
    notes = db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    )
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    )
    members = db.session.scalars(
        select(ConsultationMember).where(ConsultationMember.user_id == user.id)
    )
    return {
        "format": "kenes-personal-data/1",
        "exported_at": utcnow().isoformat(),
        "account": {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role.value,
            "locale": user.locale,
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
            "email_verified_at": _iso(user.email_verified_at),
            "two_factor": user.totp_enabled_at is not None,
        },
        "statements": [
            {
                "id": s.id,
                "consultation": slugs.get(s.consultation_id),
                "kind": s.kind.value,
                "text": s.text,
                "status": s.status.value,
                "created_at": _iso(s.created_at),
                "links": links.get(s.id, []),
            }
            for s in statements
        ],
        "votes": [
            {
                "statement": v.statement_id,
                "consultation": slugs.get(v.consultation_id),
                "value": {1: "agree", -1: "disagree", 0: "pass"}.get(v.value, str(v.value)),
                "created_at": _iso(v.created_at),
                "updated_at": _iso(v.updated_at),
            }
            for v in votes
        ],
        "flags": [
            {
                "statement": f.statement_id,
                "reason": f.reason.value,
                "note": f.note,
                "created_at": _iso(f.created_at),
            }
            for f in flags
        ],
        "notifications": [
            {
                "text": n.text,
                "link": n.link,
                "created_at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
            }
            for n in notes
        ],
        "api_tokens": [
            {
                "name": t.name,
                "prefix": t.prefix,
                "created_at": _iso(t.created_at),
                "last_used_at": _iso(t.last_used_at),
                "revoked_at": _iso(t.revoked_at),
            }
            for t in tokens
        ],
        "consultation_roles": [
            {"consultation": slugs.get(m.consultation_id), "role": m.role.value} for m in members
        ],
    }


def export_job(ctx: JobContext, user_id: int) -> None:
    """Write the user's data to a JSON file in the jobs' result folder."""
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotAllowed(_l("This account has been deleted."))
    ctx.progress(10, "Collecting", force=True)
    data = personal_data(user)
    path = ctx.result_dir() / f"personal-data-{ctx.job_id or user_id}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    ctx.set_result(
        path=path,
        name=f"kenes-personal-data-{utcnow():%Y%m%d}.json",
        media_type="application/json",
    )


# --- deletion -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deletion:
    """What deleting an account did to its statements."""

    removed: list[int] = field(default_factory=list)
    kept: list[int] = field(default_factory=list)


def check_can_delete(user: User) -> None:
    """Raise unless this account may be deleted by its owner now."""
    if user.deleted_at is not None:
        raise Conflict(_l("This account has already been deleted."))
    if user.role is not Role.participant:
        raise NotAllowed(
            _l("Staff accounts are closed by an administrator: ask one to change your role first.")
        )
    member = db.session.scalar(select(exists().where(ConsultationMember.user_id == user.id)))
    if member:
        raise NotAllowed(
            _l("You own or moderate a consultation: hand it over before deleting your account.")
        )


def delete_account(user: User, *, remove_statements: bool = False) -> Deletion:
    """Delete the account at its owner's request (see the module docstring)."""
    check_can_delete(user)
    statements = list(
        db.session.scalars(
            select(Statement).where(Statement.author_id == user.id).order_by(Statement.id)
        )
    )
    removed: list[int] = []
    kept: list[int] = []
    for statement in statements:
        if remove_statements and can_remove_statement(statement):
            removed.append(remove_statement(statement))
        else:
            kept.append(statement.id)
    for job in db.session.scalars(select(Job).where(Job.owner_id == user.id)):
        path = result_file(job)
        if path is not None:
            path.unlink(missing_ok=True)
        db.session.delete(job)
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    user.email = None
    user.display_name = FORMER_PARTICIPANT
    user.password_hash = None
    user.locale = None
    user.last_login_at = None
    user.email_verified_at = None
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.session_version = (user.session_version or 0) + 1
    user.deleted_at = utcnow()
    record_audit(
        user,
        "delete_account",
        "user",
        user.id,
        reason="At the account owner's request.",
        before={"statements": len(statements)},
        after={"removed_statements": removed, "kept_statements": kept},
    )
    db.session.flush()
    return Deletion(removed=removed, kept=kept)
