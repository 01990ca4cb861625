"""Do opinion groups keep their identity while a conversation is live?

Replays each conversation's votes in time order with a recomputation every 50 votes, each one
continuing from the previous state (``debate.conversation.update_conversation``, as the
platform does between recomputations), and counts the participants whose group label (stable
group id) changes at a recomputation although they cast no vote since the previous one. A
participant-update is a (participant, recomputation) pair where the participant had a group at
the previous recomputation and did not vote in between; the aim is that under 1 % of them see
their label change.

Also reported: what the changes are made of (a participant moved to another continuing group,
their group retired or lost its label, a change of k), and how close the final groups are to the
reference: Pol.is's own groups (``math-pca2.json``) for the polis-math conversations, the
``group-id`` of ``participants-votes.csv`` for the older CSV exports (computed by older Pol.is
rules). "final" is the last recomputation's groups; "final, reloaded" adds one update from the
restarted state, as Pol.is computes a conversation it reloads (see docs/analysis.md).

With ``--catch-up``, each recomputation first catches up through the votes since the previous
one at Pol.is's own cadence (one update per second of votes, ``update_conversation`` each),
labels still being compared only at the recomputations; the state then evolves as Pol.is's
does, whatever the platform's cadence.

With ``--stable`` the groups compared are those shown through the display hysteresis
(``debate.conversation.Hysteresis``, margins from ``--silhouette-margin`` and
``--move-margin``), as the platform shows them with ``ANALYSIS_STABLE_GROUPS``.

    .venv/bin/python bench/stability.py [--data DIR ...] [--every 50] [--catch-up] [--stable]
        [--silhouette-margin 0.05] [--move-margin 0.1] [--out FILE]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import ROOT, SHARED, doc_parser, write_json
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(ROOT))

from debate.conversation import ConversationState, Hysteresis, update_conversation  # noqa: E402
from debate.polis import (  # noqa: E402
    read_group_assignment,
    read_polis_export,
)

DEFAULT_DATA = [
    SHARED / "data" / "polis-math",
    SHARED / "data" / "polis",
]
FALLBACK_DATA = [ROOT / "tests" / "data" / "polis-math", ROOT / "tests" / "data" / "polis"]


def reference(folder: Path, participants: tuple[str, ...]) -> dict[str, int]:
    if (folder / "math-pca2.json").is_file():
        return read_group_assignment(folder / "math-pca2.json", participants).groups
    exported = read_polis_export(folder, polis_groups=True)
    return {p: g for p, g in exported.polis_groups.items() if g is not None}


def ari(labels: dict[str, int], ref: dict[str, int]) -> float:
    common = sorted(p for p in labels if p in ref)
    if len(common) < 2:
        return float("nan")
    return float(adjusted_rand_score([ref[p] for p in common], [labels[p] for p in common]))


def sub_cuts(times: np.ndarray, start: int, end: int, cadence: float) -> list[int]:
    """Pol.is-cadence update points between two recomputations (the last one is ``end``)."""
    cuts = []
    while start < end:
        stop = int(np.searchsorted(times, times[start] + cadence, side="right"))
        start = min(max(stop, start + 1), end)
        cuts.append(start)
    return cuts


def measure(
    folder: Path,
    every: int,
    catch_up: float | None = None,
    hysteresis: Hysteresis | None = None,
) -> dict[str, Any]:
    exported = read_polis_export(folder, history=True)
    log = exported.log
    assert log is not None
    matrix_final = exported.matrix
    participants = log.participants
    cuts = sorted({*range(every, len(log), every), len(log)})
    state = ConversationState()
    previous: dict[str, int] = {}
    previous_k = 0
    updates = participant_updates = changed = 0
    kinds = {"moved": 0, "group_retired": 0, "k_changed": 0}
    done = 0
    start = time.perf_counter()
    labels: dict[str, int] = {}
    for cut in cuts:
        voted = {participants[r] for r in np.unique(log.rows[done:cut]).tolist()}
        steps = sub_cuts(log.times, done, cut, catch_up) if catch_up is not None else [cut]
        retired_now = []
        for step in steps:
            matrix = log.matrix(
                step, moderated_out=matrix_final.moderated_out, meta=matrix_final.meta
            )
            update = update_conversation(
                state, matrix, at=float(log.times[step - 1]), hysteresis=hysteresis
            )
            state = update.state
            retired_now.extend(update.retired)
        groups = update.groups
        ids = groups.group_ids
        labels = {
            p: ids[g] for p, g in zip(participants, groups.labels.tolist(), strict=True) if g >= 0
        }
        retired = {r.id for r in retired_now}
        for p, before in previous.items():
            if p in voted:
                continue
            participant_updates += 1
            after = labels.get(p)
            if after != before:
                changed += 1
                if groups.k != previous_k:
                    kinds["k_changed"] += 1
                elif before in retired:
                    kinds["group_retired"] += 1
                else:
                    kinds["moved"] += 1
        previous, previous_k = labels, groups.k
        updates += 1
        done = cut
    seconds = time.perf_counter() - start
    ref = reference(folder, participants)
    reloaded = update_conversation(
        state.restarted(),
        log.matrix(done, moderated_out=matrix_final.moderated_out, meta=matrix_final.meta),
    )
    reloaded_labels = {
        p: g for p, g in zip(participants, reloaded.groups.labels.tolist(), strict=True) if g >= 0
    }
    return {
        "conversation": folder.name,
        "votes": len(log),
        "recomputations": updates,
        "catch_up_cadence_s": catch_up,
        "hysteresis": None if hysteresis is None else vars(hysteresis),
        "participant_updates": participant_updates,
        "label_changes": changed,
        "share": changed / participant_updates if participant_updates else 0.0,
        "kinds": kinds,
        "retired_groups": len(state.retired),
        "final_k": len(set(labels.values())),
        "reference_k": len(set(ref.values())),
        "final_ari": ari(labels, ref),
        "final_reloaded_k": reloaded.groups.k,
        "final_reloaded_ari": ari(reloaded_labels, ref),
        "seconds": seconds,
    }


def totals(rows: list[dict[str, Any]]) -> tuple[int, int, float]:
    """Participant-updates and label changes over all conversations, and the changes' share."""
    updates = sum(r["participant_updates"] for r in rows)
    changes = sum(r["label_changes"] for r in rows)
    return updates, changes, changes / updates if updates else 0.0


def main() -> None:
    parser = doc_parser(__doc__)
    parser.add_argument("--data", type=Path, nargs="+", default=None)
    parser.add_argument("--every", type=int, default=50)
    parser.add_argument(
        "--catch-up",
        type=float,
        nargs="?",
        const=1.0,
        default=None,
        metavar="SECONDS",
        help="catch up between recomputations at Pol.is's cadence (default 1 s of votes)",
    )
    parser.add_argument(
        "--stable",
        action="store_true",
        help="show the groups through the display hysteresis (as the platform does)",
    )
    parser.add_argument("--silhouette-margin", type=float, default=Hysteresis.silhouette_margin)
    parser.add_argument("--move-margin", type=float, default=Hysteresis.move_margin)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "stability.json")
    args = parser.parse_args()
    hysteresis = (
        Hysteresis(silhouette_margin=args.silhouette_margin, move_margin=args.move_margin)
        if args.stable
        else None
    )
    data = args.data or [
        d if d.is_dir() else f for d, f in zip(DEFAULT_DATA, FALLBACK_DATA, strict=True)
    ]

    def has_votes(p: Path) -> bool:
        return (p / "votes.json").is_file() or (p / "votes.csv").is_file()

    # Each DIR is a conversation or a folder of conversations.
    folders = [
        p for d in data for p in ([d] if has_votes(d) else sorted(d.iterdir())) if has_votes(p)
    ]
    print(
        "| conversation | votes | recomputations | participant-updates | label changes | share"
        " | moved / group retired / k changed | final k (ref.) | final ARI | reloaded ARI |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    for folder in folders:
        r = measure(folder, args.every, args.catch_up, hysteresis)
        rows.append(r)
        k = r["kinds"]
        print(
            f"| {r['conversation']} | {r['votes']} | {r['recomputations']}"
            f" | {r['participant_updates']} | {r['label_changes']} | {100 * r['share']:.2f} %"
            f" | {k['moved']} / {k['group_retired']} / {k['k_changed']}"
            f" | {r['final_k']} ({r['reference_k']}) | {r['final_ari']:.3f}"
            f" | {r['final_reloaded_ari']:.3f} |",
            flush=True,
        )
    total_updates, total_changes, share = totals(rows)
    print(
        f"all: {total_changes} label changes in {total_updates} participant-updates ({100 * share:.2f} %)"
    )
    summary = {"participant_updates": total_updates, "label_changes": total_changes, "share": share}
    write_json(args.out, {"conversations": rows, **summary})


if __name__ == "__main__":
    main()
