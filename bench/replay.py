"""Replay conversations' votes in time order through Pol.is's updates and score the final groups.

For each conversation folder: ``debate.conversation.replay_conversation`` (what
``python -m debate polis --replay`` runs) at the given cadence, ending by default with one update
from the restarted state (as Pol.is computes a conversation it reloads), against the reference
groups: Pol.is's own (``math-pca2.json``) where the folder has them, else the ``group-id`` of
``participants-votes.csv`` (older exports, computed by older Pol.is rules). The one-shot groups
(``opinion_groups``) are scored alongside.

    .venv/bin/python bench/replay.py [--data DIR ...] [--cadence 1 | --every N]
                                     [--no-final-restart] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from _common import ROOT, SHARED, doc_parser
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(ROOT))

from debate.conversation import replay_conversation  # noqa: E402
from debate.groups import opinion_groups  # noqa: E402
from debate.polis import read_group_assignment, read_polis_export  # noqa: E402

DEFAULT_DATA = [SHARED / "data" / "polis-math", SHARED / "data" / "polis"]


def reference(folder: Path, participants: tuple[str, ...]) -> dict[str, int]:
    if (folder / "math-pca2.json").is_file():
        return read_group_assignment(folder / "math-pca2.json", participants).groups
    exported = read_polis_export(folder, polis_groups=True)
    return {p: g for p, g in exported.polis_groups.items() if g is not None}


def labelled(participants: tuple[str, ...], labels: list[int]) -> dict[str, int]:
    return {p: int(g) for p, g in zip(participants, labels, strict=True) if g >= 0}


def ari(labels: dict[str, int], ref: dict[str, int]) -> float:
    common = sorted(p for p in labels if p in ref)
    return float(adjusted_rand_score([ref[p] for p in common], [labels[p] for p in common]))


def main() -> None:
    parser = doc_parser(__doc__)
    parser.add_argument("--data", type=Path, nargs="+", default=DEFAULT_DATA)
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--cadence", type=float, default=None, help="seconds of votes per update")
    how.add_argument("--every", type=int, default=None, help="votes per update")
    parser.add_argument("--final-restart", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "replay.json")
    args = parser.parse_args()
    folders = [
        p
        for d in args.data
        for p in sorted(d.iterdir())
        if (p / "votes.json").is_file() or (p / "votes.csv").is_file()
    ]
    print(
        "| conversation | votes | reference k | one-shot k | ARI | replay k | ARI | updates | s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    rows: list[dict[str, Any]] = []
    for folder in folders:
        exported = read_polis_export(folder, history=True)
        m = exported.matrix
        assert exported.log is not None
        ref = reference(folder, m.participants)
        one = opinion_groups(m)
        one_labels = labelled(m.participants, one.labels.tolist())
        start = time.perf_counter()
        replayed = replay_conversation(
            exported.log,
            every=args.every,
            cadence=args.cadence,
            restart_at_end=args.final_restart,
            moderated_out=m.moderated_out,
            meta=m.meta,
        )
        seconds = time.perf_counter() - start
        assert replayed.update is not None
        groups = replayed.update.groups
        labels = labelled(m.participants, groups.labels.tolist())
        row = {
            "conversation": folder.name,
            "votes": len(exported.log),
            "reference_k": len(set(ref.values())),
            "one_shot_k": one.k,
            "one_shot_ari": ari(one_labels, ref),
            "replay_k": groups.k,
            "replay_ari": ari(labels, ref),
            "updates": len(replayed.cuts),
            "seconds": seconds,
        }
        rows.append(row)
        print(
            f"| {row['conversation']} | {row['votes']} | {row['reference_k']} | {one.k}"
            f" | {row['one_shot_ari']:.3f} | {groups.k} | {row['replay_ari']:.3f}"
            f" | {row['updates']} | {seconds:.0f} |",
            flush=True,
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    settings = {
        "cadence_s": args.cadence,
        "every": args.every,
        "final_restart": args.final_restart,
    }
    args.out.write_text(json.dumps({"settings": settings, "conversations": rows}, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
