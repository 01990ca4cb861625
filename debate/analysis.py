"""The full analysis of a consultation, as the JSON document of API.md section 4.

:func:`analyse` runs the opinion groups and Pol.is statistics of :mod:`debate.groups`, the
bridging scores (:mod:`debate.bridging`), argument strength (:mod:`debate.semantics`), cruxes
(:mod:`debate.cruxes`) and controversy (:mod:`debate.controversy`), and assembles plain data:
dicts, lists, strings, ints, floats and ``None``; never NaN. Floats are rounded to 6 decimals,
except the figures Pol.is itself publishes: those computed from vote counts (representative-
statement and consensus statistics, group-aware consensus, the PCA centre) at full precision,
those from the principal components (components, comment priorities, extremity, projection) to
9 decimals, so that they can be compared with Pol.is's to 1e-9 and 1e-6.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import numpy.typing as npt
from threadpoolctl import ThreadpoolController

from debate.errors import InputError
from debate.groups import (
    OpinionGroups,
    Projection,
    VoteCounts,
    comment_priorities,
    divisive_statements,
    group_informed_consensus,
    majority_consensus,
    opinion_groups,
    representative_statements,
    uncertain_statements,
    vote_counts,
)
from debate.types import Claim, Relation, VoteMatrix

if TYPE_CHECKING:
    from debate.bridging import BridgingProcess

__all__ = ["analyse", "vote_base_scores"]

_DIGITS = 6
_FINE = 9
T = TypeVar("T")


def _num(x: float | np.floating[Any]) -> float:
    value = round(float(x), _DIGITS)
    if not np.isfinite(value):  # pragma: no cover - guarded upstream; JSON has no NaN
        return 0.0
    return value + 0.0  # turn -0.0 into 0.0


def _rounded(values: npt.ArrayLike) -> list[float]:
    """:func:`_num` of every element of a 1-D array, in bulk and to the same bits (Python's
    correctly rounded ``round``, not numpy's scaled one): the finiteness check is one array
    operation instead of one numpy scalar call per element."""
    array = np.asarray(values, dtype=np.float64)
    finite: list[float] = np.where(np.isfinite(array), array, 0.0).tolist()
    return [round(x, _DIGITS) + 0.0 for x in finite]


def _exact(x: float | np.floating[Any]) -> float:
    """A float at full precision (Pol.is's published figures); never NaN."""
    value = float(x)
    return value + 0.0 if np.isfinite(value) else 0.0


def _exacts(values: npt.ArrayLike) -> list[Any]:
    array = np.asarray(values, dtype=np.float64)
    out: list[Any] = (np.where(np.isfinite(array), array, 0.0) + 0.0).tolist()
    return out


def _fines(values: npt.ArrayLike) -> list[Any]:
    """Figures from the principal components, to 9 decimals: exact well within Pol.is's 1e-6,
    and free of the last-bit noise the participants' order leaves in an eigenvector."""
    array = np.asarray(values, dtype=np.float64)
    rounded = np.round(np.where(np.isfinite(array), array, 0.0), _FINE) + 0.0
    out: list[Any] = rounded.tolist()
    return out


def _nums(values: npt.ArrayLike) -> list[Any]:
    """:func:`_num` of every element, in bulk (nested lists for 2-D input)."""
    array = np.asarray(values, dtype=np.float64)
    rounded = np.round(np.where(np.isfinite(array), array, 0.0), _DIGITS) + 0.0
    out: list[Any] = rounded.tolist()
    return out


def vote_base_scores(matrix: VoteMatrix) -> dict[str, float]:
    """Base score of every statement from its votes: ``(agree + 1) / (agree + disagree + 2)``.

    Passes are ignored; a statement nobody voted on scores 0.5. Moderated-out and meta
    statements are left out.

    Parameters
    ----------
    matrix : VoteMatrix

    Returns
    -------
    dict of str to float

    Examples
    --------
    >>> m = VoteMatrix.from_dense([[1, 0], [1, -1], [-1, None]])
    >>> vote_base_scores(m)
    {'0': 0.6, '1': 0.333333}
    """
    counts = vote_counts(matrix)
    moderated = matrix.excluded
    agree = counts.agree.astype(np.float64)
    scores = _rounded((agree + 1) / (agree + counts.disagree + 2))
    return {sid: scores[j] for j, sid in enumerate(matrix.statements) if j not in moderated}


def analyse(
    matrix: VoteMatrix,
    *,
    claims: Iterable[Claim] = (),
    relations: Iterable[Relation] = (),
    seed: int = 0,
    semantics: str = "quadratic-energy",
    groups: OpinionGroups | None = None,
    bridging: BridgingProcess | None = None,
) -> dict[str, Any]:
    """Analyse a consultation: opinion groups, consensus, bridging, strength, cruxes, ...

    Parameters
    ----------
    matrix : VoteMatrix
        Every participant's votes.
    claims, relations : iterables of Claim and Relation
        The argument graph (support/attack links between statements). Without claims, every
        statement that is not moderated out is an isolated claim, so its strength is its
        vote-based base score.
    seed : int, default 0
        The only source of randomness; results are also stable across seeds.
    semantics : str, default "quadratic-energy"
        Gradual semantics for ``strength``.
    groups : OpinionGroups, optional
        Opinion groups found elsewhere: given (:func:`debate.groups.assigned_groups`, e.g.
        Pol.is's own) or carried between recomputations (:func:`debate.conversation.
        update_conversation`); everything else is computed from them. By default the groups are
        found here, in one shot (:func:`debate.groups.opinion_groups`).
    bridging : BridgingProcess, optional
        The bridging fit and controversy score of ``matrix`` and ``seed`` already running in
        another process (:func:`debate.bridging.bridging_process`): they are awaited after
        everything else, so the two processes work side by side on two cores, with the same
        result. If that process failed, both are computed here. By default they are computed
        here.

    Returns
    -------
    dict
        The analysis of API.md section 4: ``participants``, ``groups``, ``consensus``,
        ``group_informed_consensus``, ``divisive``, ``uncertain``, ``bridging``, ``strength``,
        ``cruxes``, ``controversy``, ``k``, ``seed``, ``timings`` (``load_s`` is 0: the caller
        who read the input fills it in), plus ``map`` (opinion-map positions of clustered
        participants, group centres and statements), ``statements`` (per-statement vote counts
        overall and per group, priority, moderation), ``priority`` (Pol.is comment routing),
        ``silhouettes``, ``pca`` (Pol.is's principal components and centre), ``excluded``
        (moderated-out and meta statements, unclustered participants) and ``counts``. With
        ``bridging`` given, ``timings["controversy_s"]`` is the wait for the other process.

    Raises
    ------
    InputError
        If ``bridging`` fits another matrix or seed.

    Examples
    --------
    >>> votes = [[1, 1, -1, 1]] * 9 + [[-1, -1, 1, 1]] * 7
    >>> result = analyse(VoteMatrix.from_dense(votes))
    >>> result["k"], [g["size"] for g in result["groups"]], result["participants"]["0"]
    (2, [9, 7], 0)
    >>> [c["statement"] for c in result["consensus"]["agree"]]
    ['3']
    >>> analyse(VoteMatrix.from_dense([]))["groups"]
    []
    """
    # The linear algebra here is many small products: BLAS worker threads cost more in start-up
    # and synchronisation than they save (measured: 2x slower on the Polis conversations, no
    # gain at 100,000 participants), so they are held to one for the duration.
    if bridging is not None and (bridging.matrix_ is not matrix or bridging.seed_ != seed):
        raise InputError("the bridging process fits another vote matrix or seed")
    with _blas_controller().limit(limits=1, user_api="blas"):
        return _analyse(matrix, claims, relations, seed, semantics, groups, bridging)


@functools.cache
def _blas_controller() -> ThreadpoolController:
    """The BLAS libraries loaded (numpy's and scipy's), found once: a scan costs ~1 ms."""
    return ThreadpoolController()


def _analyse(
    matrix: VoteMatrix,
    claims: Iterable[Claim],
    relations: Iterable[Relation],
    seed: int,
    semantics: str,
    given: OpinionGroups | None,
    running: BridgingProcess | None = None,
) -> dict[str, Any]:
    start = time.perf_counter()
    timings: dict[str, float] = {"load_s": 0.0}

    def timed(name: str, fn: Callable[[], T]) -> T:
        t0 = time.perf_counter()
        value = fn()
        timings[f"{name}_s"] = _num(time.perf_counter() - t0)
        return value

    groups = (
        given if given is not None else timed("groups", lambda: opinion_groups(matrix, seed=seed))
    )
    result = timed(
        "statistics",
        lambda: _pol_is_report(matrix, groups, vote_counts(matrix, groups.labels, groups.k)),
    )
    if running is None:
        result["bridging"] = timed("bridging", lambda: _bridging(matrix, seed))
    else:
        result["bridging"] = {}  # filled last, keeping the document's key order
        timings["bridging_s"] = 0.0
    result["strength"] = timed(
        "strength", lambda: _strength(matrix, claims, relations, semantics=semantics)
    )
    result["cruxes"] = timed("cruxes", lambda: _cruxes(matrix, groups))
    result["controversy"] = timed("controversy", lambda: _controversy(matrix, seed, running))
    if running is not None:
        # Awaited after everything else: the other process fitted meanwhile.
        result["bridging"] = timed("bridging", lambda: _bridging(matrix, seed, running))
    result["k"] = groups.k
    result["seed"] = seed
    timings["analysis_s"] = _num(time.perf_counter() - start)
    result["timings"] = timings
    return result


# --------------------------------------------------------------------------------------------
# Pol.is part


def _rates(agree: int, disagree: int, seen: int) -> dict[str, float]:
    denom = max(seen, 1)
    return {
        "agree": _num(agree / denom),
        "disagree": _num(disagree / denom),
        "pass": _num((seen - agree - disagree) / denom),
    }


def _pol_is_report(matrix: VoteMatrix, groups: OpinionGroups, counts: VoteCounts) -> dict[str, Any]:
    sids = matrix.statements
    pids = matrix.participants
    excluded = frozenset(matrix.excluded)  # Pol.is mod-out: moderated out or meta
    labels = groups.labels
    k = groups.k
    ids = groups.group_ids
    assert groups.projection is not None
    projection = groups.projection

    id_of = np.array([*ids, -1], dtype=np.int64)  # label -1 -> the appended -1
    reported = id_of[labels].tolist()
    participants: dict[str, int | None] = dict(
        zip(pids, [g if g >= 0 else None for g in reported], strict=True)
    )

    reps = representative_statements(counts, moderated_out=excluded)
    group_rows: list[dict[str, Any]] = []
    for g in range(k):
        representative = []
        for rep in reps[g]:
            j = int(rep["statement"])
            representative.append(
                {
                    "statement": sids[j],
                    "direction": rep["direction"],
                    **_rates(
                        int(counts.group_agree[g, j]),
                        int(counts.group_disagree[g, j]),
                        int(counts.group_seen[g, j]),
                    ),
                    "repness": _exact(rep["repness"]),
                    "repness_test": _exact(rep["repness_test"]),
                    "p_success": _exact(rep["p_success"]),
                    "p_test": _exact(rep["p_test"]),
                    "n_success": int(rep["n_success"]),
                    "n_trials": int(rep["n_trials"]),
                    "best_agree": bool(rep["best_agree"]),
                }
            )
        group_rows.append(
            {
                "id": int(ids[g]),
                "size": int(groups.sizes[g]),
                "center": [_num(x) for x in groups.centers[g]],
                "representative": representative,
            }
        )

    consensus: dict[str, list[dict[str, Any]]] = {}
    for direction, rows in majority_consensus(counts, moderated_out=excluded).items():
        consensus[direction] = []
        for row in rows:
            j = int(row["statement"])
            consensus[direction].append(
                {
                    "statement": sids[j],
                    **_rates(int(counts.agree[j]), int(counts.disagree[j]), int(counts.seen[j])),
                    "p_success": _exact(row["p_success"]),
                    "p_test": _exact(row["p_test"]),
                    "n_success": int(row["n_success"]),
                    "n_trials": int(row["n_trials"]),
                }
            )

    gic: dict[str, float] = {}
    if k > 0:
        values = _exacts(group_informed_consensus(counts))
        gic = {sid: values[j] for j, sid in enumerate(sids) if j not in excluded}

    divisive = [
        {
            "statement": sids[int(row["statement"])],
            "spread": _num(row["spread"]),
            "agree": {str(ids[g]): _num(x) for g, x in enumerate(row["agree"])},
        }
        for row in divisive_statements(counts, moderated_out=excluded)
    ]
    uncertain = [
        {
            "statement": sids[int(row["statement"])],
            "pass": _num(row["pass"]),
            "n_pass": int(row["n_pass"]),
            "n_trials": int(row["n_trials"]),
        }
        for row in uncertain_statements(counts, moderated_out=excluded)
    ]

    moderated = frozenset(matrix.moderated_out)
    priorities = _fines(
        comment_priorities(
            counts,
            projection.statement_extremity,
            moderated_out=moderated,
            meta=matrix.meta,
        )
    )
    extremity = _fines(projection.statement_extremity)
    statement_map = _statement_positions(
        projection.components, projection.center, projection.n_statements
    )
    projected = _fines(statement_map)
    rounded_map = _nums(statement_map)
    # Plain Python ints, converted once per array rather than once per element.
    agree, disagree, seen = (x.tolist() for x in (counts.agree, counts.disagree, counts.seen))
    g_agree, g_disagree, g_seen = (
        x.tolist() for x in (counts.group_agree, counts.group_disagree, counts.group_seen)
    )
    meta = frozenset(matrix.meta)
    # Each group's per-statement counts built column by column (zip, not indexing), then
    # regrouped per statement.
    per_group = [
        [
            {"agree": a, "disagree": d, "pass": n - a - d, "seen": n}
            for a, d, n in zip(g_agree[g], g_disagree[g], g_seen[g], strict=True)
        ]
        for g in range(k)
    ]
    by_statement = [list(row) for row in zip(*per_group, strict=True)] if k else None
    statements: dict[str, Any] = {}
    for j, sid in enumerate(sids):
        a, d, n_seen = agree[j], disagree[j], seen[j]
        statements[sid] = {
            "agree": a,
            "disagree": d,
            "pass": n_seen - a - d,
            "seen": n_seen,
            "moderated": j in moderated,
            "meta": j in meta,
            "priority": priorities[j],
            "extremity": extremity[j],
            "projection": projected[j],
            "groups": by_statement[j] if by_statement is not None else [],
        }

    clustered = np.flatnonzero(labels >= 0)
    # Rounded in bulk (+ 0.0 turns -0.0 into 0.0): millions of participants stay cheap.
    positions = (np.round(projection.positions[clustered], _DIGITS) + 0.0).tolist()
    opinion_map = {
        "participants": dict(zip([pids[i] for i in clustered.tolist()], positions, strict=True)),
        "groups": {str(ids[g]): [_num(x) for x in groups.centers[g]] for g in range(k)},
        "statements": {sid: rounded_map[j] for j, sid in enumerate(sids) if j not in excluded},
    }
    return {
        "participants": participants,
        "groups": group_rows,
        "consensus": consensus,
        "group_informed_consensus": gic,
        "divisive": divisive,
        "uncertain": uncertain,
        "map": opinion_map,
        "statements": statements,
        "priority": {sid: priorities[j] for j, sid in enumerate(sids) if j not in moderated},
        "silhouettes": {str(kk): _num(v) for kk, v in sorted(groups.silhouettes.items())},
        "pca": _pca_block(matrix, projection),
        "excluded": {
            "statements": [sids[j] for j in sorted(moderated)],
            "meta": [sids[j] for j in sorted(meta)],
            "participants": int(len(pids) - len(clustered)),
        },
        "counts": {
            "participants": len(pids),
            "statements": len(sids),
            "votes": matrix.n_votes,
            "clustered": int(groups.clustered.sum()),
        },
    }


def _pca_block(matrix: VoteMatrix, projection: Projection) -> dict[str, Any]:
    """Pol.is's ``pca``: centre and two components over the statements with votes.

    Votes are +1 agree here (Pol.is computes with agree = -1), so the centre is Pol.is's
    negated; a component is defined up to its sign.
    """
    voted = np.bincount(matrix.cols.astype(np.int64), minlength=len(matrix.statements)) > 0
    columns = np.flatnonzero(voted)
    return {
        "statements": [matrix.statements[j] for j in columns.tolist()],
        "center": _exacts(projection.center[columns]),
        "components": _fines(projection.components[:, columns]),
    }


def _statement_positions(
    components: npt.NDArray[np.float64], center: npt.NDArray[np.float64], n_statements: int
) -> npt.NDArray[np.float64]:
    """Where a participant who agreed with only that statement would sit (Pol.is biplot)."""
    scale = np.sqrt(max(n_statements, 1))
    return np.asarray(((1.0 - center)[:, None] * components.T) * scale)


# --------------------------------------------------------------------------------------------
# Other analyses (debate.bridging, debate.semantics, debate.cruxes, debate.controversy)


def _bridging(
    matrix: VoteMatrix, seed: int, running: BridgingProcess | None = None
) -> dict[str, float]:
    from debate.bridging import bridging_scores

    if matrix.n_votes == 0:
        return {}
    scores = running.scores() if running is not None else None
    if scores is None:
        scores = bridging_scores(matrix, seed=seed)
    return dict(zip(scores, _rounded(list(scores.values())), strict=True))


def _strength(
    matrix: VoteMatrix,
    claims: Iterable[Claim],
    relations: Iterable[Relation],
    *,
    semantics: str,
) -> dict[str, float]:
    from debate.graph import argument_graph
    from debate.semantics import strength

    base: Mapping[str, float] = vote_base_scores(matrix)
    claim_list = list(claims)
    if not claim_list:
        claim_list = [Claim(id=sid) for sid in base]
    if not claim_list:
        return {}
    G = argument_graph(claim_list, relations)
    scores = {str(node): base.get(str(node), 0.5) for node in G.nodes}
    hidden = {matrix.statements[j] for j in matrix.moderated_out}
    found = strength(G, scores, semantics=semantics).strength
    rounded = _rounded(list(found.values()))
    return {sid: x for sid, x in zip(found, rounded, strict=True) if sid not in hidden}


def _cruxes(matrix: VoteMatrix, groups: OpinionGroups) -> list[dict[str, Any]]:
    from debate.cruxes import crux_scores

    if groups.k < 2:
        return []
    return [
        {"statement": str(row["statement"]), "score": _num(row["score"])}
        for row in crux_scores(matrix, groups.labels, top=5)
    ]


def _controversy(matrix: VoteMatrix, seed: int, running: BridgingProcess | None = None) -> float:
    from debate.controversy import controversy_score

    if matrix.n_votes == 0:
        return 0.0
    score = running.controversy() if running is not None else None
    if score is None:
        score = controversy_score(matrix, seed=seed)
    return _num(score)
