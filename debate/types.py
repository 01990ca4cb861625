"""Plain data types shared by the analysis core.

Everything that enters :mod:`debate` is one of these (or plain dicts/lists); nothing here knows
about databases or the web.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from debate.errors import InputError

__all__ = ["Claim", "Relation", "Stance", "VoteMatrix", "RelationKind", "AGREE", "DISAGREE", "PASS"]

AGREE = 1
DISAGREE = -1
PASS = 0


class RelationKind(StrEnum):
    """How an argument relates to its target."""

    SUPPORT = "support"
    ATTACK = "attack"


@dataclass(frozen=True, slots=True)
class Claim:
    """A statement of the debate: a position or an argument."""

    id: str
    text: str = ""
    kind: str = "position"  # "position" | "argument"


@dataclass(frozen=True, slots=True)
class Relation:
    """A directed link: ``source`` supports or attacks ``target``."""

    source: str
    target: str
    relation: RelationKind


@dataclass(frozen=True, slots=True)
class Stance:
    """One participant's vote on one statement (+1 agree, -1 disagree, 0 pass)."""

    participant: str
    statement: str
    value: int
    timestamp: float = 0.0


@dataclass(frozen=True)
class VoteMatrix:
    """A sparse participant x statement vote matrix in coordinate form.

    ``rows[i]``, ``cols[i]``, ``values[i]`` say that participant ``participants[rows[i]]`` voted
    ``values[i]`` (+1 agree, -1 disagree, 0 pass) on statement ``statements[cols[i]]``. Each
    (row, col) pair appears at most once: the latest vote has already won. ``moderated_out``
    holds the indices (into ``statements``) of statements removed by moderation: they keep their
    column but are never reported. ``meta`` holds the indices of meta statements (Pol.is
    ``is_meta``: questions about the participants, such as "I work in the public sector"): shown
    to voters, but, as in Pol.is, left out of the opinion map and of everything reported about
    opinions.
    """

    participants: tuple[str, ...]
    statements: tuple[str, ...]
    rows: npt.NDArray[np.int32]
    cols: npt.NDArray[np.int32]
    values: npt.NDArray[np.int8]
    moderated_out: frozenset[int] = field(default_factory=frozenset)
    meta: frozenset[int] = field(default_factory=frozenset)

    @property
    def excluded(self) -> frozenset[int]:
        """Statements Pol.is's math leaves out (its ``mod-out``): moderated out or meta.

        Examples
        --------
        >>> VoteMatrix.from_dense([[1, 0, 1]], moderated_out=[0], meta=[2]).excluded
        frozenset({0, 2})
        """
        return self.moderated_out | self.meta

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.participants), len(self.statements))

    @property
    def n_votes(self) -> int:
        return int(self.values.shape[0])

    @classmethod
    def from_stances(
        cls,
        stances: Iterable[Stance],
        *,
        statements: Sequence[str] = (),
        participants: Sequence[str] = (),
        moderated_out: Iterable[str] = (),
        meta: Iterable[str] = (),
    ) -> VoteMatrix:
        """Build a vote matrix from individual votes; the latest vote (by timestamp) wins.

        ``statements`` and ``participants`` fix the order of (and may add vote-less) columns and
        rows; ids only seen in ``stances`` are appended in order of first appearance. Ties in
        timestamp go to the stance that comes later. ``moderated_out`` names statements removed
        by moderation, ``meta`` the meta statements.

        Examples
        --------
        >>> m = VoteMatrix.from_stances(
        ...     [Stance("p1", "s1", 1, 1.0), Stance("p2", "s1", -1), Stance("p1", "s1", 0, 2.0)],
        ...     moderated_out=["s2"],
        ... )
        >>> m.participants, m.statements, m.values.tolist(), sorted(m.moderated_out)
        (('p1', 'p2'), ('s1', 's2'), [0, -1], [1])
        """
        part_index: dict[str, int] = {p: i for i, p in enumerate(participants)}
        stmt_index: dict[str, int] = {s: j for j, s in enumerate(statements)}
        latest: dict[tuple[int, int], tuple[float, int]] = {}
        for stance in stances:
            if stance.value not in (AGREE, DISAGREE, PASS):
                raise InputError(
                    f"unknown vote value {stance.value!r} for statement {stance.statement!r}"
                )
            i = part_index.setdefault(stance.participant, len(part_index))
            j = stmt_index.setdefault(stance.statement, len(stmt_index))
            previous = latest.get((i, j))
            if previous is None or stance.timestamp >= previous[0]:
                latest[(i, j)] = (stance.timestamp, stance.value)
        moderated_out, meta = list(moderated_out), list(meta)
        for statement in (*moderated_out, *meta):
            stmt_index.setdefault(statement, len(stmt_index))
        keys = sorted(latest)
        return cls(
            participants=tuple(part_index),
            statements=tuple(stmt_index),
            rows=np.array([k[0] for k in keys], dtype=np.int32),
            cols=np.array([k[1] for k in keys], dtype=np.int32),
            values=np.array([latest[k][1] for k in keys], dtype=np.int8),
            moderated_out=frozenset(stmt_index[s] for s in moderated_out),
            meta=frozenset(stmt_index[s] for s in meta),
        )

    @classmethod
    def from_dense(
        cls,
        votes: Sequence[Sequence[int | None]],
        *,
        participants: Sequence[str] | None = None,
        statements: Sequence[str] | None = None,
        moderated_out: Iterable[int] = (),
        meta: Iterable[int] = (),
    ) -> VoteMatrix:
        """Build a vote matrix from a list of rows, ``None`` meaning "not voted".

        Ids default to ``"0", "1", ...``; ``moderated_out`` and ``meta`` hold column indices.

        Examples
        --------
        >>> m = VoteMatrix.from_dense([[1, None], [-1, 0]])
        >>> m.shape, m.n_votes, m.rows.tolist(), m.cols.tolist(), m.values.tolist()
        ((2, 2), 3, [0, 1, 1], [0, 0, 1], [1, -1, 0])
        """
        n_cols = max((len(r) for r in votes), default=0)
        if statements is not None:
            n_cols = max(n_cols, len(statements))
        rows: list[int] = []
        cols: list[int] = []
        values: list[int] = []
        for i, row in enumerate(votes):
            for j, value in enumerate(row):
                if value is None:
                    continue
                if value not in (AGREE, DISAGREE, PASS):
                    raise InputError(f"unknown vote value {value!r} at row {i}, column {j}")
                rows.append(i)
                cols.append(j)
                values.append(value)
        parts = (
            tuple(participants)
            if participants is not None
            else tuple(str(i) for i in range(len(votes)))
        )
        stmts = (
            tuple(statements) if statements is not None else tuple(str(j) for j in range(n_cols))
        )
        if len(parts) != len(votes) or len(stmts) < n_cols:
            raise InputError("participant/statement ids do not match the shape of the votes")
        return cls(
            participants=parts,
            statements=stmts,
            rows=np.array(rows, dtype=np.int32),
            cols=np.array(cols, dtype=np.int32),
            values=np.array(values, dtype=np.int8),
            moderated_out=frozenset(int(j) for j in moderated_out),
            meta=frozenset(int(j) for j in meta),
        )
