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
import dataclasses
import importlib
import json
import shutil
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from debate.errors import DebateError, InputError

if TYPE_CHECKING:
    from debate.groups import OpinionGroups
    from debate.polis import PolisExport
    from debate.types import VoteMatrix

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
        "participants-votes.csv, or the Pol.is JSON form: comments.json and votes.json) and "
        "print its analysis: opinion groups and their representative statements, consensus, "
        "divisive and uncertain statements, bridging, cruxes and controversy. The groups are "
        "reached by replaying the votes in time order through Pol.is's updates when the votes "
        "have times (votes.csv, votes.json), else found in one shot from the final votes "
        "(also with --one-shot), or taken from a file (--groups).",
    )
    p.add_argument("directory", metavar="DIR", help="the Polis export folder")
    p.add_argument("--json", action="store_true", help="print the analysis JSON (API.md section 4)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    how = p.add_mutually_exclusive_group()
    how.add_argument(
        "--groups",
        metavar="FILE",
        help="use these opinion groups: a JSON object participant id -> group id, or Pol.is's "
        "math-pca2.json (its in-conv, mod-out and meta-tids come along); everything else is "
        "computed from them",
    )
    how.add_argument(
        "--replay",
        action="store_true",
        help="find the groups as Pol.is does, replaying the votes in time order through its "
        "update rules (by default one update per second of votes, as Pol.is polls); the "
        "default when the votes have times, an error when they have none",
    )
    how.add_argument(
        "--one-shot",
        action="store_true",
        help="find the groups in one shot from the final votes, even when the votes have times",
    )
    cadence = p.add_mutually_exclusive_group()
    cadence.add_argument(
        "--every", type=int, metavar="N", help="with --replay: update after every N votes"
    )
    cadence.add_argument(
        "--cadence",
        type=float,
        metavar="SECONDS",
        help="with --replay: update once per SECONDS of votes (default: 1)",
    )
    p.add_argument(
        "--restart-after",
        type=float,
        metavar="SECONDS",
        help="with --replay: a silence longer than this restarts Pol.is's worker (the next "
        "update starts the groups afresh)",
    )
    p.add_argument(
        "--final-restart",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="with --replay: end with one update from a restarted state, as when Pol.is reloads "
        "the conversation (default: yes)",
    )
    p.set_defaults(func=cli_polis)


def cli_polis(args: argparse.Namespace) -> int:
    """Analyse the Polis export ``args.directory`` and print it; return the exit status (0)."""
    from debate.analysis import analyse
    from debate.polis import has_vote_times, read_polis_export

    asked = bool(getattr(args, "replay", False))
    given_file = getattr(args, "groups", None)
    one_shot = bool(getattr(args, "one_shot", False)) or given_file is not None
    for option in ("every", "cadence", "restart_after"):
        if getattr(args, option, None) is not None and one_shot:
            raise InputError(f"--{option.replace('_', '-')} needs --replay")
    start = time.perf_counter()
    export = read_polis_export(args.directory, polis_groups=False, history=not one_shot)
    matrix = export.matrix
    # Replay by default when the votes carry their times (participants-votes.csv has none).
    replay = asked or (not one_shot and has_vote_times(export))
    extra: dict[str, Any] = {}
    groups = None
    if given_file is not None:
        matrix, groups, extra = _given_groups(matrix, given_file, args.seed)
    load_s = time.perf_counter() - start
    if replay:
        groups, extra = _replayed_groups(export, args)
    result = analyse(matrix, seed=args.seed, groups=groups)
    result.update(extra)
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


def _given_groups(
    matrix: VoteMatrix, path: str, seed: int
) -> tuple[VoteMatrix, OpinionGroups, dict[str, Any]]:
    """The groups of a ``--groups`` file, with the moderation a math-pca2.json records."""
    from debate.groups import assigned_groups
    from debate.polis import read_group_assignment

    given = read_group_assignment(path, matrix.participants)
    index = {sid: j for j, sid in enumerate(matrix.statements)}
    meta = matrix.meta | {index[s] for s in given.meta if s in index}
    moderated = matrix.moderated_out | {index[s] for s in given.moderated_out if s in index}
    matrix = dataclasses.replace(matrix, moderated_out=frozenset(moderated - meta), meta=meta)
    groups = assigned_groups(matrix, given.groups, clustered=given.clustered, seed=seed)
    return matrix, groups, {"given_groups": {"file": Path(path).name, "source": given.source}}


def _replayed_groups(export: PolisExport, args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    """The groups Pol.is's updates reach when the votes are replayed in time order."""
    from debate.conversation import replay_conversation

    log = export.log
    if log is None:
        raise InputError(
            "--replay needs the votes with their times (votes.csv or votes.json)",
            source=export.votes_file,
        )
    matrix = export.matrix
    replayed = replay_conversation(
        log,
        every=args.every,
        cadence=args.cadence,
        restart_after=args.restart_after,
        restart_at_end=args.final_restart,
        moderated_out=matrix.moderated_out,
        meta=matrix.meta,
        seed=args.seed,
        fresh_ids=True,
    )
    update = replayed.update
    if update is None:
        raise InputError("no votes to replay", source=export.votes_file)
    state = update.state
    info = {
        "replay": {
            "updates": len(replayed.cuts),
            "every": args.every,
            "cadence_s": None if args.every is not None else (args.cadence or 1.0),
            "restarts": replayed.restarts,
            "final_restart": bool(args.final_restart),
            "best_k": update.best_k,
            "k_history": list(state.k_history),
            "polis_ids": list(update.polis_ids),
            "retired": [
                {"id": r.id, "joined": r.joined, "update": r.update, "at": r.at}
                for r in state.retired
            ],
        }
    }
    return update.groups, info


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
    if "given_groups" in result:
        given = result["given_groups"]
        lines.append(f"Groups given by {given['file']} ({given['source']})")
    if "replay" in result:
        replay = result["replay"]
        lines.append(
            f"Groups from replaying the votes through {replay['updates']} Pol.is updates"
            + (" (the last after a restart)" if replay["final_restart"] else "")
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

    def best(scores: dict[str, float]) -> list[tuple[str, float]]:
        return sorted(scores.items(), key=lambda kv: -kv[1])[:5]

    sections = {
        "Consensus (a majority of everyone):": [
            (f"{pct(c['agree'])} agree", c["statement"]) for c in consensus["agree"]
        ]
        + [(f"{pct(c['disagree'])} disagree", c["statement"]) for c in consensus["disagree"]],
        "Agreement across all groups (group-informed consensus):": [
            (f"{score:.2f}", sid) for sid, score in best(result["group_informed_consensus"])
        ],
        "Divisive (groups differ most):": [
            (f"spread {d['spread']:.2f}", d["statement"]) for d in result["divisive"]
        ],
        "Uncertain (many passes):": [
            (f"{pct(u['pass'])} pass", u["statement"]) for u in result["uncertain"][:5]
        ],
        "Bridging (support across the opinion axis):": [
            (f"{score:+.3f}", sid) for sid, score in best(result["bridging"])
        ],
        "Cruxes (votes that best predict the group):": [
            (f"{c['score']:.2f}", c["statement"]) for c in result["cruxes"]
        ],
    }
    for name, rows in sections.items():
        section(name, rows)
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
