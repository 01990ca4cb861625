"""Fidelity to Pol.is's current math: our groups, red-dwarf's and Pol.is's own, same run.

For each conversation folder holding Pol.is's math output (``math-pca2.json``) next to its votes
(the Pol.is JSON form or a CSV export), default ../shared/data/polis-math:

1. **groups from the votes alone**, scored against Pol.is's groups by the adjusted Rand index
   (ARI) over the participants both put in a group, with the number of groups and the overlap
   (Jaccard) of the clustered participants with Pol.is's ``in-conv``:
   - ours, one-shot (``debate.groups.opinion_groups``, what ``python -m debate polis`` does);
   - ours, replayed (``debate.conversation.replay_conversation``: the votes in time order
     through Pol.is's update rules, one update per second of votes, ending with a reload, what
     ``python -m debate polis --replay`` does), with variants (no final reload; an update every
     50 votes) in the JSON;
   - red-dwarf 0.4.0 (bench/.venv-reddwarf), its Pol.is pipeline on the same votes;
   plus the stability of ours across seeds (minimum ARI between the groups of seeds 0, 1, 2);
2. **given Pol.is's groups** (its ``in-conv``, groups, ``mod-out`` and ``meta-tids``), the
   largest difference between every number we derive and Pol.is's: representative statements
   (and whether the statements, their order and directions are the same), consensus,
   group-aware consensus, comment priorities, principal components and centre (up to a
   component's sign; the centre is negated: agree is +1 here, -1 in Pol.is), comment
   extremity and projection.

    .venv/bin/python bench/polis_math.py [--data DIR] [--seeds 0 1 2] [--out FILE]
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import ROOT, SHARED, doc_parser
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(ROOT))

from debate.analysis import analyse  # noqa: E402
from debate.conversation import replay_conversation  # noqa: E402
from debate.groups import (  # noqa: E402
    assigned_groups,
    comment_priorities,
    group_informed_consensus,
    opinion_groups,
    vote_counts,
)
from debate.polis import read_group_assignment, read_polis_export  # noqa: E402
from debate.types import VoteMatrix  # noqa: E402

REDDWARF_PYTHON = ROOT / "bench" / ".venv-reddwarf" / "bin" / "python"
DEFAULT_DATA = SHARED / "data" / "polis-math"
FALLBACK_DATA = ROOT / "tests" / "data" / "polis-math"

Labels = dict[str, int]


def score(ours: Labels, polis: Labels) -> tuple[float, int]:
    """ARI over the participants both put in a group, and their number."""
    common = sorted(p for p in ours if p in polis)
    if len(common) < 2:
        return float("nan"), len(common)
    return (
        float(adjusted_rand_score([polis[p] for p in common], [ours[p] for p in common])),
        len(common),
    )


def jaccard(a: set[str], b: set[str]) -> float:
    return 1.0 if not a and not b else len(a & b) / len(a | b)


def labels_of(participants: tuple[str, ...], labels: np.ndarray) -> Labels:
    return {p: int(g) for p, g in zip(participants, labels.tolist(), strict=True) if g >= 0}


def stability(runs: list[Labels]) -> float:
    base = runs[0]
    return min(score(run, base)[0] for run in runs)


def reddwarf(folder: Path, seed: int) -> dict[str, Any] | None:
    if not REDDWARF_PYTHON.exists():
        return None
    proc = subprocess.run(
        [str(REDDWARF_PYTHON), str(ROOT / "bench" / "reddwarf_runner.py"), str(folder)]
        + ["--seed", str(seed)],
        capture_output=True,
        text=True,
        check=True,
    )
    out: dict[str, Any] = json.loads(proc.stdout)
    return out


def with_polis_moderation(matrix: VoteMatrix, mod_out: frozenset[str], meta: frozenset[str]):  # type: ignore[no-untyped-def]
    index = {s: j for j, s in enumerate(matrix.statements)}
    meta_j = matrix.meta | {index[s] for s in meta if s in index}
    mod_j = (matrix.moderated_out | {index[s] for s in mod_out if s in index}) - meta_j
    return dataclasses.replace(matrix, moderated_out=frozenset(mod_j), meta=frozenset(meta_j))


def exactness(matrix: VoteMatrix, folder: Path, math: dict[str, Any]) -> dict[str, Any]:
    """Largest differences to Pol.is's numbers, given Pol.is's groups."""
    given = read_group_assignment(folder / "math-pca2.json", matrix.participants)
    matrix = with_polis_moderation(matrix, given.moderated_out, given.meta)
    groups = assigned_groups(matrix, given.groups, clustered=given.clustered)
    result = analyse(matrix, groups=groups)
    index = {s: j for j, s in enumerate(matrix.statements)}
    out: dict[str, Any] = {}

    mine = {g["id"]: g["representative"] for g in result["groups"]}
    same, worst = True, 0.0
    for gid, reps in math["repness"].items():
        got = mine.get(int(gid), [])
        same &= [(r["statement"], r["direction"]) for r in got] == [
            (str(r["tid"]), r["repful-for"]) for r in reps
        ]
        for a, b in zip(got, reps, strict=False):
            same &= (a["n_success"], a["n_trials"]) == (b["n-success"], b["n-trials"])
            for key, polis_key in (
                ("p_success", "p-success"),
                ("p_test", "p-test"),
                ("repness", "repness"),
                ("repness_test", "repness-test"),
            ):
                worst = max(worst, abs(a[key] - b[polis_key]))
    out["repness_same"], out["repness_max_diff"] = bool(same), worst

    same, worst = True, 0.0
    for side in ("agree", "disagree"):
        got, want = result["consensus"][side], math["consensus"][side]
        same &= [c["statement"] for c in got] == [str(c["tid"]) for c in want]
        for a, b in zip(got, want, strict=False):
            same &= (a["n_success"], a["n_trials"]) == (b["n-success"], b["n-trials"])
            worst = max(worst, abs(a["p_success"] - b["p-success"]), abs(a["p_test"] - b["p-test"]))
    out["consensus_same"], out["consensus_max_diff"] = bool(same), worst

    counts = vote_counts(matrix, groups.labels, groups.k)
    gac = group_informed_consensus(counts)
    out["gac_max_diff"] = max(
        abs(gac[index[t]] - v) for t, v in math["group-aware-consensus"].items()
    )
    assert groups.projection is not None
    priority = comment_priorities(counts, groups.projection.statement_extremity, meta=matrix.meta)
    out["priority_max_diff"] = max(
        abs(priority[index[t]] - v) for t, v in math["comment-priorities"].items()
    )
    out["polis_priorities_all_49"] = set(math["comment-priorities"].values()) == {49}

    pca = result["pca"]
    comps = np.array(pca["components"])
    polis_comps = np.array(math["pca"]["comps"])
    signs = np.sign(np.sum(comps * polis_comps, axis=1))
    out["pca_components_max_diff"] = float(np.abs(comps * signs[:, None] - polis_comps).max())
    out["pca_center_max_diff"] = float(
        np.abs(np.array(pca["center"]) + np.array(math["pca"]["center"])).max()
    )
    tids = [str(t) for t in math["tids"]]
    ext = np.array([result["statements"][t]["extremity"] for t in tids])
    out["extremity_max_diff"] = float(np.abs(ext - math["pca"]["comment-extremity"]).max())
    proj = np.array([result["statements"][t]["projection"] for t in tids]).T
    out["projection_max_diff"] = float(
        np.abs(proj * -signs[:, None] - np.array(math["pca"]["comment-projection"])).max()
    )
    return out


def evaluate(folder: Path, seeds: list[int]) -> dict[str, Any]:
    math = json.loads((folder / "math-pca2.json").read_text())
    exported = read_polis_export(folder, history=True)
    matrix = exported.matrix
    polis = read_group_assignment(folder / "math-pca2.json", matrix.participants)
    row: dict[str, Any] = {
        "conversation": folder.name,
        "participants": len(matrix.participants),
        "votes": matrix.n_votes,
        "polis_k": len(math["group-clusters"]),
        "polis_clustered": len(polis.clustered),
        "math_tick": math.get("math_tick"),
    }

    def record(name: str, labels: Labels, clustered: set[str], **extra: Any) -> None:
        ari, n = score(labels, polis.groups)
        row[name] = {
            "k": len(set(labels.values())),
            "ari": ari,
            "n_common": n,
            "clustered_jaccard": jaccard(clustered, set(polis.clustered)),
            **extra,
        }

    start = time.perf_counter()
    one_shot = [opinion_groups(matrix, seed=s) for s in seeds]
    elapsed = (time.perf_counter() - start) / len(seeds)
    runs = [labels_of(matrix.participants, g.labels) for g in one_shot]
    clustered = {p for p, c in zip(matrix.participants, one_shot[0].clustered, strict=True) if c}
    record("one_shot", runs[0], clustered, seconds=elapsed, seed_ari_min=stability(runs))

    assert exported.log is not None
    variants = {
        "replay": {"restart_at_end": True},
        "replay_no_final_restart": {"restart_at_end": False},
        "replay_every_50": {"every": 50, "restart_at_end": True},
    }
    for name, options in variants.items():
        replay_runs = []
        for seed in seeds if name == "replay" else seeds[:1]:
            start = time.perf_counter()
            replayed = replay_conversation(
                exported.log,
                moderated_out=matrix.moderated_out,
                meta=matrix.meta,
                seed=seed,
                **options,  # type: ignore[arg-type]
            )
            elapsed = time.perf_counter() - start
            assert replayed.update is not None
            replay_runs.append((replayed, elapsed))
        replayed, elapsed = replay_runs[0]
        assert replayed.update is not None
        groups = replayed.update.groups
        labels = [labels_of(matrix.participants, r.update.groups.labels) for r, _ in replay_runs]  # type: ignore[union-attr]
        clustered = {p for p, c in zip(matrix.participants, groups.clustered, strict=True) if c}
        record(
            name,
            labels[0],
            clustered,
            seconds=elapsed,
            updates=len(replayed.cuts),
            seed_ari_min=stability(labels),
        )

    rd = reddwarf(folder, seeds[0])
    if rd is not None:
        rd_labels = {p: g for p, g in rd["labels"].items() if g is not None}
        record("reddwarf", rd_labels, set(rd_labels), seconds=min(rd["times"]))
    row["given_groups"] = exactness(matrix, folder, math)
    return row


def main() -> None:
    parser = doc_parser(__doc__)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "polis_math.json")
    args = parser.parse_args()
    data = args.data or (DEFAULT_DATA if DEFAULT_DATA.is_dir() else FALLBACK_DATA)
    folders = sorted(p for p in data.iterdir() if (p / "math-pca2.json").is_file())
    rows = [evaluate(folder, args.seeds) for folder in folders]
    report(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"conversations": rows, "summary": summary(rows)}, indent=2) + "\n"
    )
    print(f"wrote {args.out}")


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("one_shot", "replay", "replay_no_final_restart", "replay_every_50", "reddwarf"):
        if all(name in r for r in rows):
            out[name] = {
                "mean_ari": float(np.mean([r[name]["ari"] for r in rows])),
                "same_k": sum(r[name]["k"] == r["polis_k"] for r in rows),
            }
    return out


def report(rows: list[dict[str, Any]]) -> None:
    print(
        "Groups from the votes alone (ARI against Pol.is's groups; k; clustered = Jaccard with in-conv)"
    )
    header = (
        "| conversation | Pol.is k | one-shot k | ARI | clustered | replay k | ARI | clustered"
        " | updates | red-dwarf k | ARI | clustered |"
    )
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for r in rows:
        o, p = r["one_shot"], r["replay"]
        rd = r.get("reddwarf", {"k": 0, "ari": float("nan"), "clustered_jaccard": float("nan")})
        print(
            f"| {r['conversation']} | {r['polis_k']} | {o['k']} | {o['ari']:.3f}"
            f" | {o['clustered_jaccard']:.3f} | {p['k']} | {p['ari']:.3f}"
            f" | {p['clustered_jaccard']:.3f} | {p['updates']} | {rd['k']} | {rd['ari']:.3f}"
            f" | {rd['clustered_jaccard']:.3f} |"
        )
    for name, s in summary(rows).items():
        print(f"{name}: mean ARI {s['mean_ari']:.3f}, same k as Pol.is {s['same_k']}/{len(rows)}")
    print()
    print("Seed stability (minimum ARI between seeds) and time")
    for r in rows:
        print(
            f"  {r['conversation']}: one-shot {r['one_shot']['seed_ari_min']:.3f}"
            f" ({r['one_shot']['seconds']:.3f} s), replay {r['replay']['seed_ari_min']:.3f}"
            f" ({r['replay']['seconds']:.1f} s, {r['replay']['updates']} updates);"
            f" replay variants: no final reload ARI {r['replay_no_final_restart']['ari']:.3f}"
            f" (k {r['replay_no_final_restart']['k']}), every 50 votes ARI"
            f" {r['replay_every_50']['ari']:.3f} (k {r['replay_every_50']['k']})"
        )
    print()
    print("Given Pol.is's groups: largest difference to Pol.is's numbers")
    keys = [
        "repness_same",
        "repness_max_diff",
        "consensus_same",
        "consensus_max_diff",
        "gac_max_diff",
        "priority_max_diff",
        "pca_components_max_diff",
        "pca_center_max_diff",
        "extremity_max_diff",
        "projection_max_diff",
    ]
    print("| conversation | " + " | ".join(keys) + " |")
    print("|" + "---|" * (len(keys) + 1))
    for r in rows:
        g = r["given_groups"]
        cells = [str(g[k]) if isinstance(g[k], bool) else f"{g[k]:.1e}" for k in keys]
        print(f"| {r['conversation']} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
