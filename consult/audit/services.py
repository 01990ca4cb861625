"""The audit log: append an entry (every domain does), read and export it (moderators).

Who may read which entries is the moderation domain's knowledge (who moderates what); it is
given to this package as an :class:`AuditScope` (see :func:`consult.audit.init_app`), so that the
log stays below every domain that writes to it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from consult.audit.models import AuditEntry
from consult.auth.models import User
from consult.extensions import db
from consult.text import spreadsheet_safe


@dataclass(frozen=True)
class AuditScope:
    """The part of the log a person may read.

    ``consultation_ids`` is None for the whole log (administrators); ``consultations`` maps the
    consultations the filter offers to their titles.
    """

    consultation_ids: list[int] | None
    consultations: dict[int, str] = field(default_factory=dict)

    def allows(self, consultation_id: int | None) -> bool:
        """Tell whether entries of this consultation are readable."""
        ids = self.consultation_ids
        return ids is None or (consultation_id is not None and consultation_id in ids)


@dataclass(frozen=True)
class AuditFilters:
    """What the log is filtered by (every field optional)."""

    consultation_id: int | None = None
    action: str | None = None
    actor_id: int | None = None
    target_type: str | None = None
    target_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def record_audit(
    actor: User | None,
    action: str,
    target_type: str,
    target_id: int | None,
    *,
    reason: str = "",
    consultation_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one row to the audit log."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        consultation_id=consultation_id,
        reason=reason,
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry


def _scoped(query: Select[Any], scope: AuditScope) -> Select[Any]:
    if scope.consultation_ids is None:
        return query
    return query.where(AuditEntry.consultation_id.in_(scope.consultation_ids or [-1]))


def audit_query(scope: AuditScope, filters: AuditFilters | None = None) -> Select[Any]:
    """The readable audit entries, newest first, filtered."""
    f = filters or AuditFilters()
    query = _scoped(select(AuditEntry).options(selectinload(AuditEntry.actor)), scope)
    if f.consultation_id is not None:
        query = query.where(AuditEntry.consultation_id == f.consultation_id)
    if f.action:
        query = query.where(AuditEntry.action == f.action)
    if f.actor_id is not None:
        query = query.where(AuditEntry.actor_id == f.actor_id)
    if f.target_type:
        query = query.where(AuditEntry.target_type == f.target_type)
    if f.target_id is not None:
        query = query.where(AuditEntry.target_id == f.target_id)
    if f.since is not None:
        query = query.where(AuditEntry.created_at >= f.since)
    if f.until is not None:
        query = query.where(AuditEntry.created_at < f.until)
    return query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def audit_actions(scope: AuditScope) -> list[str]:
    """The distinct actions in the readable part of the log."""
    query = _scoped(select(AuditEntry.action).distinct().order_by(AuditEntry.action), scope)
    return list(db.session.scalars(query))


def entries_for(target_type: str, target_id: int, scope: AuditScope) -> list[AuditEntry]:
    """The readable audit history of one statement or user, newest first."""
    return [
        entry
        for entry in db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.target_type == target_type, AuditEntry.target_id == target_id)
            .options(selectinload(AuditEntry.actor))
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        )
        if scope.allows(entry.consultation_id)
    ]


AUDIT_CSV_COLUMNS = (
    "id",
    "created_at",
    "actor_id",
    "actor",
    "action",
    "target_type",
    "target_id",
    "consultation_id",
    "reason",
    "before",
    "after",
)


def _json_cell(value: dict[str, Any] | None) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def audit_csv(entries: Iterable[AuditEntry]) -> str:
    """The audit entries as CSV (UTF-8, one header row)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(AUDIT_CSV_COLUMNS)
    for entry in entries:
        row = (
            entry.id,
            entry.created_at.isoformat(),
            entry.actor_id if entry.actor_id is not None else "",
            entry.actor.display_name if entry.actor is not None else "system",
            entry.action,
            entry.target_type,
            entry.target_id if entry.target_id is not None else "",
            entry.consultation_id if entry.consultation_id is not None else "",
            entry.reason,
            _json_cell(entry.before),
            _json_cell(entry.after),
        )
        writer.writerow([spreadsheet_safe(v) for v in row])
    return out.getvalue()


def audit_csv_rows(query: Select[Any], limit: int) -> list[AuditEntry]:
    """The entries of an export: at most ``limit`` (``AUDIT_CSV_MAX``)."""
    return list(db.session.scalars(query.limit(limit)))
