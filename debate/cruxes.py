"""Cruxes: the statements whose votes best predict which opinion group a participant is in.

For each statement, the participants who voted on it (agree, disagree or pass) *and* belong to
an opinion group give a contingency table of vote x group. The crux score is the normalised
mutual information of that table::

    NMI = I(vote; group) / ((H(vote) + H(group)) / 2)

(the arithmetic-mean normalisation, scikit-learn's default), in [0, 1]: 1 when the vote
determines the group and the group the vote, 0 when they are independent.

Only participants who *saw* the statement count, and "pass" is a vote of its own. Whether
someone saw a statement mostly reflects when they arrived and how Polis routed statements, not
what they think, so an "unseen" category would reward statements that happened to be shown to
one group more than another. Passes, by contrast, are a deliberate answer. Mutual information
over few voters is biased upwards, so statements with fewer than ``min_voters`` grouped voters
are not scored.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import xlogy

from debate.errors import InputError
from debate.types import VoteMatrix

__all__ = ["crux_scores"]

FloatArray = npt.NDArray[np.float64]


def crux_scores(
    matrix: VoteMatrix,
    labels: npt.ArrayLike,
    *,
    top: int = 5,
    min_voters: int = 5,
) -> list[dict[str, Any]]:
    """Rank statements by how well their votes predict participants' opinion groups.

    Parameters
    ----------
    matrix : VoteMatrix
        The votes.
    labels : array-like of int
        Opinion group of each participant (in ``matrix.participants`` order); ``-1`` marks a
        participant who is in no group (not clustered): their votes are ignored.
    top : int, default 5
        How many statements to return at most.
    min_voters : int, default 5
        Statements with fewer grouped voters are not scored.

    Returns
    -------
    list of dict
        ``{"statement": id, "score": nmi}``, best first (ties in statement order), only
        statements with a positive score, none removed by moderation.

    Raises
    ------
    InputError
        If ``labels`` does not hold one integer per participant, or ``top`` is negative.

    References
    ----------
    .. [1] T. M. Cover, J. A. Thomas, *Elements of Information Theory*, 2nd ed., Wiley, 2006,
       ch. 2 (entropy and mutual information).
    .. [2] A. Strehl, J. Ghosh, "Cluster ensembles -- a knowledge reuse framework for combining
       multiple partitions", JMLR 3, 2002, pp. 583-617 (normalised mutual information).

    Examples
    --------
    Statement ``0`` splits the two groups exactly, ``1`` is agreed by everyone and ``2`` is
    only partly aligned with the groups:

    >>> A, D, P = 1, -1, 0
    >>> votes = [[A, A, A]] * 3 + [[D, A, P]] * 2 + [[D, A, D]]
    >>> cruxes = crux_scores(VoteMatrix.from_dense(votes), [0, 0, 0, 1, 1, 1])
    >>> [(c["statement"], round(c["score"], 4)) for c in cruxes]
    [('0', 1.0), ('2', 0.8133)]
    """
    n_part, n_stmt = matrix.shape
    groups = _group_indices(labels, n_part)
    if isinstance(top, bool) or not isinstance(top, int) or top < 0:
        raise InputError(f"top must be a non-negative integer, got {top!r}")
    n_groups = int(groups.max()) + 1 if groups.size and groups.max() >= 0 else 0
    if n_groups == 0 or matrix.n_votes == 0 or top == 0:
        return []
    rows = matrix.rows.astype(np.int64)
    cols = matrix.cols.astype(np.int64)
    group = groups[rows]
    keep = group >= 0
    vote = matrix.values.astype(np.int64) + 1  # 0 disagree, 1 pass, 2 agree
    cells = (cols[keep] * 3 + vote[keep]) * n_groups + group[keep]
    counts = np.bincount(cells, minlength=n_stmt * 3 * n_groups).astype(np.float64)
    table = counts.reshape(n_stmt, 3, n_groups)
    scores = _normalised_mutual_information(table)
    voters = table.sum(axis=(1, 2))
    eligible = (voters >= min_voters) & (scores > 0.0)
    if matrix.excluded:
        eligible[list(matrix.excluded)] = False
    candidates = np.flatnonzero(eligible)
    order = candidates[np.lexsort((candidates, -scores[candidates]))]
    return [{"statement": matrix.statements[j], "score": float(scores[j])} for j in order[:top]]


def _group_indices(labels: npt.ArrayLike, n_part: int) -> npt.NDArray[np.int64]:
    """Labels renumbered 0..k-1 in increasing order, -1 kept for "no group"."""
    array = np.asarray(labels)
    if array.shape != (n_part,):
        raise InputError(
            f"labels must hold one group per participant ({n_part}), got shape {array.shape}"
        )
    integral = np.issubdtype(array.dtype, np.integer) or (
        np.issubdtype(array.dtype, np.floating) and bool(np.all(array == np.round(array)))
    )
    if array.size and not integral:
        raise InputError("labels must be integers")
    array = array.astype(np.int64)
    out = np.full(n_part, -1, dtype=np.int64)
    grouped = array >= 0
    if grouped.any():
        _, out[grouped] = np.unique(array[grouped], return_inverse=True)
    return out


def _normalised_mutual_information(table: FloatArray) -> FloatArray:
    """NMI (arithmetic normalisation) of each statement's vote x group count table."""
    total = table.sum(axis=(1, 2))
    safe = np.where(total > 0, total, 1.0)
    joint = table / safe[:, None, None]
    p_vote = joint.sum(axis=2)
    p_group = joint.sum(axis=1)
    h_vote = -xlogy(p_vote, p_vote).sum(axis=1)
    h_group = -xlogy(p_group, p_group).sum(axis=1)
    h_joint = -xlogy(joint, joint).sum(axis=(1, 2))
    mutual = np.maximum(h_vote + h_group - h_joint, 0.0)
    denominator = (h_vote + h_group) / 2.0
    nmi: FloatArray = np.where(
        denominator > 0, mutual / np.where(denominator > 0, denominator, 1.0), 0.0
    )
    return np.clip(nmi, 0.0, 1.0)
