"""Errors raised by the analysis core."""

from __future__ import annotations

import os
from pathlib import Path

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


def read_input_text(
    path: str | os.PathLike[str], *, source: str | None = None, missing: str = "no such file"
) -> str:
    """Read an input file as UTF-8 text (a byte-order mark is dropped).

    Parameters
    ----------
    path : str or path-like
        The file.
    source : str, optional
        The name the errors give the file (default: ``path`` as given).
    missing : str, default "no such file"
        The error's message when the file does not exist.

    Returns
    -------
    str

    Raises
    ------
    InputError
        The file does not exist, is not UTF-8 text or cannot be read.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     file = Path(folder) / "a.txt"
    ...     _ = file.write_bytes(b"\\xef\\xbb\\xbfBuild it")
    ...     read_input_text(file)
    'Build it'
    >>> read_input_text("no/such.txt", source="such.txt")
    Traceback (most recent call last):
    debate.errors.InputError: such.txt: no such file
    """
    name = os.fspath(path) if source is None else source
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(missing, source=name) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", source=name) from None
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", source=name) from None
