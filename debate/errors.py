"""Errors raised by the analysis core."""

from __future__ import annotations

__all__ = ["DebateError", "InputError", "GraphError"]


class DebateError(Exception):
    """Base class of every error raised by :mod:`debate`."""


class InputError(DebateError):
    """An input file or value is malformed.

    ``source`` names the file (and ``row`` the 1-based line) when known, so the CLI can print a
    one-line error such as ``votes.csv:12: unknown vote value '3'``.
    """

    def __init__(self, message: str, *, source: str | None = None, row: int | None = None) -> None:
        self.source = source
        self.row = row
        where = source or ""
        if row is not None:
            where = f"{where}:{row}"
        super().__init__(f"{where}: {message}" if where else message)


class GraphError(DebateError):
    """An argument graph is inconsistent (unknown node, self-link, bad relation)."""
