"""Consultations: create, edit, open, close, report."""

from __future__ import annotations

import re
import secrets
import time
import unicodedata
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from consult.audit.services import record_audit
from consult.auth.models import User
from consult.consultations.models import (
    Consultation,
    ConsultationMember,
    ConsultationStatus,
    MemberRole,
    ModerationMode,
    ResponsePolicy,
)
from consult.consultations.permissions import (
    can_create_consultation,
    can_edit_consultation,
)
from consult.errors import Conflict, NotAllowed, NotFound, ValidationFailed, invalid
from consult.extensions import db
from consult.languages.codes import is_language
from consult.languages.services import set_consultation_versions
from consult.signals import consultation_status_changed, consultation_status_changing
from consult.statements.models import Statement, StatementStatus
from consult.types import utcnow
from consult.votes.models import Vote

TRANSITIONS = {
    ConsultationStatus.draft: {ConsultationStatus.open},
    ConsultationStatus.open: {ConsultationStatus.closed},
    ConsultationStatus.closed: {ConsultationStatus.open, ConsultationStatus.reported},
    ConsultationStatus.reported: set(),
}

EDITABLE_FIELDS = (
    "title",
    "language",
    "summary",
    "body",
    "opens_at",
    "closes_at",
    "moderation",
    "flag_threshold",
    "response_policy",
)


def slugify(text: str) -> str:
    """Return a URL slug (ASCII letters, digits and dashes) for a title."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80].strip("-") or "consultation"


def get_consultation_by_slug(slug: str) -> Consultation | None:
    """Return the consultation with this slug, if any."""
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


#: Dates a consultation may open or close on (a year 1 or 9999 is a typing error).
EARLIEST_YEAR = 2000
LATEST_YEAR = 2100


def _check_dates(opens_at: datetime | None, closes_at: datetime | None) -> None:
    for name, value in (("opens_at", opens_at), ("closes_at", closes_at)):
        if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            raise ValidationFailed(
                _l("The date is out of range."),
                fields={
                    name: [
                        _l(
                            "Give a date from %(earliest)s to %(latest)s.",
                            earliest=EARLIEST_YEAR,
                            latest=LATEST_YEAR,
                        )
                    ]
                },
            )
    if opens_at and closes_at and closes_at <= opens_at:
        raise invalid(
            _l("The closing date must be after the opening date."),
            "closes_at",
            _l("Must be after the opening date."),
        )


def _check_language(language: object) -> None:
    if not is_language(language):
        raise invalid(_l("Unknown language."), "language", _l("Choose Kazakh, Russian or English."))


def create_consultation(
    actor: User,
    *,
    title: str,
    summary: str = "",
    body: str = "",
    closes_at: datetime | None = None,
    opens_at: datetime | None = None,
    moderation: ModerationMode | str = ModerationMode.post,
    flag_threshold: int = 3,
    response_policy: ResponsePolicy | str = ResponsePolicy.consensus,
    slug: str | None = None,
    language: str = "en",
) -> Consultation:
    """Create a draft consultation owned by the actor; ``language`` is its texts' language."""
    if not can_create_consultation(actor):
        raise NotAllowed(_l("Only policymakers and administrators create consultations."))
    title = title.strip()
    if not title:
        raise invalid(_l("A title is required."), "title", _l("Required."))
    _check_dates(opens_at, closes_at)
    _check_language(language)
    consultation = Consultation(
        title=title,
        language=language,
        summary=summary.strip(),
        body=body.strip(),
        closes_at=closes_at,
        opens_at=opens_at,
        moderation=ModerationMode(moderation),
        flag_threshold=flag_threshold,
        response_policy=ResponsePolicy(response_policy),
        status=ConsultationStatus.draft,
        created_by_id=actor.id,
    )
    consultation.members.append(ConsultationMember(user_id=actor.id, role=MemberRole.owner))
    base = slug or slugify(title)
    candidate = base
    # The unique constraint decides; retry with a random suffix on a collision.
    for _attempt in range(8):
        consultation.slug = candidate
        try:
            with db.session.begin_nested():
                db.session.add(consultation)
                db.session.flush()
            return consultation
        except IntegrityError:
            if slug is not None:
                raise Conflict(
                    _l("A consultation with this slug already exists."),
                    fields={"slug": [_l("Already taken.")]},
                ) from None
            candidate = f"{base[:72]}-{secrets.token_hex(3)}"
    raise Conflict(_l("Could not find a free slug for this title."))


def update_consultation(consultation: Consultation, actor: User, **changes: Any) -> Consultation:
    """Change a consultation's fields (and status, through the allowed transitions)."""
    if not can_edit_consultation(actor, consultation):
        raise NotAllowed(_l("Only this consultation's policymakers can change it."))
    status = changes.pop("status", None)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            _l("Unknown fields."), fields={name: [_l("Unknown field.")] for name in sorted(unknown)}
        )
    if "title" in changes:
        changes["title"] = (changes["title"] or "").strip()
        if not changes["title"]:
            raise invalid(_l("A title is required."), "title", _l("Required."))
    for key in ("summary", "body"):
        if key in changes:
            changes[key] = (changes[key] or "").strip()
    if "language" in changes:
        _check_language(changes["language"])
    if "moderation" in changes:
        changes["moderation"] = ModerationMode(changes["moderation"])
    if "response_policy" in changes:
        changes["response_policy"] = ResponsePolicy(changes["response_policy"])
    _check_dates(
        changes.get("opens_at", consultation.opens_at),
        changes.get("closes_at", consultation.closes_at),
    )
    before = {key: _plain(getattr(consultation, key)) for key in changes}
    for key, value in changes.items():
        setattr(consultation, key, value)
    if changes:
        _audit_edit(
            actor, consultation, before, {key: _plain(value) for key, value in changes.items()}
        )
    if status is not None:
        change_status(consultation, ConsultationStatus(status), actor)
    db.session.flush()
    return consultation


def change_status(
    consultation: Consultation,
    status: ConsultationStatus,
    actor: User,
    *,
    at: datetime | None = None,
) -> Consultation:
    """Move a consultation along draft → open → closed → reported.

    ``at`` dates the change (default: now); demo data and imports use it to record a past
    closing, so the response deadlines that closing assigns count from the real date.
    """
    if not can_edit_consultation(actor, consultation):
        raise NotAllowed(_l("Only this consultation's policymakers can change its status."))
    before = consultation.status
    if status is before:
        return consultation
    if status not in TRANSITIONS[before]:
        raise Conflict(
            _l(
                "A %(before)s consultation cannot become %(after)s.",
                before=before.value,
                after=status.value,
            ),
            fields={
                "status": [
                    _l(
                        "Cannot go from %(before)s to %(after)s.",
                        before=before.value,
                        after=status.value,
                    )
                ]
            },
        )
    consultation_status_changing.send(
        consultation, consultation=consultation, actor=actor, before=before, after=status
    )
    now = at or utcnow()
    consultation.status = status
    if status is ConsultationStatus.open and consultation.opens_at is None:
        consultation.opens_at = now
    if status is ConsultationStatus.closed:
        consultation.closed_at = now
    if status is ConsultationStatus.reported:
        consultation.reported_at = now
    record_audit(
        actor,
        "change_status",
        "consultation",
        consultation.id,
        consultation_id=consultation.id,
        before={"status": before.value},
        after={"status": status.value},
    )
    db.session.flush()
    consultation_status_changed.send(
        consultation, consultation=consultation, actor=actor, before=before, after=status
    )
    return consultation


def add_member(consultation: Consultation, user: User, role: MemberRole, *, actor: User) -> None:
    """Assign a policymaker (owner) or a moderator to a consultation."""
    if not can_edit_consultation(actor, consultation):
        raise NotAllowed(_l("Only this consultation's policymakers can assign people."))
    exists = db.session.scalar(
        select(ConsultationMember.id).where(
            ConsultationMember.consultation_id == consultation.id,
            ConsultationMember.user_id == user.id,
            ConsultationMember.role == role,
        )
    )
    if exists is None:
        db.session.add(ConsultationMember(consultation=consultation, user=user, role=role))
        db.session.flush()
        record_audit(
            actor,
            "add_member",
            "user",
            user.id,
            reason="",
            consultation_id=consultation.id,
            before={"member": None},
            after={"member": role.value},
        )


def visible_consultations(
    viewer: Any, *, status: ConsultationStatus | None = None
) -> Select[Consultation]:
    """The consultations the viewer may see (what ``can_view_consultation`` allows), newest
    first, as one SELECT: drafts only for their owners and administrators."""
    query = select(Consultation).order_by(Consultation.created_at.desc(), Consultation.id.desc())
    if status is not None:
        query = query.where(Consultation.status == status)
    if not getattr(viewer, "is_authenticated", False):
        return query.where(Consultation.status != ConsultationStatus.draft)
    if viewer.is_admin:
        return query
    own = select(ConsultationMember.consultation_id).where(
        ConsultationMember.user_id == viewer.id, ConsultationMember.role == MemberRole.owner
    )
    return query.where(
        or_(Consultation.status != ConsultationStatus.draft, Consultation.id.in_(own))
    )


def list_visible_consultations(viewer: Any) -> list[Consultation]:
    """Consultations the viewer may see: everything but other people's drafts (one query, and
    one for their versions in the other languages)."""
    query = visible_consultations(viewer).options(selectinload(Consultation.texts))
    return list(db.session.scalars(query))


def find_visible_consultation(
    viewer: Any, *, consultation_id: int | None = None, slug: str | None = None
) -> Consultation | None:
    """The consultation with this id or slug if the viewer may see it, else None: the list's
    query (``visible_consultations``) narrowed to one row, for pages and API alike."""
    query = visible_consultations(viewer)
    if consultation_id is not None:
        query = query.where(Consultation.id == consultation_id)
    if slug is not None:
        query = query.where(Consultation.slug == slug)
    return db.session.scalars(query.limit(1)).first()


def get_visible_consultation(consultation_id: int, viewer: Any) -> Consultation:
    """The consultation with this id if the viewer may see it; NotFound otherwise (drafts of
    others included)."""
    consultation = find_visible_consultation(viewer, consultation_id=consultation_id)
    if consultation is None:
        raise NotFound(_l("Consultation not found."))
    return consultation


def consultation_counts(consultation_ids: list[int]) -> dict[int, dict[str, int]]:
    """Return visible statements, votes and participants per consultation."""
    counts = {cid: {"statements": 0, "votes": 0, "participants": 0} for cid in consultation_ids}
    if not consultation_ids:
        return counts
    for cid, n in db.session.execute(
        select(Statement.consultation_id, func.count(Statement.id))
        .where(
            Statement.consultation_id.in_(consultation_ids),
            Statement.status == StatementStatus.visible,
        )
        .group_by(Statement.consultation_id)
    ):
        counts[cid]["statements"] = n
    for cid, n, people in db.session.execute(
        select(Vote.consultation_id, func.count(Vote.id), func.count(func.distinct(Vote.user_id)))
        .where(Vote.consultation_id.in_(consultation_ids))
        .group_by(Vote.consultation_id)
    ):
        counts[cid]["votes"] = n
        counts[cid]["participants"] = people
    return counts


_COUNTS_KEY = "kenes_consultation_counts"


def current_counts(consultation: Consultation) -> dict[str, int]:
    """:func:`consultation_counts` of one consultation, kept per content version.

    Counting the participants of a large consultation reads every vote (a third of a second at
    200,000 votes), and every vote changes the version: a process counts again at most every
    ``COUNTS_MAX_AGE`` seconds while votes arrive (the header's figures lag by that much).
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cache: dict[int, tuple[int, float, dict[str, int]]] = app.extensions.setdefault(_COUNTS_KEY, {})
    version = consultation.content_version or 0
    now = time.monotonic()
    entry = cache.get(consultation.id)
    max_age = float(app.config.get("COUNTS_MAX_AGE", 5.0))
    if entry is not None and (entry[0] == version or now - entry[1] < max_age):
        return dict(entry[2])
    counts = consultation_counts([consultation.id])[consultation.id]
    if len(cache) > 1000:
        cache.clear()
    cache[consultation.id] = (version, now, counts)
    return dict(counts)


def require_consultation(consultation_id: int) -> Consultation:
    """Return the consultation or raise NotFound."""
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound(_l("Consultation not found."))
    return consultation


def _audit_edit(
    actor: User, consultation: Consultation, before: dict[str, Any], after: dict[str, Any]
) -> None:
    """Record an edit of the consultation's fields or texts in the audit log."""
    record_audit(
        actor,
        "edit_consultation",
        "consultation",
        consultation.id,
        consultation_id=consultation.id,
        before=before,
        after=after,
    )


def _plain(value: Any) -> Any:
    if hasattr(value, "value"):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def set_consultation_texts(
    consultation: Consultation, actor: User, versions: dict[str, tuple[str, str, str]]
) -> None:
    """Store the question, summary and body in the other languages (an empty question removes
    that version); its policymakers and administrators only."""
    if not can_edit_consultation(actor, consultation):
        raise NotAllowed(_l("Only this consultation's policymakers can change it."))
    wanted = {k: v for k, v in versions.items() if k != consultation.language}
    before = {t.language: t.question for t in consultation.texts}
    kept = set_consultation_versions(
        consultation.id, consultation.language, wanted, consultation.texts
    )
    db.session.expire(consultation, ["texts"])
    after = {t.language: t.question for t in kept}
    if before != after:
        _audit_edit(actor, consultation, {"versions": sorted(before)}, {"versions": sorted(after)})
