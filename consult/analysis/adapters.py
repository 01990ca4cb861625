"""The only conversion between database rows and the analysis core's plain types.

Votes are read straight from SQL into numpy arrays (no ORM objects: a million votes load in about
a second). Statement ids become strings of their database ids; participants become opaque
per-consultation ids (an HMAC of the consultation and user ids under the app's secret), so the
analysis never sees a user id or an e-mail address. What moderation removes is left out:

- visible statements are the analysed columns;
- hidden statements (and visible ones :func:`excluded_for_analysis` excludes) keep their column
  and votes but are listed in ``VoteMatrix.moderated_out``, as Pol.is does with moderated-out
  comments;
- merged and pending statements, and every vote of an excluded (blocked) participant, are dropped.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt
from flask import current_app
from sqlalchemy import select

from consult.analysis.models import VoteExclusion
from consult.auth.models import UserBlock
from consult.auth.standing import active_block_condition
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.statements.models import Relation as LinkRelation
from consult.statements.models import Statement, StatementKind, StatementLink, StatementStatus
from consult.votes.models import Vote
from debate.polis import VoteLog
from debate.types import Claim, Relation, RelationKind, VoteMatrix

IntArray = npt.NDArray[np.int64]

#: Length (hex digits) of the opaque participant ids: 64 bits, no collisions in practice.
PARTICIPANT_ID_HEX = 16


@dataclass(frozen=True)
class Exclusions:
    """What moderation keeps out of the analysis of one consultation."""

    statements: frozenset[int] = frozenset()
    users: frozenset[int] = frozenset()


@dataclass(frozen=True)
class AnalysisInput:
    """Everything ``debate.analysis.analyse`` needs for one consultation, in its own types."""

    matrix: VoteMatrix
    claims: tuple[Claim, ...]
    relations: tuple[Relation, ...]
    #: how many statements and voting participants were left out by moderation
    excluded: dict[str, int] = field(default_factory=dict)
    #: statement id (string) -> text, for every column (hidden ones included)
    texts: dict[str, str] = field(default_factory=dict)


def statement_key(statement_id: int) -> str:
    """Return the analysis id of a statement (its database id as a string)."""
    return str(statement_id)


def _participant_key() -> bytes:
    key = current_app.config["ANALYSIS_ID_KEY"]  # never SECRET_KEY: see consult/config.py
    return hashlib.sha256(b"kenes-analysis-participant:" + str(key).encode()).digest()


def participant_id(consultation_id: int, user_id: int) -> str:
    """Return the opaque analysis id of a user within one consultation.

    The same person gets unrelated ids in different consultations, and the id reveals nothing
    without the server's secret.
    """
    return _participant_ids(consultation_id, [user_id])[0]


def participant_ids(consultation_id: int, user_ids: Iterable[int]) -> list[str]:
    """Return the opaque analysis ids of several users of one consultation, in order."""
    return _participant_ids(consultation_id, user_ids)


def _participant_ids(consultation_id: int, user_ids: Iterable[int]) -> list[str]:
    keyed = hmac.new(_participant_key(), f"{consultation_id}:".encode(), hashlib.sha256)
    ids = []
    for user_id in user_ids:
        mac = keyed.copy()  # HMAC(key, "consultation:user"), without re-keying every time
        mac.update(str(int(user_id)).encode())
        ids.append("p" + mac.hexdigest()[:PARTICIPANT_ID_HEX])
    return ids


def key_tag() -> str:
    """A short digest of the participant-id key, so cached results die when the key changes."""
    return hashlib.sha256(_participant_key()).hexdigest()[:12]


def active_blocks_tag() -> str:
    """A digest of the blocks and suspensions in force now, whoever they concern.

    Who is blocked is the one input of the analysis that no write to the consultation marks
    (a block is of a person, and a suspension ends by itself); a fresh analysis remembered by
    content version (``services.get_analysis``) also checks this, one query on a small table.
    """
    ids = db.session.scalars(
        select(UserBlock.id).where(active_block_condition()).order_by(UserBlock.id)
    ).all()
    return hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]


def excluded_for_analysis(consultation: Consultation) -> dict[str, list[int]]:
    """What the analysis must leave out: statements that are not visible, blocked voters.

    ``statements``: hidden, pending (awaiting approval or review) and merged statements;
    ``users``: people who voted here and are suspended or blocked now.
    """
    statements = list(
        db.session.scalars(
            select(Statement.id)
            .where(
                Statement.consultation_id == consultation.id,
                Statement.status != StatementStatus.visible,
            )
            .order_by(Statement.id)
        )
    )
    blocked = select(UserBlock.user_id).where(active_block_condition())
    users = list(
        db.session.scalars(
            select(Vote.user_id)
            .where(Vote.consultation_id == consultation.id, Vote.user_id.in_(blocked))
            .distinct()
            .order_by(Vote.user_id)
        )
    )
    return {"statements": statements, "users": users}


def excluded_voters(consultation_id: int) -> frozenset[int]:
    """The accounts whose votes an active vote exclusion leaves out (consult.analysis.quality)."""
    users: set[int] = set()
    for user_ids in db.session.scalars(
        select(VoteExclusion.user_ids).where(
            VoteExclusion.consultation_id == consultation_id, VoteExclusion.lifted_at.is_(None)
        )
    ):
        users.update(int(u) for u in user_ids or [])
    return frozenset(users)


def exclusions_for(consultation: Consultation) -> Exclusions:
    """What moderation keeps out of the analysis of this consultation: its exclusions, and the
    votes of excluded suspected groups (the votes are kept; only the analysis skips them)."""
    found = excluded_for_analysis(consultation)
    return Exclusions(
        statements=frozenset(int(s) for s in found["statements"]),
        users=frozenset(int(u) for u in found["users"]) | excluded_voters(consultation.id),
    )


def load_vote_arrays(consultation_id: int) -> tuple[IntArray, IntArray, npt.NDArray[np.int8]]:
    """Return (user ids, statement ids, values) of every vote in a consultation, as arrays.

    One query, fetched as plain tuples into numpy: building ORM objects for a million votes
    would take a minute; this takes about a second.
    """
    query = select(Vote.user_id, Vote.statement_id, Vote.value).where(
        Vote.consultation_id == consultation_id
    )
    connection = db.session.connection()  # the session's transaction: sees its own writes
    compiled = query.compile(dialect=connection.dialect)
    if connection.dialect.positional:
        params: Any = tuple(compiled.params[name] for name in compiled.positiontup or ())
    else:
        params = dict(compiled.params)
    # The DBAPI cursor directly: SQLAlchemy's Row objects cost ~20 µs each to build and to
    # convert, the driver's plain tuples a fraction of that.
    cursor = connection.connection.cursor()
    try:
        cursor.execute(compiled.string, params)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    n = len(rows)
    if not n:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), np.zeros(0, dtype=np.int8)
    flat = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=3 * n).reshape(n, 3)
    return flat[:, 0].copy(), flat[:, 1].copy(), flat[:, 2].astype(np.int8)


def analysis_input(
    consultation: Consultation, *, exclusions: Exclusions | None = None
) -> AnalysisInput:
    """Build the vote matrix, claims and relations of a consultation for ``debate``."""
    if exclusions is None:
        exclusions = exclusions_for(consultation)
    rows = db.session.execute(
        select(Statement.id, Statement.kind, Statement.status, Statement.text)
        .where(Statement.consultation_id == consultation.id)
        .order_by(Statement.id)
    ).all()
    columns: list[int] = []
    moderated: set[int] = set()
    texts: dict[str, str] = {}
    claims: list[Claim] = []
    dropped = 0
    for sid, kind, status, text in rows:
        if status is StatementStatus.visible and sid not in exclusions.statements:
            columns.append(sid)
            kind_value = kind.value if isinstance(kind, StatementKind) else str(kind)
            claims.append(Claim(id=statement_key(sid), text=text, kind=kind_value))
        elif status is StatementStatus.hidden or (
            status is StatementStatus.visible and sid in exclusions.statements
        ):
            columns.append(sid)
            moderated.add(sid)
            dropped += 1
        else:  # merged into another statement, or awaiting moderation
            dropped += 1
            continue
        texts[statement_key(sid)] = text

    user_ids, statement_ids, values = load_vote_arrays(consultation.id)
    column_ids = np.array(columns, dtype=np.int64)  # ascending: ordered by id above
    col_index = np.searchsorted(column_ids, statement_ids)
    if len(column_ids):
        keep = column_ids[np.minimum(col_index, len(column_ids) - 1)] == statement_ids
    else:
        keep = np.zeros(len(statement_ids), dtype=bool)
    n_excluded_participants = 0
    if exclusions.users:
        excluded_users = np.fromiter(sorted(exclusions.users), dtype=np.int64)
        blocked = np.isin(user_ids, excluded_users)
        n_excluded_participants = int(len(np.unique(user_ids[blocked & keep])))
        keep &= ~blocked
    user_ids, col_index, values = user_ids[keep], col_index[keep], values[keep]

    participants, row_index = np.unique(user_ids, return_inverse=True)
    # Sort by (row, column) so the matrix is in a canonical order whatever the database returned.
    order = np.argsort(row_index * max(len(columns), 1) + col_index, kind="stable")
    matrix = VoteMatrix(
        participants=tuple(_participant_ids(consultation.id, participants.tolist())),
        statements=tuple(statement_key(s) for s in columns),
        rows=row_index[order].astype(np.int32),
        cols=col_index[order].astype(np.int32),
        values=values[order].astype(np.int8),
        moderated_out=frozenset(i for i, s in enumerate(columns) if s in moderated),
    )
    # Keyed by database id, with each relation's kind converted once: a national consultation
    # has a hundred thousand links.
    visible = {int(c.id): c.id for c in claims}
    kinds = {link: RelationKind(link.value) for link in LinkRelation}
    relations = tuple(
        Relation(source=visible[source], target=visible[target], relation=kinds[relation])
        for source, target, relation in db.session.execute(
            select(StatementLink.source_id, StatementLink.target_id, StatementLink.relation)
            .where(StatementLink.consultation_id == consultation.id)
            .order_by(StatementLink.id)
        )
        if source in visible and target in visible
    )
    return AnalysisInput(
        matrix=matrix,
        claims=tuple(claims),
        relations=relations,
        excluded={"statements": dropped, "participants": n_excluded_participants},
        texts=texts,
    )


def statement_ids_of(keys: Iterable[str]) -> list[int]:
    """Turn analysis statement ids back into database ids (ignoring anything else)."""
    return [int(k) for k in keys if str(k).isdigit()]


def vote_log(consultation_id: int, matrix: VoteMatrix) -> VoteLog:
    """Every vote of the matrix, in the order it was cast (its last change), as a ``VoteLog``.

    Participants and statements are the matrix's own (same ids, same order), so that the log's
    matrices line up with it; votes of anyone or on anything the matrix leaves out are dropped.
    Ties in time go by vote id.
    """
    rows = db.session.execute(
        select(Vote.user_id, Vote.statement_id, Vote.value, Vote.updated_at)
        .where(Vote.consultation_id == consultation_id)
        .order_by(Vote.updated_at, Vote.id)
    ).all()
    users = sorted({user_id for user_id, _s, _v, _t in rows})
    pid_of = dict(zip(users, _participant_ids(consultation_id, users), strict=True))
    row_of = {pid: i for i, pid in enumerate(matrix.participants)}
    col_of = {sid: j for j, sid in enumerate(matrix.statements)}
    r: list[int] = []
    c: list[int] = []
    v: list[int] = []
    t: list[float] = []
    for user_id, statement_id, value, at in rows:
        i = row_of.get(pid_of[user_id])
        j = col_of.get(statement_key(statement_id))
        if i is None or j is None:
            continue
        r.append(i)
        c.append(j)
        v.append(int(value))
        t.append(at.timestamp() if at is not None else 0.0)
    return VoteLog(
        participants=matrix.participants,
        statements=matrix.statements,
        rows=np.array(r, dtype=np.int64),
        cols=np.array(c, dtype=np.int64),
        values=np.array(v, dtype=np.int8),
        times=np.array(t, dtype=np.float64),
    )
