"""The content version of a consultation: bumped by every change its thread page shows.

A vote, a statement, a link, a moderation decision, an official response or an edit of the
consultation marks the consultation as changed; just before the transaction commits, one
``UPDATE consultations SET content_version = content_version + 1`` per changed consultation
runs in that same transaction. A cached page keyed by the version is therefore never served
after the change that made it stale is visible to readers, and never invalidated by a change
that was rolled back.

ORM changes are found by a ``before_flush`` listener (any object with a ``consultation_id``,
and consultations themselves); core statements (the vote upsert) call :func:`mark_changed`.
The UPDATE is the last statement before COMMIT so that the row lock, which serialises
concurrent writers of one consultation, is held for as short a time as possible. After the
commit, this process's page cache forgets the versions it remembered of those consultations.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from consult.consultations import pagecache
from consult.consultations.models import Consultation
from consult.extensions import db

_KEY = "kenes_changed_consultations"
_COMMITTING = "kenes_committing_consultations"
_BUMPED = "kenes_bumped_consultations"


def mark_changed(consultation_id: int, session: Session | None = None) -> None:
    """Bump this consultation's content version when the current transaction commits."""
    session = session if session is not None else db.session()
    session.info.setdefault(_KEY, set()).add(int(consultation_id))


def mark_bumped(consultation_id: int, session: Session | None = None) -> None:
    """Record that a statement of this transaction bumped the version itself (the vote's
    single-statement upsert on PostgreSQL): nothing more is bumped, but the transaction counts
    as changing the consultation, and this process's caches forget it after the commit."""
    session = session if session is not None else db.session()
    session.info.setdefault(_BUMPED, set()).add(int(consultation_id))


def changed_in_transaction(consultation_id: int, session: Session | None = None) -> bool:
    """Tell whether the current transaction has changed this consultation (flushed changes,
    or core statements marked by :func:`mark_changed`); its version is bumped at commit."""
    session = session if session is not None else db.session()
    cid = int(consultation_id)
    return cid in session.info.get(_KEY, ()) or cid in session.info.get(_BUMPED, ())


def content_version(consultation_id: int) -> int:
    """The consultation's current content version (0 if it does not exist)."""
    value = db.session.scalar(
        select(Consultation.content_version).where(Consultation.id == consultation_id)
    )
    return int(value or 0)


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    changed: set[int] = session.info.setdefault(_KEY, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Consultation):
            if obj.id is not None and (obj in session.deleted or session.is_modified(obj)):
                changed.add(obj.id)
            continue
        consultation_id = getattr(obj, "consultation_id", None)
        if isinstance(consultation_id, int):
            if obj in session.dirty and not session.is_modified(obj):
                continue
            changed.add(consultation_id)


def _before_commit(session: Session) -> None:
    bumped = session.info.pop(_BUMPED, None)
    if bumped:
        session.info[_COMMITTING] = set(bumped)
    if not session.info.get(_KEY) and not (session.new or session.dirty or session.deleted):
        return
    session.flush()  # collects the ORM changes not flushed yet
    changed = session.info.pop(_KEY, None)
    if not changed:
        return
    session.info[_COMMITTING] = session.info.get(_COMMITTING, set()) | changed
    session.execute(
        update(Consultation)
        .where(Consultation.id.in_(sorted(changed)))  # one lock order: no deadlocks
        .values(
            content_version=Consultation.content_version + 1,
            updated_at=Consultation.updated_at,  # not an edit of the consultation itself
        )
        .execution_options(synchronize_session=False)
    )


def _after_commit(session: Session) -> None:
    committed = session.info.pop(_COMMITTING, None)
    if committed and has_app_context():
        # This process's page cache forgets the versions it remembers (pagecache.py): its own
        # next read is exact; other processes catch up within THREAD_VERSION_MAX_AGE.
        pagecache.forget(current_app._get_current_object(), committed)  # type: ignore[attr-defined]


def _after_rollback(session: Session) -> None:
    session.info.pop(_KEY, None)
    session.info.pop(_BUMPED, None)
    session.info.pop(_COMMITTING, None)


def listen() -> None:
    """Install the listeners on ``db.session`` (the sessions its factory makes, never every
    SQLAlchemy session of the process); installing them twice is a no-op."""
    if not event.contains(db.session, "before_commit", _before_commit):
        event.listen(db.session, "before_flush", _before_flush)
        event.listen(db.session, "before_commit", _before_commit)
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_rollback", _after_rollback)
