"""Which rules produced Polis's exported groups? Our clustering under older Pol.is conventions.

The groups in a Polis export are the last state of whatever Pol.is version ran the conversation.
Older versions differed from the current rules (which ``debate`` follows) in two ways visible in
the exports and in the Pol.is source history:

- **who is clustered**: the current rule takes participants with at least ``min(7, n)`` votes;
  several exports also put participants with one or two votes in groups;
- **the projection**: the current code fills missing votes with the statement's mean and
  projects each participant's own votes, scaled by ``sqrt(n_statements / n_votes)``
  (``sparsity``); older code filled them with 0 (pass) for the principal components and
  projected the filled row (``none``) or the votes alone without the scaling (``voted``).

For each conversation this runs our clustering (same base clusters, same group step) on every
combination and reports the adjusted Rand index against Polis's ``group-id`` with the number of
groups, so that the remaining differences of ``bench/fidelity.py`` can be traced to the rules
rather than to the clustering.

    .venv/bin/python bench/variants.py [--data DIR]
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import numpy as np
from _common import ROOT, SHARED, doc_parser
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(ROOT))

from debate.groups import Projection, clustered_participants, opinion_groups  # noqa: E402
from debate.polis import polis_group_ids, read_polis_export  # noqa: E402
from debate.types import VoteMatrix  # noqa: E402

DEFAULT_DATA = SHARED / "data" / "polis"
FILLS = ("mean", "zero")
SCALINGS = ("sparsity", "voted", "none")
INCLUSIONS = ("min7", "all")


def projection(matrix: VoteMatrix, fill: str, scaling: str) -> Projection:
    """Participants on the first two principal components under the given conventions."""
    n, p = matrix.shape
    dense = np.full((n, p), np.nan)
    dense[matrix.rows, matrix.cols] = matrix.values
    used = ~np.all(np.isnan(dense), axis=0)
    moderated = np.zeros(p, dtype=bool)
    moderated[list(matrix.moderated_out)] = True
    dense[:, moderated & used] = 0.0  # Pol.is zeroes moderated-out columns for everyone
    dense = dense[:, used]
    voted = ~np.isnan(dense)
    if fill == "zero":
        filled = np.where(voted, dense, 0.0)
        center = filled.mean(axis=0)
    else:
        center = np.nanmean(np.where(voted, dense, np.nan), axis=0)
        filled = np.where(voted, dense, center)
    _, singular, vt = np.linalg.svd(filled - center, full_matrices=False)
    components = vt[:2]
    if scaling in ("sparsity", "voted"):
        positions = np.where(voted, dense - center, 0.0) @ components.T
        if scaling == "sparsity":
            positions *= np.sqrt(dense.shape[1] / np.maximum(voted.sum(axis=1), 1))[:, None]
    else:
        positions = (filled - center) @ components.T
    full = np.zeros((2, p))
    full[:, used] = components
    return Projection(
        positions=positions,
        components=full,
        center=np.zeros(p),
        n_votes=voted.sum(axis=1),
        n_statements=int(used.sum()),
        singular_values=singular[:2],
        statement_extremity=np.zeros(p),
    )


def main() -> None:
    parser = doc_parser(__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "variants.json")
    args = parser.parse_args()

    folders = sorted(p for p in args.data.iterdir() if (p / "comments.csv").exists())
    exports = {folder.name: read_polis_export(folder) for folder in folders}
    reference = {folder.name: polis_group_ids(folder) for folder in folders}
    rows = []
    names = [name for name in exports]
    print(
        f"{'fill':<5} {'scaling':<9} {'clustered':<9} " + " ".join(f"{n[:14]:>16}" for n in names)
    )
    for fill, scaling, inclusion in itertools.product(FILLS, SCALINGS, INCLUSIONS):
        if fill == "mean" and scaling == "voted":
            continue  # with mean filling, projecting the votes alone is projecting the row
        scores = {}
        for name, export in exports.items():
            matrix = export.matrix
            votes = np.bincount(matrix.rows, minlength=len(matrix.participants))
            clustered = votes > 0 if inclusion == "all" else clustered_participants(matrix)
            groups = opinion_groups(
                matrix, projection=projection(matrix, fill, scaling), clustered=clustered
            )
            theirs = reference[name]
            common = [
                i
                for i, pid in enumerate(matrix.participants)
                if groups.labels[i] >= 0 and theirs.get(pid) is not None
            ]
            if len(common) < 2:
                raise SystemExit(f"{name}: no participant grouped by both")
            ari = adjusted_rand_score(
                [theirs[matrix.participants[i]] for i in common], groups.labels[common]
            )
            scores[name] = {"ari": float(ari), "k": groups.k, "n": len(common)}
        mean = float(np.mean([s["ari"] for s in scores.values()]))
        rows.append(
            {"fill": fill, "scaling": scaling, "clustered": inclusion, "mean": mean, **scores}
        )
        cells = " ".join(f"{scores[n]['ari']:>12.3f} k={scores[n]['k']}" for n in names)
        print(f"{fill:<5} {scaling:<9} {inclusion:<9} {cells}  mean {mean:.3f}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
