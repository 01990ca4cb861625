"""Command line of the analysis core: ``python -m debate <command> ...``.

Adding a subcommand
-------------------
Write, in your own module, ``register(subparsers)`` that calls
``subparsers.add_parser("name", help=...)``, adds its arguments and sets
``parser.set_defaults(func=handler)``, where ``handler(args: argparse.Namespace) -> int`` prints
its output and returns the exit status, and raises :class:`~debate.errors.DebateError`
(usually :class:`~debate.errors.InputError` with ``source``/``row``) on bad input. Then list
``"your.module:register"`` in :data:`SUBCOMMANDS` below. :func:`main` turns a ``DebateError``
into one line ``error: votes.csv:12: ...`` on stderr and exit status 2; handlers should build
their whole output before printing, so that nothing is written on error.

Commands: ``polis`` (here), ``strength`` and ``kialo`` (:mod:`debate.cli_graph`).
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from typing import Any

from debate.errors import DebateError

__all__ = ["SUBCOMMANDS", "build_parser", "main", "register_polis", "cli_polis", "analysis_text"]

#: ``"module:function"`` of every subcommand registrar, in the order shown by ``--help``.
SUBCOMMANDS: tuple[str, ...] = (
    "debate.cli:register_polis",
    "debate.cli_graph:register",
)


def register_polis(subparsers: Any) -> None:
    """Add the ``polis`` subcommand to ``subparsers``.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="debate")
    >>> register_polis(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["polis", "export/", "--json", "--seed", "3"])
    >>> args.func is cli_polis, args.directory, args.json, args.seed
    (True, 'export/', True, 3)
    """
    p = subparsers.add_parser(
        "polis",
        help="analyse a Polis export folder (opinion groups, consensus, bridging, ...)",
        description="Read a Polis export folder (comments.csv and votes.csv or "
        "participants-votes.csv) and print its analysis: opinion groups and their "
        "representative statements, consensus, divisive and uncertain statements, bridging, "
        "cruxes and controversy.",
    )
    p.add_argument("directory", metavar="DIR", help="the Polis export folder")
    p.add_argument("--json", action="store_true", help="print the analysis JSON (API.md section 4)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    p.set_defaults(func=cli_polis)


def cli_polis(args: argparse.Namespace) -> int:
    """Analyse the Polis export ``args.directory`` and print it; return the exit status (0)."""
    from debate.analysis import analyse
    from debate.polis import read_polis_export

    start = time.perf_counter()
    export = read_polis_export(args.directory, polis_groups=False)
    load_s = time.perf_counter() - start
    result = analyse(export.matrix, seed=args.seed)
    result["timings"] = {
        "load_s": round(load_s, 6),
        **{key: value for key, value in result["timings"].items() if key != "load_s"},
    }
    if args.json:
        output = json.dumps(result, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    else:
        output = analysis_text(result, export.texts, title=str(args.directory))
    sys.stdout.write(output)
    return 0


def analysis_text(result: dict[str, Any], texts: dict[str, str], *, title: str = "") -> str:
    """Render an analysis (the dict of :func:`debate.analysis.analyse`) for people.

    Examples
    --------
    >>> from debate.analysis import analyse
    >>> from debate.types import VoteMatrix
    >>> result = analyse(VoteMatrix.from_dense([[1, -1]] * 9 + [[-1, 1]] * 7))
    >>> print(analysis_text(result, {"0": "Trams", "1": "Buses"}).splitlines()[2])
    Opinion groups: 2 (16 of 16 participants clustered)
    """
    width = max(60, min(shutil.get_terminal_size((100, 20)).columns, 120))
    counts = result["counts"]
    lines: list[str] = []

    def text(sid: str) -> str:
        body = " ".join(texts.get(sid, "").split())
        return textwrap.shorten(f"[{sid}] {body}".strip(), width=width - 22, placeholder=" ...")

    def pct(x: float) -> str:
        return f"{100 * x:3.0f}%"

    moderated = len(result["excluded"]["statements"])
    lines.append(f"Analysis of {title}" if title else "Analysis")
    lines.append(
        f"{counts['participants']} participants, {counts['statements']} statements"
        f" ({moderated} moderated out), {counts['votes']} votes"
    )
    clustered = sum(1 for g in result["participants"].values() if g is not None)
    lines.append(
        f"Opinion groups: {result['k']} ({clustered} of {counts['participants']} participants"
        " clustered)"
    )
    for group in result["groups"]:
        lines.append("")
        lines.append(f"Group {group['id']}: {group['size']} participants. What sets it apart:")
        for rep in group["representative"]:
            share = rep["agree"] if rep["direction"] == "agree" else rep["disagree"]
            lines.append(f"  {pct(share)} {rep['direction']:<8}  {text(rep['statement'])}")

    def section(name: str, rows: list[tuple[str, str]]) -> None:
        lines.append("")
        lines.append(name)
        if not rows:
            lines.append("  (none)")
        for label, sid in rows:
            lines.append(f"  {label:<14}  {text(sid)}")

    consensus = result["consensus"]
    section(
        "Consensus (a majority of everyone):",
        [(f"{pct(c['agree'])} agree", c["statement"]) for c in consensus["agree"]]
        + [(f"{pct(c['disagree'])} disagree", c["statement"]) for c in consensus["disagree"]],
    )
    gic = sorted(result["group_informed_consensus"].items(), key=lambda kv: -kv[1])[:5]
    section(
        "Agreement across all groups (group-informed consensus):",
        [(f"{score:.2f}", sid) for sid, score in gic],
    )
    section(
        "Divisive (groups differ most):",
        [(f"spread {d['spread']:.2f}", d["statement"]) for d in result["divisive"]],
    )
    section(
        "Uncertain (many passes):",
        [(f"{pct(u['pass'])} pass", u["statement"]) for u in result["uncertain"][:5]],
    )
    bridging = sorted(result["bridging"].items(), key=lambda kv: -kv[1])[:5]
    section(
        "Bridging (support across the opinion axis):",
        [(f"{score:+.3f}", sid) for sid, score in bridging],
    )
    section(
        "Cruxes (votes that best predict the group):",
        [(f"{c['score']:.2f}", c["statement"]) for c in result["cruxes"]],
    )
    lines.append("")
    lines.append(f"Controversy: {result['controversy']:.2f} (0 = one community, 1 = two camps)")
    timings = result["timings"]
    lines.append(
        f"Seed {result['seed']}; read in {timings['load_s']:.2f} s,"
        f" analysed in {timings['analysis_s']:.2f} s"
    )
    return "\n".join(lines) + "\n"


def _registrar(spec: str) -> Callable[[Any], None]:
    module_name, _, function = spec.partition(":")
    registrar: Callable[[Any], None] = getattr(importlib.import_module(module_name), function)
    return registrar


def build_parser() -> argparse.ArgumentParser:
    """Return the ``python -m debate`` parser with every subcommand of :data:`SUBCOMMANDS`.

    Examples
    --------
    >>> sorted(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    ['kialo', 'polis', 'strength']
    """
    parser = argparse.ArgumentParser(
        prog="python -m debate",
        description="Kenes analysis engine: run one analysis on files, without the web app.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for spec in SUBCOMMANDS:
        _registrar(spec)(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``python -m debate``; bad input ends with ``error: ...`` on stderr and status 2.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0, or 2 on bad input (argparse also uses 2 for bad arguments).

    Examples
    --------
    >>> main(["polis", "/nonexistent/export"])
    2
    """
    args = build_parser().parse_args(argv)
    try:
        status: int = args.func(args)
    except DebateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. a file that vanished or cannot be read
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return status
