"""Fidelity benchmark: our opinion groups vs the groups Polis itself computed, and red-dwarf's.

Two references, one run:

1. **Pol.is's current math** (``--math``, default ../shared/data/polis-math): conversations with
   Pol.is's own ``math-pca2.json``. Our one-shot and replayed groups and red-dwarf 0.4.0's are
   scored against Pol.is's groups, and every number derived from Pol.is's groups is compared
   with Pol.is's (bench/polis_math.py, which also runs alone);
2. **older CSV exports** (``--data``, default ../shared/data/polis), a regression set: each
   participant's group against the ``group-id`` of participants-votes.csv (adjusted Rand index
   over the participants both clusterings assign to a group), the number of groups against
   summary.csv's ``groups``; red-dwarf scored the same way. Also reported: our result with the
   former k margin (``k_margin=0.05``) and the stability of our groups across seeds.

    .venv/bin/python bench/fidelity.py [--data DIR] [--math DIR] [--seeds 0 1 2]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
from _common import ROOT, SHARED, doc_parser, write_json
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

import polis_math  # noqa: E402

from debate.groups import opinion_groups  # noqa: E402
from debate.polis import read_polis_export  # noqa: E402

DEFAULT_DATA = SHARED / "data" / "polis"


def polis_k(folder: Path) -> int:
    with (folder / "summary.csv").open(newline="") as handle:
        return int({row[0]: row[1] for row in csv.reader(handle) if len(row) >= 2}["groups"])


def ari_on_common(ours: dict[str, int | None], theirs: dict[str, int | None]) -> tuple[float, int]:
    common = [p for p, g in ours.items() if g is not None and theirs.get(p) is not None]
    if len(common) < 2:
        return float("nan"), len(common)
    a = [ours[p] for p in common]
    b = [theirs[p] for p in common]
    return float(adjusted_rand_score(b, a)), len(common)


def labelled(participants: tuple[str, ...], labels: np.ndarray) -> dict[str, int | None]:
    return {p: (int(g) if g >= 0 else None) for p, g in zip(participants, labels, strict=True)}


def reddwarf_labels(folder: Path, seed: int) -> dict[str, int | None] | None:
    out = polis_math.reddwarf(folder, seed)
    if out is None:
        return None
    labels: dict[str, int | None] = out["labels"]
    return labels


def main() -> None:
    parser = doc_parser(__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--math", type=Path, default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "fidelity.json")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists")
    args = parser.parse_args()
    if args.out.exists() and not args.force:
        parser.error(f"{args.out} exists; pass --force to replace it")

    math_data = args.math or (
        polis_math.DEFAULT_DATA if polis_math.DEFAULT_DATA.is_dir() else polis_math.FALLBACK_DATA
    )
    print(f"== Pol.is's current math ({math_data}) ==")
    math_rows = [
        polis_math.evaluate(folder, args.seeds)
        for folder in sorted(p for p in math_data.iterdir() if (p / "math-pca2.json").is_file())
    ]
    polis_math.report(math_rows)
    print()
    print(f"== older CSV exports ({args.data}) ==")
    rows = []
    header = (
        f"{'conversation':<28} {'Polis k':>7} {'ours k':>6} {'ARI':>6} {'n':>5}"
        f" {'k (margin .05)':>14} {'ARI':>6} {'seed ARI min':>12}"
        f" {'red-dwarf k':>11} {'ARI':>6} {'n':>5}"
    )
    print(header)
    print("-" * len(header))
    for folder in sorted(p for p in args.data.iterdir() if (p / "comments.csv").exists()):
        exported = read_polis_export(folder, polis_groups=True)
        m = exported.matrix
        polis = exported.polis_groups

        runs = [opinion_groups(m, seed=s) for s in args.seeds]
        ours = labelled(m.participants, runs[0].labels)
        ari, n = ari_on_common(ours, polis)
        base = runs[0].labels
        stability = min(
            float(adjusted_rand_score(base[base >= 0], r.labels[base >= 0])) for r in runs
        )
        plain = opinion_groups(m, seed=args.seeds[0], k_margin=0.05)
        plain_ari, _ = ari_on_common(labelled(m.participants, plain.labels), polis)
        rd = reddwarf_labels(folder, args.seeds[0])
        rd_ari, rd_n = ari_on_common(rd, polis) if rd is not None else (float("nan"), 0)
        rd_k = len({g for g in rd.values() if g is not None}) if rd is not None else 0
        row = {
            "conversation": folder.name,
            "polis_k": polis_k(folder),
            "k": runs[0].k,
            "ari": ari,
            "n_common": n,
            "k_margin_005": plain.k,
            "ari_margin_005": plain_ari,
            "seed_ari_min": stability,
            "reddwarf_k": rd_k,
            "reddwarf_ari": rd_ari,
            "reddwarf_n_common": rd_n,
            "clustered": int((base >= 0).sum()),
            "polis_clustered": sum(g is not None for g in polis.values()),
        }
        rows.append(row)
        print(
            f"{folder.name:<28} {row['polis_k']:>7} {row['k']:>6} {ari:>6.3f} {n:>5}"
            f" {plain.k:>14} {plain_ari:>6.3f} {stability:>12.3f}"
            f" {rd_k:>11} {rd_ari:>6.3f} {rd_n:>5}",
            flush=True,
        )
    mean = float(np.mean([r["ari"] for r in rows]))
    rd_mean = float(np.nanmean([r["reddwarf_ari"] for r in rows]))
    same_k = sum(r["k"] == r["polis_k"] for r in rows)
    rd_same_k = sum(r["reddwarf_k"] == r["polis_k"] for r in rows)
    print("-" * len(header))
    print(
        f"mean ARI: ours {mean:.3f}, red-dwarf {rd_mean:.3f};"
        f" same k as Polis: ours {same_k}/{len(rows)}, red-dwarf {rd_same_k}/{len(rows)}"
    )
    summary = {"mean_ari": mean, "reddwarf_mean_ari": rd_mean, "same_k": same_k}
    polis_math_results = {"conversations": math_rows, "summary": polis_math.summary(math_rows)}
    write_json(args.out, {"conversations": rows, **summary, "polis_math": polis_math_results})


if __name__ == "__main__":
    main()
