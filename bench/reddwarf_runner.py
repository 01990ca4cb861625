"""Run red-dwarf's Pol.is pipeline on one Polis export folder (executed by bench/.venv-reddwarf).

    bench/.venv-reddwarf/bin/python bench/reddwarf_runner.py DIR [--seed N] [--repeats R]

DIR is a CSV export (comments.csv, votes.csv) or the Pol.is JSON form (comments.json,
votes.json, either key spelling). Prints one JSON object: red-dwarf's opinion group per
participant (``null``: not clustered), the number of groups and the wall and CPU time of each
``run_pipeline`` call (the votes are read and de-duplicated beforehand, as red-dwarf expects:
latest vote per participant and statement). Moderated-out comments (and, in the JSON form,
meta comments) are passed as ``mod_out_statement_ids``, as red-dwarf's own ``process_statements``
does; meta comments also as ``meta_statement_ids``.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
import warnings
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("directory", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()

    warnings.filterwarnings("ignore")
    from reddwarf.implementations.polis import run_pipeline

    if (args.directory / "votes.json").exists() and not (args.directory / "votes.csv").exists():
        votes, moderated, meta = read_json(args.directory)
    else:
        votes, moderated, meta = read_csv(args.directory)
    votes.sort(key=lambda v: v["modified"])  # stable: file order among equal timestamps
    latest = {(v["participant_id"], v["statement_id"]): v for v in votes}
    votes = list(latest.values())

    times = []
    cpu_times = []
    result = None
    for _ in range(args.repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        result = run_pipeline(
            votes=votes,
            mod_out_statement_ids=moderated,
            meta_statement_ids=meta,
            random_state=args.seed,
        )
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    assert result is not None
    labels = {}
    for pid, cluster in result.participants_df["cluster_id"].items():
        labels[str(pid)] = None if str(cluster) == "<NA>" else int(cluster)
    k = len({g for g in labels.values() if g is not None})
    print(json.dumps({"labels": labels, "k": k, "times": times, "cpu_times": cpu_times}))


def read_csv(folder: Path) -> tuple[list[dict], list[int], list[int]]:
    with (folder / "votes.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    votes = [
        {
            "participant_id": int(r["voter-id"]),
            "statement_id": int(r["comment-id"]),
            "vote": int(r["vote"]),
            "modified": int(r["timestamp"]),
        }
        for r in rows
    ]
    with (folder / "comments.csv").open(newline="") as handle:
        moderated = [int(r["comment-id"]) for r in csv.DictReader(handle) if r["moderated"] == "-1"]
    return votes, moderated, []


def read_json(folder: Path) -> tuple[list[dict], list[int], list[int]]:
    keys = {"pid": "participant_id", "tid": "statement_id", "mod": "moderated"}

    def norm(record: dict) -> dict:
        return {keys.get(k, k): v for k, v in record.items()}

    votes = [
        {
            "participant_id": int(v["participant_id"]),
            "statement_id": int(v["statement_id"]),
            "vote": int(v["vote"]),
            "modified": float(v["modified"]),
        }
        for v in map(norm, json.loads((folder / "votes.json").read_text()))
    ]
    comments = [norm(c) for c in json.loads((folder / "comments.json").read_text())]
    meta = [int(c["statement_id"]) for c in comments if c.get("is_meta")]
    moderated = [int(c["statement_id"]) for c in comments if c["moderated"] == -1] + meta
    return votes, moderated, meta


if __name__ == "__main__":
    main()
