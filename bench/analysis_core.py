"""The analysis core alone (``debate.analysis.analyse``), before and after, side by side.

Generates one conversation in memory, saves it, and runs ``analyse`` on it in a fresh process
per tree, alternating: the tree of a git ref (``--before``, extracted with ``git archive``) and
this tree. Each run reports its wall time, the core's own timings (groups, statistics,
bridging, strength, cruxes, controversy) and its peak resident memory; the table gives the
ratio before / after. The two results (their JSON, ``timings`` left out) are compared: equal,
or the largest difference of a number per top-level key.

Conversations (``--kind``):

* ``national`` (default): bench/thread_page.py's shape at national scale: 100,000 statements
  (a tenth positions, the rest arguments answering a position or an earlier argument, support or
  attack at random), 20,000 participants, 1,000,000 distinct random votes (agree 1/2, disagree
  1/4, pass 1/4): what bench/analysis_worker.py builds in PostgreSQL.
* ``planted``: bench/synthetic.py's planted groups (``--participants``, ``--statements``,
  ``--votes-each``), no argument graph.

Usage::

    .venv/bin/python bench/analysis_core.py --before main
    .venv/bin/python bench/analysis_core.py --before main --kind planted --participants 20000 \\
        --statements 2000 --votes-each 40
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def national(statements: int, participants: int, votes: int, seed: int = 7) -> dict[str, Any]:
    """Votes, claims and relations of bench/thread_page.py's consultation, as plain data."""
    rng = np.random.default_rng(seed)
    # Distinct (participant, statement) pairs: draw a few spare, drop repeats, shuffle, cut.
    pairs = rng.integers(0, statements * participants, size=int(votes * 1.05) + 16)
    pairs = np.unique(pairs)
    rng.shuffle(pairs)
    pairs = np.sort(pairs[:votes])
    if len(pairs) < votes:
        raise SystemExit("too few distinct pairs: raise the spare draws")
    rows, cols = np.divmod(pairs, statements)
    values = rng.choice(np.array([1, 1, -1, 0], dtype=np.int8), size=len(pairs))
    voted = np.unique(rows)  # participants without a vote do not appear in the matrix
    rows = np.searchsorted(voted, rows)
    n_positions = max(1, statements // 10)
    kinds = ["position"] * n_positions + ["argument"] * (statements - n_positions)
    links = []
    for i in range(n_positions, statements):
        if rng.random() < 0.6:
            target = int(rng.integers(n_positions))
        else:
            target = int(rng.integers(n_positions, i)) if i > n_positions else 0
        links.append((i, target, "support" if rng.random() < 0.5 else "attack"))
    return {
        "participants": [f"p{int(p)}" for p in voted],
        "statements": [f"s{j}" for j in range(statements)],
        "rows": rows.astype(np.int32),
        "cols": cols.astype(np.int32),
        "values": values,
        "kinds": kinds,
        "links": links,
    }


def planted(participants: int, statements: int, votes_each: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "bench"))
    from synthetic import planted_conversation

    matrix, _ = planted_conversation(participants, statements, votes_each)
    return {
        "participants": list(matrix.participants),
        "statements": list(matrix.statements),
        "rows": matrix.rows,
        "cols": matrix.cols,
        "values": matrix.values,
        "kinds": None,
        "links": [],
    }


def run_one(
    tree: Path, data_file: Path, out_file: Path, *, bridging_process: bool = False
) -> dict[str, Any]:
    """In a fresh process: import ``debate`` from ``tree``, analyse, time, write the result.

    With ``bridging_process`` (and a tree that has it), the bridging fit runs in a separate
    process started just before ``analyse`` (:func:`debate.bridging.bridging_process`)."""
    sys.path.insert(0, str(tree))
    from debate.analysis import analyse
    from debate.types import Claim, Relation, RelationKind, VoteMatrix

    data = pickle.loads(data_file.read_bytes())  # noqa: S301 - the file the parent just wrote
    matrix = VoteMatrix(
        participants=tuple(data["participants"]),
        statements=tuple(data["statements"]),
        rows=data["rows"],
        cols=data["cols"],
        values=data["values"],
    )
    sids = data["statements"]
    claims: list[Claim] = []
    if data["kinds"] is not None:
        claims = [Claim(id=s, text="", kind=k) for s, k in zip(sids, data["kinds"], strict=True)]
    relations = [Relation(sids[s], sids[t], RelationKind(r)) for s, t, r in data["links"]]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started, cpu = time.perf_counter(), time.process_time()
    if bridging_process:
        from debate.bridging import bridging_process as start

        with start(matrix) as running:
            result = analyse(matrix, claims=claims, relations=relations, bridging=running)
    else:
        result = analyse(matrix, claims=claims, relations=relations)
    seconds = time.perf_counter() - started
    cpu_s = time.process_time() - cpu
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    timings = result.pop("timings")
    out_file.write_text(json.dumps(result, sort_keys=True))
    return {
        "seconds": seconds,
        "cpu_s": cpu_s,
        # the bridging process's CPU and peak memory (0 without one)
        "child_cpu_s": child.ru_utime + child.ru_stime,
        "child_peak_rss_mb": child.ru_maxrss / 1024,
        **{k: v for k, v in timings.items() if k not in ("load_s", "analysis_s")},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mb": rss_before,
    }


def largest_difference(a: Any, b: Any) -> float:
    """The largest absolute difference between two JSON values' numbers (inf if shapes differ)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return 0.0 if a == b else float("inf")
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(float(a) - float(b))
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return float("inf")
        return max((largest_difference(a[k], b[k]) for k in a), default=0.0)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return float("inf")
        return max((largest_difference(x, y) for x, y in zip(a, b, strict=True)), default=0.0)
    return 0.0 if a == b else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--before", default="main", help="git ref of the 'before' tree")
    parser.add_argument("--kind", choices=["national", "planted"], default="national")
    parser.add_argument("--statements", type=int, default=None)
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--votes", type=int, default=1_000_000, help="national: all votes")
    parser.add_argument("--votes-each", type=int, default=40, help="planted: per participant")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each tree, alternating")
    parser.add_argument("--json", type=Path, default=None, help="append the results here")
    parser.add_argument(
        "--bridging-process",
        choices=["none", "after", "both"],
        default="none",
        help="which trees fit bridging in a separate process (debate.bridging.bridging_process)",
    )
    parser.add_argument("--run", nargs=3, metavar=("TREE", "DATA", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--run-bridging-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        tree, data_file, out_file = (Path(p) for p in args.run)
        row = run_one(tree, data_file, out_file, bridging_process=args.run_bridging_process)
        print(json.dumps(row), flush=True)
        return

    statements = args.statements or (100_000 if args.kind == "national" else 2000)
    with tempfile.TemporaryDirectory(prefix="kenes-core-") as tmp:
        work = Path(tmp)
        before = work / "before"
        before.mkdir()
        archive = subprocess.run(
            ["git", "archive", args.before, "debate"], cwd=ROOT, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(before)], input=archive.stdout, check=True)
        started = time.perf_counter()
        if args.kind == "national":
            data = national(statements, args.participants, args.votes)
        else:
            data = planted(args.participants, statements, args.votes_each)
        data_file = work / "data.pickle"
        data_file.write_bytes(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
        print(
            f"{args.kind}: {len(data['participants'])} participants, {statements} statements, "
            f"{len(data['rows'])} votes, {len(data['links'])} links "
            f"(generated in {time.perf_counter() - started:.1f} s)",
            flush=True,
        )
        runs: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
        for i in range(args.repeat):
            for name, tree in (("before", before), ("after", ROOT)):
                out = work / f"{name}.json"
                in_process = args.bridging_process == "both" or (
                    args.bridging_process == "after" and name == "after"
                )
                proc = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--run",
                        str(tree),
                        str(data_file),
                        str(out),
                        *(["--run-bridging-process"] if in_process else []),
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                    env=dict(os.environ, PYTHONPATH=str(tree)),
                )
                row = json.loads(proc.stdout.strip().splitlines()[-1])
                runs[name].append(row)
                print(f"run {i + 1} {name}: {row['seconds']:.2f} s", flush=True)
        a = json.loads((work / "before.json").read_text())
        b = json.loads((work / "after.json").read_text())

    best = {name: min(rows, key=lambda r: r["seconds"]) for name, rows in runs.items()}
    keys = [k for k in best["after"] if k.endswith("_s") or k.endswith("_mb")]
    print(f"\n| part | before ({args.before}) | after | before / after |")
    print("|---|---|---|---|")
    for key in ["seconds", *keys]:
        x, y = best["before"].get(key), best["after"].get(key)
        if x is None or y is None:
            continue
        ratio = f"{x / y:.2f}" if y else "-"
        print(f"| {key} | {x:.2f} | {y:.2f} | {ratio} |")
    differences = {k: largest_difference(a.get(k), b.get(k)) for k in sorted(a.keys() | b.keys())}
    differing = {k: v for k, v in differences.items() if v}
    print(f"\nresults identical: {not differing}")
    for key, value in differing.items():
        print(f"  {key}: largest difference {value}")
    print(f"load average {os.getloadavg()[0]:.2f}")
    if args.json:
        existing = json.loads(args.json.read_text()) if args.json.exists() else []
        existing.append(
            {
                "when": time.strftime("%Y-%m-%d %H:%M:%S"),
                "kind": args.kind,
                "statements": statements,
                "participants": len(data["participants"]),
                "votes": len(data["rows"]),
                "before": args.before,
                "bridging_process": args.bridging_process,
                "runs": runs,
                "differences": differing,
            }
        )
        args.json.write_text(json.dumps(existing, indent=2) + "\n")


if __name__ == "__main__":
    main()
