"""Read a Polis export folder into a :class:`~debate.types.VoteMatrix`.

Two forms are read:

- the **CSV export** (``comments.csv`` and either ``votes.csv``, one row per vote, the latest by
  timestamp wins, or, when that is absent, ``participants-votes.csv``, one row per participant,
  one column per comment). ``votes.csv`` is parsed by a vectorised numpy reader that handles tens
  of millions of votes; anything irregular (quoted fields, blank lines, bad values) falls back to
  the :mod:`csv` module, which also pinpoints the offending row for the error;
- the **Pol.is JSON form** (``votes.json`` and ``comments.json``, as the Pol.is API serves them
  and as red-dwarf stores them, optionally with ``conversation.json``), with either key
  spelling: ``pid``/``participant_id``, ``tid``/``statement_id``, ``mod``/``moderated``; vote
  times (``modified``) in epoch milliseconds or ISO 8601; ``is_meta`` marks meta statements.

Both keep every vote in time order too (:class:`VoteLog`), for replaying a conversation's history.
:func:`read_group_assignment` reads given opinion groups (``--groups``): a JSON object participant
→ group, or Pol.is's own ``math-pca2.json``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from debate.errors import InputError, read_input_text
from debate.types import VoteMatrix

__all__ = [
    "PolisExport",
    "VoteLog",
    "has_vote_times",
    "GroupAssignment",
    "read_polis_export",
    "polis_group_ids",
    "read_group_assignment",
]

COMMENTS = "comments.csv"
VOTES = "votes.csv"
PARTICIPANTS_VOTES = "participants-votes.csv"
COMMENTS_JSON = "comments.json"
VOTES_JSON = "votes.json"
CONVERSATION_JSON = "conversation.json"

_VOTE_VALUES = {"1": 1, "-1": -1, "0": 0}
_CHUNK_BYTES = 1 << 26  # 64 MiB: bounds the temporary arrays of the vectorised parser

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
#: Timestamps above this are milliseconds (1e11 ms is 1973; 1e11 s would be the year 5138).
_MS_THRESHOLD = 1e11


@dataclass(frozen=True)
class VoteLog:
    """Every vote of a conversation in time order, not only the latest: its history.

    ``rows[i]``, ``cols[i]``, ``values[i]``, ``times[i]``: participant
    ``participants[rows[i]]`` voted ``values[i]`` on statement ``statements[cols[i]]`` at
    ``times[i]`` (seconds since 1970; 0 when the source has no times). Sorted by time, ties in
    source order; ids are those of the export's :class:`~debate.types.VoteMatrix`.
    """

    participants: tuple[str, ...]
    statements: tuple[str, ...]
    rows: IntArray
    cols: IntArray
    values: npt.NDArray[np.int8]
    times: FloatArray

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def matrix(
        self,
        n_votes: int | None = None,
        *,
        moderated_out: frozenset[int] = frozenset(),
        meta: frozenset[int] = frozenset(),
    ) -> VoteMatrix:
        """The vote matrix after the first ``n_votes`` votes (all by default): latest vote wins.

        Participants and statements are always all of the export's (a participant without a
        vote yet has an empty row).

        Examples
        --------
        >>> log = VoteLog(("7", "9"), ("0",), np.array([0, 1, 0]), np.array([0, 0, 0]),
        ...               np.array([1, 0, -1], dtype=np.int8), np.array([1.0, 2.0, 3.0]))
        >>> log.matrix(2).values.tolist(), log.matrix().values.tolist()
        ([1, 0], [-1, 0])
        """
        n = len(self) if n_votes is None else max(0, min(int(n_votes), len(self)))
        rows, cols, values = _latest_votes(
            self.rows[:n],
            self.cols[:n],
            np.arange(n, dtype=np.int64),  # already in time order: the later vote wins
            self.values[:n],
            len(self.statements),
        )
        return VoteMatrix(
            participants=self.participants,
            statements=self.statements,
            rows=rows.astype(np.int32),
            cols=cols.astype(np.int32),
            values=values.astype(np.int8),
            moderated_out=moderated_out,
            meta=meta,
        )


@dataclass(frozen=True)
class PolisExport:
    """What a Polis export folder holds, ready for analysis.

    Attributes
    ----------
    matrix : VoteMatrix
        Every participant's latest vote on every comment; comments whose moderation state is -1
        are in ``matrix.moderated_out``, meta comments in ``matrix.meta``.
    texts : dict of str to str
        Comment id to comment body.
    polis_groups : dict of str to int or None
        Participant id to the opinion group Polis itself assigned (``None``: not clustered), from
        ``participants-votes.csv`` when it was read (see :func:`read_polis_export`); else empty.
    votes_file : str
        The file the votes came from (``votes.csv``, ``participants-votes.csv`` or
        ``votes.json``).
    log : VoteLog or None
        Every vote in time order (None for ``participants-votes.csv``, which has no history).
    comment_times : dict of str to float
        Comment id to its creation time (seconds since 1970), where the export gives it.
    conversation : dict
        ``conversation.json`` (JSON form; topic, description, ``strict_moderation``, ...), or
        empty.
    votes_flipped : bool
        True when the JSON votes used the Pol.is API's convention (agree = -1) and were turned
        round: the comments' own ``agree_count``/``disagree_count`` decide (see
        :func:`read_polis_export`).
    """

    matrix: VoteMatrix
    texts: dict[str, str] = field(default_factory=dict)
    polis_groups: dict[str, int | None] = field(default_factory=dict)
    votes_file: str = VOTES
    log: VoteLog | None = None
    comment_times: dict[str, float] = field(default_factory=dict)
    conversation: dict[str, Any] = field(default_factory=dict)
    votes_flipped: bool = False


def has_vote_times(export: PolisExport) -> bool:
    """Whether an export's votes carry their times (votes.csv, votes.json; read with
    ``history=True``): then they can be replayed in time order."""
    log = export.log
    return log is not None and len(log) > 0 and bool((log.times > 0).any())


def read_polis_export(
    directory: str | os.PathLike[str], *, polis_groups: bool = False, history: bool = False
) -> PolisExport:
    """Read a Polis export folder (CSV export or Pol.is JSON form).

    Parameters
    ----------
    directory : path
        Folder with ``comments.csv`` and ``votes.csv`` or ``participants-votes.csv``; or with
        ``comments.json`` and ``votes.json`` (the CSV files win when both are present).
    polis_groups : bool, default False
        Also read Polis's own ``group-id`` per participant from ``participants-votes.csv`` when
        that file exists next to ``votes.csv`` (for comparisons); when it is the vote source
        the group ids come with it anyway.
    history : bool, default False
        Also keep every vote in time order (:attr:`PolisExport.log`), for replays. Off by
        default: it holds every vote, not only the latest, in memory.

    Returns
    -------
    PolisExport
        The vote matrix (participants and statements ordered numerically by id when the ids are
        integers), comment texts, the vote log and Polis's group ids.

    Raises
    ------
    InputError
        If the folder or a required file is missing, or a row is malformed (wrong number of
        fields, non-integer id or timestamp, unknown vote value, a JSON record without a
        required key in either spelling); ``source`` names the file and ``row`` the 1-based
        line (CSV) or record (JSON).

    Notes
    -----
    The Pol.is API stores agree as -1 and disagree as 1; red-dwarf and the CSV export store
    agree as 1. JSON votes are turned round when the comments' ``agree_count`` and
    ``disagree_count`` match the votes counted the other way round better than as given.

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
    >>> export = read_polis_export(d, history=True)
    >>> m = export.matrix
    >>> m.participants, m.statements, m.values.tolist(), sorted(m.moderated_out)
    (('7', '9'), ('0', '1'), [-1, -1, 0], [1])
    >>> export.texts["0"], len(export.log)
    ('Parks matter', 4)
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise InputError("no such folder", source=str(folder))
    csv_files = (COMMENTS, VOTES, PARTICIPANTS_VOTES)
    json_files = (COMMENTS_JSON, VOTES_JSON)
    if not any((folder / name).is_file() for name in csv_files) and any(
        (folder / name).is_file() for name in json_files
    ):
        return _read_json_export(folder, history=history)
    comments_path = folder / COMMENTS
    if not comments_path.is_file():
        raise InputError(
            "missing file (a Polis export needs comments.csv, or comments.json and votes.json)",
            source=COMMENTS,
        )
    comment_ids, texts, moderated, comment_times = _read_comments(comments_path)

    votes_path = folder / VOTES
    pv_path = folder / PARTICIPANTS_VOTES
    groups: dict[str, int | None] = {}
    log: VoteLog | None = None
    if votes_path.is_file():
        voter_keys, comment_keys, timestamps, values = _read_votes(votes_path)
        matrix, log = _matrix_from_votes(
            voter_keys, comment_keys, timestamps, values, comment_ids, moderated, with_log=history
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
    return PolisExport(
        matrix=matrix,
        texts=texts,
        polis_groups=groups,
        votes_file=votes_file,
        log=log,
        comment_times=comment_times,
    )


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


def _read_comments(path: Path) -> tuple[list[str], dict[str, str], set[str], dict[str, float]]:
    """Return comment ids in file order, their texts, the ids moderated out and their times."""
    ids: list[str] = []
    texts: dict[str, str] = {}
    moderated: set[str] = set()
    times: dict[str, float] = {}
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
        stamp_col = header.get("timestamp")
        stamp = row[stamp_col].strip() if stamp_col is not None else ""
        if stamp.isdigit():  # cosmetic: a bad comment time is not an error
            times[cid] = _seconds(float(stamp))
    return ids, texts, moderated, times


def _seconds(stamp: float) -> float:
    """A Polis timestamp in seconds: exports use milliseconds, some tools seconds."""
    return stamp / 1000.0 if stamp > _MS_THRESHOLD else stamp


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
# The Pol.is JSON form: votes.json, comments.json (and conversation.json)

_PARTICIPANT_KEYS = ("pid", "participant_id")
_STATEMENT_KEYS = ("tid", "statement_id")
_MODERATION_KEYS = ("mod", "moderated")
_TIME_KEYS = ("modified", "created")


_MISSING_JSON = "missing file (the Pol.is JSON form needs comments.json and votes.json)"


def _json_document(path: Path, *, required: bool = True, missing: str = _MISSING_JSON) -> Any:
    """Parse one JSON file; a missing required file, bad text or bad JSON is an InputError."""
    name = path.name
    if not required and not path.exists():
        return None
    text = read_input_text(path, source=name, missing=missing)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc.msg}", source=name, row=exc.lineno) from None


def _json_records(path: Path) -> list[dict[str, Any]]:
    data = _json_document(path)
    if not isinstance(data, list):
        raise InputError("expected a JSON list of records", source=path.name)
    for index, record in enumerate(data, 1):
        if not isinstance(record, dict):
            raise InputError("record is not a JSON object", source=path.name, row=index)
    return data


def _field(
    record: Mapping[str, Any], keys: Sequence[str], what: str, source: str, index: int
) -> Any:
    """The value under the first of ``keys`` present (not null), else an InputError naming them."""
    for key in keys:
        value = record.get(key)
        if value is not None:
            return value
    spelled = " or ".join(repr(key) for key in keys)
    raise InputError(f"no {what}: expected key {spelled}", source=source, row=index)


def _json_id(value: Any, what: str, source: str, index: int | None) -> str:
    if isinstance(value, bool):
        raise InputError(f"{what} is not an id: {value!r}", source=source, row=index)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise InputError(f"{what} is not an id: {value!r}", source=source, row=index)


def _json_int(value: Any, allowed: tuple[int, ...], what: str, source: str, index: int) -> int:
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value.strip())
    if number is None or number not in allowed:
        raise InputError(f"unknown {what} {value!r}", source=source, row=index)
    return number


def _json_time_ms(value: Any, source: str, index: int) -> int:
    """A Pol.is time (epoch milliseconds, as a number or a string, or ISO 8601) in milliseconds."""
    if isinstance(value, bool):
        raise InputError(f"bad time {value!r}", source=source, row=index)
    number: float | None = None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            return _iso_time_ms(text, source, index)
    if number is None or not math.isfinite(number) or number < 0:
        raise InputError(f"bad time {value!r}", source=source, row=index)
    # Epoch seconds (some tools) are told from milliseconds by their size.
    return int(round(number if number > _MS_THRESHOLD else number * 1000))


def _iso_time_ms(text: str, source: str, index: int) -> int:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InputError(
            f"bad time {text!r} (epoch milliseconds or ISO 8601 with a zone)",
            source=source,
            row=index,
        )
    return int(round(moment.timestamp() * 1000))


def _read_json_comments(
    path: Path,
) -> tuple[
    list[str], dict[str, str], set[str], set[str], dict[str, float], dict[str, tuple[int, int]]
]:
    """Comment ids, texts, moderated-out ids, meta ids, times and (agree, disagree) counts."""
    name = path.name
    ids: list[str] = []
    texts: dict[str, str] = {}
    moderated: set[str] = set()
    meta: set[str] = set()
    times: dict[str, float] = {}
    counts: dict[str, tuple[int, int]] = {}
    for index, record in enumerate(_json_records(path), 1):
        cid = _json_id(
            _field(record, _STATEMENT_KEYS, "comment id", name, index), "comment id", name, index
        )
        if cid in texts:
            raise InputError(f"duplicate comment id {cid!r}", source=name, row=index)
        status = _json_int(
            _field(record, _MODERATION_KEYS, "moderation state", name, index),
            (-1, 0, 1),
            "moderation state",
            name,
            index,
        )
        ids.append(cid)
        text = record.get("txt", record.get("text", ""))
        texts[cid] = text if isinstance(text, str) else ""
        if status == -1:
            moderated.add(cid)
        if record.get("is_meta") is True:
            meta.add(cid)
        created = record.get("created")
        if created is not None:
            times[cid] = _json_time_ms(created, name, index) / 1000.0
        agree, disagree = record.get("agree_count"), record.get("disagree_count")
        if isinstance(agree, int) and isinstance(disagree, int):
            counts[cid] = (agree, disagree)
    return ids, texts, moderated, meta, times, counts


def _read_json_votes(path: Path) -> _Votes:
    name = path.name
    voters: list[str] = []
    comments: list[str] = []
    stamps: list[int] = []
    values: list[int] = []
    for index, record in enumerate(_json_records(path), 1):
        voters.append(
            _json_id(
                _field(record, _PARTICIPANT_KEYS, "participant id", name, index),
                "participant id",
                name,
                index,
            )
        )
        comments.append(
            _json_id(
                _field(record, _STATEMENT_KEYS, "comment id", name, index),
                "comment id",
                name,
                index,
            )
        )
        values.append(
            _json_int(
                _field(record, ("vote",), "vote", name, index),
                (-1, 0, 1),
                "vote value",
                name,
                index,
            )
        )
        stamp = next((record[k] for k in _TIME_KEYS if record.get(k) is not None), None)
        stamps.append(0 if stamp is None else _json_time_ms(stamp, name, index))
    return (
        np.array(voters, dtype=np.str_),
        np.array(comments, dtype=np.str_),
        np.array(stamps, dtype=np.int64),
        np.array(values, dtype=np.int8),
    )


def _read_json_export(folder: Path, *, history: bool) -> PolisExport:
    comment_ids, texts, moderated, meta, times, counts = _read_json_comments(folder / COMMENTS_JSON)
    voter_keys, comment_keys, stamps, values = _read_json_votes(folder / VOTES_JSON)
    conversation = _json_document(folder / CONVERSATION_JSON, required=False)
    if conversation is not None and not isinstance(conversation, dict):
        raise InputError("expected a JSON object", source=CONVERSATION_JSON)
    matrix, log = _matrix_from_votes(
        voter_keys,
        comment_keys,
        stamps,
        values,
        comment_ids,
        moderated,
        meta=meta,
        with_log=history,
    )
    flipped = _api_sign(matrix, counts)
    if flipped:
        matrix = replace(matrix, values=(-matrix.values).astype(np.int8))
        if log is not None:
            log = replace(log, values=(-log.values).astype(np.int8))
    return PolisExport(
        matrix=matrix,
        texts=texts,
        votes_file=VOTES_JSON,
        log=log,
        comment_times=times,
        conversation=conversation or {},
        votes_flipped=flipped,
    )


def _api_sign(matrix: VoteMatrix, counts: Mapping[str, tuple[int, int]]) -> bool:
    """Whether the votes follow the Pol.is API's convention (agree -1), judged by the comments.

    The comments' ``agree_count``/``disagree_count`` are compared with the latest votes counted
    as given and turned round; the votes are turned round only when that matches strictly
    better.
    """
    if not counts or matrix.n_votes == 0:
        return False
    p = len(matrix.statements)
    cols = matrix.cols.astype(np.int64)
    plus = np.bincount(cols[matrix.values == 1], minlength=p)
    minus = np.bincount(cols[matrix.values == -1], minlength=p)
    as_given = turned = 0
    for j, sid in enumerate(matrix.statements):
        if sid in counts:
            agree, disagree = counts[sid]
            as_given += abs(int(plus[j]) - agree) + abs(int(minus[j]) - disagree)
            turned += abs(int(minus[j]) - agree) + abs(int(plus[j]) - disagree)
    return turned < as_given


# --------------------------------------------------------------------------------------------
# Given groups (--groups): a JSON object participant -> group, or Pol.is's math-pca2.json


@dataclass(frozen=True)
class GroupAssignment:
    """Opinion groups given from outside the analysis.

    Attributes
    ----------
    groups : dict of str to int
        Participant id to group id, for every participant in a group.
    clustered : frozenset of str
        Who took part in the clustering (Pol.is ``in-conv``): the grouped participants, plus
        any other ``in-conv`` participant of a ``math-pca2.json``.
    moderated_out, meta : frozenset of str
        Statement ids Pol.is's math left out (``mod-out``) and its meta statements
        (``meta-tids``): a ``math-pca2.json`` records them; empty for a plain mapping.
    source : str
        ``"math-pca2"`` or ``"mapping"``.
    """

    groups: dict[str, int]
    clustered: frozenset[str]
    moderated_out: frozenset[str] = frozenset()
    meta: frozenset[str] = frozenset()
    source: str = "mapping"


def read_group_assignment(
    path: str | os.PathLike[str], participants: Sequence[str]
) -> GroupAssignment:
    """Read given opinion groups: ``{"17": 0, "42": 1, "99": null}`` or a ``math-pca2.json``.

    A ``math-pca2.json`` (Pol.is's math output) gives groups of base clusters: a participant's
    group is that of its base cluster. Its ``in-conv``, ``mod-out`` and ``meta-tids`` come along,
    so that everything computed from the groups follows Pol.is's own view of the conversation.

    Parameters
    ----------
    path : path
        The JSON file.
    participants : sequence of str
        The participants of the conversation: every participant the file names must be one.

    Returns
    -------
    GroupAssignment

    Raises
    ------
    InputError
        If the file cannot be read or is not JSON, has the wrong shape, names a participant not
        in ``participants`` or gives a group id that is not an integer (``source`` names the
        file, the message the key).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "groups.json"
    >>> _ = f.write_text('{"7": 1, "9": 0, "11": null}')
    >>> given = read_group_assignment(f, ["7", "9", "11"])
    >>> given.groups, sorted(given.clustered)
    ({'7': 1, '9': 0}, ['7', '9'])
    """
    file = Path(path)
    name = file.name
    data = _json_document(file, missing="missing file")
    if not isinstance(data, dict):
        raise InputError(
            "expected a JSON object: participant id to group id, or Pol.is's math-pca2.json",
            source=name,
        )
    known = set(participants)

    def participant(value: Any, where: str) -> str:
        pid = _json_id(value, "participant id", name, None) if value is not None else ""
        if pid not in known:
            raise InputError(f"unknown participant {value!r} in {where}", source=name)
        return pid

    if "base-clusters" in data or "group-clusters" in data:
        return _math_assignment(data, name, participant)
    groups: dict[str, int] = {}
    for key, value in data.items():
        pid = participant(key, "the keys")
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise InputError(f"group of participant {key!r} is not an integer", source=name)
        try:
            groups[pid] = int(value)
        except ValueError:
            raise InputError(
                f"group of participant {key!r} is not an integer", source=name
            ) from None
    return GroupAssignment(groups=groups, clustered=frozenset(groups))


def _math_assignment(data: Mapping[str, Any], name: str, participant: Any) -> GroupAssignment:
    def shape_error(what: str) -> InputError:
        return InputError(f"malformed math-pca2: {what}", source=name)

    base = data.get("base-clusters")
    group_clusters = data.get("group-clusters")
    if not isinstance(base, dict) or not isinstance(group_clusters, list):
        raise shape_error("expected 'base-clusters' (object) and 'group-clusters' (list)")
    base_ids, base_members = base.get("id"), base.get("members")
    if not (
        isinstance(base_ids, list)
        and isinstance(base_members, list)
        and len(base_ids) == len(base_members)
        and all(isinstance(m, list) for m in base_members)
    ):
        raise shape_error("'base-clusters' needs 'id' and 'members' lists of one length")
    members_of = {
        _json_id(bid, "base cluster id", name, None): [participant(p, "base-clusters") for p in ms]
        for bid, ms in zip(base_ids, base_members, strict=True)
    }
    groups: dict[str, int] = {}
    for cluster in group_clusters:
        if not isinstance(cluster, dict) or not isinstance(cluster.get("members"), list):
            raise shape_error("each of 'group-clusters' needs 'id' and 'members'")
        gid = cluster.get("id")
        if isinstance(gid, bool) or not isinstance(gid, int):
            raise shape_error(f"group id {gid!r} is not an integer")
        for bid in cluster["members"]:
            key = _json_id(bid, "base cluster id", name, None)
            if key not in members_of:
                raise shape_error(f"group {gid} names an unknown base cluster {bid!r}")
            for pid in members_of[key]:
                groups[pid] = gid
    in_conv = data.get("in-conv", [])
    if not isinstance(in_conv, list):
        raise shape_error("'in-conv' is not a list")
    clustered = frozenset(groups) | {participant(p, "in-conv") for p in in_conv}

    def statement_ids(key: str) -> frozenset[str]:
        value = data.get(key) or []
        if not isinstance(value, list):
            raise shape_error(f"{key!r} is not a list")
        return frozenset(_json_id(t, "statement id", name, None) for t in value)

    return GroupAssignment(
        groups=groups,
        clustered=clustered,
        moderated_out=statement_ids("mod-out"),
        meta=statement_ids("meta-tids"),
        source="math-pca2",
    )


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
    *,
    meta: AbstractSet[str] = frozenset(),
    with_log: bool = False,
) -> tuple[VoteMatrix, VoteLog | None]:
    participants, rows = _unique_ids(voter_keys)
    voted, cols_voted = _unique_ids(comment_keys)
    statements = _ordered_ids(list(dict.fromkeys([*comment_ids, *voted])))
    stmt_index = {s: j for j, s in enumerate(statements)}
    col_map = np.array([stmt_index[s] for s in voted], dtype=np.int64)
    cols = col_map[cols_voted] if len(voted) else np.zeros(0, dtype=np.int64)
    log = None
    if with_log:
        order = np.argsort(timestamps, kind="stable")  # ties: file order
        stamps = timestamps[order].astype(np.float64)
        if len(stamps) and stamps.max() > _MS_THRESHOLD:
            stamps /= 1000.0
        log = VoteLog(
            participants=tuple(participants),
            statements=tuple(statements),
            rows=rows[order].astype(np.int64),
            cols=cols[order].astype(np.int64),
            values=values[order].astype(np.int8),
            times=stamps,
        )
    rows, cols, vals = _latest_votes(rows, cols, timestamps, values, len(statements))
    matrix = VoteMatrix(
        participants=tuple(participants),
        statements=tuple(statements),
        rows=rows.astype(np.int32),
        cols=cols.astype(np.int32),
        values=vals.astype(np.int8),
        moderated_out=frozenset(stmt_index[c] for c in moderated if c in stmt_index),
        meta=frozenset(stmt_index[c] for c in meta if c in stmt_index),
    )
    return matrix, log
