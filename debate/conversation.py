"""Pol.is's conversation updates: the state carried from one recomputation to the next.

Pol.is does not compute its opinion groups once. Its math worker updates a conversation every
time new votes arrive (``math/src/polismath/math/conversation.clj``, ``clusters.clj``), and each
update continues from the previous one:

- **once in, always in.** A participant joins the clustering (``in-conv``) on reaching
  ``min(7, n_statements)`` votes and never leaves; while fewer than 15 are in, the most active
  voters are added (ties in Clojure's hash-map order of the participant ids);
- **principal components** of the mean-filled vote matrix, moderated-out and meta statements
  zeroed (computed exactly here; Pol.is runs 100 power iterations from the previous
  components, which keeps their signs: so do we);
- **base clusters**: k-means with k = 100 on the participants' positions, warm-started from the
  previous update's clusters (``clean-start-clusters``: each recentred on its members' new
  positions, identical ones merged, the most distant participant split off as a new cluster
  while more clusters are possible), at most 100 Lloyd steps, stopping once no centre moves by
  0.01; a first clustering starts from the first 100 distinct positions;
- **groups**: for every k = 2 .. ``min(5, 2 + n_base // 12)``, weighted k-means of the base
  clusters' centres (weights: their sizes), warm-started from that k's previous clustering, at
  most 20 steps (``:group-iters`` reaches ``kmeans`` as an unknown option, so its default of 20
  applies);
- **k** is the silhouette's best (ties: the larger k), but a new k is adopted only after it has
  been the best for 4 updates in a row (``group-k-smoother``).

:class:`ConversationState` holds all of this between recomputations and serialises to JSON
(:meth:`ConversationState.to_json`), so that a web application can store it;
:func:`update_conversation` advances it by one update. The state also carries the groups'
stable identity (:mod:`debate.identity`).

What Pol.is keeps when its worker restarts is less: the group clusterings of every k and the k
smoother live only in the worker's memory (``conv_man.clj``, ``restructure-json-conv``), so
the first update after a restart starts the groups afresh from the base clusters and takes the
silhouette's best k at once. :meth:`ConversationState.restarted` reproduces that, and
:func:`replay_conversation` replays a conversation's votes in time order through these updates.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from debate.errors import InputError
from debate.groups import (
    OpinionGroups,
    Projection,
    _silhouette,
    participant_projection,
)
from debate.identity import RetiredGroup, StableGroup, match_groups
from debate.polis import VoteLog
from debate.types import VoteMatrix

__all__ = [
    "BaseCluster",
    "GroupCluster",
    "KSmoother",
    "Hysteresis",
    "ConversationState",
    "ConversationUpdate",
    "update_conversation",
    "replay_updates",
    "replay_conversation",
    "Replay",
    "clojure_hash",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

BASE_K = 100  # conversation.clj :base-k
BASE_ITERS = 100  # :base-iters
GROUP_ITERS = 20  # kmeans's default: :group-iters is passed under a key kmeans ignores
MAX_K = 5  # :max-k
K_BUFFER = 4  # :group-k-buffer
MIN_VOTES = 7  # in-conv: min(7, n-cmts) votes
GREEDY_N = 15  # in-conv topped up to 15
SAME_CLUSTERING = 0.01  # clusters.clj same-clustering? threshold
_ARRAY_MAP_MAX = 8  # Clojure keeps maps of up to 8 entries in insertion order
_STATE_VERSION = 1
_K_HISTORY = 20
_BLOCK = 8192  # rows per block in nearest-centre searches
_TREE_ABOVE = 400_000  # points x centres above which nearest centres come from a k-d tree


# --------------------------------------------------------------------------------------------
# State


@dataclass(frozen=True)
class BaseCluster:
    """A base cluster: an id, its members (participant ids) and its centre."""

    id: int
    members: tuple[str, ...]
    center: tuple[float, float]


@dataclass(frozen=True)
class GroupCluster:
    """A group cluster of one k: an id, its members (base cluster ids) and its centre."""

    id: int
    members: tuple[int, ...]
    center: tuple[float, float]


@dataclass(frozen=True)
class KSmoother:
    """Pol.is ``group-k-smoother``: the last best k, how many updates in a row it was best,
    and the k in use."""

    last_k: int | None = None
    last_k_count: int = 0
    smoothed_k: int | None = None


@dataclass(frozen=True)
class Hysteresis:
    """Display hysteresis: how much better a change must be before the groups shown change.

    Pol.is's groups are recomputed from scratch (warm-started) at every update: a participant
    near a boundary flips between two groups as the map shifts, and a k adopted by the k
    smoother splits or merges groups even when the new k is barely better. With hysteresis the
    groups *shown* (and everything derived from them) follow Pol.is's only when the change is
    clear; Pol.is's own clusterings and k smoother still run underneath, unchanged.

    Attributes
    ----------
    silhouette_margin : float, default 0.05
        A k other than the one shown is shown only once it is the k in use (Pol.is's
        smoothed k) *and* its silhouette beats the shown k's by this much; until then the
        shown k stays and the new one is recorded as pending (``ConversationState.k_pending``).
    move_margin : float, default 0.1
        A participant whose group continues keeps it unless the centre of the group k-means
        now puts them in is this fraction closer to them than their own group's centre.

    Examples
    --------
    >>> Hysteresis()
    Hysteresis(silhouette_margin=0.05, move_margin=0.1)
    """

    silhouette_margin: float = 0.05
    move_margin: float = 0.1

    def __post_init__(self) -> None:
        if not (self.silhouette_margin >= 0.0 and 0.0 <= self.move_margin < 1.0):
            raise InputError("hysteresis margins: silhouette >= 0, 0 <= move < 1")


@dataclass(frozen=True)
class ConversationState:
    """What one update hands to the next (the empty state starts a conversation).

    Attributes
    ----------
    participants : tuple of str
        Participants with votes, in Pol.is's row order (order of first appearance).
    in_conv : frozenset of str
        Who takes part in the clustering (once in, always in).
    components : mapping of str to (float, float)
        The previous principal components, by statement id (they fix the next ones' signs).
    base_clusters : tuple of BaseCluster
        The previous base clusters, by id.
    group_clusterings : mapping of int to tuple of GroupCluster
        The previous group clustering for every k tried.
    k_smoother : KSmoother
    k_history : tuple of int
        The silhouette's best k of the most recent updates (at most 20), oldest first.
    groups : tuple of StableGroup
        The groups reported last, with their stable ids and members.
    next_group_id : int
        The id the next new group gets (ids are never reused).
    retired : tuple of RetiredGroup
        Every group retired so far (merged into another, or gone), oldest first.
    updates : int
        Updates run so far.
    shown_k : int or None
        With display hysteresis (:class:`Hysteresis`), the number of groups shown (None
        without hysteresis, or before the first groups).
    k_pending : int or None
        With display hysteresis, the k in use by Pol.is's rules that is not shown yet because
        its silhouette is not clearly better (None when there is none).
    """

    participants: tuple[str, ...] = ()
    in_conv: frozenset[str] = frozenset()
    components: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    base_clusters: tuple[BaseCluster, ...] = ()
    group_clusterings: Mapping[int, tuple[GroupCluster, ...]] = field(default_factory=dict)
    k_smoother: KSmoother = KSmoother()
    k_history: tuple[int, ...] = ()
    groups: tuple[StableGroup, ...] = ()
    next_group_id: int = 0
    retired: tuple[RetiredGroup, ...] = ()
    updates: int = 0
    shown_k: int | None = None
    k_pending: int | None = None

    def restarted(self) -> ConversationState:
        """The state as Pol.is reloads it after its worker restarts.

        Kept: who is clustered, the principal components and the base clusters (and, here, the
        groups' identity). Dropped: the group clusterings of every k and the k smoother
        (``conv_man.clj`` ``restructure-json-conv`` keeps neither), and the row order, which
        the reload rebuilds from the votes sorted by statement then participant.

        Examples
        --------
        >>> s = ConversationState(participants=("b", "a"), k_smoother=KSmoother(3, 2, 2))
        >>> s.restarted().k_smoother, s.restarted().participants
        (KSmoother(last_k=None, last_k_count=0, smoothed_k=None), ())
        """
        return replace(self, participants=(), group_clusterings={}, k_smoother=KSmoother())

    def without_identities(self) -> ConversationState:
        """The state without its groups' identities: the next update numbers its groups afresh.

        For the last update of a replay that *starts* a conversation's state: nobody has seen
        the groups the replay went through, so the groups first shown get ids 0 .. k-1 (A, B,
        C, ...) in Pol.is's cluster order, and nothing is reported retired.

        Examples
        --------
        >>> s = ConversationState(groups=(StableGroup(4, frozenset("ab")),), next_group_id=6)
        >>> s.without_identities().groups, s.without_identities().next_group_id
        ((), 0)
        """
        return replace(self, groups=(), next_group_id=0, retired=(), shown_k=None, k_pending=None)

    def renamed(
        self,
        participants: Mapping[str, str],
        statements: Mapping[str, str] | None = None,
    ) -> ConversationState:
        """The same state under other participant (and statement) ids.

        An application that imports a conversation gives its participants and statements its
        own ids; the state replayed on the source's ids carries over with this. Ids missing
        from a mapping are kept as they are.

        Examples
        --------
        >>> s = ConversationState(participants=("1", "2"), in_conv=frozenset({"1", "2"}),
        ...                       groups=(StableGroup(0, frozenset({"1"})),))
        >>> r = s.renamed({"1": "p-a", "2": "p-b"})
        >>> r.participants, sorted(r.in_conv), sorted(r.groups[0].members)
        (('p-a', 'p-b'), ['p-a', 'p-b'], ['p-a'])
        """

        def pid(value: str) -> str:
            return participants.get(value, value)

        sids = statements or {}
        return replace(
            self,
            participants=tuple(pid(p) for p in self.participants),
            in_conv=frozenset(pid(p) for p in self.in_conv),
            components={sids.get(s, s): loading for s, loading in self.components.items()},
            base_clusters=tuple(
                replace(c, members=tuple(pid(m) for m in c.members)) for c in self.base_clusters
            ),
            groups=tuple(
                StableGroup(g.id, frozenset(pid(m) for m in g.members)) for g in self.groups
            ),
        )

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (dicts, lists, strings, numbers, null) to store the state.

        Examples
        --------
        >>> s = ConversationState(in_conv=frozenset({"7"}), participants=("7",), updates=2)
        >>> ConversationState.from_json(s.to_json()) == s
        True
        """
        statements = sorted(self.components)
        return {
            "version": _STATE_VERSION,
            "updates": self.updates,
            "participants": list(self.participants),
            "in_conv": sorted(self.in_conv, key=_id_key),
            "components": {
                "statements": statements,
                "loadings": [[self.components[s][i] for s in statements] for i in range(2)],
            },
            "base_clusters": [
                {"id": c.id, "members": list(c.members), "center": list(c.center)}
                for c in self.base_clusters
            ],
            "group_clusterings": {
                str(k): [
                    {"id": c.id, "members": list(c.members), "center": list(c.center)}
                    for c in clusters
                ]
                for k, clusters in sorted(self.group_clusterings.items())
            },
            "k_smoother": {
                "last_k": self.k_smoother.last_k,
                "last_k_count": self.k_smoother.last_k_count,
                "smoothed_k": self.k_smoother.smoothed_k,
            },
            "k_history": list(self.k_history),
            "groups": [
                {"id": g.id, "members": sorted(g.members, key=_id_key)} for g in self.groups
            ],
            "next_group_id": self.next_group_id,
            "shown_k": self.shown_k,
            "k_pending": self.k_pending,
            "retired": [
                {"id": r.id, "joined": r.joined, "update": r.update, "at": r.at}
                for r in self.retired
            ],
        }

    @classmethod
    def from_json(cls, data: Any) -> ConversationState:
        """Read a state written by :meth:`to_json`.

        Raises
        ------
        InputError
            If ``data`` is not such a state (the message names the field).

        Examples
        --------
        >>> ConversationState.from_json({"version": 1, "updates": 0})
        Traceback (most recent call last):
        ...
        debate.errors.InputError: not a conversation state: KeyError('components')
        """
        try:
            return _state_from_json(data)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise InputError(f"not a conversation state: {exc!r}") from None


def _state_from_json(data: Any) -> ConversationState:
    if not isinstance(data, dict) or data.get("version") != _STATE_VERSION:
        raise ValueError("version")
    components = data["components"]
    statements = [str(s) for s in components["statements"]]
    loadings = components["loadings"]
    if len(loadings) != 2 or any(len(row) != len(statements) for row in loadings):
        raise ValueError("components")
    smoother = data["k_smoother"]

    def center(value: Any) -> tuple[float, float]:
        x, y = value
        return (float(x), float(y))

    def optional_int(value: Any) -> int | None:
        return None if value is None else int(value)

    return ConversationState(
        participants=tuple(str(p) for p in data["participants"]),
        in_conv=frozenset(str(p) for p in data["in_conv"]),
        components={
            s: (float(loadings[0][i]), float(loadings[1][i])) for i, s in enumerate(statements)
        },
        base_clusters=tuple(
            BaseCluster(int(c["id"]), tuple(str(m) for m in c["members"]), center(c["center"]))
            for c in data["base_clusters"]
        ),
        group_clusterings={
            int(k): tuple(
                GroupCluster(int(c["id"]), tuple(int(m) for m in c["members"]), center(c["center"]))
                for c in clusters
            )
            for k, clusters in data["group_clusterings"].items()
        },
        k_smoother=KSmoother(
            optional_int(smoother["last_k"]),
            int(smoother["last_k_count"]),
            optional_int(smoother["smoothed_k"]),
        ),
        k_history=tuple(int(k) for k in data["k_history"]),
        groups=tuple(
            StableGroup(int(g["id"]), frozenset(str(m) for m in g["members"]))
            for g in data["groups"]
        ),
        next_group_id=int(data["next_group_id"]),
        retired=tuple(
            RetiredGroup(
                int(r["id"]),
                optional_int(r["joined"]),
                int(r["update"]),
                None if r["at"] is None else float(r["at"]),
            )
            for r in data["retired"]
        ),
        updates=int(data["updates"]),
        # States stored before display hysteresis have neither field.
        shown_k=optional_int(data.get("shown_k")),
        k_pending=optional_int(data.get("k_pending")),
    )


def _id_key(value: str) -> tuple[int, int | str]:
    """Sort ids numerically when they are integers (then the rest as text)."""
    try:
        return (0, int(value))
    except ValueError:
        return (1, value)


# --------------------------------------------------------------------------------------------
# Clojure's hash-map order (ties in Pol.is's sorts and nearest-centre searches follow it)

_M32 = 0xFFFFFFFF


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (32 - r))) & _M32


def _mix_k1(k1: int) -> int:
    k1 = (k1 * 0xCC9E2D51) & _M32
    return (_rotl(k1, 15) * 0x1B873593) & _M32


def _mix_h1(h1: int, k1: int) -> int:
    h1 = _rotl(h1 ^ k1, 13)
    return (h1 * 5 + 0xE6546B64) & _M32


def _fmix(h1: int, length: int) -> int:
    h1 ^= length
    h1 ^= h1 >> 16
    h1 = (h1 * 0x85EBCA6B) & _M32
    h1 ^= h1 >> 13
    h1 = (h1 * 0xC2B2AE35) & _M32
    return h1 ^ (h1 >> 16)


@functools.lru_cache(maxsize=1 << 16)
def clojure_hash(value: int | str) -> int:
    """Clojure's ``hash`` of an integer (or string) id, as an unsigned 32-bit integer.

    Integers (and integer strings) hash as Clojure longs (``Murmur3.hashLong``), other strings
    as Clojure strings (``Murmur3.hashInt`` of Java's ``String.hashCode``).

    Examples
    --------
    >>> clojure_hash(1), clojure_hash(0)  # (hash 1) is 1392991556 in Clojure
    (1392991556, 0)
    """
    number: int | None
    if isinstance(value, int):
        number = value
    else:
        try:
            number = int(value)
        except ValueError:
            number = None
    if number is not None and -(2**63) <= number < 2**63:
        if number == 0:
            return 0
        unsigned = number & 0xFFFFFFFFFFFFFFFF
        h1 = _mix_h1(0, _mix_k1(unsigned & _M32))
        h1 = _mix_h1(h1, _mix_k1((unsigned >> 32) & _M32))
        return _fmix(h1, 8)
    code = 0
    for unit in str(value).encode("utf-16-be").hex(" ", 2).split():
        code = (31 * code + int(unit, 16)) & _M32
    if code == 0:
        return 0
    return _fmix(_mix_h1(0, _mix_k1(code)), 4)


def _hash_order(keys: Sequence[int | str]) -> list[int]:
    """Positions of ``keys`` in the iteration order of a Clojure map built from them.

    Up to 8 entries a Clojure map keeps insertion order; a larger one is a hash array mapped
    trie, iterated by 5-bit chunks of the hash from the lowest (collisions in insertion order).
    """
    if len(keys) <= _ARRAY_MAP_MAX:
        return list(range(len(keys)))

    def trie_path(i: int) -> tuple[int, ...]:
        h = clojure_hash(keys[i])
        return (*((h >> shift) & 31 for shift in range(0, 32, 5)), i)

    return sorted(range(len(keys)), key=trie_path)


# --------------------------------------------------------------------------------------------
# k-means as clusters.clj does it


@dataclass(frozen=True)
class _Clustering:
    """k-means result: cluster ids (ascending), centres, and each point's cluster (index)."""

    ids: IntArray
    centers: FloatArray
    labels: IntArray

    def rows(self, c: int) -> IntArray:
        return np.asarray(np.flatnonzero(self.labels == c), dtype=np.int64)


def _weighted_centers(
    points: FloatArray, weights: FloatArray, labels: IntArray, m: int
) -> tuple[FloatArray, FloatArray]:
    """Weighted mean position of every cluster (labels -1: no cluster), and its weight."""
    inside = labels >= 0
    lab, w = labels[inside], weights[inside]
    mass = np.bincount(lab, weights=w, minlength=m).astype(np.float64)
    sx = np.bincount(lab, weights=w * points[inside, 0], minlength=m)
    sy = np.bincount(lab, weights=w * points[inside, 1], minlength=m)
    safe = np.where(mass > 0, mass, 1.0)
    return np.stack([sx / safe, sy / safe], axis=1), mass


def _nearest_last(points: FloatArray, centers: FloatArray) -> tuple[IntArray, FloatArray]:
    """Each point's nearest centre and distance; ties go to the last (Clojure ``min-key``)."""
    n, m = len(points), len(centers)
    if n * m > _TREE_ABOVE and m > 1:
        # A k-d tree of the centres; the two nearest tell a tie, which goes to the later centre
        # as in the exhaustive search (three-way ties at one distance are not worth the cost).
        dist, index = cKDTree(centers).query(points, k=2)
        picks = index[:, 0].astype(np.int64)
        tie = dist[:, 1] == dist[:, 0]
        picks[tie] = np.maximum(index[tie, 0], index[tie, 1])
        return picks, np.asarray(dist[:, 0], dtype=np.float64)
    picks = np.empty(n, dtype=np.int64)
    nearest = np.empty(n)
    for start in range(0, n, _BLOCK):
        block = points[start : start + _BLOCK]
        dx = block[:, 0, None] - centers[None, :, 0]
        dy = block[:, 1, None] - centers[None, :, 1]
        dist = np.sqrt(dx * dx + dy * dy)
        pick = m - 1 - np.argmin(dist[:, ::-1], axis=1)
        picks[start : start + len(block)] = pick
        nearest[start : start + len(block)] = dist[np.arange(len(block)), pick]
    return picks, nearest


def _same_clustering(before: FloatArray, after: FloatArray) -> bool:
    """Pol.is ``same-clustering?``: sorted centres pairwise closer than 0.01."""
    a = before[np.lexsort((before[:, 1], before[:, 0]))]
    b = after[np.lexsort((after[:, 1], after[:, 0]))]
    m = min(len(a), len(b))
    return bool(np.all(np.hypot(*(a[:m] - b[:m]).T) < SAME_CLUSTERING))


def _clean_start(
    points: FloatArray,
    weights: FloatArray,
    k: int,
    last: Sequence[tuple[int, Sequence[int]]],
) -> tuple[list[int], FloatArray]:
    """``clean-start-clusters``: the previous clusters made ready for the new positions.

    Returns the cluster ids and centres, in Pol.is's list order.
    """
    n = len(points)
    labels = np.full(n, -1, dtype=np.int64)
    ids: list[int] = []
    for cid, rows in last:
        if len(rows):
            labels[np.asarray(rows, dtype=np.int64)] = len(ids)
            ids.append(cid)
    if not ids:  # nobody left: one cluster of everyone, with a fresh id
        ids = [max((cid for cid, _ in last), default=-1) + 1]
        labels[:] = 0
    centers, mass = _weighted_centers(points, weights, labels, len(ids))
    counts = np.bincount(labels[labels >= 0], minlength=len(ids))
    # uniqify-clusters: a cluster whose centre equals an earlier one's merges into it, which
    # takes the id of the one with more members (ties: the later).
    first: dict[tuple[float, float], int] = {}
    into = np.arange(len(ids))
    merged_ids = list(ids)
    merged_counts = counts.tolist()
    for i in range(len(ids)):
        key = (float(centers[i, 0]), float(centers[i, 1]))
        j = first.setdefault(key, i)
        if j != i:
            into[i] = j
            if merged_counts[i] >= merged_counts[j]:
                merged_ids[j] = merged_ids[i]
            merged_counts[j] += merged_counts[i]
    keep = np.flatnonzero(into == np.arange(len(ids)))
    position = np.full(len(ids), -1, dtype=np.int64)
    position[keep] = np.arange(len(keep))
    labels = np.where(labels >= 0, position[into[np.maximum(labels, 0)]], -1)
    ids = [merged_ids[i] for i in keep.tolist()]
    possible = min(k, len(np.unique(points, axis=0)))
    while True:
        centers, mass = _weighted_centers(points, weights, labels, len(ids))  # recenter
        if possible <= len(ids):
            return ids, centers
        _, distance = _nearest_last(points, centers)
        far = n - 1 - int(np.argmax(distance[::-1]))  # most-distal: ties to the last
        if distance[far] <= 0:
            return ids, centers
        labels[far] = len(ids)  # split off as a new cluster
        ids.append(max(ids) + 1)


def _kmeans(
    points: FloatArray,
    k: int,
    *,
    last: Sequence[tuple[int, Sequence[int]]] | None,
    weights: FloatArray | None = None,
    max_iters: int,
) -> _Clustering:
    """Pol.is ``kmeans``: warm start from ``last`` (or the first k distinct points), then Lloyd.

    Clusters that lose every member are dropped; the result is ordered by cluster id.
    """
    w = np.ones(len(points)) if weights is None else weights
    if last:
        id_list, centers = _clean_start(points, w, k, last)
        ids = np.array(id_list, dtype=np.int64)
    else:  # init-clusters: the first k distinct points, ids 0 .. k-1
        _, first = np.unique(points, axis=0, return_index=True)
        chosen = np.sort(first)[:k]
        ids = np.arange(len(chosen), dtype=np.int64)
        centers = points[chosen].copy()
    labels = np.zeros(len(points), dtype=np.int64)
    for _ in range(max_iters + 1):
        order = np.array(_hash_order(ids.tolist()), dtype=np.int64)  # cleared-clusters' order
        pick, _ = _nearest_last(points, centers[order])
        stepped, mass = _weighted_centers(points, w, pick, len(order))
        alive = mass > 0
        renumber = np.cumsum(alive) - 1
        labels = renumber[pick]
        same = _same_clustering(centers, stepped[alive])
        ids, centers = ids[order][alive], stepped[alive]
        if same:
            break
    by_id = np.argsort(ids, kind="stable")
    rank = np.empty(len(ids), dtype=np.int64)
    rank[by_id] = np.arange(len(ids))
    return _Clustering(ids=ids[by_id], centers=centers[by_id], labels=rank[labels])


@dataclass(frozen=True)
class ConversationUpdate:
    """Result of :func:`update_conversation`.

    Attributes
    ----------
    state : ConversationState
        The state to hand to the next update.
    groups : OpinionGroups
        The groups reported now, ordered by stable id (``groups.ids``), with the projection,
        the base clusters and the silhouette of every k tried; ``k == 0`` when nothing could
        be clustered.
    best_k : int
        The silhouette's best k of this update (0 when nothing was clustered); the k in use is
        ``groups.k``, which follows the k smoother.
    polis_ids : tuple of int
        Pol.is's own id of each reported group (the k-means cluster id), in group order.
    retired : tuple of RetiredGroup
        Groups retired by this update.
    """

    state: ConversationState
    groups: OpinionGroups
    best_k: int
    polis_ids: tuple[int, ...]
    retired: tuple[RetiredGroup, ...]


def update_conversation(
    state: ConversationState,
    matrix: VoteMatrix,
    *,
    seed: int = 0,
    at: float | None = None,
    hysteresis: Hysteresis | None = None,
) -> ConversationUpdate:
    """Advance a conversation by one Pol.is update, given every current vote.

    Parameters
    ----------
    state : ConversationState
        The previous state (``ConversationState()`` for the first update).
    matrix : VoteMatrix
        The current latest votes of every participant (moderated-out and meta statements
        marked). Participants without a vote are ignored; a participant of ``state`` absent
        from ``matrix`` (removed since, say, by an exclusion) leaves the clustering.
    seed : int, default 0
        Start vector of the iterative eigensolver for large matrices (rounding only).
    at : float, optional
        The time of this update (seconds since 1970), recorded with retired groups.
    hysteresis : Hysteresis, optional
        Show groups that change only when the change is clear (:class:`Hysteresis`): the k
        shown and each participant's group are kept unless the new ones are better by a
        margin. Pol.is's clusterings and k smoother in the state are the same either way;
        the groups reported, their identities and ``shown_k``/``k_pending`` follow the
        hysteresis. None (the default) reports Pol.is's groups as they are.

    Returns
    -------
    ConversationUpdate

    References
    ----------
    Pol.is ``math/src/polismath/math/conversation.clj`` (``in-conv``, ``base-clusters``,
    ``group-clusterings``, ``group-k-smoother``) and ``clusters.clj`` (``kmeans``,
    ``clean-start-clusters``, ``silhouette``).

    Examples
    --------
    >>> votes = [[1, 1, -1, -1, 1, -1, 1]] * 12 + [[-1, -1, 1, 1, -1, 1, -1]] * 8
    >>> first = update_conversation(ConversationState(), VoteMatrix.from_dense(votes))
    >>> first.groups.k, first.groups.sizes.tolist(), first.groups.ids
    (2, [12, 8], (0, 1))
    >>> again = update_conversation(first.state, VoteMatrix.from_dense(votes))
    >>> again.groups.ids, again.state.updates, again.state.k_smoother.last_k_count
    ((0, 1), 2, 2)
    """
    n_participants = len(matrix.participants)
    rows_of = matrix.rows.astype(np.int64)
    votes_per = np.bincount(rows_of, minlength=n_participants)
    position = {pid: i for i, pid in enumerate(matrix.participants)}
    order = _row_order(state.participants, matrix, votes_per, position)
    voted_statements = int(
        np.count_nonzero(
            np.bincount(matrix.cols.astype(np.int64), minlength=len(matrix.statements))
        )
    )
    in_conv = _in_conv(state.in_conv, order, votes_per, position, voted_statements)

    proj = _continuous_projection(
        participant_projection(matrix, seed=seed), matrix, state.components
    )
    components = {
        sid: (float(proj.components[0, j]), float(proj.components[1, j]))
        for j, sid in enumerate(matrix.statements)
    }
    members = [pid for pid in order if pid in in_conv]
    member_rows = np.array([position[pid] for pid in members], dtype=np.int64)
    updates = state.updates + 1
    empty = _no_groups(matrix, in_conv, position, proj)
    base_state = replace(
        state,
        participants=tuple(order),
        in_conv=frozenset(in_conv),
        components=components,
        updates=updates,
    )
    if len(members) < 2 or voted_statements < 2:
        return ConversationUpdate(base_state, empty, 0, (), ())

    points = proj.positions[member_rows]
    index_of = {pid: i for i, pid in enumerate(members)}
    last_base = [
        (c.id, [index_of[m] for m in c.members if m in index_of]) for c in state.base_clusters
    ]
    base = _kmeans(points, BASE_K, last=last_base or None, max_iters=BASE_ITERS)
    n_base = len(base.ids)
    base_ids = base.ids.tolist()
    base_weights = np.bincount(base.labels, minlength=n_base).astype(np.float64)
    base_row = {bid: i for i, bid in enumerate(base_ids)}

    clusterings: dict[int, _Clustering] = {}
    silhouettes: dict[int, float] = {}
    for k in range(2, min(MAX_K, 2 + n_base // 12) + 1):
        previous = state.group_clusterings.get(k)
        last_groups = (
            [(c.id, [base_row[b] for b in c.members if b in base_row]) for c in previous]
            if previous
            else None
        )
        clustering = _kmeans(
            base.centers, k, last=last_groups, weights=base_weights, max_iters=GROUP_ITERS
        )
        clusterings[k] = clustering
        silhouettes[k] = (
            _silhouette(base.centers, clustering.labels) if len(clustering.ids) > 1 else 0.0
        )

    best_k = max(silhouettes, key=lambda k: (silhouettes[k], k))  # max-key: ties to the last
    smoother = _smooth_k(state.k_smoother, best_k)
    chosen_k = smoother.smoothed_k if smoother.smoothed_k in clusterings else best_k
    shown_k, k_pending = chosen_k, None
    if hysteresis is not None:
        shown_k, k_pending = _shown_k(state.shown_k, chosen_k, silhouettes, hysteresis)
    chosen = clusterings[shown_k]

    base_of = np.full(n_participants, -1, dtype=np.int64)
    base_of[member_rows] = base.labels
    member_group = chosen.labels[base.labels]  # each clustered participant's group (index)
    centers = chosen.centers
    base_groups = chosen.labels
    polis_ids = chosen.ids
    if hysteresis is not None:
        member_group = _keep_groups(
            state, members, member_group, points, chosen.centers, hysteresis, updates
        )
        # Groups left without members (all kept in their former groups) are not shown.
        kept = np.flatnonzero(np.bincount(member_group, minlength=len(chosen.ids)) > 0)
        renumber = np.full(len(chosen.ids), -1, dtype=np.int64)
        renumber[kept] = np.arange(len(kept))
        member_group = renumber[member_group]
        polis_ids = chosen.ids[kept]
        centers, _ = _weighted_centers(points, np.ones(len(points)), member_group, len(kept))
        # Each base cluster drawn in the group holding most of its members.
        pairs = np.bincount(
            base.labels * len(kept) + member_group, minlength=n_base * len(kept)
        ).reshape(n_base, len(kept))
        base_groups = np.argmax(pairs, axis=1).astype(np.int64)
    group_members = [
        [members[r] for r in np.flatnonzero(member_group == g).tolist()]
        for g in range(len(polis_ids))
    ]
    match = match_groups(
        state.groups, group_members, next_id=state.next_group_id, update=updates, at=at
    )
    groups = _reported_groups(
        n_participants,
        member_rows,
        member_group,
        centers,
        base_groups,
        match.ids,
        base_of,
        base.centers,
        silhouettes,
        proj,
        in_conv,
        position,
    )
    new_state = replace(
        base_state,
        base_clusters=tuple(
            BaseCluster(
                int(base.ids[c]),
                tuple(members[r] for r in base.rows(c).tolist()),
                _pair(base.centers[c]),
            )
            for c in range(n_base)
        ),
        group_clusterings={
            k: tuple(
                GroupCluster(
                    int(clustering.ids[c]),
                    tuple(base_ids[b] for b in clustering.rows(c).tolist()),
                    _pair(clustering.centers[c]),
                )
                for c in range(len(clustering.ids))
            )
            for k, clustering in clusterings.items()
        },
        k_smoother=smoother,
        k_history=(*state.k_history, best_k)[-_K_HISTORY:],
        groups=match.groups,
        next_group_id=match.next_id,
        retired=(*state.retired, *match.retired),
        shown_k=shown_k if hysteresis is not None else None,
        k_pending=k_pending,
    )
    order_by_id = np.argsort(np.array(match.ids), kind="stable")
    reported_polis_ids = tuple(int(polis_ids[g]) for g in order_by_id)
    return ConversationUpdate(new_state, groups, best_k, reported_polis_ids, match.retired)


def _shown_k(
    shown: int | None, chosen: int, silhouettes: Mapping[int, float], hysteresis: Hysteresis
) -> tuple[int, int | None]:
    """The k to show and the k pending: ``chosen`` is shown once clearly better than ``shown``.

    Examples
    --------
    >>> h = Hysteresis(silhouette_margin=0.05)
    >>> _shown_k(2, 3, {2: 0.50, 3: 0.54}, h), _shown_k(2, 3, {2: 0.50, 3: 0.56}, h)
    ((2, 3), (3, None))
    """
    if shown is None or shown == chosen or shown not in silhouettes:
        return chosen, None
    if silhouettes[chosen] >= silhouettes[shown] + hysteresis.silhouette_margin:
        return chosen, None
    return shown, chosen


def _keep_groups(
    state: ConversationState,
    members: Sequence[str],
    member_group: IntArray,
    points: FloatArray,
    centers: FloatArray,
    hysteresis: Hysteresis,
    update: int,
) -> IntArray:
    """Each participant's shown group (index): k-means's, unless their group continues and
    k-means's centre is not ``move_margin`` closer to them than their group's centre."""
    if not state.groups:
        return member_group
    k = len(centers)
    current = [[members[r] for r in np.flatnonzero(member_group == g).tolist()] for g in range(k)]
    # Which k-means group continues which shown group (the same matching as the final one).
    first = match_groups(state.groups, current, next_id=state.next_group_id, update=update)
    index_of_id = {gid: g for g, gid in enumerate(first.ids)}
    before = np.full(len(members), -1, dtype=np.int64)
    row_of = {pid: i for i, pid in enumerate(members)}
    for group in state.groups:
        g = index_of_id.get(group.id)
        if g is None:
            continue  # the group did not continue: its members go where k-means puts them
        before[[row_of[m] for m in group.members if m in row_of]] = g
    moved = (before >= 0) & (before != member_group)
    if not np.any(moved):
        return member_group
    rows = np.flatnonzero(moved)
    d_new = np.hypot(*(points[rows] - centers[member_group[rows]]).T)
    d_old = np.hypot(*(points[rows] - centers[before[rows]]).T)
    stay = rows[d_new >= (1.0 - hysteresis.move_margin) * d_old]
    result = member_group.copy()
    result[stay] = before[stay]
    return result


def _pair(center: FloatArray) -> tuple[float, float]:
    return (float(center[0]), float(center[1]))


def _row_order(
    previous: Sequence[str],
    matrix: VoteMatrix,
    votes_per: IntArray,
    position: Mapping[str, int],
) -> list[str]:
    """Pol.is's row order: rows never move; new participants come in poll order.

    The poll lists a batch's votes by statement, then participant, so new participants are
    ordered by the first statement (in statement order) they voted on, then by participant.
    """
    kept = [pid for pid in previous if pid in position and votes_per[position[pid]] > 0]
    known = set(kept)
    first_col = np.full(len(matrix.participants), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_col, matrix.rows.astype(np.int64), matrix.cols.astype(np.int64))
    newcomers = [
        i for i, pid in enumerate(matrix.participants) if votes_per[i] > 0 and pid not in known
    ]
    newcomers.sort(key=lambda i: (int(first_col[i]), i))
    return kept + [matrix.participants[i] for i in newcomers]


def _in_conv(
    previous: frozenset[str],
    order: Sequence[str],
    votes_per: IntArray,
    position: Mapping[str, int],
    voted_statements: int,
) -> set[str]:
    """Pol.is ``in-conv``: once in, always in; ``min(7, n)`` votes; topped up to 15."""
    counts = [int(votes_per[position[pid]]) for pid in order]
    in_conv = {pid for pid in previous if pid in position and votes_per[position[pid]] > 0}
    threshold = min(MIN_VOTES, voted_statements)
    in_conv.update(pid for pid, n in zip(order, counts, strict=True) if n >= threshold)
    if len(in_conv) < GREEDY_N:
        # user-vote-counts is a Clojure map: its iteration order decides among equal counts.
        iteration = _hash_order(list(order))
        candidates = [i for i in iteration if order[i] not in in_conv]
        candidates.sort(key=lambda i: -counts[i])  # sort-by is stable
        in_conv.update(order[i] for i in candidates[: GREEDY_N - len(in_conv)])
    return in_conv


def _continuous_projection(
    proj: Projection, matrix: VoteMatrix, previous: Mapping[str, tuple[float, float]]
) -> Projection:
    """Give each component the sign power iteration from the previous one would give it.

    Pol.is starts the iteration from the previous component, padded with ones for new
    statements; the result keeps the sign of its inner product with that start.
    """
    if not previous:
        return proj
    components = proj.components.copy()
    positions = proj.positions.copy()
    for i in range(2):
        start = np.array([previous.get(sid, (1.0, 1.0))[i] for sid in matrix.statements])
        if not np.any([previous[s][i] for s in previous]):
            continue  # Pol.is starts from a random vector: any sign
        if float(start @ components[i]) < 0:
            components[i] = -components[i]
            positions[:, i] = -positions[:, i]
    return replace(proj, components=components, positions=positions)


def _smooth_k(smoother: KSmoother, best_k: int) -> KSmoother:
    """Pol.is ``group-k-smoother``: a new k is used once it was the best 4 times in a row."""
    same = smoother.last_k is not None and best_k == smoother.last_k
    count = smoother.last_k_count + 1 if same else 1
    # Until the new k has been the best K_BUFFER times in a row, the k in use stays.
    kept = smoother.smoothed_k if count < K_BUFFER else None
    return KSmoother(last_k=best_k, last_k_count=count, smoothed_k=kept or best_k)


def _no_groups(
    matrix: VoteMatrix, in_conv: set[str], position: Mapping[str, int], proj: Projection
) -> OpinionGroups:
    n = len(matrix.participants)
    clustered = np.zeros(n, dtype=bool)
    clustered[[position[pid] for pid in in_conv]] = True
    return OpinionGroups.empty(clustered, proj)


def _reported_groups(
    n_participants: int,
    member_rows: IntArray,
    member_group: IntArray,
    centers: FloatArray,
    base_groups: IntArray,
    stable_ids: Sequence[int],
    base_of: IntArray,
    base_centers: FloatArray,
    silhouettes: dict[int, float],
    proj: Projection,
    in_conv: set[str],
    position: Mapping[str, int],
) -> OpinionGroups:
    """The shown groups as OpinionGroups, groups ordered by stable id."""
    order = np.argsort(np.array(stable_ids), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    labels = np.full(n_participants, -1, dtype=np.int64)
    labels[member_rows] = rank[member_group]
    k = len(order)
    sizes = np.bincount(rank[member_group], minlength=k).astype(np.int64)
    clustered = np.zeros(n_participants, dtype=bool)
    clustered[[position[pid] for pid in in_conv]] = True
    return OpinionGroups(
        labels=labels,
        k=k,
        centers=centers[order].reshape(k, 2),
        sizes=sizes,
        clustered=clustered,
        base_labels=base_of,
        base_centers=base_centers,
        base_groups=rank[base_groups],
        silhouettes=dict(silhouettes),
        projection=proj,
        ids=tuple(int(stable_ids[j]) for j in order.tolist()),
    )


# --------------------------------------------------------------------------------------------
# Replaying a conversation's history


@dataclass(frozen=True)
class Replay:
    """Result of :func:`replay_conversation`.

    Attributes
    ----------
    update : ConversationUpdate or None
        The last update (None when the log has no votes).
    cuts : tuple of int
        After how many votes (in time order) each update ran.
    restarts : int
        How many updates started from a restarted state.
    start : ConversationState or None
        The state the last update started from (run that update again from it, on the same
        votes, and the same groups come out).
    """

    update: ConversationUpdate | None
    cuts: tuple[int, ...]
    restarts: int
    start: ConversationState | None = None

    @property
    def state(self) -> ConversationState:
        return self.update.state if self.update is not None else ConversationState()


def _cuts(log: VoteLog, every: int | None, cadence: float | None) -> list[int]:
    n = len(log)
    if n == 0:
        return []
    if every is not None:
        if every < 1:
            raise InputError("--every needs a positive number of votes")
        return sorted({*range(every, n, every), n})
    window = 1.0 if cadence is None else cadence
    if window < 0 or not math.isfinite(window):
        raise InputError("the cadence must be a non-negative number of seconds")
    cuts = []
    start = 0
    times = log.times
    while start < n:
        end = int(np.searchsorted(times, times[start] + window, side="right"))
        end = max(end, start + 1)
        cuts.append(end)
        start = end
    return cuts


def replay_updates(
    log: VoteLog,
    *,
    every: int | None = None,
    cadence: float | None = None,
    restart_after: float | None = None,
    restart_at_end: bool = False,
    moderated_out: frozenset[int] = frozenset(),
    meta: frozenset[int] = frozenset(),
    seed: int = 0,
    state: ConversationState | None = None,
) -> Iterator[tuple[int, bool, ConversationUpdate]]:
    """Replay a vote log through Pol.is's updates; yield ``(votes so far, restarted, update)``.

    See :func:`replay_conversation` for the parameters; ``state`` is where to start from (the
    empty state by default).

    Examples
    --------
    >>> from debate.polis import VoteLog
    >>> log = VoteLog(("a", "b"), ("0", "1"), np.array([0, 1, 0, 1]), np.array([0, 0, 1, 1]),
    ...               np.array([1, -1, 1, -1], dtype=np.int8), np.array([0.0, 1.0, 2.0, 3.0]))
    >>> [(n, restarted) for n, restarted, _ in replay_updates(log, every=2, restart_at_end=True)]
    [(2, False), (4, False), (4, True)]
    """
    current = state if state is not None else ConversationState()
    cuts = _cuts(log, every, cadence)
    done = 0
    for cut in cuts:
        restarted = False
        if restart_after is not None and done > 0:
            silence = float(log.times[done] - log.times[done - 1])
            if silence > restart_after:
                current = current.restarted()
                restarted = True
        matrix = log.matrix(cut, moderated_out=moderated_out, meta=meta)
        update = update_conversation(current, matrix, seed=seed, at=float(log.times[cut - 1]))
        current = update.state
        done = cut
        yield cut, restarted, update
    if restart_at_end and cuts:
        matrix = log.matrix(done, moderated_out=moderated_out, meta=meta)
        update = update_conversation(
            current.restarted(), matrix, seed=seed, at=float(log.times[done - 1])
        )
        yield done, True, update


def replay_conversation(
    log: VoteLog,
    *,
    every: int | None = None,
    cadence: float | None = None,
    restart_after: float | None = None,
    restart_at_end: bool = False,
    moderated_out: frozenset[int] = frozenset(),
    meta: frozenset[int] = frozenset(),
    seed: int = 0,
    on_update: Callable[[int, ConversationUpdate], None] | None = None,
    fresh_ids: bool = False,
) -> Replay:
    """Replay a conversation's votes in time order through Pol.is's update rules.

    Parameters
    ----------
    log : VoteLog
        Every vote in time order (:attr:`debate.polis.PolisExport.log`).
    every : int, optional
        Update after every ``every`` votes.
    cadence : float, optional
        Update once per batch of votes arriving within ``cadence`` seconds of the batch's
        first vote. The default (neither given) is a 1-second cadence: Pol.is's math worker
        polls for new votes every second (``components/config.clj``), so a quiet conversation
        is updated after almost every vote.
    restart_after : float, optional
        Treat a silence longer than this many seconds as a restart of Pol.is's worker: the next
        update starts from :meth:`ConversationState.restarted`.
    restart_at_end : bool, default False
        Finish with one more update of the final votes from the restarted state, as when Pol.is
        reloads a conversation from its database: the groups then start afresh from the base
        clusters (see the module notes).
    moderated_out, meta : frozenset of int
        Statement indices (into ``log.statements``) moderated out and meta.
    seed : int, default 0
    on_update : callable, optional
        Called with ``(votes so far, update)`` after every update.
    fresh_ids : bool, default False
        Run the last update again without the groups' identities
        (:meth:`ConversationState.without_identities`), so that the groups reported are
        numbered 0 .. k-1 and none is reported retired: for a replay that starts a state whose
        earlier groups nobody has seen (``on_update`` is not called for this run).

    Returns
    -------
    Replay

    Examples
    --------
    >>> from debate.polis import VoteLog
    >>> rows = np.repeat(np.arange(20), 7)
    >>> cols = np.tile(np.arange(7), 20)
    >>> values = np.where(rows < 12, 1, -1) * np.where(cols % 2 == 0, 1, -1)
    >>> log = VoteLog(tuple(map(str, range(20))), tuple(map(str, range(7))), rows, cols,
    ...               values.astype(np.int8), np.arange(140, dtype=float) * 60)
    >>> r = replay_conversation(log, every=35)
    >>> r.cuts, r.update.groups.k, r.update.groups.sizes.tolist()
    ((35, 70, 105, 140), 2, [12, 8])
    """
    cuts: list[int] = []
    restarts = 0
    last: ConversationUpdate | None = None
    previous = ConversationState()
    before = previous
    for cut, restarted, update in replay_updates(
        log,
        every=every,
        cadence=cadence,
        restart_after=restart_after,
        restart_at_end=False,
        moderated_out=moderated_out,
        meta=meta,
        seed=seed,
    ):
        cuts.append(cut)
        restarts += int(restarted)
        before = previous.restarted() if restarted else previous
        previous = update.state
        last = update
        if on_update is not None:
            on_update(cut, update)
    if last is None:
        return Replay(update=None, cuts=(), restarts=0, start=None)
    done = cuts[-1]
    final = log.matrix(done, moderated_out=moderated_out, meta=meta)
    at = float(log.times[done - 1])
    if restart_at_end:
        before = previous.restarted()
        last = update_conversation(before, final, seed=seed, at=at)
        cuts.append(done)
        restarts += 1
        if on_update is not None:
            on_update(done, last)
    if fresh_ids:
        before = before.without_identities()
        last = update_conversation(before, final, seed=seed, at=at)
    return Replay(update=last, cuts=tuple(cuts), restarts=restarts, start=before)
