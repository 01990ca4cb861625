"""Synthetic conversations with planted opinion groups (for bench/scale.py and tests of scale).

Each planted group holds a stance (+1 agree / -1 disagree) on every statement; a share of the
statements are consensus statements on which all groups hold the same stance. A participant
votes on ``votes_per_participant`` distinct random statements: pass with probability
``pass_rate``, otherwise their group's stance with probability ``fidelity`` and the opposite
stance otherwise.

    python bench/synthetic.py --participants 100000 --out /tmp/synthetic   # writes a Polis folder
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from _common import doc_parser

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from debate.types import VoteMatrix  # noqa: E402


def planted_conversation(
    n_participants: int,
    n_statements: int = 5000,
    votes_per_participant: int = 30,
    *,
    group_sizes: Sequence[float] = (0.5, 0.3, 0.2),
    consensus_share: float = 0.3,
    pass_rate: float = 0.1,
    fidelity: float = 0.9,
    seed: int = 0,
) -> tuple[VoteMatrix, npt.NDArray[np.int64]]:
    """Return a vote matrix and each participant's planted group."""
    rng = np.random.default_rng(seed)
    k = len(group_sizes)
    shares = np.asarray(group_sizes, dtype=np.float64)
    shares = shares / shares.sum()
    planted = rng.choice(k, size=n_participants, p=shares)
    stance = rng.choice(np.array([-1, 1], dtype=np.int8), size=(k, n_statements))
    consensus = rng.random(n_statements) < consensus_share
    stance[:, consensus] = stance[0, consensus]

    v = min(votes_per_participant, n_statements)
    # Distinct statements per participant: draw a few spare, drop repeats, keep the first v.
    spare = v + 8
    cols = np.sort(rng.integers(0, n_statements, size=(n_participants, spare)), axis=1)
    repeat = np.zeros_like(cols, dtype=bool)
    repeat[:, 1:] = cols[:, 1:] == cols[:, :-1]
    cols = np.where(repeat, n_statements, cols)
    cols = np.sort(cols, axis=1)[:, :v]
    # Few statements: the spare draws may not hold v distinct ones; those participants draw
    # v statements without repeats instead.
    for i in np.flatnonzero(np.any(cols >= n_statements, axis=1)):
        cols[i] = np.sort(rng.permutation(n_statements)[:v])
    rows = np.repeat(np.arange(n_participants, dtype=np.int64), v)
    cols_flat = cols.ravel()
    own = stance[planted[rows], cols_flat]
    u = rng.random(len(rows))
    values = np.where(
        u < pass_rate, 0, np.where(u < pass_rate + (1 - pass_rate) * fidelity, own, -own)
    )
    matrix = VoteMatrix(
        participants=tuple(str(i) for i in range(n_participants)),
        statements=tuple(str(j) for j in range(n_statements)),
        rows=rows.astype(np.int32),
        cols=cols_flat.astype(np.int32),
        values=values.astype(np.int8),
    )
    return matrix, planted.astype(np.int64)


def write_polis_folder(matrix: VoteMatrix, folder: Path, *, seed: int = 0) -> None:
    """Write ``comments.csv`` and ``votes.csv`` in the Polis export format (votes shuffled)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "comments.csv").open("w") as out:
        out.write(
            "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
        )
        for j in matrix.statements:
            out.write(
                f"1500000000000,Fri Jul 14 02:40:00 UTC 2017,{j},0,0,0,1,Synthetic statement {j}\n"
            )
    rng = np.random.default_rng(seed)
    order = rng.permutation(matrix.n_votes)
    stamps = 1_500_000_000_000 + np.arange(matrix.n_votes, dtype=np.int64)
    with (folder / "votes.csv").open("w") as out:
        out.write("timestamp,datetime,comment-id,voter-id,vote\n")
        chunk = 1_000_000
        for start in range(0, matrix.n_votes, chunk):
            idx = order[start : start + chunk]
            lines = [
                f"{t},Fri Jul 14 02:40:00 UTC 2017,{c},{r},{v}\n"
                for t, c, r, v in zip(
                    stamps[start : start + chunk].tolist(),
                    matrix.cols[idx].tolist(),
                    matrix.rows[idx].tolist(),
                    matrix.values[idx].tolist(),
                    strict=True,
                )
            ]
            out.write("".join(lines))


def main() -> None:
    parser = doc_parser(__doc__)
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--statements", type=int, default=5000)
    parser.add_argument("--votes", type=int, default=30, help="votes per participant")
    parser.add_argument(
        "--groups", type=float, nargs="+", default=[0.5, 0.3, 0.2], help="group shares"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--out", type=Path, required=True, help="folder to write the Polis export to"
    )
    args = parser.parse_args()
    matrix, _ = planted_conversation(
        args.participants, args.statements, args.votes, group_sizes=args.groups, seed=args.seed
    )
    write_polis_folder(matrix, args.out, seed=args.seed)
    print(f"wrote {matrix.n_votes} votes to {args.out}")


if __name__ == "__main__":
    main()
