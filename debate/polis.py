"""Read a Polis export folder into a :class:`~debate.types.VoteMatrix`.

A Polis export folder holds ``comments.csv`` and either ``votes.csv`` (one row per vote, the
latest vote by timestamp wins) or, when that is absent, ``participants-votes.csv`` (one row per
participant, one column per comment). ``votes.csv`` is parsed by a vectorised numpy reader that
handles tens of millions of votes; anything irregular (quoted fields, blank lines, bad values)
falls back to the :mod:`csv` module, which also pinpoints the offending row for the error.
"""

from __future__ import annotations

import csv
import io
import os
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from debate.errors import InputError
from debate.types import VoteMatrix

__all__ = ["PolisExport", "read_polis_export", "polis_group_ids"]

COMMENTS = "comments.csv"
VOTES = "votes.csv"
PARTICIPANTS_VOTES = "participants-votes.csv"

_VOTE_VALUES = {"1": 1, "-1": -1, "0": 0}
_CHUNK_BYTES = 1 << 26  # 64 MiB: bounds the temporary arrays of the vectorised parser

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class PolisExport:
    """What a Polis export folder holds, ready for analysis.

    Attributes
    ----------
    matrix : VoteMatrix
        Every participant's latest vote on every comment; comments whose ``moderated`` is -1 are
        in ``matrix.moderated_out``.
    texts : dict of str to str
        Comment id to comment body.
    polis_groups : dict of str to int or None
        Participant id to the opinion group Polis itself assigned (``None``: not clustered), from
        ``participants-votes.csv`` when it was read (see :func:`read_polis_export`); else empty.
    votes_file : str
        The file the votes came from (``votes.csv`` or ``participants-votes.csv``).
    """

    matrix: VoteMatrix
    texts: dict[str, str] = field(default_factory=dict)
    polis_groups: dict[str, int | None] = field(default_factory=dict)
    votes_file: str = VOTES


def read_polis_export(
    directory: str | os.PathLike[str], *, polis_groups: bool = False
) -> PolisExport:
    """Read a Polis export folder.

    Parameters
    ----------
    directory : path
        Folder with ``comments.csv`` and ``votes.csv`` or ``participants-votes.csv``.
    polis_groups : bool, default False
        Also read Polis's own ``group-id`` per participant from ``participants-votes.csv`` when
        that file exists next to ``votes.csv`` (for comparisons); when it is the vote source
        the group ids come with it anyway.

    Returns
    -------
    PolisExport
        The vote matrix (participants and statements ordered numerically by id when the ids are
        integers), comment texts and Polis's group ids.

    Raises
    ------
    InputError
        If the folder or a required file is missing, or a row is malformed (wrong number of
        fields, non-integer id or timestamp, unknown vote value); ``source`` names the file and
        ``row`` the 1-based line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "comments.csv").write_text(
    ...     "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\\n"
    ...     "1,x,0,0,1,0,1,Parks matter\\n2,x,1,0,0,1,-1,spam\\n")
    >>> _ = (d / "votes.csv").write_text(
    ...     "timestamp,datetime,comment-id,voter-id,vote\\n"
    ...     "10,x,0,7,1\\n11,x,1,7,-1\\n12,x,0,7,-1\\n13,x,0,9,0\\n")
    >>> export = read_polis_export(d)
    >>> m = export.matrix
    >>> m.participants, m.statements, m.values.tolist(), sorted(m.moderated_out)
    (('7', '9'), ('0', '1'), [-1, -1, 0], [1])
    >>> export.texts["0"]
    'Parks matter'
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise InputError("no such folder", source=str(folder))
    comments_path = folder / COMMENTS
    if not comments_path.is_file():
        raise InputError("missing file (a Polis export needs comments.csv)", source=COMMENTS)
    comment_ids, texts, moderated = _read_comments(comments_path)

    votes_path = folder / VOTES
    pv_path = folder / PARTICIPANTS_VOTES
    groups: dict[str, int | None] = {}
    if votes_path.is_file():
        voter_keys, comment_keys, timestamps, values = _read_votes(votes_path)
        matrix = _matrix_from_votes(
            voter_keys, comment_keys, timestamps, values, comment_ids, moderated
        )
        votes_file = VOTES
        if polis_groups and pv_path.is_file():
            groups = polis_group_ids(folder)
    elif pv_path.is_file():
        matrix, groups = _read_participants_votes(pv_path, comment_ids, moderated)
        votes_file = PARTICIPANTS_VOTES
    else:
        raise InputError(
            "missing file (a Polis export needs votes.csv or participants-votes.csv)",
            source=VOTES,
        )
    return PolisExport(matrix=matrix, texts=texts, polis_groups=groups, votes_file=votes_file)


def polis_group_ids(directory: str | os.PathLike[str]) -> dict[str, int | None]:
    """Return Polis's own opinion group per participant, from ``participants-votes.csv``.

    Parameters
    ----------
    directory : path
        A Polis export folder.

    Returns
    -------
    dict of str to int or None
        Participant id to ``group-id`` (``None`` when Polis did not cluster the participant).

    Raises
    ------
    InputError
        If the file is missing or malformed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "participants-votes.csv").write_text(
    ...     "participant,group-id,n-comments,n-votes,n-agree,n-disagree,0\\n"
    ...     "0,1,0,1,1,0,1\\n1,,0,0,0,0,\\n")
    >>> polis_group_ids(d)
    {'0': 1, '1': None}
    """
    path = Path(directory) / PARTICIPANTS_VOTES
    groups: dict[str, int | None] = {}
    for line, row, header in _csv_rows(path, required=("participant", "group-id")):
        pid = row[header["participant"]].strip()
        groups[pid] = _optional_int(row[header["group-id"]], PARTICIPANTS_VOTES, line, "group-id")
    return groups


# --------------------------------------------------------------------------------------------
# comments.csv and participants-votes.csv: small files, csv module


def _csv_rows(
    path: Path, *, required: Sequence[str]
) -> Iterator[tuple[int, list[str], dict[str, int]]]:
    """Yield ``(line, fields, header index)`` for every non-blank data row of a CSV file."""
    name = path.name
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("missing file", source=name) from None
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", source=name) from None
    with handle:
        reader = csv.reader(handle, strict=True)
        try:
            header_row = next(reader, None)
            if header_row is None:
                raise InputError("empty file, expected a header row", source=name, row=1)
            header = {col.strip(): i for i, col in enumerate(header_row)}
            missing = [col for col in required if col not in header]
            if missing:
                raise InputError(f"missing column {missing[0]!r} in the header", source=name, row=1)
            width = len(header_row)
            for row in reader:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) != width:
                    raise InputError(
                        f"malformed row: expected {width} fields, got {len(row)}",
                        source=name,
                        row=reader.line_num,
                    )
                yield reader.line_num, row, header
        except csv.Error as exc:
            raise InputError(f"malformed CSV: {exc}", source=name, row=reader.line_num) from None
        except UnicodeDecodeError:
            raise InputError("not UTF-8 text", source=name, row=reader.line_num + 1) from None


def _optional_int(text: str, source: str, line: int, column: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise InputError(f"{column} is not an integer: {text!r}", source=source, row=line) from None


def _read_comments(path: Path) -> tuple[list[str], dict[str, str], set[str]]:
    """Return comment ids in file order, their texts, and the ids moderated out."""
    ids: list[str] = []
    texts: dict[str, str] = {}
    moderated: set[str] = set()
    for line, row, header in _csv_rows(path, required=("comment-id",)):
        cid = row[header["comment-id"]].strip()
        if not cid:
            raise InputError("empty comment-id", source=COMMENTS, row=line)
        if cid in texts:
            raise InputError(f"duplicate comment-id {cid!r}", source=COMMENTS, row=line)
        ids.append(cid)
        body_col = header.get("comment-body")
        texts[cid] = row[body_col] if body_col is not None else ""
        mod_col = header.get("moderated")
        if mod_col is not None:
            status = _optional_int(row[mod_col], COMMENTS, line, "moderated")
            if status not in (None, -1, 0, 1):
                raise InputError(f"unknown moderated value {status!r}", source=COMMENTS, row=line)
            if status == -1:
                moderated.add(cid)
    return ids, texts, moderated


def _read_participants_votes(
    path: Path, comment_ids: list[str], moderated: set[str]
) -> tuple[VoteMatrix, dict[str, int | None]]:
    """Parse the wide ``participants-votes.csv`` into a vote matrix and Polis's group ids."""
    participants: list[str] = []
    groups: dict[str, int | None] = {}
    rows: list[int] = []
    cols: list[str] = []
    values: list[int] = []
    vote_columns: list[tuple[int, str]] = []
    for line, row, header in _csv_rows(path, required=("participant", "n-disagree")):
        if not vote_columns:
            first = header["n-disagree"] + 1
            by_index = {i: name for name, i in header.items()}
            vote_columns = [(i, by_index[i]) for i in range(first, len(by_index))]
        pid = row[header["participant"]].strip()
        if pid in groups:
            raise InputError(f"duplicate participant {pid!r}", source=PARTICIPANTS_VOTES, row=line)
        gcol = header.get("group-id")
        group = None if gcol is None else row[gcol]
        groups[pid] = _optional_int(group or "", PARTICIPANTS_VOTES, line, "group-id")
        i = len(participants)
        participants.append(pid)
        for j, cid in vote_columns:
            cell = row[j].strip()
            if not cell:
                continue
            value = _VOTE_VALUES.get(cell)
            if value is None:
                raise InputError(
                    f"unknown vote value {cell!r} for comment {cid}",
                    source=PARTICIPANTS_VOTES,
                    row=line,
                )
            rows.append(i)
            cols.append(cid)
            values.append(value)
    statements = _ordered_ids(list(dict.fromkeys([*comment_ids, *(c for _, c in vote_columns)])))
    stmt_index = {s: j for j, s in enumerate(statements)}
    participant_order = _ordered_ids(participants)
    part_index = {p: i for i, p in enumerate(participant_order)}
    remap = np.array([part_index[p] for p in participants], dtype=np.int32)
    row_arr = remap[np.array(rows, dtype=np.int64)] if rows else np.zeros(0, dtype=np.int32)
    col_arr = np.array([stmt_index[c] for c in cols], dtype=np.int32)
    order = np.lexsort((col_arr, row_arr))
    matrix = VoteMatrix(
        participants=tuple(participant_order),
        statements=tuple(statements),
        rows=row_arr[order].astype(np.int32),
        cols=col_arr[order],
        values=np.array(values, dtype=np.int8)[order],
        moderated_out=frozenset(stmt_index[c] for c in moderated if c in stmt_index),
    )
    return matrix, groups


def _ordered_ids(ids: Sequence[str]) -> list[str]:
    """Sort ids numerically when they are all integers, else keep them as given."""
    try:
        keys = [int(x) for x in ids]
    except ValueError:
        return list(ids)
    return [x for _, x in sorted(zip(keys, ids, strict=True), key=lambda kv: kv[0])]


# --------------------------------------------------------------------------------------------
# votes.csv: vectorised reader with a csv-module fallback


class _Irregular(Exception):
    """The fast reader met something it does not handle; use the csv module instead."""


_Votes = tuple[npt.NDArray[np.generic], npt.NDArray[np.generic], IntArray, npt.NDArray[np.int8]]


def _read_votes(path: Path) -> _Votes:
    """Return voter keys, comment keys, timestamps and vote values, in file order."""
    try:
        return _read_votes_fast(path)
    except _Irregular:
        return _read_votes_csv(path)


@dataclass(frozen=True)
class _VoteColumns:
    n_fields: int
    comment: int
    voter: int
    vote: int
    timestamp: int | None


def _votes_header(header_line: str) -> _VoteColumns:
    names = [c.strip() for c in header_line.rstrip("\r\n").split(",")]
    index = {name: i for i, name in enumerate(names)}
    for required in ("comment-id", "voter-id", "vote"):
        if required not in index:
            raise InputError(f"missing column {required!r} in the header", source=VOTES, row=1)
    return _VoteColumns(
        n_fields=len(names),
        comment=index["comment-id"],
        voter=index["voter-id"],
        vote=index["vote"],
        timestamp=index.get("timestamp"),
    )


def _read_votes_fast(path: Path) -> _Votes:
    """Read ``votes.csv`` chunk by chunk with numpy's C parser (integer columns only)."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", source=VOTES) from None
    with handle:
        header_bytes = handle.readline()
        if not header_bytes.strip():
            raise InputError("empty file, expected a header row", source=VOTES, row=1)
        if b'"' in header_bytes:
            raise _Irregular
        try:
            header = header_bytes.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _Irregular from None
        columns = _votes_header(header)
        parts: list[npt.NDArray[np.int64]] = []
        carry = b""
        while True:
            block = handle.read(_CHUNK_BYTES)
            data = carry + block
            if block:
                cut = data.rfind(b"\n") + 1
                data, carry = data[:cut], data[cut:]
            if data:
                parts.append(_parse_vote_block(data, columns))
            if not block:
                break
    table = np.concatenate(parts) if parts else np.zeros((0, 4), dtype=np.int64)
    stamps = table[:, 3] if columns.timestamp is not None else np.zeros(len(table), np.int64)
    return table[:, 1], table[:, 0], stamps, table[:, 2].astype(np.int8)


def _parse_vote_block(data: bytes, columns: _VoteColumns) -> npt.NDArray[np.int64]:
    """Rows of (comment, voter, vote[, timestamp]) from whole lines of ``votes.csv``.

    Anything the C parser would not read exactly as the csv module does (quotes, a wrong number
    of fields, non-integer cells, vote values other than -1/0/1) raises :class:`_Irregular`.
    """
    if b'"' in data:
        raise _Irregular
    wanted = [columns.comment, columns.voter, columns.vote]
    if columns.timestamp is not None:
        wanted.append(columns.timestamp)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
            table = np.loadtxt(
                io.BytesIO(data),
                delimiter=",",
                usecols=wanted,
                dtype=np.int64,
                comments=None,
                ndmin=2,
            )
    except ValueError:
        raise _Irregular from None
    # Every line must have exactly n_fields fields (loadtxt ignores surplus columns).
    if data.count(b",") != (columns.n_fields - 1) * len(table):
        raise _Irregular
    votes = table[:, 2]
    if np.any((votes < -1) | (votes > 1)):
        raise _Irregular
    if columns.timestamp is None:
        table = np.concatenate([table, np.zeros((len(table), 1), dtype=np.int64)], axis=1)
    return table


def _read_votes_csv(path: Path) -> _Votes:
    """Slow, exact reader: ``csv`` module, with the line number of any bad row."""
    voters: list[str] = []
    comments: list[str] = []
    stamps: list[int] = []
    values: list[int] = []
    for line, row, header in _csv_rows(path, required=("comment-id", "voter-id", "vote")):
        raw = row[header["vote"]].strip()
        value = _VOTE_VALUES.get(raw)
        if value is None:
            raise InputError(f"unknown vote value {raw!r}", source=VOTES, row=line)
        voter = row[header["voter-id"]].strip()
        comment = row[header["comment-id"]].strip()
        if not voter or not comment:
            raise InputError("empty voter-id or comment-id", source=VOTES, row=line)
        t_col = header.get("timestamp")
        stamp = _optional_int(row[t_col], VOTES, line, "timestamp") if t_col is not None else 0
        voters.append(voter)
        comments.append(comment)
        stamps.append(stamp or 0)
        values.append(value)
    return (
        np.array(voters, dtype=np.str_),
        np.array(comments, dtype=np.str_),
        np.array(stamps, dtype=np.int64),
        np.array(values, dtype=np.int8),
    )


def _unique_ids(keys: npt.NDArray[np.generic]) -> tuple[list[str], IntArray]:
    """Return the distinct ids (numeric order when all are integers) and each key's index."""
    if keys.dtype.kind == "U":
        try:
            as_int = keys.astype(np.int64)
        except ValueError:
            as_int = None
        if as_int is not None and np.array_equal(as_int.astype(np.str_), keys):
            keys = as_int
    if keys.dtype.kind == "i" and len(keys) and keys.min() >= 0 and keys.max() < 4 * len(keys):
        # Small non-negative integers (the usual Polis ids): counting instead of sorting.
        present = np.bincount(keys.astype(np.int64)) > 0
        uniq_ints = np.flatnonzero(present)
        inverse = (np.cumsum(present) - 1)[keys]
        return [str(u) for u in uniq_ints.tolist()], inverse.astype(np.int64)
    uniq, inverse = np.unique(keys, return_inverse=True)
    return [str(u) for u in uniq.tolist()], inverse.reshape(-1).astype(np.int64)


def _stable_order(rows: IntArray, cols: IntArray, n_cols: int) -> IntArray:
    """Stable argsort by (row, col): 16-bit radix passes when the ids fit, else timsort."""
    if n_cols <= 1 << 16 and (len(rows) == 0 or int(rows.max()) < 1 << 32):
        order = np.argsort(cols.astype(np.uint16), kind="stable")
        for shift in (0, 16):
            digit = ((rows[order] >> shift) & 0xFFFF).astype(np.uint16)
            order = order[np.argsort(digit, kind="stable")]
        return order
    return np.argsort(rows * max(n_cols, 1) + cols, kind="stable")


def _latest_votes(
    rows: IntArray, cols: IntArray, stamps: IntArray, values: npt.NDArray[np.int8], n_cols: int
) -> tuple[IntArray, IntArray, npt.NDArray[np.int8]]:
    """Keep one vote per (row, col): the latest timestamp, the later line on ties; sorted."""
    order = _stable_order(rows, cols, n_cols)  # stable: file order kept among repeats
    key = (rows * max(n_cols, 1) + cols)[order]
    repeated = np.flatnonzero(key[1:] == key[:-1])
    if len(repeated):
        # Only the repeated pairs need the timestamps: among each run of equal keys keep the
        # position with the largest (timestamp, file position).
        run_start = np.ones(len(key), dtype=bool)
        run_start[1:] = key[1:] != key[:-1]
        run_id = np.cumsum(run_start) - 1
        in_repeat = np.zeros(len(key), dtype=bool)
        in_repeat[repeated] = True
        in_repeat[repeated + 1] = True
        idx = np.flatnonzero(in_repeat)
        best = idx[np.lexsort((idx, stamps[order[idx]], run_id[idx]))]
        last_of_run = np.ones(len(best), dtype=bool)
        last_of_run[:-1] = run_id[best[1:]] != run_id[best[:-1]]
        keep = ~in_repeat
        keep[best[last_of_run]] = True
        order = order[keep]
    return rows[order], cols[order], values[order]


def _matrix_from_votes(
    voter_keys: npt.NDArray[np.generic],
    comment_keys: npt.NDArray[np.generic],
    timestamps: IntArray,
    values: npt.NDArray[np.int8],
    comment_ids: list[str],
    moderated: set[str],
) -> VoteMatrix:
    participants, rows = _unique_ids(voter_keys)
    voted, cols_voted = _unique_ids(comment_keys)
    statements = _ordered_ids(list(dict.fromkeys([*comment_ids, *voted])))
    stmt_index = {s: j for j, s in enumerate(statements)}
    col_map = np.array([stmt_index[s] for s in voted], dtype=np.int64)
    cols = col_map[cols_voted] if len(voted) else np.zeros(0, dtype=np.int64)
    rows, cols, vals = _latest_votes(rows, cols, timestamps, values, len(statements))
    return VoteMatrix(
        participants=tuple(participants),
        statements=tuple(statements),
        rows=rows.astype(np.int32),
        cols=cols.astype(np.int32),
        values=vals.astype(np.int8),
        moderated_out=frozenset(stmt_index[c] for c in moderated if c in stmt_index),
    )
