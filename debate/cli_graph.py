"""Command-line subcommands of the argument-graph half of :mod:`debate`.

``python -m debate strength GRAPH.json [--semantics ...]`` and ``python -m debate kialo FILE.txt
[--json]``. :func:`register` adds both to an :mod:`argparse` subparser set; each parsed namespace
carries its handler in ``func`` (``handler(args) -> int``, the exit status). Handlers raise
:class:`~debate.errors.DebateError` on bad input; :func:`main` (also ``python -m
debate.cli_graph``) turns that into a one-line ``error: ...`` on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from debate.errors import DebateError, InputError, read_input_text
from debate.graph import base_scores, graph_from_json, graph_to_json
from debate.kialo import argument_outline, read_kialo
from debate.semantics import SEMANTICS, strength

__all__ = ["cli_kialo", "cli_strength", "main", "register"]


def register(subparsers: Any) -> None:
    """Add the ``strength`` and ``kialo`` subcommands to ``subparsers``.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What ``ArgumentParser.add_subparsers()`` returned.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="debate")
    >>> register(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["strength", "g.json", "--semantics", "df-quad"])
    >>> args.func is cli_strength, args.semantics
    (True, 'df-quad')
    """
    p = subparsers.add_parser(
        "strength",
        help="argument strength from a support/attack graph (gradual semantics)",
        description='Read {"nodes": {id: {"base": score}}, "edges": [{"source", '
        '"target", "relation"}]} and print the strength of every node as JSON.',
    )
    p.add_argument("graph", metavar="GRAPH.json", help="the graph as JSON")
    p.add_argument(
        "--semantics",
        choices=SEMANTICS,
        default="quadratic-energy",
        help="gradual semantics (default: %(default)s)",
    )
    p.add_argument(
        "--damping",
        type=float,
        default=0.5,
        help="step size of the fixed-point iteration on cycles (default: %(default)s)",
    )
    p.add_argument(
        "--tol",
        type=float,
        default=1e-12,
        help="convergence tolerance on cycles (default: %(default)s)",
    )
    p.add_argument(
        "--max-iter",
        type=int,
        default=1000,
        help="most fixed-point sweeps per cycle (default: %(default)s)",
    )
    p.add_argument(
        "--default-base",
        type=float,
        default=0.5,
        help="base score of nodes without one (default: %(default)s)",
    )
    p.set_defaults(func=cli_strength)

    k = subparsers.add_parser(
        "kialo",
        help="parse a Kialo text export into the argument graph",
        description="Parse a Kialo discussion export (.txt) and print its argument graph.",
    )
    k.add_argument("file", metavar="FILE.txt", help="the Kialo export")
    k.add_argument(
        "--json",
        action="store_true",
        help='print {"title", "nodes", "edges"} JSON instead of an outline',
    )
    k.set_defaults(func=cli_kialo)


def cli_strength(args: argparse.Namespace) -> int:
    """Print the strength JSON for ``args.graph``; return the exit status (0).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "g.json"
    ...     _ = path.write_text('{"nodes": {"a": {"base": 0.5}, "b": {"base": 1.0}},'
    ...                         ' "edges": [{"source": "b", "target": "a", "relation": "attack"}]}')
    ...     main(["strength", str(path), "--semantics", "df-quad"])
    {"strength": {"a": 0.0, "b": 1.0}, "semantics": "df-quad", "converged": true, "iterations": 2}
    0
    """
    data = _read_json(args.graph)
    G = graph_from_json(data, source=args.graph)
    if not 0.0 <= args.default_base <= 1.0:
        raise InputError(f"--default-base must be in [0, 1], got {args.default_base}")
    result = strength(
        G,
        base_scores(G, default=args.default_base),
        semantics=args.semantics,
        damping=args.damping,
        tol=args.tol,
        max_iter=args.max_iter,
    )
    print(json.dumps(result.to_json(), ensure_ascii=False))
    return 0


def cli_kialo(args: argparse.Namespace) -> int:
    """Print the argument graph of the Kialo export ``args.file``; return the exit status (0).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "d.txt"
    ...     _ = path.write_text("Discussion Title: Tram?\\n\\n1. Build it\\n1.1. Con: Costly\\n")
    ...     main(["kialo", str(path)])
    Tram?
    [1] Build it
      - [1.1] Costly
    2 statements, 1 link
    0
    """
    discussion = read_kialo(args.file)
    G = discussion.graph()
    if args.json:
        print(
            json.dumps(
                {"title": discussion.title, **graph_to_json(G)}, ensure_ascii=False, indent=2
            )
        )
    else:
        sys.stdout.write(argument_outline(G))
    return 0


def _read_json(path: str) -> Any:
    text = read_input_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", source=path, row=exc.lineno) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; errors become ``error: ...`` on stderr and exit status 2.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments after the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status.

    Examples
    --------
    >>> main(["kialo", "/nonexistent/d.txt"])
    2
    """
    parser = argparse.ArgumentParser(prog="python -m debate")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(argv)
    try:
        status: int = args.func(args)
    except DebateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
