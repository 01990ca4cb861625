"""What the importers share (a Polis export folder, a Kenes JSON export): the error, the
summary, and the imported participants' accounts. Both write a new consultation in one
transaction the caller commits, after reading the whole input: a bad file changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert

from consult.auth.models import Role, User
from consult.consultations.models import Consultation
from consult.extensions import db


class ImportFailed(Exception):
    """The input cannot be imported; the message says where (file, row, key) and why, in one
    line."""


@dataclass(frozen=True)
class ImportSummary:
    """What an import created (counts of what the format has; the others stay 0)."""

    consultation: Consultation
    participants: int
    statements: int
    votes: int
    hidden: int = 0
    links: int = 0
    responses: int = 0
    kept_ids: bool = False


def insert_participants(names: Sequence[str], now: datetime) -> list[int]:
    """Create imported accounts (no e-mail, no password) with these display names, in order;
    return their ids in the same order (one multi-row INSERT)."""
    if not names:
        return []
    rows: list[dict[str, Any]] = [
        {
            "email": None,
            "display_name": name[:80],
            "password_hash": None,
            "role": Role.participant,
            "is_imported": True,
            "created_at": now,
            "session_version": 0,
        }
        for name in names
    ]
    return list(
        db.session.scalars(
            insert(User.__table__).returning(User.__table__.c.id, sort_by_parameter_order=True),
            rows,
        )
    )
