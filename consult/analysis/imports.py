"""Import a Polis export folder as a new consultation, with bulk inserts in one transaction.

The folder (a CSV export, or the Pol.is JSON form: comments.json, votes.json and
conversation.json) is parsed completely by :func:`debate.polis.read_polis_export` before
anything is written, so a bad file leaves the database untouched. Comments become position
statements (``external_id`` = the Polis comment-id; moderated-out comments are hidden), each
Polis participant an imported account without e-mail or password (``is_imported``), and every
latest vote a vote. Rows go in with multi-row INSERTs on the tables (no ORM objects, one
statement per few thousand rows): a conversation of 1,500 participants and 15,000 votes imports
in about a second.
"""

from __future__ import annotations

import csv
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import insert, select

from consult.analysis import adapters
from consult.analysis import state as analysis_state
from consult.analysis.services import analysis_fingerprint
from consult.auth.models import User
from consult.consultations.imports import ImportFailed, ImportSummary, insert_participants
from consult.consultations.models import (
    Consultation,
    ConsultationMember,
    ConsultationStatus,
    MemberRole,
)
from consult.consultations.services import slugify
from consult.extensions import db
from consult.statements.models import Statement, StatementKind, StatementStatus
from consult.text import clean_text, text_key
from consult.types import utcnow
from consult.votes.models import Vote
from debate.conversation import replay_conversation
from debate.errors import InputError
from debate.polis import PolisExport, has_vote_times, read_polis_export

#: Votes per batch (bounded memory, and a progress bar that moves).
VOTE_CHUNK = 5000
#: The display name of an imported Polis participant; the voter-id keeps the link to the source.
PARTICIPANT_NAME = "Polis participant {}"

Progress = Callable[[int], None]


__all__ = ["ImportFailed", "ImportSummary", "import_polis"]


def _summary_fields(folder: Path) -> dict[str, str]:
    """Read the optional ``summary.csv`` (key,value rows) for the topic and description."""
    path = folder / "summary.csv"
    if not path.is_file():
        return {}
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return {row[0].strip(): row[1].strip() for row in csv.reader(handle) if len(row) >= 2}
    except (OSError, csv.Error, UnicodeDecodeError):
        return {}  # purely descriptive: a damaged summary does not stop the import


def _comment_times(folder: Path) -> dict[str, datetime]:
    """Return each comment's creation time (Polis timestamps are milliseconds since 1970)."""
    times: dict[str, datetime] = {}
    try:
        with (folder / "comments.csv").open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                stamp = (row.get("timestamp") or "").strip()
                cid = (row.get("comment-id") or "").strip()
                if stamp.isdigit() and cid:
                    times[cid] = datetime.fromtimestamp(int(stamp) / 1000, tz=UTC)
    except (OSError, csv.Error, UnicodeDecodeError, ValueError, OverflowError):
        return {}  # already validated by the parser; times are cosmetic
    return times


def count_steps(n_participants: int, n_statements: int, n_votes: int) -> int:
    """The length of the progress bar: one step per participant, statement and vote."""
    return n_participants + n_statements + n_votes


def import_polis(
    directory: str | Path,
    *,
    title: str | None = None,
    owner: User | None = None,
    status: ConsultationStatus = ConsultationStatus.closed,
    progress: Callable[[int], Progress] | None = None,
) -> ImportSummary:
    """Create a consultation from a Polis export folder (flushes, never commits).

    ``progress(total)`` is called once with the number of steps and returns a callable that is
    given each batch's size as it is written.
    """
    folder = Path(directory)
    try:
        export = read_polis_export(folder, history=True)
    except InputError as exc:
        raise ImportFailed(str(exc)) from exc
    matrix = export.matrix
    # The Pol.is JSON form has conversation.json and comment times instead of the CSV files.
    conversation = export.conversation
    info = _summary_fields(folder) or {
        "topic": str(conversation.get("topic") or ""),
        "conversation-description": str(conversation.get("description") or ""),
    }
    times = _comment_times(folder) or {
        cid: datetime.fromtimestamp(stamp, tz=UTC) for cid, stamp in export.comment_times.items()
    }
    now = utcnow()
    advance: Progress = (
        progress(count_steps(len(matrix.participants), len(matrix.statements), matrix.n_votes))
        if progress
        else (lambda n: None)
    )

    consultation = _create_consultation(
        title=(title or info.get("topic") or folder.name).strip()[:200] or folder.name,
        description=info.get("conversation-description", ""),
        source=info.get("url", ""),
        owner=owner,
        status=status,
        opened=min(times.values(), default=now),
        now=now,
    )

    user_ids = insert_participants(
        [PARTICIPANT_NAME.format(pid) for pid in matrix.participants], now
    )
    advance(len(user_ids))

    moderated = {matrix.statements[j] for j in matrix.moderated_out}
    statement_rows = []
    for cid in matrix.statements:
        text = clean_text(export.texts.get(cid, "")) or f"(Polis comment {cid})"
        created = times.get(cid, now)
        statement_rows.append(
            {
                "consultation_id": consultation.id,
                "kind": StatementKind.position,
                "text": text,
                "text_key": text_key(text),
                "author_id": None,
                "status": StatementStatus.hidden if cid in moderated else StatementStatus.visible,
                "auto_hidden": False,
                "external_id": cid[:64],
                "created_at": created,
                "updated_at": created,
            }
        )
    statement_ids = (
        list(
            db.session.scalars(
                insert(Statement.__table__).returning(
                    Statement.__table__.c.id, sort_by_parameter_order=True
                ),
                statement_rows,
            )
        )
        if statement_rows
        else []
    )
    advance(len(statement_ids))

    rows = matrix.rows.tolist()
    cols = matrix.cols.tolist()
    values = matrix.values.tolist()
    cast_at = _vote_times(export, now)
    _insert_votes(
        consultation.id,
        [
            (statement_ids[c], user_ids[r], int(v), cast_at.get((r, c), now))
            for r, c, v in zip(rows, cols, values, strict=True)
        ],
        advance,
    )
    db.session.flush()
    if has_vote_times(export):
        _start_groups_by_replay(export, consultation, user_ids, statement_ids, now)
    return ImportSummary(
        consultation=consultation,
        participants=len(user_ids),
        statements=len(statement_ids),
        hidden=len(moderated),
        votes=len(rows),
    )


def _vote_times(export: PolisExport, now: datetime) -> dict[tuple[int, int], datetime]:
    """When each latest vote was cast, by (matrix row, column), where the export says."""
    log = export.log
    if log is None or not has_vote_times(export):
        return {}
    row_of = {pid: i for i, pid in enumerate(export.matrix.participants)}
    col_of = {sid: j for j, sid in enumerate(export.matrix.statements)}
    rows = [row_of.get(pid, -1) for pid in log.participants]
    cols = [col_of.get(sid, -1) for sid in log.statements]
    times: dict[tuple[int, int], float] = {}
    for r, c, t in zip(log.rows.tolist(), log.cols.tolist(), log.times.tolist(), strict=True):
        times[(rows[r], cols[c])] = t  # in time order: the latest vote's time stays
    return {key: datetime.fromtimestamp(t, tz=UTC) for key, t in times.items() if t > 0}


def _start_groups_by_replay(
    export: PolisExport,
    consultation: Consultation,
    user_ids: list[int],
    statement_ids: list[int],
    now: datetime,
) -> None:
    """Store the opinion groups' state the votes reach when replayed in time order.

    The same replay as ``python -m debate polis DIR`` (one update per second of votes, a
    final restart, the groups numbered afresh), with the export's ids turned into the
    consultation's, so that the consultation's first analysis equals the command's.
    """
    log = export.log
    assert log is not None  # has_vote_times
    matrix = export.matrix
    replayed = replay_conversation(
        log,
        restart_at_end=True,
        moderated_out=matrix.moderated_out,
        meta=matrix.meta,
        seed=int(current_app.config.get("ANALYSIS_SEED", 0)),
        fresh_ids=True,
    )
    if replayed.update is None or replayed.start is None:
        return
    people = dict(
        zip(
            matrix.participants,
            adapters.participant_ids(consultation.id, user_ids),
            strict=True,
        )
    )
    statements = {
        sid: adapters.statement_key(db_id)
        for sid, db_id in zip(matrix.statements, statement_ids, strict=True)
    }
    start = replayed.start.renamed(people, statements)
    state = replayed.update.state.renamed(people, statements)
    fingerprint, _n = analysis_fingerprint(consultation)
    analysis_state.save_state(
        consultation.id,
        base=start,
        state=state,
        registry=analysis_state.advance_registry([], [g.id for g in state.groups], (), now),
        fingerprint=fingerprint,
        origin=analysis_state.ORIGIN_REPLAY,
        at=now,
    )


def _create_consultation(
    *,
    title: str,
    description: str,
    source: str,
    owner: User | None,
    status: ConsultationStatus,
    opened: datetime,
    now: datetime,
) -> Consultation:
    summary_line = next((line.strip() for line in description.splitlines() if line.strip()), "")
    summary = summary_line[:500] if summary_line else f"Imported from Polis: {title}"[:500]
    body = description
    if source:
        body = (body + "\n\n" if body else "") + f"Imported from the Polis conversation {source}."
    consultation = Consultation(
        slug=_free_slug(slugify(title)),
        title=title,
        summary=summary,
        body=body,
        status=status,
        created_by_id=owner.id if owner is not None else None,
        opens_at=opened,
        closed_at=now
        if status in (ConsultationStatus.closed, ConsultationStatus.reported)
        else None,
    )
    if owner is not None:
        consultation.members.append(ConsultationMember(user_id=owner.id, role=MemberRole.owner))
    db.session.add(consultation)
    db.session.flush()
    return consultation


def _free_slug(base: str) -> str:
    taken = set(
        db.session.scalars(select(Consultation.slug).where(Consultation.slug.like(f"{base}%")))
    )
    if base not in taken:
        return base
    for n in range(2, 1000):
        candidate = f"{base[:74]}-{n}"
        if candidate not in taken:
            return candidate
    return f"{base[:72]}-{secrets.token_hex(3)}"


def _insert_votes(
    consultation_id: int,
    votes: list[tuple[int, int, int, datetime]],
    advance: Progress,
) -> None:
    """Insert (statement id, user id, value, time) rows: COPY on PostgreSQL, executemany
    elsewhere.

    Both run on the session's connection, inside its transaction. On PostgreSQL an executemany
    still executes one INSERT per row on the server; COPY streams the rows in one command.
    """
    connection = db.session.connection()
    columns = ("consultation_id", "statement_id", "user_id", "value", "created_at", "updated_at")
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        assert raw is not None  # a live connection of the session's transaction
        command = f"COPY votes ({', '.join(columns)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(command) as copy:
            for start in range(0, len(votes), VOTE_CHUNK):
                chunk = votes[start : start + VOTE_CHUNK]
                for statement_id, user_id, value, at in chunk:
                    copy.write_row((consultation_id, statement_id, user_id, value, at, at))
                advance(len(chunk))
        return
    table = Vote.__table__
    for start in range(0, len(votes), VOTE_CHUNK):
        chunk = votes[start : start + VOTE_CHUNK]
        db.session.execute(
            insert(table),
            [dict(zip(columns, (consultation_id, *vote, vote[3]), strict=True)) for vote in chunk],
        )
        advance(len(chunk))
