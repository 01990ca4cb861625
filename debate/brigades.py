"""Coordinated-voting ("brigade") detection.

A brigade is a set of accounts created close together in time whose votes are nearly identical.
Honest people with similar views agree on much, but rarely on *everything*, and they do not sign
up within the same hour; scripted or coordinated accounts do both. Detection only reports: what
to do about a suspected brigade is a moderator's decision.

The similarity of two accounts is the cosine of their one-hot vote vectors restricted to the
statements both voted on (agree, disagree and pass are three different answers). It equals the
share of those statements on which they gave the same answer.

Accounts are compared only within creation-time windows (each account against the accounts of
its own and the next window), so the work grows with the number of accounts per window, not
with the square of all accounts; every product is a sparse matrix product computed in blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

from debate.errors import InputError
from debate.types import AGREE, DISAGREE, PASS, VoteMatrix

__all__ = ["BrigadePair", "SuspectedBrigade", "suspected_brigades"]

_CODE = {AGREE: 0, DISAGREE: 1, PASS: 2}
#: Largest dense similarity block (rows x candidates) computed at once: about 32 MB of int64.
_BLOCK_CELLS = 1 << 22


@dataclass(frozen=True, slots=True)
class BrigadePair:
    """Two accounts whose votes are near identical (indices into the participants)."""

    a: int
    b: int
    similarity: float
    shared: int


@dataclass(frozen=True, slots=True)
class SuspectedBrigade:
    """A group of accounts created close together that vote (nearly) the same way.

    ``members`` are participant indices ordered by creation time; ``statements`` are the column
    indices every member voted on, with ``votes`` the most common answer of the members on each
    and ``unanimity`` the share of members who gave it.
    """

    members: tuple[int, ...]
    pairs: tuple[BrigadePair, ...]
    similarity: float  # mean over the detected pairs
    min_similarity: float
    created_from: float
    created_to: float
    statements: tuple[int, ...]
    votes: tuple[int, ...]
    unanimity: tuple[float, ...]

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def span(self) -> float:
        """Seconds between the first and the last member's account creation."""
        return self.created_to - self.created_from


def _one_hot(
    M: VoteMatrix,
) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    n, m = M.shape
    rows = M.rows.astype(np.int64)
    cols = M.cols.astype(np.int64)
    codes = np.zeros(len(M.values), dtype=np.int64)
    for value, code in _CODE.items():
        codes[M.values == value] = code
    ones = np.ones(len(rows), dtype=np.int32)
    answers = sparse.csr_matrix((ones, (rows, cols * 3 + codes)), shape=(n, 3 * m))
    presence = sparse.csr_matrix((ones, (rows, cols)), shape=(n, m))
    answers.sum_duplicates()
    presence.sum_duplicates()
    if presence.nnz and presence.data.max() > 1:
        raise InputError("a participant has more than one vote on the same statement")
    return answers, presence


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        root = self.parent.setdefault(x, x)
        while self.parent[root] != root:
            root = self.parent[root]
        while x != root:  # path compression, iteratively (groups can be large)
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _similar_pairs(
    answers: sparse.csr_matrix,
    presence: sparse.csr_matrix,
    created: npt.NDArray[np.float64],
    eligible: npt.NDArray[np.int64],
    *,
    window: float,
    min_similarity: float,
    min_shared: int,
) -> list[BrigadePair]:
    order = eligible[np.argsort(created[eligible], kind="stable")]
    if len(order) < 2:
        return []
    times = created[order]
    buckets = np.floor((times - times[0]) / window).astype(np.int64)
    starts = np.searchsorted(buckets, np.unique(buckets))
    bounds = list(zip(starts.tolist(), [*starts[1:].tolist(), len(order)], strict=True))
    bucket_ids = buckets[starts].tolist()
    pairs: list[BrigadePair] = []
    for k, (lo, hi) in enumerate(bounds):
        # Candidates: this window and the next one (if adjacent); pairs further apart in time
        # than ``window`` are dropped below, so each close pair is examined exactly once.
        cand_hi = hi
        if k + 1 < len(bounds) and bucket_ids[k + 1] == bucket_ids[k] + 1:
            cand_hi = bounds[k + 1][1]
        candidates = order[lo:cand_hi]
        cand_answers = answers[candidates].T.tocsc()
        cand_presence = presence[candidates].T.tocsc()
        step = max(1, _BLOCK_CELLS // max(1, len(candidates)))
        for start in range(lo, hi, step):
            block = order[start : min(hi, start + step)]
            same = (answers[block] @ cand_answers).toarray()
            shared = (presence[block] @ cand_presence).toarray()
            # Keep each pair once: a row only pairs with candidates after it in time order.
            offset = start - lo
            upper = np.arange(len(candidates))[None, :] > (offset + np.arange(len(block)))[:, None]
            close = np.abs(created[block][:, None] - created[candidates][None, :]) <= window
            with np.errstate(divide="ignore", invalid="ignore"):
                similarity = np.where(shared > 0, same / np.maximum(shared, 1), 0.0)
            hit = upper & close & (shared >= min_shared) & (similarity >= min_similarity)
            for i, j in zip(*np.nonzero(hit), strict=True):
                a, b = int(block[i]), int(candidates[j])
                pairs.append(
                    BrigadePair(
                        a=min(a, b),
                        b=max(a, b),
                        similarity=float(similarity[i, j]),
                        shared=int(shared[i, j]),
                    )
                )
    return pairs


def _evidence(
    members: list[int],
    pairs: list[BrigadePair],
    M: VoteMatrix,
    presence: sparse.csr_matrix,
    created: npt.NDArray[np.float64],
) -> SuspectedBrigade:
    members = sorted(members, key=lambda i: (created[i], i))
    member_set = np.array(members, dtype=np.int64)
    counts = np.asarray(presence[member_set].sum(axis=0)).ravel()
    common = np.nonzero(counts == len(members))[0]
    in_group = np.isin(M.rows, member_set)
    group_cols, group_values = M.cols[in_group], M.values[in_group].astype(np.int64)
    votes: list[int] = []
    unanimity: list[float] = []
    for col in common.tolist():
        values = group_values[group_cols == col]
        options, tally = np.unique(values, return_counts=True)
        best = int(np.argmax(tally))
        votes.append(int(options[best]))
        unanimity.append(float(tally[best]) / len(members))
    sims = [p.similarity for p in pairs]
    return SuspectedBrigade(
        members=tuple(members),
        pairs=tuple(sorted(pairs, key=lambda p: (p.a, p.b))),
        similarity=float(np.mean(sims)),
        min_similarity=float(np.min(sims)),
        created_from=float(created[members[0]]),
        created_to=float(created[members[-1]]),
        statements=tuple(int(c) for c in common),
        votes=tuple(votes),
        unanimity=tuple(unanimity),
    )


def suspected_brigades(
    M: VoteMatrix,
    created_at: Sequence[float] | npt.NDArray[np.float64],
    *,
    window: float = 3600.0,
    min_similarity: float = 0.95,
    min_shared: int = 10,
    min_size: int = 3,
) -> list[SuspectedBrigade]:
    """Find groups of accounts created close together whose votes are near identical.

    Two accounts are linked when they were created at most ``window`` seconds apart, voted on at
    least ``min_shared`` common statements, and gave the same answer on at least
    ``min_similarity`` of them (the cosine of their one-hot vote vectors over the shared
    statements). Linked accounts are grouped transitively; groups of at least ``min_size``
    accounts are reported, largest first.

    Parameters
    ----------
    M : VoteMatrix
        The votes (+1 agree, -1 disagree, 0 pass) of the participants on the statements.
    created_at : sequence of float
        Account creation time of each participant, in seconds (e.g. a Unix timestamp), in the
        order of ``M.participants``.
    window : float, optional
        Largest creation-time gap, in seconds, between two linked accounts (default one hour).
    min_similarity : float, optional
        Smallest share of identical answers on the shared statements (default 0.95).
    min_shared : int, optional
        Smallest number of statements both accounts voted on (default 10).
    min_size : int, optional
        Smallest group reported (default 3).

    Returns
    -------
    list of SuspectedBrigade
        The suspected groups with their evidence, largest (then most similar) first.

    Raises
    ------
    InputError
        If ``created_at`` does not have one time per participant, or a parameter is out of
        range.

    Examples
    --------
    Three accounts created a minute apart vote identically on ten statements; a fourth account
    with the same votes was created a month earlier and is not linked to them.

    >>> votes = [[1, -1, 1, 1, 0, -1, 1, 1, -1, 1]] * 4
    >>> M = VoteMatrix.from_dense(votes)
    >>> [b.members for b in suspected_brigades(M, [0.0, 60.0, 120.0, -2.6e6])]
    [(0, 1, 2)]
    >>> suspected_brigades(M, [0.0, 60.0, 120.0, -2.6e6], min_shared=11)
    []
    """
    n, _m = M.shape
    created = np.asarray(created_at, dtype=np.float64)
    if created.shape != (n,):
        raise InputError(f"created_at has {created.shape[0]} times for {n} participants")
    if not np.all(np.isfinite(created)):
        raise InputError("created_at holds a missing or infinite time")
    if window <= 0:
        raise InputError("window must be positive")
    if not 0.0 < min_similarity <= 1.0:
        raise InputError("min_similarity must be in (0, 1]")
    if min_shared < 1 or min_size < 2:
        raise InputError("min_shared must be at least 1 and min_size at least 2")
    if n < min_size or M.n_votes == 0:
        return []
    answers, presence = _one_hot(M)
    n_votes = np.asarray(presence.sum(axis=1)).ravel()
    eligible = np.nonzero(n_votes >= min_shared)[0].astype(np.int64)
    pairs = _similar_pairs(
        answers,
        presence,
        created,
        eligible,
        window=window,
        min_similarity=min_similarity,
        min_shared=min_shared,
    )
    groups = _UnionFind()
    for pair in pairs:
        groups.union(pair.a, pair.b)
    members: dict[int, list[int]] = {}
    for node in list(groups.parent):
        members.setdefault(groups.find(node), []).append(node)
    by_root: dict[int, list[BrigadePair]] = {}
    for pair in pairs:
        by_root.setdefault(groups.find(pair.a), []).append(pair)
    found = [
        _evidence(group, by_root[root], M, presence, created)
        for root, group in members.items()
        if len(group) >= min_size
    ]
    return sorted(found, key=lambda b: (-b.size, -b.similarity, b.members))
