"""Replay a Polis conversation's votes in time order through Pol.is's incremental updates.

Pol.is does not compute its groups once: every batch of new votes updates the previous state.
This bench script re-enacts that history from ``votes.csv`` timestamps, following
``math/src/polismath/math/conversation.clj`` and ``clusters.clj``:

- participants join the clustering once they have ``min(7, n_statements)`` votes and never
  leave (topped up to 15 with the most active voters);
- principal components of the mean-filled matrix (signs kept continuous between updates, as
  Pol.is's warm-started power iteration does), projected with the sparsity scaling;
- base clusters (k = 100) and, for each k, group clusters on the base centres are k-means warm
  started from the previous update's clusters (``clean-start-clusters``: recentred on their
  members' new positions, empty ones dropped, the most distant point split off as a new cluster
  while more are possible), at most 20 iterations, stopping when no centre moves by 0.01;
- fresh clusterings start from the first k distinct points; k is chosen by silhouette and
  only changes after the new k won ``--buffer`` (4) updates in a row (``group-k-smoother``).

An update runs after each window of ``--window`` seconds of votes. The adjusted Rand index of
the final groups against the export's ``group-id`` shows whether replaying the history gets
closer to the published groups than one computation on the final votes (bench/fidelity.py).

    .venv/bin/python bench/replay.py ../shared/data/polis/brexit-consensus --window 60
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import adjusted_rand_score, silhouette_score


@dataclass
class Cluster:
    id: int
    members: list[Any]
    center: np.ndarray


@dataclass
class State:
    in_conv: set[int] = field(default_factory=set)
    base: list[Cluster] = field(default_factory=list)
    groups: dict[int, list[Cluster]] = field(default_factory=dict)
    components: np.ndarray | None = None
    last_k: int | None = None
    last_k_count: int = 0
    smoothed_k: int | None = None
    updates: int = 0


def read(folder: Path) -> tuple[list[tuple[int, str, str, int]], set[str], dict[str, int | None]]:
    with (folder / "comments.csv").open(newline="") as handle:
        moderated = {r["comment-id"] for r in csv.DictReader(handle) if r["moderated"] == "-1"}
    with (folder / "votes.csv").open(newline="") as handle:
        votes = [
            (int(r["timestamp"]), r["voter-id"], r["comment-id"], int(r["vote"]))
            for r in csv.DictReader(handle)
        ]
    votes.sort(key=lambda v: v[0])
    with (folder / "participants-votes.csv").open(newline="") as handle:
        published = {
            r["participant"]: int(r["group-id"]) if r["group-id"] else None
            for r in csv.DictReader(handle)
        }
    return votes, moderated, published


def weighted_mean(points: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return np.asarray((points * weights[:, None]).sum(axis=0) / weights.sum())


def kmeans(
    ids: list[Any],
    points: np.ndarray,
    k: int,
    last: list[Cluster],
    weights: np.ndarray | None = None,
    max_iters: int = 20,
) -> list[Cluster]:
    """Pol.is ``kmeans``: warm start from ``last`` (clean-start-clusters) or first k points."""
    w = np.ones(len(ids)) if weights is None else weights
    row = {member: i for i, member in enumerate(ids)}
    possible = min(k, len(np.unique(points, axis=0)))
    clusters: list[Cluster] = []
    if last:
        for c in last:
            rows = [row[m] for m in c.members if m in row]
            if rows:
                clusters.append(
                    Cluster(c.id, [ids[r] for r in rows], weighted_mean(points[rows], w[rows]))
                )
        if not clusters:
            next_id = max(c.id for c in last) + 1
            clusters = [Cluster(next_id, list(ids), weighted_mean(points, w))]
        unique: list[Cluster] = []
        for c in clusters:  # uniqify-clusters: merge clusters with identical centres
            same = next((u for u in unique if np.array_equal(u.center, c.center)), None)
            if same is None:
                unique.append(c)
                continue
            n_same, n_c = len(same.members), len(c.members)
            same.center = (same.center * n_same + c.center * n_c) / (n_same + n_c)
            same.id = same.id if n_same >= n_c else c.id
            same.members = same.members + c.members
        clusters = unique
        while True:
            for c in clusters:
                rows = [row[m] for m in c.members]
                if rows:
                    c.center = weighted_mean(points[rows], w[rows])
            if possible <= len(clusters):
                break
            centers = np.array([c.center for c in clusters])
            nearest = np.sqrt(((points[:, None, :] - centers[None]) ** 2).sum(-1)).min(axis=1)
            far = int(np.argmax(nearest))
            if nearest[far] <= 0:
                break
            for c in clusters:
                c.members = [m for m in c.members if m != ids[far]]
            new_id = max(c.id for c in clusters) + 1
            clusters.append(Cluster(new_id, [ids[far]], points[far].copy()))
    else:
        for r in range(len(ids)):
            if not any(np.array_equal(points[r], c.center) for c in clusters):
                clusters.append(Cluster(len(clusters), [], points[r].copy()))
                if len(clusters) == k:
                    break
    for _ in range(max_iters + 1):
        centers = np.array([c.center for c in clusters])
        assignment = ((points[:, None, :] - centers[None]) ** 2).sum(-1).argmin(axis=1)
        stepped = []
        for j, c in enumerate(clusters):
            rows = np.flatnonzero(assignment == j)
            if len(rows):
                stepped.append(
                    Cluster(c.id, [ids[r] for r in rows], weighted_mean(points[rows], w[rows]))
                )
        before = sorted(map(tuple, (c.center for c in clusters)))
        after = sorted(map(tuple, (c.center for c in stepped)))
        clusters = stepped
        if len(before) == len(after) and all(
            math.dist(a, b) < 0.01 for a, b in zip(before, after, strict=True)
        ):
            break
    return sorted(clusters, key=lambda c: c.id)


def update(state: State, matrix: np.ndarray, moderated: list[int], buffer: int) -> None:
    n, p = matrix.shape
    counts = (~np.isnan(matrix)).sum(axis=1)
    state.in_conv.update(np.flatnonzero(counts >= min(7, p)).tolist())
    if len(state.in_conv) < 15:
        others = [int(r) for r in np.argsort(-counts, kind="stable") if int(r) not in state.in_conv]
        state.in_conv.update(others[: 15 - len(state.in_conv)])
    rated = matrix.copy()
    rated[:, moderated] = 0.0
    voted = ~np.isnan(rated)
    sums = np.where(voted, rated, 0.0).sum(axis=0)
    means = sums / np.maximum(voted.sum(axis=0), 1)
    filled = np.where(voted, rated, means)
    center = filled.mean(axis=0)
    if min(filled.shape) < 2:
        return
    components = np.linalg.svd(filled - center, full_matrices=False)[2][:2].copy()
    if state.components is not None:
        for c in range(2):
            previous = np.zeros(p)
            previous[: state.components.shape[1]] = state.components[c]
            if components[c] @ previous < 0:
                components[c] *= -1
    state.components = components
    positions = np.where(voted, rated - center, 0.0) @ components.T
    positions *= np.sqrt(p / np.maximum(voted.sum(axis=1), 1))[:, None]
    members = sorted(state.in_conv)
    state.base = kmeans(members, positions[members], 100, state.base)
    if len(state.base) < 3:
        return
    bids = [c.id for c in state.base]
    centers = np.array([c.center for c in state.base])
    sizes = np.array([len(c.members) for c in state.base], dtype=float)
    silhouettes = {}
    for k in range(2, min(5, 2 + len(bids) // 12) + 1):
        if len(bids) <= k:
            continue
        groups = kmeans(bids, centers, k, state.groups.get(k, []), weights=sizes)
        state.groups[k] = groups
        label = {b: g for g, c in enumerate(groups) for b in c.members}
        labels = [label[b] for b in bids]
        silhouettes[k] = silhouette_score(centers, labels) if len(set(labels)) > 1 else -1.0
    if not silhouettes:
        return
    this_k = max(silhouettes, key=lambda k: silhouettes[k])
    state.last_k_count = state.last_k_count + 1 if this_k == state.last_k else 1
    state.last_k = this_k
    if state.last_k_count >= buffer or state.smoothed_k is None:
        state.smoothed_k = this_k
    state.updates += 1


def replay(
    votes: list[tuple[int, str, str, int]], moderated: set[str], window_ms: float, buffer: int
) -> tuple[dict[str, int], int, int]:
    pids: dict[str, int] = {}
    tids: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    values: list[int] = []
    state = State()
    i = 0
    while i < len(votes):
        end = i
        while end < len(votes) and votes[end][0] <= votes[i][0] + window_ms:
            end += 1
        for _, pid, tid, vote in votes[i:end]:
            rows.append(pids.setdefault(pid, len(pids)))
            cols.append(tids.setdefault(tid, len(tids)))
            values.append(vote)
        i = end
        matrix = np.full((len(pids), len(tids)), np.nan)
        matrix[rows, cols] = values  # in time order: the latest vote wins
        update(state, matrix, [tids[t] for t in moderated if t in tids], buffer)
    if state.smoothed_k is None:
        return {}, 0, state.updates
    names = {row: pid for pid, row in pids.items()}
    base_members = {c.id: c.members for c in state.base}
    labels = {
        names[r]: g
        for g, c in enumerate(state.groups[state.smoothed_k])
        for b in c.members
        for r in base_members.get(b, [])
    }
    return labels, state.smoothed_k, state.updates


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path)
    parser.add_argument("--window", type=float, default=60.0, help="seconds of votes per update")
    parser.add_argument("--buffer", type=int, default=4)
    args = parser.parse_args()
    votes, moderated, published = read(args.folder)
    labels, k, updates = replay(votes, moderated, args.window * 1000.0, args.buffer)
    common = [p for p in labels if published.get(p) is not None]
    ari = adjusted_rand_score([published[p] for p in common], [labels[p] for p in common])
    row = {"conversation": args.folder.name, "window_s": args.window, "updates": updates}
    row |= {"k": k, "ari": round(float(ari), 3), "n": len(common)}
    json.dump(row, sys.stdout)
    print()


if __name__ == "__main__":
    main()
