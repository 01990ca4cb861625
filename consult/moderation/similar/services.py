"""The text index of each consultation's statements, and the statements that resemble a text.

The similarity itself is :mod:`debate.similarity` (pure); this module keeps one index per
consultation (per app, extended as statements come) and decides which statements may be
suggested.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from flask import current_app
from sqlalchemy import select

from consult.consultations.models import Consultation
from consult.extensions import db
from consult.statements.models import Statement, StatementStatus
from debate.similarity import SUGGEST_MIN_SCORE, Match, TextIndex

_INDEXES_KEY = "kenes.moderation.text_indexes"
#: Consultations whose index is kept in memory (least recently used ones are dropped).
INDEX_CACHE_SIZE = 32


def statement_index(consultation_id: int) -> TextIndex:
    """The text index of a consultation's statements, kept per app and extended as they come.

    Statements are never edited, so appending the new ones (by id) keeps it current; which of
    them may be suggested is decided at query time (see :func:`suggestible_ids`).
    """
    indexes: OrderedDict[int, TextIndex] = current_app.extensions.setdefault(
        _INDEXES_KEY, OrderedDict()
    )
    index = indexes.get(consultation_id)
    if index is None:
        index = indexes[consultation_id] = TextIndex().fit([])
        while len(indexes) > INDEX_CACHE_SIZE:
            indexes.popitem(last=False)
    else:
        indexes.move_to_end(consultation_id)
    rows = db.session.execute(
        select(Statement.id, Statement.text)
        .where(Statement.consultation_id == consultation_id, Statement.id > index.max_id)
        .order_by(Statement.id)
    ).all()
    index.partial_fit([(sid, text) for sid, text in rows])
    return index


def suggestible_ids(consultation_id: int, *, include_hidden: bool = False) -> list[int]:
    """Statements that may be suggested: visible ones to readers, all but merges to moderators."""
    statuses = [StatementStatus.visible]
    if include_hidden:
        statuses += [StatementStatus.pending, StatementStatus.hidden]
    return list(
        db.session.scalars(
            select(Statement.id)
            .where(Statement.consultation_id == consultation_id, Statement.status.in_(statuses))
            .order_by(Statement.id)
        )
    )


def similar_statements(
    consultation: Consultation,
    text: str,
    *,
    limit: int = 5,
    exclude: Sequence[int] = (),
    min_score: float = SUGGEST_MIN_SCORE,
) -> list[tuple[Statement, float]]:
    """Visible statements of the consultation that resemble ``text``, best first."""
    matches: list[Match] = statement_index(consultation.id).query(
        text,
        limit=limit,
        exclude=exclude,
        among=suggestible_ids(consultation.id),
        min_score=min_score,
    )
    if not matches:
        return []
    loaded = {
        s.id: s
        for s in db.session.scalars(
            select(Statement).where(Statement.id.in_([m.id for m in matches]))
        )
    }
    return [
        (loaded[m.id], m.score)
        for m in matches
        if m.id in loaded and loaded[m.id].status is StatementStatus.visible
    ]


def likely_duplicates(
    statements: Sequence[Statement], *, limit: int = 3
) -> dict[int, list[tuple[Statement, float]]]:
    """For moderators: each statement's likely duplicates (hidden and pending ones included)."""
    by_consultation: dict[int, list[Statement]] = {}
    for s in statements:
        by_consultation.setdefault(s.consultation_id, []).append(s)
    found: dict[int, list[tuple[Statement, float]]] = {}
    for consultation_id, group in by_consultation.items():
        index = statement_index(consultation_id)
        among = suggestible_ids(consultation_id, include_hidden=True)
        answers = index.query_many(
            [s.text for s in group], limit=limit, exclude=[[s.id] for s in group], among=among
        )
        matches = {s.id: answer for s, answer in zip(group, answers, strict=True)}
        wanted = {m.id for answer in matches.values() for m in answer}
        loaded = {
            s.id: s
            for s in db.session.scalars(select(Statement).where(Statement.id.in_(list(wanted))))
        }
        for sid, answer in matches.items():
            found[sid] = [(loaded[m.id], m.score) for m in answer if m.id in loaded]
    return found
