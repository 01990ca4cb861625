"""Scale benchmark: the analysis on synthetic conversations with planted opinion groups.

For each size (default 10k, 100k and 1M participants; 5,000 statements; 30 votes each) a fresh
process generates the conversation (bench/synthetic.py), writes it as a Polis export and reads
it back with ``debate.polis`` (the 1M case is a 30M-vote, ~1.3 GB votes.csv), then runs

* the opinion groups with the Pol.is statistics (``debate.groups``: projection, clustering,
  repness, consensus, ...), i.e. what ``debate.analysis`` builds before the other analyses, and
* the whole ``debate.analysis.analyse`` (adds bridging, strength, cruxes, controversy),

and reports wall and CPU time, the process's peak RSS and the adjusted Rand index of the groups
against the planted ones (plus the "oracle" ARI of assigning each participant to the nearest
planted group centre in the same 2-D projection: the best any clustering of that map can do).

    .venv/bin/python bench/scale.py                       # all sizes
    .venv/bin/python bench/scale.py --sizes 10000 100000  # some sizes
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import doc_parser

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # Linux: KiB


def one(n: int, *, statements: int, votes: int, groups: list[float], write_file: bool) -> dict:
    from sklearn.metrics import adjusted_rand_score
    from synthetic import planted_conversation, write_polis_folder

    from debate.analysis import _pol_is_report, analyse
    from debate.groups import opinion_groups, vote_counts
    from debate.polis import read_polis_export

    out: dict = {"participants": n, "statements": statements, "votes_each": votes}
    t0 = time.perf_counter()
    matrix, planted = planted_conversation(n, statements, votes, group_sizes=groups)
    out["generate_s"] = time.perf_counter() - t0
    out["votes"] = matrix.n_votes

    if write_file:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            t0 = time.perf_counter()
            write_polis_folder(matrix, folder)
            out["write_s"] = time.perf_counter() - t0
            out["votes_csv_gb"] = (folder / "votes.csv").stat().st_size / 1e9
            t0, c0 = time.perf_counter(), time.process_time()
            loaded = read_polis_export(folder, polis_groups=False).matrix
            out["load_s"] = time.perf_counter() - t0
            out["load_cpu_s"] = time.process_time() - c0
        assert loaded.n_votes == matrix.n_votes
        # Row order of the reloaded matrix is numeric by id, as generated.
        assert loaded.participants == matrix.participants
        del loaded
    out["rss_before_analysis_gb"] = peak_rss_gb()

    t0, c0 = time.perf_counter(), time.process_time()
    result = opinion_groups(matrix)
    _pol_is_report(matrix, result, vote_counts(matrix, result.labels, result.k))
    out["groups_s"] = time.perf_counter() - t0
    out["groups_cpu_s"] = time.process_time() - c0
    out["k"] = result.k
    out["planted_k"] = len(groups)
    clustered = result.labels >= 0
    out["clustered"] = int(clustered.sum())
    out["ari"] = float(adjusted_rand_score(planted[clustered], result.labels[clustered]))
    assert result.projection is not None
    pos = result.projection.positions
    centres = np.stack([pos[planted == g].mean(axis=0) for g in range(len(groups))])
    nearest = np.argmin(((pos[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
    out["oracle_ari"] = float(adjusted_rand_score(planted, nearest))
    out["rss_after_groups_gb"] = peak_rss_gb()

    t0, c0 = time.perf_counter(), time.process_time()
    full = analyse(matrix)
    out["analyse_s"] = time.perf_counter() - t0
    out["analyse_cpu_s"] = time.process_time() - c0
    out["analyse_timings"] = full["timings"]
    out["peak_rss_gb"] = peak_rss_gb()
    return out


def main() -> None:
    parser = doc_parser(__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--statements", type=int, default=5000)
    parser.add_argument("--votes", type=int, default=30)
    parser.add_argument("--groups", type=float, nargs="+", default=[0.5, 0.3, 0.2])
    parser.add_argument("--no-file", action="store_true", help="skip writing/reading votes.csv")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "scale.json")
    args = parser.parse_args()

    if args.one is not None:
        row = one(
            args.one,
            statements=args.statements,
            votes=args.votes,
            groups=args.groups,
            write_file=not args.no_file,
        )
        print(json.dumps(row))
        return

    rows = []
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(n), "--statements", str(args.statements)]
        cmd += ["--votes", str(args.votes), "--groups", *map(str, args.groups)]
        if args.no_file:
            cmd.append("--no-file")
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(
            f"{n:>9,} participants  {row['votes']:>11,} votes  "
            f"load {row.get('load_s', float('nan')):6.1f} s  "
            f"groups+stats {row['groups_s']:6.1f} s (CPU {row['groups_cpu_s']:5.1f})  "
            f"whole analysis {row['analyse_s']:6.1f} s (CPU {row['analyse_cpu_s']:5.1f})  "
            f"peak RSS {row['peak_rss_gb']:5.2f} GB  k {row['k']}/{row['planted_k']}  "
            f"ARI {row['ari']:.3f} (oracle {row['oracle_ari']:.3f})",
            flush=True,
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
