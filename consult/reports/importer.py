"""Import a Kenes JSON export into this instance (``kenes import-json FILE``).

The whole file is validated before anything is written, and everything is written in one
transaction by the caller: a bad file changes nothing. Participants become imported anonymous
accounts (no e-mail, no password), created in the export's participant order so the analysis
sees them in the same order; statement ids are kept when they are free (a fresh instance), so the
recomputed analysis names the same statements.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import IO, Any

from sqlalchemy import func, insert, select, text

from consult.auth.models import User
from consult.consultations.imports import ImportFailed, ImportSummary, insert_participants
from consult.consultations.models import (
    Consultation,
    ConsultationMember,
    ConsultationStatus,
    MemberRole,
    ModerationMode,
    ResponsePolicy,
)
from consult.extensions import db
from consult.reports.exporters import EXPORT_FORMAT, EXPORT_VERSION
from consult.responses.models import Decision, Response, ResponseItem, response_statements
from consult.responses.services import clean_measure_url
from consult.statements.models import (
    Relation,
    Statement,
    StatementKind,
    StatementLink,
    StatementStatus,
)
from consult.text import text_key
from consult.types import utcnow
from consult.votes.models import Vote, VoteValue

CHUNK = 5000
PARTICIPANT_NAME = "Imported participant {}"


__all__ = ["ImportFailed", "ImportSummary", "import_export", "load_export", "validate_export"]


def _fail(where: str, message: str) -> ImportFailed:
    return ImportFailed(f"{where}: {message}")


def _new_id(obj: Any, where: str, seen: set[int], what: str) -> int:
    """The integer ``id`` of an entry, which no earlier entry had (it is added to ``seen``)."""
    new: int = _require(obj, "id", int, where)
    if new in seen:
        raise _fail(where, f"duplicate {what} id {new}")
    seen.add(new)
    return new


def _require(obj: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(obj, dict):
        raise _fail(where, "expected an object")
    if key not in obj:
        raise _fail(where, f"missing {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _fail(where, f"{key!r} has the wrong type")
    return value


def _optional(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise _fail(where, f"{key!r} has the wrong type")
    return value


def _datetime(value: Any, where: str, key: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise _fail(where, f"{key!r} is not an ISO date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _date(value: Any, where: str, key: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _fail(where, f"{key!r} is not an ISO date") from None


def _enum(enum: Any, value: Any, where: str, key: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(e.value for e in enum)
        raise _fail(where, f"{key!r} must be one of {choices}") from None


def load_export(stream: IO[bytes] | IO[str]) -> dict[str, Any]:
    """Parse an export file, or raise ImportFailed."""
    try:
        data = json.load(stream)
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    except UnicodeDecodeError:
        raise ImportFailed("not UTF-8 text") from None
    if not isinstance(data, dict):
        raise ImportFailed("not a Kenes export (the top level is not an object)")
    if data.get("format") != EXPORT_FORMAT:
        raise ImportFailed(f"not a Kenes export (format is not {EXPORT_FORMAT!r})")
    if data.get("version") != EXPORT_VERSION:
        raise ImportFailed(f"unsupported export version {data.get('version')!r}")
    return data


def validate_export(data: dict[str, Any]) -> dict[str, Any]:
    """Check every part of an export and return it normalised, or raise ImportFailed."""
    c = _require(data, "consultation", dict, "consultation")
    slug = _require(c, "slug", str, "consultation").strip()
    if not slug or len(slug) > 120:
        raise _fail("consultation", "'slug' must be 1 to 120 characters")
    title = _require(c, "title", str, "consultation").strip()
    if not title or len(title) > 200:
        raise _fail("consultation", "'title' must be 1 to 200 characters")
    consultation = {
        "slug": slug,
        "title": title,
        "summary": (_optional(c, "summary", str, "consultation") or "")[:500],
        "body": _optional(c, "body", str, "consultation") or "",
        "status": _enum(ConsultationStatus, c.get("status", "closed"), "consultation", "status"),
        "moderation": _enum(
            ModerationMode, c.get("moderation", "post"), "consultation", "moderation"
        ),
        "response_policy": _enum(
            ResponsePolicy, c.get("response_policy", "consensus"), "consultation", "response_policy"
        ),
        "flag_threshold": int(_optional(c, "flag_threshold", int, "consultation") or 3),
    }
    for key in ("created_at", "opens_at", "closes_at", "closed_at", "reported_at"):
        consultation[key] = _datetime(c.get(key), "consultation", key)

    participants = _require(data, "participants", list, "participants")
    seen_participants: dict[str, int] = {}
    for i, pid in enumerate(participants):
        if not isinstance(pid, str) or not pid or len(pid) > 64:
            raise _fail(f"participants[{i}]", "must be a non-empty id of at most 64 characters")
        if pid in seen_participants:
            raise _fail(f"participants[{i}]", f"duplicate participant {pid!r}")
        seen_participants[pid] = i

    statements = []
    statement_ids: set[int] = set()
    for i, s in enumerate(_require(data, "statements", list, "statements")):
        where = f"statements[{i}]"
        sid = _new_id(s, where, statement_ids, "statement")
        body = _require(s, "text", str, where)
        if not body.strip() or len(body) > 20000:
            raise _fail(where, "'text' must be 1 to 20000 characters")
        author = s.get("author")
        if author is not None and author not in seen_participants:
            raise _fail(where, f"unknown author {author!r} (not in participants)")
        statements.append(
            {
                "id": sid,
                "kind": _enum(StatementKind, s.get("kind"), where, "kind"),
                "status": _enum(StatementStatus, s.get("status", "visible"), where, "status"),
                "text": body,
                "author": author,
                "created_at": _datetime(s.get("created_at"), where, "created_at"),
                "merged_into": _optional(s, "merged_into", int, where),
                "external_id": _optional(s, "external_id", str, where),
            }
        )
    for i, s in enumerate(statements):
        if s["merged_into"] is not None and s["merged_into"] not in statement_ids:
            raise _fail(f"statements[{i}]", f"merged into unknown statement {s['merged_into']}")
        if s["status"] is StatementStatus.pending:
            raise _fail(f"statements[{i}]", "pending statements are not exported")

    links = []
    pairs: set[tuple[int, int]] = set()
    for i, link in enumerate(_require(data, "links", list, "links")):
        where = f"links[{i}]"
        source = _require(link, "source", int, where)
        target = _require(link, "target", int, where)
        if source not in statement_ids or target not in statement_ids:
            raise _fail(where, "links a statement that is not in the file")
        if source == target:
            raise _fail(where, "a statement cannot link to itself")
        if (source, target) in pairs:
            raise _fail(where, f"duplicate link {source} -> {target}")
        pairs.add((source, target))
        links.append(
            {
                "source": source,
                "target": target,
                "relation": _enum(Relation, link.get("relation"), where, "relation"),
                "created_at": _datetime(link.get("created_at"), where, "created_at"),
            }
        )

    votes = _require(data, "votes", list, "votes")
    voted: set[tuple[int, int]] = set()
    for i, vote in enumerate(votes):
        where = f"votes[{i}]"
        if not isinstance(vote, dict):
            raise _fail(where, "expected an object")
        pid = vote.get("participant")
        index = seen_participants.get(pid) if isinstance(pid, str) else None
        if index is None:
            raise _fail(where, f"unknown participant {pid!r}")
        voted_on = vote.get("statement")
        if not isinstance(voted_on, int) or isinstance(voted_on, bool):
            raise _fail(where, f"unknown statement {voted_on!r}")
        sid = voted_on
        if sid not in statement_ids:
            raise _fail(where, f"unknown statement {sid!r}")
        if vote.get("value") not in ("agree", "disagree", "pass"):
            raise _fail(where, "'value' must be agree, disagree or pass")
        if (index, sid) in voted:
            raise _fail(where, f"a second vote of {pid} on statement {sid}")
        voted.add((index, sid))
        for key in ("created_at", "updated_at"):
            _datetime(vote.get(key), where, key)

    responses = []
    response_ids: set[int] = set()
    answered: set[int] = set()
    for i, r in enumerate(_require(data, "responses", list, "responses")):
        where = f"responses[{i}]"
        rid = _new_id(r, where, response_ids, "response")
        targets = _require(r, "statements", list, where)
        if not targets or any(t not in statement_ids for t in targets):
            raise _fail(where, "'statements' must list statements of the file")
        if answered & set(targets):
            raise _fail(where, "a statement is answered twice")
        answered.update(targets)
        body = _require(r, "text", str, where)
        if not body.strip():
            raise _fail(where, "'text' is empty")
        try:
            measure_url = clean_measure_url(r.get("measure_url"))
        except Exception:  # noqa: BLE001 - ValidationFailed: reported as one line
            raise _fail(where, "'measure_url' is not an http(s) address") from None
        responses.append(
            {
                "id": rid,
                "statements": list(dict.fromkeys(targets)),
                "decision": _enum(Decision, r.get("decision"), where, "decision"),
                "text": body,
                "measure_url": measure_url,
                "language": _optional(r, "language", str, where),
                "created_at": _datetime(r.get("created_at"), where, "created_at"),
                "updated_at": _datetime(r.get("updated_at"), where, "updated_at"),
            }
        )

    items = []
    item_statements: set[int] = set()
    for i, item in enumerate(data.get("response_items") or []):
        where = f"response_items[{i}]"
        sid = _require(item, "statement", int, where)
        if sid not in statement_ids or sid in item_statements:
            raise _fail(where, f"unknown or repeated statement {sid}")
        item_statements.add(sid)
        response = item.get("response")
        if response is not None and response not in response_ids:
            raise _fail(where, f"unknown response {response!r}")
        due_on = _date(item.get("due_on"), where, "due_on")
        if due_on is None:
            raise _fail(where, "missing 'due_on'")
        items.append(
            {
                "statement": sid,
                "reason": str(item.get("reason") or "")[:40],
                "due_on": due_on,
                "extended_due_on": _date(item.get("extended_due_on"), where, "extended_due_on"),
                "extension_reason": _optional(item, "extension_reason", str, where),
                "extended_at": _datetime(item.get("extended_at"), where, "extended_at"),
                "response": response,
                "answered_at": _datetime(item.get("answered_at"), where, "answered_at"),
                "created_at": _datetime(item.get("created_at"), where, "created_at"),
            }
        )
    return {
        "consultation": consultation,
        "participants": participants,
        "statements": statements,
        "links": links,
        "votes": votes,
        "responses": responses,
        "items": items,
    }


def _fix_sequence(table: str) -> None:
    """After inserting explicit ids on PostgreSQL, move the id sequence past them."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    db.session.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - fixed name
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )
    )


def import_export(data: dict[str, Any], *, owner: User | None = None) -> ImportSummary:
    """Write a validated export as a new consultation (flushes; the caller commits)."""
    clean = validate_export(data)
    c = clean["consultation"]
    if db.session.scalar(select(Consultation.id).where(Consultation.slug == c["slug"])):
        raise ImportFailed(f"consultation: a consultation with slug {c['slug']!r} already exists")
    now = utcnow()
    consultation = Consultation(
        slug=c["slug"],
        title=c["title"],
        summary=c["summary"],
        body=c["body"],
        status=c["status"],
        moderation=c["moderation"],
        response_policy=c["response_policy"],
        flag_threshold=c["flag_threshold"],
        created_by_id=owner.id if owner else None,
        created_at=c["created_at"] or now,
        opens_at=c["opens_at"],
        closes_at=c["closes_at"],
        closed_at=c["closed_at"],
        reported_at=c["reported_at"],
    )
    db.session.add(consultation)
    db.session.flush()
    if owner is not None:
        db.session.add(
            ConsultationMember(
                consultation_id=consultation.id, user_id=owner.id, role=MemberRole.owner
            )
        )

    # Participants: imported anonymous accounts, in the file's order (ids ascend with it).
    user_ids: dict[str, int] = {}
    participants = clean["participants"]
    for start in range(0, len(participants), CHUNK):
        chunk = participants[start : start + CHUNK]
        names = [PARTICIPANT_NAME.format(start + i + 1) for i in range(len(chunk))]
        user_ids.update(zip(chunk, insert_participants(names, now), strict=True))

    statements = clean["statements"]
    wanted = [s["id"] for s in statements]
    taken = 0
    for start in range(0, len(wanted), CHUNK):
        taken += (
            db.session.scalar(
                select(func.count(Statement.id)).where(
                    Statement.id.in_(wanted[start : start + CHUNK])
                )
            )
            or 0
        )
    keep_ids = taken == 0
    id_map: dict[int, int] = {}
    rows = []
    for s in statements:
        row = {
            "consultation_id": consultation.id,
            "kind": s["kind"],
            "status": s["status"],
            "text": s["text"],
            "text_key": text_key(s["text"]),
            "author_id": user_ids.get(s["author"]) if s["author"] else None,
            "external_id": s["external_id"],
            "created_at": s["created_at"] or now,
            "updated_at": s["created_at"] or now,
            "auto_hidden": False,
        }
        if keep_ids:
            row["id"] = s["id"]
        rows.append(row)
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        ids = list(
            db.session.scalars(
                insert(Statement).returning(Statement.id, sort_by_parameter_order=True), chunk
            )
        )
        for s, new_id in zip(statements[start : start + CHUNK], ids, strict=True):
            id_map[s["id"]] = new_id
    if keep_ids:
        _fix_sequence("statements")
    merged = [(id_map[s["id"]], id_map[s["merged_into"]]) for s in statements if s["merged_into"]]
    for sid, target in merged:
        db.session.execute(
            Statement.__table__.update().where(Statement.id == sid).values(merged_into_id=target)
        )

    link_rows = [
        {
            "consultation_id": consultation.id,
            "source_id": id_map[link["source"]],
            "target_id": id_map[link["target"]],
            "relation": link["relation"],
            "created_at": link["created_at"] or now,
        }
        for link in clean["links"]
    ]
    for start in range(0, len(link_rows), CHUNK):
        db.session.execute(insert(StatementLink), link_rows[start : start + CHUNK])

    n_votes = 0
    batch: list[dict[str, Any]] = []
    for vote in clean["votes"]:
        created = _datetime(vote.get("created_at"), "votes", "created_at") or now
        batch.append(
            {
                "consultation_id": consultation.id,
                "statement_id": id_map[vote["statement"]],
                "user_id": user_ids[vote["participant"]],
                "value": VoteValue.from_label(vote["value"]).value,
                "created_at": created,
                "updated_at": _datetime(vote.get("updated_at"), "votes", "updated_at") or created,
            }
        )
        if len(batch) >= CHUNK:
            db.session.execute(insert(Vote), batch)
            n_votes += len(batch)
            batch = []
    if batch:
        db.session.execute(insert(Vote), batch)
        n_votes += len(batch)

    response_map: dict[int, int] = {}
    for r in clean["responses"]:
        response = Response(
            consultation_id=consultation.id,
            author_id=None,
            decision=r["decision"],
            text=r["text"],
            measure_url=r["measure_url"],
            language=r["language"],
            created_at=r["created_at"] or now,
            updated_at=r["updated_at"] or r["created_at"] or now,
        )
        db.session.add(response)
        db.session.flush()
        response_map[r["id"]] = response.id
        db.session.execute(
            insert(response_statements),
            [{"response_id": response.id, "statement_id": id_map[sid]} for sid in r["statements"]],
        )
    for item in clean["items"]:
        db.session.add(
            ResponseItem(
                consultation_id=consultation.id,
                statement_id=id_map[item["statement"]],
                reason=item["reason"],
                due_on=item["due_on"],
                extended_due_on=item["extended_due_on"],
                extension_reason=item["extension_reason"],
                extended_at=item["extended_at"],
                response_id=response_map.get(item["response"]) if item["response"] else None,
                answered_at=item["answered_at"],
                created_at=item["created_at"] or now,
            )
        )
    db.session.flush()
    return ImportSummary(
        consultation=consultation,
        participants=len(user_ids),
        statements=len(statements),
        links=len(link_rows),
        votes=n_votes,
        responses=len(response_map),
        kept_ids=keep_ids,
    )
