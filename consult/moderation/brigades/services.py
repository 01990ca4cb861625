"""Suspected brigades in a consultation: the votes go through debate.brigades, cached per app."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from flask import current_app
from sqlalchemy import func, select

from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.statements.models import Statement
from consult.votes.models import Vote
from debate.brigades import suspected_brigades
from debate.types import VoteMatrix

_CACHE_KEY = "kenes.moderation.brigades"
#: Detections kept per app (least recently computed dropped first).
CACHE_SIZE = 32


@dataclass(frozen=True)
class BrigadeSettings:
    """How close in time accounts were created, and how alike they voted, to be reported."""

    window: timedelta
    min_similarity: float
    min_shared: int
    min_size: int


def brigade_settings() -> BrigadeSettings:
    """The ``BRIGADE_*`` settings (an hour, 95 % identical on at least 10 statements, 3 people)."""
    config = current_app.config
    window = config["BRIGADE_WINDOW"]
    if not isinstance(window, timedelta):  # KENES_BRIGADE_WINDOW=3600: seconds
        window = timedelta(seconds=float(window))
    return BrigadeSettings(
        window=window,
        min_similarity=float(config["BRIGADE_MIN_SIMILARITY"]),
        min_shared=int(config["BRIGADE_MIN_SHARED"]),
        min_size=int(config["BRIGADE_MIN_SIZE"]),
    )


@dataclass
class BrigadeReport:
    """A suspected brigade, with the evidence a moderator reviews."""

    consultation: Consultation
    members: list[User]
    similarity: float
    min_similarity: float
    pairs: int
    created_from: datetime
    created_to: datetime
    statements: list[tuple[Statement, int, float]]  # statement, common vote, share of members

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def span(self) -> timedelta:
        return self.created_to - self.created_from


#: A detection in plain ids: members, similarity, lowest pair, pairs, (statement, vote, share).
Found = tuple[list[int], float, float, int, list[tuple[int, int, float]]]


def _detect(consultation_id: int, settings: BrigadeSettings) -> list[Found]:
    """Run the detection on the consultation's votes (imported participants left out: their
    accounts all carry the import time)."""
    rows = db.session.execute(
        select(Vote.user_id, Vote.statement_id, Vote.value, User.created_at)
        .join(User, User.id == Vote.user_id)
        .where(Vote.consultation_id == consultation_id, User.is_imported.is_(False))
    ).all()
    if not rows:
        return []
    users = np.array([r[0] for r in rows], dtype=np.int64)
    stmts = np.array([r[1] for r in rows], dtype=np.int64)
    values = np.array([r[2] for r in rows], dtype=np.int8)
    user_ids, row_index = np.unique(users, return_inverse=True)
    statement_ids, col_index = np.unique(stmts, return_inverse=True)
    created_of = {r[0]: r[3].timestamp() for r in rows}
    matrix = VoteMatrix(
        participants=tuple(str(u) for u in user_ids.tolist()),
        statements=tuple(str(s) for s in statement_ids.tolist()),
        rows=row_index.astype(np.int32),
        cols=col_index.astype(np.int32),
        values=values,
    )
    created = np.array([created_of[u] for u in user_ids.tolist()], dtype=np.float64)
    found: list[Found] = []
    for brigade in suspected_brigades(
        matrix,
        created,
        window=settings.window.total_seconds(),
        min_similarity=settings.min_similarity,
        min_shared=settings.min_shared,
        min_size=settings.min_size,
    ):
        evidence = [
            (int(statement_ids[c]), int(v), float(u))
            for c, v, u in zip(brigade.statements, brigade.votes, brigade.unanimity, strict=True)
        ]
        found.append(
            (
                [int(user_ids[i]) for i in brigade.members],
                brigade.similarity,
                brigade.min_similarity,
                len(brigade.pairs),
                evidence,
            )
        )
    return found


def _cached(consultation: Consultation, settings: BrigadeSettings) -> list[Found]:
    """The detection, recomputed only when the consultation's votes change."""
    count, last_change = db.session.execute(
        select(func.count(Vote.id), func.max(Vote.updated_at)).where(
            Vote.consultation_id == consultation.id
        )
    ).one()
    cache: OrderedDict[tuple[Any, ...], list[Found]] = current_app.extensions.setdefault(
        _CACHE_KEY, OrderedDict()
    )
    key = (consultation.id, count, last_change, settings)
    found = cache.get(key)
    if found is None:
        found = cache[key] = _detect(consultation.id, settings)
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return found


def detect_brigades(
    consultation: Consultation,
    *,
    window: timedelta | None = None,
    min_similarity: float | None = None,
    min_shared: int | None = None,
    min_size: int | None = None,
) -> list[BrigadeReport]:
    """Suspected coordinated voting in a consultation (a report: nothing is blocked)."""
    defaults = brigade_settings()
    settings = BrigadeSettings(
        window=window or defaults.window,
        min_similarity=min_similarity or defaults.min_similarity,
        min_shared=min_shared or defaults.min_shared,
        min_size=min_size or defaults.min_size,
    )
    reports = []
    for member_ids, similarity, lowest, pairs, evidence in _cached(consultation, settings):
        users_by_id = {
            u.id: u for u in db.session.scalars(select(User).where(User.id.in_(member_ids)))
        }
        members = [users_by_id[u] for u in member_ids if u in users_by_id]
        statement_rows = {
            s.id: s
            for s in db.session.scalars(
                select(Statement).where(Statement.id.in_([s for s, _v, _u in evidence]))
            )
        }
        reports.append(
            BrigadeReport(
                consultation=consultation,
                members=members,
                similarity=similarity,
                min_similarity=lowest,
                pairs=pairs,
                created_from=min(m.created_at for m in members),
                created_to=max(m.created_at for m in members),
                statements=[
                    (statement_rows[s], v, u) for s, v, u in evidence if s in statement_rows
                ],
            )
        )
    return reports
