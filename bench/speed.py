"""Speed benchmark: our whole analysis vs red-dwarf's Pol.is pipeline, same conversations, same run.

For each conversation: red-dwarf 0.4.0's ``run_pipeline`` (PCA, clustering, repness, consensus,
group-aware consensus, priorities; bench/.venv-reddwarf, votes already in memory) and our
``debate.analysis.analyse`` (all of that plus bridging, argument strength, cruxes and
controversy; matrix already in memory), each repeated and summarised by the median wall time.
The two run alternately per conversation so that both see the same machine load. Also shown:
our opinion groups + Pol.is statistics alone, our time including reading the CSV files, and
the CPU time of both (less sensitive than wall time to other load on the machine).

    .venv/bin/python bench/speed.py [--data DIR ...] [--repeats 9]

DIR holds conversation folders: CSV exports or the Pol.is JSON form (default: the six CSV
exports and the three Pol.is math conversations in ../shared/data).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import ROOT, SHARED, doc_parser

sys.path.insert(0, str(ROOT))

from debate.analysis import _pol_is_report, analyse  # noqa: E402
from debate.groups import opinion_groups, vote_counts  # noqa: E402
from debate.polis import read_polis_export  # noqa: E402

REDDWARF_PYTHON = ROOT / "bench" / ".venv-reddwarf" / "bin" / "python"
DEFAULT_DATA = [
    SHARED / "data" / "polis",
    SHARED / "data" / "polis-math",
]


def median_time(fn, repeats: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median wall and median CPU seconds of ``fn()``."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
    return statistics.median(wall), statistics.median(cpu)


def our_times(
    folder: Path, repeats: int
) -> tuple[tuple[float, float], tuple[float, float], tuple[float, float]]:
    """Median (wall, CPU) seconds of analyse, of groups + statistics, and of read + analyse."""
    matrix = read_polis_export(folder, polis_groups=False).matrix
    analyse(matrix)  # warm-up: imports, caches

    def groups_and_statistics() -> None:
        groups = opinion_groups(matrix)
        _pol_is_report(matrix, groups, vote_counts(matrix, groups.labels, groups.k))

    ours = median_time(lambda: analyse(matrix), repeats)
    core = median_time(groups_and_statistics, repeats)
    with_io = median_time(
        lambda: analyse(read_polis_export(folder, polis_groups=False).matrix), repeats
    )
    return ours, core, with_io


def main() -> None:
    parser = doc_parser(__doc__)
    parser.add_argument("--data", type=Path, nargs="+", default=DEFAULT_DATA)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "speed.json")
    args = parser.parse_args()

    header = (
        f"{'conversation':<28} {'red-dwarf s':>11} {'ours s':>7} {'ratio':>6}"
        f" {'groups+stats s':>14} {'ratio':>6} {'read+analyse s':>14}"
        f" | CPU s: {'red-dwarf':>9} {'ours':>6} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    folders = [
        p
        for data in args.data
        for p in sorted(data.iterdir())
        if (p / "comments.csv").exists() or (p / "comments.json").exists()
    ]
    for folder in folders:
        proc = subprocess.run(
            [str(REDDWARF_PYTHON), str(ROOT / "bench" / "reddwarf_runner.py"), str(folder)]
            + ["--repeats", str(args.repeats)],
            capture_output=True,
            text=True,
            check=True,
        )
        measured = json.loads(proc.stdout)
        rd, rd_cpu = statistics.median(measured["times"]), statistics.median(measured["cpu_times"])
        (ours, ours_cpu), (core, _), (with_io, _) = our_times(folder, args.repeats)
        row = {
            "conversation": folder.name,
            "reddwarf_s": rd,
            "analyse_s": ours,
            "ratio": rd / ours,
            "groups_and_statistics_s": core,
            "ratio_groups": rd / core,
            "read_and_analyse_s": with_io,
            "reddwarf_cpu_s": rd_cpu,
            "analyse_cpu_s": ours_cpu,
            "ratio_cpu": rd_cpu / ours_cpu,
        }
        rows.append(row)
        print(
            f"{folder.name:<28} {rd:>11.3f} {ours:>7.3f} {rd / ours:>5.1f}x"
            f" {core:>14.3f} {rd / core:>5.1f}x {with_io:>14.3f}"
            f" | {'':>6} {rd_cpu:>9.3f} {ours_cpu:>6.3f} {rd_cpu / ours_cpu:>5.1f}x",
            flush=True,
        )
    total_rd = sum(r["reddwarf_s"] for r in rows)
    total = sum(r["analyse_s"] for r in rows)
    total_core = sum(r["groups_and_statistics_s"] for r in rows)
    total_rd_cpu = sum(r["reddwarf_cpu_s"] for r in rows)
    total_cpu = sum(r["analyse_cpu_s"] for r in rows)
    print("-" * len(header))
    print(
        f"{'all ' + str(len(rows)):<28} {total_rd:>11.3f} {total:>7.3f} {total_rd / total:>5.1f}x"
        f" {total_core:>14.3f} {total_rd / total_core:>5.1f}x {'':>14}"
        f" | {'':>6} {total_rd_cpu:>9.3f} {total_cpu:>6.3f} {total_rd_cpu / total_cpu:>5.1f}x"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    summary = {
        "reddwarf_s": total_rd,
        "analyse_s": total,
        "ratio": total_rd / total,
        "ratio_cpu": total_rd_cpu / total_cpu,
    }
    args.out.write_text(json.dumps({"conversations": rows, **summary}, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
