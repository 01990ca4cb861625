"""Opinion groups the way Pol.is finds them, and the statistics Pol.is reports about them.

This module follows the Pol.is math (``compdemocracy/polis``, ``math/src/polismath/math/``:
``conversation.clj``, ``pca.clj``, ``clusters.clj``, ``repness.clj``, ``stats.clj``):

1. Votes are +1 agree, -1 disagree, 0 pass. Moderated-out and meta statements are zeroed for
   everyone (Pol.is ``mod-out``):
   they carry no information but, as in Pol.is, count as answered in the projection scaling.
2. Participants are placed on the first two principal components of the vote matrix with
   missing votes imputed by the statement mean. Once centred, that matrix is exactly the sparse
   matrix of ``vote - mean`` at the cast votes, so the components come from a (sparse) SVD and
   scale to millions of participants. Each position is scaled by
   ``sqrt(n_statements / max(n_votes, 1))`` so that people who voted little are not all
   bunched up in the centre (``sparsity-aware-project-ptpt``).
3. Participants with at least ``min(7, n_statements)`` votes are clustered (topped up with the
   most active voters to 15). Their positions are grouped into up to 100 *base clusters* by
   k-means, then the base-cluster centres, weighted by their sizes, are grouped by weighted
   k-means into k = 2 .. ``min(5, 2 + n_base // 12)`` *opinion groups*, k chosen by the
   silhouette coefficient of the base-cluster centres. Like Pol.is's own k-means, all of this is
   deterministic: the base clusters start from a farthest-first traversal (the one-shot
   equivalent of Pol.is adding the most distal participant as a new cluster), two groups are
   found exactly (globally optimal 2-means), and larger k keep the lowest inertia over one
   farthest-first start per base cluster. So the groups are identical whatever the seed.
4. k is the silhouette's best (ties: the larger k), as Pol.is chooses it when it computes a
   conversation afresh. Over a conversation's life Pol.is also smooths k (a new k is adopted
   only after it was the best four updates in a row), which needs the history:
   :mod:`debate.conversation` carries it. ``k_margin`` can bias a one-shot analysis towards
   fewer groups instead (a larger k must beat the chosen one's silhouette by that much).

Group ids are canonical: groups are numbered by decreasing size (ties: by centre).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.linalg import eigh
from scipy.sparse.linalg import ArpackError, eigsh, svds
from scipy.spatial import cKDTree

from debate.errors import InputError
from debate.types import VoteMatrix

__all__ = [
    "Z_90",
    "Projection",
    "participant_projection",
    "clustered_participants",
    "OpinionGroups",
    "opinion_groups",
    "assigned_groups",
    "VoteCounts",
    "vote_counts",
    "prop_test",
    "two_prop_test",
    "representative_statements",
    "majority_consensus",
    "group_informed_consensus",
    "divisive_statements",
    "uncertain_statements",
    "comment_priorities",
    "next_statement",
]

#: One-sided z threshold for 90 % confidence (``stats/z-sig-90?``).
Z_90 = 1.2816

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_GRAM_MAX = 1500  # up to this many statements (or participants): eigenvectors of the Gram matrix
_DENSE_EIGH_MAX = 8  # Gram matrices up to this size: dense eigh (ARPACK needs k < size - 1)
_MIN_IN_CONV_VOTES = 7
_GREEDY_N = 15
_BASE_K = 100
_MAX_K = 5
_ITERS = 100
_META_PRIORITY = 7  # conversation.clj meta-priority


# --------------------------------------------------------------------------------------------
# Projection


@dataclass(frozen=True)
class Projection:
    """Participants (and statements) on the first two principal components.

    Attributes
    ----------
    positions : ndarray of shape (n_participants, 2)
        Sparsity-scaled coordinates of every participant (0 for those without votes).
    components : ndarray of shape (2, n_statements)
        The principal axes (unit vectors; zero rows when the data has fewer dimensions).
    center : ndarray of shape (n_statements,)
        Mean vote of each statement (0 for moderated-out and unvoted statements).
    n_votes : ndarray of shape (n_participants,)
        Votes counted in the scaling (moderated-out statements count as answered).
    n_statements : int
        Statements with at least one vote (Pol.is's matrix width).
    singular_values : ndarray of shape (2,)
    statement_extremity : ndarray of shape (n_statements,)
        Distance from the origin of a virtual participant who agreed with only that statement
        (Pol.is's ``comment-extremity``, used by :func:`comment_priorities`).
    """

    positions: FloatArray
    components: FloatArray
    center: FloatArray
    n_votes: IntArray
    n_statements: int
    singular_values: FloatArray
    statement_extremity: FloatArray


def _moderated_mask(matrix: VoteMatrix) -> BoolArray:
    """Statements Pol.is zeroes for the opinion map (``mod-out``: moderated out or meta)."""
    mask = np.zeros(len(matrix.statements), dtype=bool)
    if matrix.excluded:
        mask[np.fromiter(matrix.excluded, dtype=np.int64)] = True
    return mask


def participant_projection(matrix: VoteMatrix, *, seed: int = 0) -> Projection:
    """Project participants onto the first two principal components, as Pol.is does.

    Parameters
    ----------
    matrix : VoteMatrix
        The votes.
    seed : int, default 0
        Start vector of the iterative sparse SVD used for large matrices (the result does not
        depend on it beyond rounding; small matrices use an exact dense SVD).

    Returns
    -------
    Projection
        Participant positions, components (sign fixed so that each component's largest
        loading is positive), statement means and extremities.

    References
    ----------
    Pol.is ``math/src/polismath/math/pca.clj`` (``powerit-pca``, ``sparsity-aware-project-ptpt``).

    Examples
    --------
    >>> m = VoteMatrix.from_dense([[1, 1, -1], [1, 1, -1], [-1, -1, 1], [-1, None, 1]])
    >>> p = participant_projection(m)
    >>> p.positions.shape, p.n_statements
    ((4, 2), 3)
    >>> bool(p.positions[0, 0] * p.positions[2, 0] < 0)  # opposite sides of the first axis
    True
    """
    n, p = matrix.shape
    rows = matrix.rows.astype(np.int64)
    cols = matrix.cols.astype(np.int64)
    values = matrix.values.astype(np.float64)
    moderated = _moderated_mask(matrix)
    counts = np.bincount(cols, minlength=p)
    sums = np.bincount(cols, weights=values, minlength=p)
    center = np.where((counts > 0) & ~moderated, sums / np.maximum(counts, 1), 0.0)
    n_statements = int(np.count_nonzero(counts))
    keep = ~moderated[cols]
    # Zeroed moderated-out columns count as answered by everyone (Pol.is zero-out-columns).
    n_zeroed = int(np.count_nonzero(moderated & (counts > 0)))
    n_votes = np.bincount(rows[keep], minlength=n).astype(np.int64) + n_zeroed
    centred = sp.csr_matrix(
        (values[keep] - center[cols[keep]], (rows[keep], cols[keep])), shape=(n, p)
    )
    components, singular = _top_components(centred, seed=seed)
    scale = np.sqrt(n_statements / np.maximum(n_votes, 1))
    positions = np.asarray(centred @ components.T) * scale[:, None]
    positions[np.bincount(rows, minlength=n) == 0] = 0.0
    extremity = np.abs(1.0 - center) * np.linalg.norm(components, axis=0) * math.sqrt(n_statements)
    extremity[moderated] = 0.0
    return Projection(
        positions=positions,
        components=components,
        center=center,
        n_votes=n_votes,
        n_statements=n_statements,
        singular_values=singular,
        statement_extremity=extremity,
    )


def _top_components(centred: sp.csr_matrix, *, seed: int) -> tuple[FloatArray, FloatArray]:
    """Top two right singular vectors (rows) and singular values; zeros where rank < 2."""
    n, p = centred.shape
    components = np.zeros((2, p))
    singular = np.zeros(2)
    if centred.nnz == 0:
        return components, singular
    if min(n, p) <= _GRAM_MAX:
        # Eigenvectors of the small Gram matrix: exact, and far cheaper than a full SVD.
        gram = (centred.T @ centred if p <= n else centred @ centred.T).toarray()
        if not gram.any():  # every vote equals its statement's mean: no direction at all
            return components, singular
        values, vectors = _top_eigenpairs(gram, seed=seed)
        top = np.argsort(-values)
        singular[: len(top)] = np.sqrt(np.clip(values[top], 0.0, None))
        for i, t in enumerate(top):
            if p <= n:
                components[i] = vectors[:, t]
            elif singular[i] > 0:
                components[i] = np.asarray(centred.T @ vectors[:, t]).ravel() / singular[i]
    else:
        rng = np.random.default_rng(seed)
        v0 = rng.standard_normal(min(n, p))
        _, s, vt = svds(centred, k=2, v0=v0, random_state=rng)
        order = np.argsort(-s)
        components, singular = vt[order].astype(np.float64), s[order].astype(np.float64)
    tiny = singular <= 1e-10 * max(float(singular[0]), 1e-300)
    components[tiny] = 0.0
    singular[tiny] = 0.0
    for i in range(2):  # canonical sign: the largest loading is positive
        # Rounded, so that loadings equal up to float noise (which depends on the row order)
        # tie, and the tie goes to the first statement: the same sign for any row order.
        j = int(np.argmax(np.round(np.abs(components[i]), 9)))
        if components[i, j] < 0:
            components[i] = -components[i]
    return components, singular


def _top_eigenpairs(gram: FloatArray, *, seed: int) -> tuple[FloatArray, FloatArray]:
    """The two largest eigenvalues of a symmetric matrix and their eigenvectors (columns)."""
    m = gram.shape[0]
    if m > _DENSE_EIGH_MAX:
        # ARPACK (Lanczos) finds the top two to machine precision; LAPACK's dense solvers
        # cost far more here, and multithreaded BLAS stalls on a busy machine.
        v0 = np.random.default_rng(seed).standard_normal(m)
        try:
            values, vectors = eigsh(gram, k=2, which="LA", v0=v0)
            return np.asarray(values), np.asarray(vectors)
        except ArpackError:  # e.g. a rank-one matrix: the dense solver is exact
            pass
    values, vectors = eigh(gram, subset_by_index=[max(m - 2, 0), m - 1])
    return np.asarray(values), np.asarray(vectors)


def clustered_participants(matrix: VoteMatrix) -> BoolArray:
    """Return which participants take part in clustering (Pol.is ``in-conv``).

    Those with at least ``min(7, n_statements)`` votes; if fewer than 15 qualify, the most
    active other voters are added until there are 15 (or no voter is left).

    Parameters
    ----------
    matrix : VoteMatrix

    Returns
    -------
    ndarray of bool, shape (n_participants,)

    Examples
    --------
    >>> m = VoteMatrix.from_dense([[1, 0], [1, None], [None, None]])
    >>> clustered_participants(m).tolist()
    [True, True, False]
    """
    n, p = matrix.shape
    votes = np.bincount(matrix.rows.astype(np.int64), minlength=n)
    n_statements = int(np.count_nonzero(np.bincount(matrix.cols.astype(np.int64), minlength=p)))
    if n_statements == 0:
        return np.zeros(n, dtype=bool)
    chosen = votes >= min(_MIN_IN_CONV_VOTES, n_statements)
    missing = _GREEDY_N - int(np.count_nonzero(chosen))
    if missing > 0:
        others = np.flatnonzero(~chosen & (votes > 0))
        others = others[np.argsort(-votes[others], kind="stable")][:missing]
        chosen[others] = True
    return chosen


# --------------------------------------------------------------------------------------------
# Clustering


@dataclass(frozen=True)
class OpinionGroups:
    """Result of :func:`opinion_groups`.

    Attributes
    ----------
    labels : ndarray of int, shape (n_participants,)
        Opinion group of every participant, -1 when not clustered (or when no groups exist).
    k : int
        Number of groups (0 when the data cannot be grouped).
    centers : ndarray of shape (k, 2)
        Weighted centre of each group in the projection.
    sizes : ndarray of int, shape (k,)
        Participants per group.
    clustered : ndarray of bool, shape (n_participants,)
        Who took part in clustering (:func:`clustered_participants`).
    base_labels : ndarray of int, shape (n_participants,)
        Base cluster of every clustered participant, -1 otherwise.
    base_centers : ndarray of shape (n_base, 2)
    base_groups : ndarray of int, shape (n_base,)
        Opinion group of each base cluster.
    silhouettes : dict of int to float
        Silhouette coefficient (on the base-cluster centres) for every k tried.
    projection : Projection
    ids : tuple of int
        The id of each group (group ``g`` is reported as ``ids[g]``); empty means
        ``0 .. k-1``. Given groups keep their own ids, groups carried between recomputations
        their stable ids (:mod:`debate.conversation`).
    """

    labels: IntArray
    k: int
    centers: FloatArray
    sizes: IntArray
    clustered: BoolArray
    base_labels: IntArray
    base_centers: FloatArray
    base_groups: IntArray
    silhouettes: dict[int, float] = field(default_factory=dict)
    projection: Projection | None = None
    ids: tuple[int, ...] = ()

    @classmethod
    def empty(cls, clustered: BoolArray, projection: Projection | None = None) -> OpinionGroups:
        """No groups: every participant unlabelled, ``clustered`` kept as given.

        >>> OpinionGroups.empty(np.array([True, False])).labels.tolist()
        [-1, -1]
        """
        none = np.full(len(clustered), -1, dtype=np.int64)
        return cls(
            labels=none,
            k=0,
            centers=np.zeros((0, 2)),
            sizes=np.zeros(0, dtype=np.int64),
            clustered=clustered,
            base_labels=none.copy(),
            base_centers=np.zeros((0, 2)),
            base_groups=np.zeros(0, dtype=np.int64),
            projection=projection,
        )

    @property
    def group_ids(self) -> tuple[int, ...]:
        """The reported id of every group, in group order."""
        return self.ids if self.ids else tuple(range(self.k))


def assigned_groups(
    matrix: VoteMatrix,
    groups: Mapping[str, int],
    *,
    clustered: Iterable[str] = (),
    projection: Projection | None = None,
    seed: int = 0,
) -> OpinionGroups:
    """Opinion groups given from outside (Pol.is's own, say), ready for the statistics.

    Parameters
    ----------
    matrix : VoteMatrix
    groups : mapping of str to int
        Participant id to group id (any integers); participants not in it are not in a group.
    clustered : iterable of str, optional
        Participants who took part in the clustering without a group (rare; Pol.is puts every
        ``in-conv`` participant in a group). The grouped participants always count as
        clustered.
    projection : Projection, optional
        A precomputed :func:`participant_projection` of ``matrix``.
    seed : int, default 0
        Passed to :func:`participant_projection` when it is computed here.

    Returns
    -------
    OpinionGroups
        Groups ordered by id (``ids``); centres are the mean projected positions of their
        members (Pol.is's group centre: the weighted mean of its base clusters' centres); no
        base clusters.

    Raises
    ------
    InputError
        If a participant is not in ``matrix``.

    Examples
    --------
    >>> m = VoteMatrix.from_dense([[1, 1], [1, -1], [-1, -1]])
    >>> g = assigned_groups(m, {"0": 7, "2": 3})
    >>> g.k, g.ids, g.labels.tolist(), g.sizes.tolist()
    (2, (3, 7), [1, -1, 0], [1, 1])
    """
    proj = projection if projection is not None else participant_projection(matrix, seed=seed)
    position = {pid: i for i, pid in enumerate(matrix.participants)}
    ids = tuple(sorted(set(int(g) for g in groups.values())))
    index = {gid: g for g, gid in enumerate(ids)}
    n = len(matrix.participants)
    labels = np.full(n, -1, dtype=np.int64)
    mask = np.zeros(n, dtype=bool)
    for pid in (*groups, *clustered):
        if pid not in position:
            raise InputError(f"unknown participant {pid!r}")
        mask[position[pid]] = True
    for pid, gid in groups.items():
        labels[position[pid]] = index[int(gid)]
    k = len(ids)
    sizes = np.bincount(labels[labels >= 0], minlength=k).astype(np.int64)
    centers = np.zeros((k, 2))
    for g in range(k):
        if sizes[g]:
            centers[g] = proj.positions[labels == g].mean(axis=0)
    none = np.full(n, -1, dtype=np.int64)
    return OpinionGroups(
        labels=labels,
        k=k,
        centers=centers,
        sizes=sizes,
        clustered=mask,
        base_labels=none,
        base_centers=np.zeros((0, 2)),
        base_groups=np.zeros(0, dtype=np.int64),
        projection=proj,
        ids=ids,
    )


def opinion_groups(
    matrix: VoteMatrix,
    *,
    seed: int = 0,
    max_k: int = _MAX_K,
    base_k: int = _BASE_K,
    n_init: int = 0,
    k_margin: float = 0.0,
    projection: Projection | None = None,
    clustered: BoolArray | None = None,
) -> OpinionGroups:
    """Find opinion groups: Pol.is base clusters, then weighted k-means with silhouette k.

    Parameters
    ----------
    matrix : VoteMatrix
        The votes.
    seed : int, default 0
        Start vector of the sparse SVD (large conversations; the result is the same up to
        rounding) and the extra k-means++ starts of ``n_init``. Everything else is
        deterministic, as Pol.is's own k-means is, so groups are identical across seeds.
    max_k : int, default 5
        Largest number of groups tried (Pol.is ``max-k``); the range is
        ``2 .. min(max_k, 2 + n_base // 12)``.
    base_k : int, default 100
        Number of base clusters (Pol.is ``base-k``), capped by the distinct positions.
    n_init : int, default 0
        Seeded k-means++ starts added, for each k > 2, to the deterministic ones (a
        farthest-first traversal from every base cluster); the lowest weighted inertia wins.
        k = 2 is solved exactly. With the default the grouping does not depend on the seed.
    k_margin : float, default 0
        Silhouette a larger k must gain over the current choice to be adopted. 0 gives the
        silhouette's best k, ties going to the larger k (Pol.is's ``max-key``).
    projection : Projection, optional
        A precomputed :func:`participant_projection` of ``matrix``.
    clustered : ndarray of bool, shape (n_participants,), optional
        Who takes part in clustering; by default :func:`clustered_participants` (Pol.is's
        rule). Lets a caller study other inclusion rules.

    Returns
    -------
    OpinionGroups
        ``k == 0`` and all labels -1 when there is nothing to group: fewer than two distinct
        positions (no votes, one participant, everyone passing, ...) or fewer than two
        statements with votes.

    References
    ----------
    Pol.is ``math/src/polismath/math/conversation.clj`` (``in-conv``, ``base-clusters``,
    ``group-clusterings``, ``group-clusterings-silhouettes``, ``group-k-smoother``) and
    ``clusters.clj`` (``kmeans``, ``silhouette``).

    Examples
    --------
    >>> votes = [[1, 1, -1, -1]] * 10 + [[-1, -1, 1, 1]] * 6
    >>> groups = opinion_groups(VoteMatrix.from_dense(votes))
    >>> groups.k, groups.sizes.tolist(), groups.labels[[0, 15]].tolist()
    (2, [10, 6], [0, 1])
    """
    n = len(matrix.participants)
    proj = projection if projection is not None else participant_projection(matrix, seed=seed)
    if clustered is None:
        clustered = clustered_participants(matrix)
    elif clustered.shape != (n,):
        raise InputError(f"clustered must have one entry per participant ({n})")
    empty = OpinionGroups.empty(clustered, proj)
    members = np.flatnonzero(clustered)
    voted = np.zeros(len(matrix.statements), dtype=bool)
    voted[matrix.cols] = True
    voted[list(matrix.excluded)] = False
    # With a single statement the "opinion map" is that one vote: nothing to group.
    if len(members) < 2 or voted.sum() < 2:
        return empty
    points = proj.positions[members]
    base_of_member, base_centers = _base_clusters(points, base_k)
    n_base = len(base_centers)
    if n_base < 2:
        return empty
    weights = np.bincount(base_of_member, minlength=n_base).astype(np.float64)
    rng = np.random.default_rng(seed)
    top_k = min(max_k, 2 + n_base // 12, n_base)
    best: tuple[int, IntArray] | None = None
    best_score = -np.inf
    silhouettes: dict[int, float] = {}
    clusterings = _weighted_kmeans(
        base_centers, weights, list(range(2, top_k + 1)), rng=rng, n_init=n_init
    )
    for k, base_group in clusterings.items():
        if len(np.unique(base_group)) < k:
            continue
        # When every base cluster is its own group the silhouette is undefined (Pol.is: 0).
        score = _silhouette(base_centers, base_group) if n_base > k else 0.0
        silhouettes[k] = score
        if best is None or score > best_score + k_margin or (k_margin == 0 and score == best_score):
            best, best_score = (k, base_group), score
    if best is None:
        return empty
    k, base_group = best
    base_group = _canonical_groups(base_group, base_centers, weights, k)
    labels = empty.labels.copy()
    labels[members] = base_group[base_of_member]
    base_labels = empty.labels.copy()
    base_labels[members] = base_of_member
    sizes = np.bincount(base_group, weights=weights, minlength=k).astype(np.int64)
    centers = np.stack(
        [
            np.average(base_centers[base_group == g], axis=0, weights=weights[base_group == g])
            for g in range(k)
        ]
    )
    return OpinionGroups(
        labels=labels,
        k=k,
        centers=centers,
        sizes=sizes,
        clustered=clustered,
        base_labels=base_labels,
        base_centers=base_centers,
        base_groups=base_group,
        silhouettes=silhouettes,
        projection=proj,
    )


def _base_clusters(points: FloatArray, base_k: int) -> tuple[IntArray, FloatArray]:
    """Base clusters: k-means from a deterministic farthest-first start.

    Pol.is builds its base clusters incrementally: each update re-centres the previous clusters
    and, while fewer than ``k`` exist, splits off the most distal participant as a new cluster
    (``clean-start-clusters``/``most-distal``). Starting from the first participant and adding
    the most distal point until there are ``k`` centres is the one-shot equivalent; unlike "the
    first k distinct points" it does not crowd all centres into the opinion of whoever came
    first.
    """
    _, first_index, inverse = np.unique(points, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    n_distinct = len(first_index)
    if n_distinct <= base_k:
        # One base cluster per distinct position, numbered in order of first appearance.
        order = np.argsort(first_index, kind="stable")
        rank = np.empty(n_distinct, dtype=np.int64)
        rank[order] = np.arange(n_distinct)
        return rank[inverse], points[first_index[order]]
    return _lloyd_2d(points, _farthest_first(points, base_k))


def _farthest_first(points: FloatArray, k: int) -> FloatArray:
    """The first point, then repeatedly the point farthest from all chosen (ties: first)."""
    x = np.ascontiguousarray(points[:, 0])
    y = np.ascontiguousarray(points[:, 1])
    chosen = [0]
    nearest = np.full(len(points), np.inf)
    dx, dy = np.empty_like(x), np.empty_like(y)
    for _ in range(k):
        i = chosen[-1]
        np.subtract(x, x[i], out=dx)
        np.subtract(y, y[i], out=dy)
        np.multiply(dx, dx, out=dx)
        np.multiply(dy, dy, out=dy)
        np.add(dx, dy, out=dx)
        np.minimum(nearest, dx, out=nearest)
        if len(chosen) < k:
            chosen.append(int(np.argmax(nearest)))
    return np.asarray(points[chosen], dtype=np.float64)


def _lloyd_2d(points: FloatArray, centers: FloatArray) -> tuple[IntArray, FloatArray]:
    """Lloyd's k-means on 2-D points, exact, accelerated by a grid of cells.

    Stops, as Pol.is does (``same-clustering?``), once no centre moves by 0.01 or more, or after
    100 iterations; clusters that lose all their members are dropped (``cluster-step``).

    Points never move, so they are bucketed once into a grid. In each iteration a cell whose
    nearest centre is certain (the second nearest centre to the cell's middle is farther than
    the nearest by more than the cell's diagonal) hands all its points to that centre at once,
    through the cell's precomputed sums; only the points of the few cells near a Voronoi
    boundary are looked up one by one (k-d tree). The result is that of plain Lloyd, at a
    fraction of the cost for millions of participants.
    """
    n = len(points)
    side = int(np.clip(np.sqrt(n / 8), 8, 2048))
    low = points.min(axis=0)
    step = (points.max(axis=0) - low) / side
    step = np.where(step > 0, step, 1.0)
    ij = np.clip(((points - low) / step).astype(np.int64), 0, side - 1)
    cells, point_cell = np.unique(ij[:, 0] * side + ij[:, 1], return_inverse=True)
    point_cell = point_cell.reshape(-1)
    n_cells = len(cells)
    # Points grouped by cell (CSR-like), so that the points of open cells are cheap to list.
    by_cell = np.argsort(point_cell, kind="stable")
    cell_n = np.bincount(point_cell, minlength=n_cells)
    cell_first = np.concatenate([[0], np.cumsum(cell_n)[:-1]])
    sorted_points = points[by_cell]
    cell_sx = np.bincount(point_cell, weights=points[:, 0], minlength=n_cells)
    cell_sy = np.bincount(point_cell, weights=points[:, 1], minlength=n_cells)
    middle = np.stack(
        [low[0] + (cells // side + 0.5) * step[0], low[1] + (cells % side + 0.5) * step[1]], axis=1
    )
    # Any point of a cell is within half a diagonal of its middle (plus rounding slack).
    reach = float(np.hypot(*step)) * (1 + 1e-9) + 1e-12

    def open_members(open_cells: IntArray) -> IntArray:
        """Positions (in ``sorted_points``) of the points of ``open_cells``."""
        counts = cell_n[open_cells]
        offsets = np.repeat(cell_first[open_cells] - np.cumsum(counts) + counts, counts)
        return np.arange(int(counts.sum())) + offsets

    centers = centers.copy()
    assigned_with = centers
    alive = np.ones(len(centers), dtype=bool)
    for _ in range(_ITERS):
        k = len(centers)
        tree = cKDTree(centers)
        dist, near = tree.query(middle, k=2)
        owner = near[:, 0].astype(np.int64)
        settled = dist[:, 1] - dist[:, 0] > reach
        mass = np.bincount(owner[settled], weights=cell_n[settled], minlength=k).astype(float)
        sum_x = np.bincount(owner[settled], weights=cell_sx[settled], minlength=k).astype(float)
        sum_y = np.bincount(owner[settled], weights=cell_sy[settled], minlength=k).astype(float)
        members = open_members(np.flatnonzero(~settled))
        if len(members):
            open_points = sorted_points[members]
            picked = tree.query(open_points, k=1)[1].astype(np.int64)
            mass += np.bincount(picked, minlength=k)
            sum_x += np.bincount(picked, weights=open_points[:, 0], minlength=k)
            sum_y += np.bincount(picked, weights=open_points[:, 1], minlength=k)
        alive = mass > 0
        moved = np.stack([sum_x[alive] / mass[alive], sum_y[alive] / mass[alive]], axis=1)
        shift = np.sqrt(((moved - centers[alive]) ** 2).sum(axis=1))
        assigned_with = centers
        centers = moved
        if shift.max() < 0.01:
            break
    # Labels of the last assignment step (as Lloyd returns them), renumbered past dropped ones.
    nearest = cKDTree(assigned_with).query(points, k=1)[1].astype(np.int64)
    labels: IntArray = (np.cumsum(alive) - 1)[nearest]
    return labels, centers


def _weighted_kmeans(
    points: FloatArray,
    weights: FloatArray,
    ks: Sequence[int],
    *,
    rng: np.random.Generator,
    n_init: int,
) -> dict[int, IntArray]:
    """Lowest-inertia weighted k-means of 2-D points, for every k in ``ks``.

    k = 2 is solved exactly. For larger k, Lloyd's algorithm runs from a farthest-first
    traversal started at every point (deterministic: one start per base cluster) and from
    ``n_init`` extra seeded k-means++ starts; the lowest inertia wins (the first on ties). The
    starts of every k run together, as one batch.
    """
    result: dict[int, IntArray] = {}
    batches: list[IntArray] = []
    for k in ks:
        if k == 2 and len(points) <= 400:
            result[k] = _two_means_exact(points, weights)
            continue
        # Many traversals reach the same set of centres: run each distinct start once.
        starts = np.unique(np.sort(_farthest_first_starts(points, k), axis=1), axis=0)
        if n_init > 0:
            extra = _kmeans_plus_plus_starts(points, weights, k, rng, n_init)
            starts = np.concatenate([starts, extra])
        batches.append(starts)
    if batches:
        result.update(_best_lloyd(points, weights, batches))
    return {k: result[k] for k in ks}


def _farthest_first_starts(points: FloatArray, k: int) -> IntArray:
    """For every point: it, then repeatedly the point farthest from those chosen."""
    n = len(points)
    chosen = np.empty((n, k), dtype=np.int64)
    chosen[:, 0] = np.arange(n)
    d2 = ((points[:, None, :] - points[None, :, :]) ** 2).sum(-1)
    nearest = d2.copy()
    for c in range(1, k):
        chosen[:, c] = np.argmax(nearest, axis=1)
        nearest = np.minimum(nearest, d2[chosen[:, c]])
    return chosen


def _kmeans_plus_plus_starts(
    points: FloatArray, weights: FloatArray, k: int, rng: np.random.Generator, n_init: int
) -> IntArray:
    """Weighted k-means++ seeding, ``n_init`` times (vectorised over starts)."""
    n = len(points)
    chosen = np.empty((n_init, k), dtype=np.int64)
    chosen[:, 0] = rng.choice(n, size=n_init, p=weights / weights.sum())
    d2 = ((points[None, :, :] - points[chosen[:, :1]]) ** 2).sum(-1)
    for c in range(1, k):
        cumulative = np.cumsum(d2 * weights[None, :], axis=1)
        norm = cumulative[:, -1:]
        pick = np.minimum((cumulative < rng.random((n_init, 1)) * norm).sum(axis=1), n - 1)
        # All points already on a centre: any point will do (a duplicate start).
        chosen[:, c] = np.where(norm[:, 0] > 0, pick, rng.integers(0, n, size=n_init))
        d2 = np.minimum(d2, ((points[None, :, :] - points[chosen[:, c : c + 1]]) ** 2).sum(-1))
    return chosen


def _best_lloyd(
    points: FloatArray, weights: FloatArray, batches: Sequence[IntArray]
) -> dict[int, IntArray]:
    """Run weighted Lloyd from every start; keep the lowest inertia for each k.

    ``batches`` holds, for each k, a (starts, k) array of the points the centres start on. All
    starts advance together as (start, point) arrays, those of smaller k padded with centres
    at infinity that no point is nearest to; a start leaves the batch as soon as its
    assignment stops changing.
    """
    batches = sorted(batches, key=lambda b: b.shape[1])  # ascending k: see _nearest_centres
    k = max(b.shape[1] for b in batches)
    starts = np.full((sum(len(b) for b in batches), k), -1, dtype=np.int64)
    k_of = np.zeros(len(starts), dtype=np.int64)
    row = 0
    for b in batches:
        starts[row : row + len(b), : b.shape[1]] = b
        k_of[row : row + len(b)] = b.shape[1]
        row += len(b)
    n_init = len(starts)
    n = len(points)
    px, py = points[:, 0], points[:, 1]
    cx = np.where(starts >= 0, px[starts], np.inf)
    cy = np.where(starts >= 0, py[starts], np.inf)
    labels = np.full((n_init, n), -1, dtype=np.int64)
    active = np.arange(n_init)
    # Every start weighs the points alike, so the first m * n entries serve any m starts.
    tiled_w = np.tile(weights, n_init)
    tiled_wx, tiled_wy = np.tile(weights * px, n_init), np.tile(weights * py, n_init)
    px32, py32 = px.astype(np.float32), py.astype(np.float32)
    for _ in range(_ITERS):
        # Single precision is ample to compare distances during the iterations.
        new_labels, _ = _nearest_centres(
            px32, py32, cx[active].T, cy[active].T, np.float32, k_of[active]
        )
        moving = ~np.all(new_labels == labels[active], axis=1)
        active, new_labels = active[moving], new_labels[moving]
        if len(active) == 0:
            break
        labels[active] = new_labels
        m = len(active)
        flat = (new_labels + (np.arange(m) * k)[:, None]).ravel()
        size = m * n
        mass = np.bincount(flat, weights=tiled_w[:size], minlength=m * k).reshape(m, k)
        sum_x = np.bincount(flat, weights=tiled_wx[:size], minlength=m * k)
        sum_y = np.bincount(flat, weights=tiled_wy[:size], minlength=m * k)
        filled = mass > 0
        safe = np.where(filled, mass, 1.0)
        cx[active] = np.where(filled, sum_x.reshape(m, k) / safe, cx[active])
        cy[active] = np.where(filled, sum_y.reshape(m, k) / safe, cy[active])
    labels, nearest = _nearest_centres(px, py, cx.T, cy.T, np.float64, k_of)
    inertia = nearest @ weights
    offset = (np.arange(n_init) * k)[:, None]
    used = np.bincount((labels + offset).ravel(), minlength=n_init * k).reshape(n_init, k) > 0
    best: dict[int, IntArray] = {}
    for kk in np.unique(k_of).tolist():
        rows = np.flatnonzero(k_of == kk)
        # Prefer starts that used every cluster, then the lowest inertia (first on ties).
        pick = rows[int(np.lexsort((inertia[rows], -used[rows].sum(axis=1)))[0])]
        best[kk] = labels[pick].astype(np.int64)
    return best


def _nearest_centres(
    px: npt.NDArray[np.floating[Any]],
    py: npt.NDArray[np.floating[Any]],
    cx: FloatArray,
    cy: FloatArray,
    dtype: type[np.floating[Any]],
    ks: IntArray,
) -> tuple[IntArray, npt.NDArray[np.floating[Any]]]:
    """Nearest centre of every point for every start, and its squared distance.

    ``cx``, ``cy`` are (cluster, start) centre coordinates and ``ks`` the clusters of each
    start, ascending (clusters beyond a start's k are padding). Returns (start, point) arrays,
    built one cluster at a time (ties go to the first cluster, as ``argmin``): cheaper than a
    (cluster, start, point) array reduced along its first axis.
    """
    ax, ay = cx.astype(dtype), cy.astype(dtype)
    nearest = (px[None, :] - ax[0][:, None]) ** 2 + (py[None, :] - ay[0][:, None]) ** 2
    labels = np.zeros(nearest.shape, dtype=np.int64)
    for c in range(1, len(ax)):
        first = int(np.searchsorted(ks, c, side="right"))  # the starts that have cluster c
        dist = (px[None, :] - ax[c, first:, None]) ** 2 + (py[None, :] - ay[c, first:, None]) ** 2
        np.putmask(labels[first:], dist < nearest[first:], c)
        np.minimum(nearest[first:], dist, out=nearest[first:])
    return labels, nearest


def _silhouette(points: FloatArray, labels: IntArray) -> float:
    """Mean silhouette coefficient (Euclidean; members of singleton clusters score 0).

    As Pol.is ``clusters/silhouette`` and :func:`sklearn.metrics.silhouette_score`, computed
    directly because there are at most a hundred points.
    """
    k = int(labels.max()) + 1
    dist = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(-1))
    member = labels[:, None] == np.arange(k)[None, :]
    sums = dist @ member
    sizes = member.sum(axis=0)
    rows = np.arange(len(points))
    own_size = sizes[labels]
    a = sums[rows, labels] / np.maximum(own_size - 1, 1)
    other = np.where(member | (sizes[None, :] == 0), np.inf, sums / np.maximum(sizes, 1)[None, :])
    b = other.min(axis=1)
    denom = np.maximum(a, b)
    score = np.where((own_size > 1) & (denom > 0), (b - a) / np.where(denom > 0, denom, 1.0), 0.0)
    return float(score.mean())


def _two_means_exact(points: FloatArray, weights: FloatArray) -> IntArray:
    """Globally optimal weighted 2-means of points in the plane.

    The two optimal clusters are separated by a line, and any separating line can be turned
    until it touches two points ``i`` and ``j``. So trying, for every ordered pair, the points
    strictly left of the line from ``i`` through ``j`` plus each of the four ways to place ``i``
    and ``j`` covers every candidate partition. Around each pivot ``i`` the other points are
    sorted by angle; the points left of the line towards ``j`` are those whose angle lies in the
    open half-turn after ``j``'s, a contiguous run whose weighted sums come from prefix sums.
    That scores all O(n^2) candidates in O(n^2 log n), with no random start.
    """
    n = len(points)
    px, py = points[:, 0], points[:, 1]
    sums = np.stack([weights, weights * px, weights * py], axis=1)
    total = sums.sum(axis=0)
    angle = np.arctan2(py[None, :] - py[:, None], px[None, :] - px[:, None])
    np.fill_diagonal(angle, np.inf)  # each pivot sorts itself last, then is dropped
    order = np.argsort(angle, axis=1, kind="stable")[:, : n - 1]
    sorted_angle = np.take_along_axis(angle, order, axis=1)
    # Angles doubled by a full turn, so that every half-turn is one contiguous run; rows are
    # spread apart by a constant larger than their span so one search serves every row.
    spread = 5.0 * np.pi
    offset = (np.arange(n) * spread)[:, None]
    doubled = np.concatenate([sorted_angle, sorted_angle + 2.0 * np.pi], axis=1) + offset
    width = 2 * (n - 1)
    base = (np.arange(n) * width)[:, None]
    lo = np.searchsorted(doubled.ravel(), (sorted_angle + offset).ravel(), side="right")
    hi = np.searchsorted(doubled.ravel(), (sorted_angle + np.pi + offset).ravel(), side="left")
    lo = lo.reshape(n, n - 1) - base
    hi = hi.reshape(n, n - 1) - base
    rows = np.arange(n)[:, None]
    # Per component (weight, weighted x, weighted y): the sum over the left run for every
    # (pivot, j's rank), then the four ways to place i and j (left or right each).
    with_i = np.array([0, 0, 1, 1], dtype=np.float64)[:, None, None]
    with_j = np.array([0, 1, 0, 1], dtype=np.float64)[:, None, None]
    lhs, rhs = [], []
    for c in range(3):
        per_point = sums[:, c]
        prefix = np.zeros((n, width + 1))
        np.cumsum(np.tile(per_point[order], 2), axis=1, out=prefix[:, 1:])
        left = prefix[rows, hi] - prefix[rows, lo]
        side = left[None] + with_i * per_point[:, None][None] + with_j * per_point[order][None]
        lhs.append(side)
        rhs.append(total[c] - side)
    # Maximising sum over sides of |sum w p|^2 / sum w minimises the within-cluster SSE.
    ok = (lhs[0] > 0) & (rhs[0] > 0)
    lw = np.where(ok, lhs[0], 1.0)
    rw = np.where(ok, rhs[0], 1.0)
    value = (lhs[1] ** 2 + lhs[2] ** 2) / lw + (rhs[1] ** 2 + rhs[2] ** 2) / rw
    scores = np.where(ok, value, -np.inf)
    combo, i, rank = np.unravel_index(int(np.argmax(scores)), scores.shape)  # first maximum
    j = order[i, rank]
    labels = np.ones(n, dtype=np.int64)
    run = order[i, np.arange(lo[i, rank], hi[i, rank]) % (n - 1)]
    labels[run] = 0
    labels[i] = 0 if combo >> 1 else 1
    labels[j] = 0 if combo & 1 else 1
    return labels


def _canonical_groups(
    base_group: IntArray, base_centers: FloatArray, weights: FloatArray, k: int
) -> IntArray:
    """Renumber groups by decreasing size, then by centre (x, then y)."""
    sizes = np.bincount(base_group, weights=weights, minlength=k)
    centres = np.stack(
        [
            np.average(base_centers[base_group == g], axis=0, weights=weights[base_group == g])
            for g in range(k)
        ]
    )
    order = np.lexsort((np.round(centres[:, 1], 9), np.round(centres[:, 0], 9), -sizes))
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    return rank[base_group]


# --------------------------------------------------------------------------------------------
# Vote statistics


@dataclass(frozen=True)
class VoteCounts:
    """Agree/disagree/seen counts per statement, overall and per opinion group.

    ``seen`` counts every vote including passes. Group arrays have shape
    ``(k, n_statements)``; overall arrays ``(n_statements,)`` count every participant (clustered
    or not).
    """

    agree: IntArray
    disagree: IntArray
    seen: IntArray
    group_agree: IntArray
    group_disagree: IntArray
    group_seen: IntArray

    @property
    def passes(self) -> IntArray:
        return self.seen - self.agree - self.disagree

    @property
    def k(self) -> int:
        return int(self.group_seen.shape[0])


def vote_counts(matrix: VoteMatrix, labels: npt.ArrayLike | None = None, k: int = 0) -> VoteCounts:
    """Count votes per statement, overall and per group.

    Parameters
    ----------
    matrix : VoteMatrix
    labels : array of int, optional
        Group of every participant (-1: none). Omitted: no group counts.
    k : int, default 0
        Number of groups (``labels`` take values ``0 .. k-1``).

    Returns
    -------
    VoteCounts

    Examples
    --------
    >>> m = VoteMatrix.from_dense([[1, 0], [-1, 1], [1, None]])
    >>> c = vote_counts(m, [0, 1, 0], k=2)
    >>> c.agree.tolist(), c.seen.tolist(), c.group_agree.tolist()
    ([2, 1], [3, 2], [[2, 0], [0, 1]])
    """
    p = len(matrix.statements)
    cols = matrix.cols.astype(np.int64)
    values = matrix.values
    agree = np.bincount(cols[values == 1], minlength=p)
    disagree = np.bincount(cols[values == -1], minlength=p)
    seen = np.bincount(cols, minlength=p)
    if labels is None or k == 0:
        shape = (0, p)
        zeros = np.zeros(shape, dtype=np.int64)
        return VoteCounts(agree, disagree, seen, zeros, zeros.copy(), zeros.copy())
    lab = np.asarray(labels, dtype=np.int64)[matrix.rows.astype(np.int64)]
    inside = lab >= 0
    key = lab[inside] * p + cols[inside]
    vals = values[inside]
    size = k * p
    return VoteCounts(
        agree=agree,
        disagree=disagree,
        seen=seen,
        group_agree=np.bincount(key[vals == 1], minlength=size).reshape(k, p),
        group_disagree=np.bincount(key[vals == -1], minlength=size).reshape(k, p),
        group_seen=np.bincount(key, minlength=size).reshape(k, p),
    )


def prop_test(successes: npt.ArrayLike, n: npt.ArrayLike) -> FloatArray:
    """One-proportion z statistic against 1/2, with Pol.is's +1 pseudo-counts.

    ``2 * sqrt(n + 1) * ((successes + 1) / (n + 1) - 0.5)`` (``stats/prop-test``).

    Examples
    --------
    >>> round(float(prop_test(8, 10)), 4)  # 2 * sqrt(11) * (9/11 - 1/2)
    2.1106
    """
    succ = np.asarray(successes, dtype=np.float64) + 1
    trials = np.asarray(n, dtype=np.float64) + 1
    return np.asarray(2 * np.sqrt(trials) * (succ / trials - 0.5))


def two_prop_test(
    succ_in: npt.ArrayLike, succ_out: npt.ArrayLike, n_in: npt.ArrayLike, n_out: npt.ArrayLike
) -> FloatArray:
    """Two-proportion z statistic (in-group vs rest) with +1 pseudo-counts (``two-prop-test``).

    Returns 0 where the pooled proportion is 1.

    Examples
    --------
    >>> round(float(two_prop_test(9, 2, 10, 10)), 4)
    3.0354
    """
    s1 = np.asarray(succ_in, dtype=np.float64) + 1
    s2 = np.asarray(succ_out, dtype=np.float64) + 1
    n1 = np.asarray(n_in, dtype=np.float64) + 1
    n2 = np.asarray(n_out, dtype=np.float64) + 1
    pooled = (s1 + s2) / (n1 + n2)
    denom = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (s1 / n1 - s2 / n2) / denom
    return np.asarray(np.where(pooled >= 1, 0.0, z))


def _moderated_from(source: VoteMatrix | Sequence[int] | frozenset[int], p: int) -> BoolArray:
    mask = np.zeros(p, dtype=bool)
    ids = source.moderated_out if isinstance(source, VoteMatrix) else source
    if ids:
        mask[np.fromiter(ids, dtype=np.int64)] = True
    return mask


def representative_statements(
    counts: VoteCounts,
    *,
    moderated_out: Sequence[int] | frozenset[int] = frozenset(),
    top: int = 5,
) -> list[list[dict[str, Any]]]:
    """Pol.is representative statements ("repness") of every group, exactly as Pol.is picks them.

    For group g and statement j (n = agree count, s = votes seen, "rest" = all other groups):
    ``pa = (1 + na) / (2 + s)``, ``ra = pa / ((1 + na_rest) / (2 + s_rest))``, ``pat`` the
    one-proportion and ``rat`` the two-proportion z statistics (likewise for disagree). A
    statement is representative when ``rat`` and ``pat`` (or ``rdt`` and ``pdt``) both exceed
    1.2816 (90 %); it is reported for agreement when ``rat > rdt``, else for disagreement.
    ``repness_test`` is rounded to single precision, as Pol.is stores it, and candidates are
    ranked by ``repness * repness_test * p_success * p_test`` (ties: statement order). The
    group's best agreed statement (``best_agree``) is put first, five are kept and those
    reported for agreement are listed before those for disagreement. When nothing passes, the
    best agreed statement (or else the best by test) is returned alone, so that every group has
    one.

    Parameters
    ----------
    counts : VoteCounts
        From :func:`vote_counts` with the group labels.
    moderated_out : collection of int
        Statement indices never to report (Pol.is ``mod-out``: moderated out and meta).
    top : int, default 5

    Returns
    -------
    list (one per group) of list of dict
        Each dict: ``statement`` (index), ``direction`` (``"agree"``/``"disagree"``),
        ``n_success``, ``n_trials``, ``p_success``, ``p_test``, ``repness`` (the ratio r),
        ``repness_test``, ``metric``, and ``best_agree`` (True for the group's best agreed
        statement; like Pol.is, its direction is still the larger of ``rat`` and ``rdt``).

    References
    ----------
    Pol.is ``repness.clj`` (``conv-repness``, ``finalize-cmt-stats``, ``select-rep-comments``).

    Examples
    --------
    >>> m = VoteMatrix.from_dense([[1, -1, 1]] * 6 + [[-1, 1, 1]] * 6)
    >>> rep = representative_statements(vote_counts(m, [0] * 6 + [1] * 6, k=2))
    >>> [(r["statement"], r["direction"], r["best_agree"]) for r in rep[0]]
    [(0, 'agree', True), (1, 'disagree', False)]
    >>> [(r["statement"], r["direction"]) for r in rep[1]]  # agrees before disagrees
    [(1, 'agree'), (0, 'disagree')]
    """
    k, p = counts.group_seen.shape
    if k == 0:
        return []
    moderated = _moderated_from(frozenset(moderated_out), p)
    na, nd, ns = counts.group_agree, counts.group_disagree, counts.group_seen
    na_rest, nd_rest, ns_rest = na.sum(0) - na, nd.sum(0) - nd, ns.sum(0) - ns
    pa, pd = (1 + na) / (2 + ns), (1 + nd) / (2 + ns)
    pat, pdt = prop_test(na, ns), prop_test(nd, ns)
    ra = pa / ((1 + na_rest) / (2 + ns_rest))
    rd = pd / ((1 + nd_rest) / (2 + ns_rest))
    rat, rdt = two_prop_test(na, na_rest, ns, ns_rest), two_prop_test(nd, nd_rest, ns, ns_rest)
    passes = ((rat > Z_90) & (pat > Z_90)) | ((rdt > Z_90) & (pdt > Z_90))

    def finalize(g: int, j: int, best_agree: bool = False) -> dict[str, Any]:
        agree = bool(rat[g, j] > rdt[g, j])  # finalize-cmt-stats, for the best agreed too
        r, rt = (ra[g, j], rat[g, j]) if agree else (rd[g, j], rdt[g, j])
        prob, ptest = (pa[g, j], pat[g, j]) if agree else (pd[g, j], pdt[g, j])
        rt32 = float(np.float32(rt))  # Pol.is stores (float repness-test)
        return {
            "statement": j,
            "direction": "agree" if agree else "disagree",
            "n_success": int(na[g, j] if agree else nd[g, j]),
            "n_trials": int(ns[g, j]),
            "p_success": float(prob),
            "p_test": float(ptest),
            "repness": float(r),
            "repness_test": rt32,
            "metric": float(r) * rt32 * float(prob) * float(ptest),
            "best_agree": best_agree,
        }

    result: list[list[dict[str, Any]]] = []
    for g in range(k):
        sufficient: list[dict[str, Any]] = []
        best: dict[str, Any] | None = None
        best_agree: int | None = None
        for j in range(p):
            if moderated[j]:
                continue
            if passes[g, j]:
                sufficient.append(finalize(g, j))
            if not sufficient and (
                best is None or max(rat[g, j], rdt[g, j]) > best["repness_test"]
            ):
                best = finalize(g, j)
            if _beats_best_agree(g, j, best_agree, na, nd, ra, rat, pa, pat):
                best_agree = j
        head = [finalize(g, best_agree, True)] if best_agree is not None else []
        if not sufficient:
            result.append(head or ([best] if best is not None else []))
            continue
        ranked = sorted(
            (row for row in sufficient if row["statement"] != best_agree),
            key=lambda row: -float(row["metric"]),
        )
        chosen = (head + ranked)[:top]
        result.append(
            [r for r in chosen if r["direction"] == "agree"]
            + [r for r in chosen if r["direction"] == "disagree"]
        )
    return result


def _beats_best_agree(
    g: int,
    j: int,
    current: int | None,
    na: IntArray,
    nd: IntArray,
    ra: FloatArray,
    rat: FloatArray,
    pa: FloatArray,
    pat: FloatArray,
) -> bool:
    """Pol.is ``beats-best-agr?``."""
    if na[g, j] == 0 and nd[g, j] == 0:
        return False
    if current is not None and ra[g, current] > 1.0:
        return bool(
            ra[g, j] * rat[g, j] * pa[g, j] * pat[g, j]
            > ra[g, current] * rat[g, current] * pa[g, current] * pat[g, current]
        )
    if current is not None:
        return bool(pa[g, j] * pat[g, j] > pa[g, current] * pat[g, current])
    return bool(pat[g, j] > Z_90 or (ra[g, j] > 1.0 and pa[g, j] > 0.5))


def majority_consensus(
    counts: VoteCounts,
    *,
    moderated_out: Sequence[int] | frozenset[int] = frozenset(),
    top: int = 5,
) -> dict[str, list[dict[str, Any]]]:
    """Statements a majority of all participants agrees (disagrees) with (Pol.is consensus).

    A statement qualifies for agree when ``pa = (1 + na) / (2 + s) > 0.5`` and its
    one-proportion z statistic exceeds 1.2816; the best five by ``pa * z`` are kept (likewise for
    disagree).

    Parameters
    ----------
    counts : VoteCounts
        Overall counts (every participant).
    moderated_out : collection of int
    top : int, default 5

    Returns
    -------
    dict
        ``{"agree": [...], "disagree": [...]}``, each entry ``statement`` (index),
        ``n_success``, ``n_trials``, ``p_success``, ``p_test``.

    References
    ----------
    Pol.is ``repness.clj`` (``consensus-stats``, ``select-consensus-comments``).

    Examples
    --------
    >>> m = VoteMatrix.from_dense([[1, -1, 0]] * 9 + [[1, 1, 0]])
    >>> c = majority_consensus(vote_counts(m))
    >>> [r["statement"] for r in c["agree"]], [r["statement"] for r in c["disagree"]]
    ([0], [1])
    """
    p = len(counts.seen)
    moderated = _moderated_from(frozenset(moderated_out), p)
    out: dict[str, list[dict[str, Any]]] = {}
    for direction, successes in (("agree", counts.agree), ("disagree", counts.disagree)):
        prob = (1 + successes) / (2 + counts.seen)
        test = prop_test(successes, counts.seen)
        ok = np.flatnonzero((prob > 0.5) & (test > Z_90) & ~moderated)
        ranked = ok[np.argsort(-(prob[ok] * test[ok]), kind="stable")][:top]
        out[direction] = [
            {
                "statement": int(j),
                "n_success": int(successes[j]),
                "n_trials": int(counts.seen[j]),
                "p_success": float(prob[j]),
                "p_test": float(test[j]),
            }
            for j in ranked
        ]
    return out


def group_informed_consensus(counts: VoteCounts) -> FloatArray:
    """Pol.is group-aware consensus: the product over groups of ``(agree + 1) / (seen + 2)``.

    High only when every group agrees. Returns an array over statements (empty groups: ones).

    Examples
    --------
    >>> m = VoteMatrix.from_dense([[1, 1], [1, -1]])
    >>> group_informed_consensus(vote_counts(m, [0, 1], k=2)).round(4).tolist()
    [0.4444, 0.2222]
    """
    probs = (counts.group_agree + 1.0) / (counts.group_seen + 2.0)
    return np.asarray(np.prod(probs, axis=0))


def divisive_statements(
    counts: VoteCounts,
    *,
    moderated_out: Sequence[int] | frozenset[int] = frozenset(),
    top: int = 5,
) -> list[dict[str, Any]]:
    """Statements on which the groups differ most.

    Spread = largest minus smallest group agree rate, rates smoothed as Pol.is does,
    ``(agree + 1) / (seen + 2)``, so that a group with one voter does not count as unanimous.
    Only statements seen by at least two groups qualify.

    Returns
    -------
    list of dict
        ``statement`` (index), ``spread``, and ``agree`` (per-group smoothed rates), largest
        spread first.

    Examples
    --------
    >>> m = VoteMatrix.from_dense([[1, 1]] * 8 + [[-1, 1]] * 8)
    >>> d = divisive_statements(vote_counts(m, [0] * 8 + [1] * 8, k=2))
    >>> d[0]["statement"], round(d[0]["spread"], 2)
    (0, 0.8)
    """
    k, p = counts.group_seen.shape
    if k < 2:
        return []
    moderated = _moderated_from(frozenset(moderated_out), p)
    rates = (counts.group_agree + 1.0) / (counts.group_seen + 2.0)
    seen_by = counts.group_seen > 0
    hi = np.where(seen_by, rates, -np.inf).max(axis=0)
    lo = np.where(seen_by, rates, np.inf).min(axis=0)
    ok = np.flatnonzero((seen_by.sum(axis=0) >= 2) & ~moderated)
    spread = hi[ok] - lo[ok]
    order = np.argsort(-spread, kind="stable")[:top]
    return [
        {
            "statement": int(ok[i]),
            "spread": float(spread[i]),
            "agree": [float(x) for x in rates[:, ok[i]]],
        }
        for i in order
        if spread[i] > 0
    ]


def uncertain_statements(
    counts: VoteCounts,
    *,
    moderated_out: Sequence[int] | frozenset[int] = frozenset(),
    threshold: float = 0.3,
    top: int | None = None,
) -> list[dict[str, Any]]:
    """Statements many people passed on: pass rate at least ``threshold`` (30 %).

    Returns
    -------
    list of dict
        ``statement`` (index), ``pass`` (rate), ``n_pass``, ``n_trials``; highest rate first
        (then most votes).

    Examples
    --------
    >>> m = VoteMatrix.from_dense([[0, 1], [0, 1], [1, 0], [1, 1]])
    >>> [(u["statement"], u["pass"]) for u in uncertain_statements(vote_counts(m))]
    [(0, 0.5)]
    """
    p = len(counts.seen)
    moderated = _moderated_from(frozenset(moderated_out), p)
    passes = counts.passes
    rate = passes / np.maximum(counts.seen, 1)
    ok = np.flatnonzero((counts.seen > 0) & (rate >= threshold) & ~moderated)
    order = np.lexsort((-counts.seen[ok], -rate[ok]))
    if top is not None:
        order = order[:top]
    return [
        {
            "statement": int(ok[i]),
            "pass": float(rate[ok[i]]),
            "n_pass": int(passes[ok[i]]),
            "n_trials": int(counts.seen[ok[i]]),
        }
        for i in order
    ]


def comment_priorities(
    counts: VoteCounts,
    extremity: npt.ArrayLike,
    *,
    moderated_out: Sequence[int] | frozenset[int] = frozenset(),
    meta: Sequence[int] | frozenset[int] = frozenset(),
) -> FloatArray:
    """Pol.is comment-routing priority of every statement (higher: show sooner).

    ``importance = (1 - p) * (E + 1) * a`` with ``p = (passes + 1) / (seen + 2)``,
    ``a = (agree + 1) / (seen + 2)`` and ``E`` the statement's extremity in the opinion map;
    ``priority = (importance * (1 + 8 * 2 ** (-seen / 5))) ** 2`` so that new statements bubble
    up. Counts are those of the clustered participants when groups exist (as in Pol.is), else
    of everyone. Meta statements get Pol.is's fixed ``7 ** 2 = 49``; moderated-out statements
    get 0 (never shown).

    Parameters
    ----------
    counts : VoteCounts
    extremity : array of float
        :attr:`Projection.statement_extremity`.
    moderated_out : collection of int
    meta : collection of int
        Meta statements (``meta-priority``).

    Returns
    -------
    ndarray of float, shape (n_statements,)

    References
    ----------
    Pol.is ``conversation.clj`` (``importance-metric``, ``priority-metric``,
    ``comment-priorities``).

    Examples
    --------
    >>> m = VoteMatrix.from_dense([[1, None], [1, None]])
    >>> comment_priorities(vote_counts(m), [0.0, 0.0]).round(3).tolist()
    [15.784, 5.062]
    """
    if counts.k > 0:
        agree, disagree, seen = (
            counts.group_agree.sum(0),
            counts.group_disagree.sum(0),
            counts.group_seen.sum(0),
        )
    else:
        agree, disagree, seen = counts.agree, counts.disagree, counts.seen
    passes = seen - agree - disagree
    p_pass = (passes + 1.0) / (seen + 2.0)
    p_agree = (agree + 1.0) / (seen + 2.0)
    importance = (1 - p_pass) * (np.asarray(extremity, dtype=np.float64) + 1) * p_agree
    priority = (importance * (1 + 8 * 2.0 ** (-seen / 5.0))) ** 2
    priority[_moderated_from(frozenset(meta), len(seen))] = float(_META_PRIORITY**2)
    priority[_moderated_from(frozenset(moderated_out), len(seen))] = 0.0
    return np.asarray(priority)


def next_statement(
    matrix: VoteMatrix,
    participant: str,
    *,
    priorities: npt.ArrayLike,
    seed: int = 0,
) -> str | None:
    """Pick the statement to show ``participant`` next, as Pol.is routes comments.

    A random draw among the statements the participant has not voted on (and that are not
    moderated out), with probability proportional to :func:`comment_priorities`.

    Parameters
    ----------
    matrix : VoteMatrix
    participant : str
        A participant id (unknown ids are treated as new participants).
    priorities : array of float
        One per statement.
    seed : int, default 0

    Returns
    -------
    str or None
        A statement id, or None when nothing is left to vote on.

    Examples
    --------
    >>> m = VoteMatrix.from_dense([[1, None, None]], moderated_out=[2])
    >>> next_statement(m, "0", priorities=[1.0, 1.0, 1.0])
    '1'
    >>> next_statement(VoteMatrix.from_dense([[1]]), "0", priorities=[1.0]) is None
    True
    """
    weights = np.asarray(priorities, dtype=np.float64).copy()
    weights[_moderated_from(matrix, len(weights))] = 0.0
    try:
        i = matrix.participants.index(participant)
    except ValueError:
        i = -1
    if i >= 0:
        weights[matrix.cols[matrix.rows == i]] = 0.0
    weights = np.clip(weights, 0.0, None)
    open_ = np.flatnonzero(weights > 0)
    if len(open_) == 0:
        return None
    rng = np.random.default_rng(seed)
    j = int(rng.choice(open_, p=weights[open_] / weights[open_].sum()))
    return matrix.statements[j]
